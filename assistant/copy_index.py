"""Copy the embedded index (``ASSISTANT_INDEX_DIR``) into a Chroma server, vectors included.

    python -m assistant.copy_index --to http://127.0.0.1:8000 [--token TOKEN]

Filling a server this way costs seconds instead of embedding the report again (minutes); the copy gets
the same manifest, so ``ASSISTANT_CHROMA_URL=... python -m assistant build-index`` then finds it current.
"""

from __future__ import annotations

import argparse
import sys

from .errors import AssistantError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.copy_index", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", required=True, help="the Chroma server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", default="", help="bearer token of the server, if it wants one")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is drawn only on a terminal anyway; ASSISTANT_PROGRESS=false)")
    args = parser.parse_args(argv)

    from .progress import Progress
    from .settings import Settings
    from .store import ChromaStore

    try:
        settings = Settings()
        source = ChromaStore(settings.index_dir, prefix=settings.collection_prefix)
        target = ChromaStore(settings.index_dir, url=args.to, token=args.token, prefix=settings.collection_prefix)
        manifest = source.copy_to(target, Progress(settings.progress and not args.quiet))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"copied {manifest.count} chunks ({manifest.embedder}) from {source.location} to {target.location}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
