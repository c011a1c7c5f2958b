"""Command line: ``python -m assistant ask|build-index|serve|feedback export|insights``. A thin shell over the
service."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import AssistantError, InputError


def _assistant(settings):
    from .service import Assistant

    return Assistant.from_settings(settings)


def _print_answer(answer, as_json: bool, contact=None) -> None:
    """The answer, its citations and, with a refusal or a request for a person, the configured contact."""
    if as_json:
        print(json.dumps({**answer.to_dict(), "handoff": contact.to_dict() if contact else None},
                         ensure_ascii=False, indent=2))
        return
    print(answer.text)
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.n}] {c.source} – {c.section}")
            print(f"    {c.quote or c.text[:300]}")
    if contact is not None:
        print()
        print(contact.lines(answer.language))


def _date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-01: {value!r}") from None


def _insights(settings, since, fmt: str, out: str | None) -> None:
    from datetime import datetime
    from pathlib import Path

    from .db import Database, database_url
    from .embedding import make_embedder
    from .feedback import FeedbackStore
    from .insights import InsightsBuilder
    from .insights_report import render
    from .question_log import read_rows
    from .store import write_text_atomic

    database = Database(database_url(settings.database_url, settings.data_dir))
    embedder = []  # the model loads only if there are questions to group

    def embed(texts: list[str]):
        if not embedder:
            embedder.append(make_embedder(settings.embedder, settings.embed_threads))
        return embedder[0].embed_passages(texts)

    start = datetime.combine(since, datetime.min.time()) if since else None
    insights = InsightsBuilder(embed, settings.insights_group_distance).run(
        read_rows(database, start), FeedbackStore(database).rows(since=since.isoformat() if since else None), since)
    database.close()
    text = render(insights, fmt)
    if out is None:
        sys.stdout.write(text)
        return
    write_text_atomic(Path(out), text)
    print(f"{insights.total} questions, {len(insights.drafts)} drafts: {fmt} written to {out}", file=sys.stderr)


def _export_vectors(assistant, path: str) -> None:
    from .vector_pack import VectorPack

    if not path:
        raise InputError("--export-vectors needs a PATH when ASSISTANT_SHIPPED_VECTORS is empty")
    from pathlib import Path

    pack = VectorPack(Path(path))
    manifest = assistant.export_vectors(pack)
    print(f"{manifest.count} vectors of {manifest.embedder} {manifest.embedder_version} written to {pack.path} "
          f"(manifest {pack.manifest_path})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--lang", choices=["de", "en"], help="answer language (default: detected)")
    build = sub.add_parser("build-index", help="build the search index if the corpus or embedder changed")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    build.add_argument("--quiet", action="store_true",
                       help="no progress bars (they are drawn only on a terminal anyway; ASSISTANT_PROGRESS=false)")
    build.add_argument("--export-vectors", nargs="?", const="", metavar="PATH",
                       help="then write the report's vectors from the index as the pack to ship (default: "
                            "ASSISTANT_SHIPPED_VECTORS, corpus/smart-city-atlas-2019.vectors.npz)")
    sub.add_parser("serve", help="serve the chat UI and the APIs on ASSISTANT_HOST:ASSISTANT_PORT")
    feedback = sub.add_parser("feedback", help="the ratings given in the chat")
    feedback_sub = feedback.add_subparsers(dest="feedback_command", required=True, metavar="export")
    export = feedback_sub.add_parser("export", help="write every rating as JSON lines")
    export.add_argument("--out", help="file to write (atomically); default: stdout")
    insights = sub.add_parser("insights", help="what was asked: per day, share refused, most asked, refused and "
                                               "thumbs-down questions, draft evaluation items")
    insights.add_argument("--since", type=_date, help="only questions from this day on (YYYY-MM-DD, UTC)")
    insights.add_argument("--format", choices=["md", "csv", "jsonl", "drafts"], default="md",
                          help="md (default), csv, jsonl, or drafts: evaluation items for eval/ to check")
    insights.add_argument("--out", help="file to write (atomically); default: stdout")
    args = parser.parse_args(argv)

    from .settings import Settings

    try:
        settings = Settings()
        if args.command == "ask":
            assistant = _assistant(settings)
            try:
                from .service import clean_question

                clean_question(args.question, settings.max_question_chars, args.lang or "de")
            except InputError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            assistant.ensure_index()
            answer = assistant.ask(args.question, language=args.lang)
            _print_answer(answer, args.json, assistant.handoff.for_answer(answer))
            return 0
        if args.command == "build-index":
            assistant = _assistant(settings)
            from .progress import Progress

            info = assistant.build_index(force=args.force, progress=Progress(settings.progress and not args.quiet))
            state = "built" if info.built else "up to date"
            texts = (f"; {info.embedded} texts embedded, {info.reused} reused, {info.shipped} of them shipped"
                     if info.built else "")
            print(f"index {state}: {info.chunks} chunks at {info.location} ({info.seconds:.1f} s{texts})")
            if args.export_vectors is not None:
                _export_vectors(assistant, args.export_vectors or settings.shipped_vectors)
            return 0
        if args.command == "feedback":
            from .db import database_url
            from .feedback import FeedbackStore

            count = FeedbackStore(database_url(settings.database_url, settings.data_dir)).export(args.out)
            if args.out:
                print(f"{count} ratings written to {args.out}", file=sys.stderr)
            return 0
        if args.command == "insights":
            _insights(settings, args.since, args.format, args.out)
            return 0
        if args.command == "serve":
            from .api import serve

            serve(settings)
            return 0
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # settings validation and the like: a message, not a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 1
