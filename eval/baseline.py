"""The pipeline a newcomer would build from the llama-index documentation.

The whole report as one Document, ``SentenceSplitter`` defaults (1024 tokens, overlap 20),
dense-only top-5 with the same embedder, the top chunk as the answer. Each chunk's source
is derived from where it lies in the report. Its vectors are cached beside the index, so
a second gate run does not embed the report again.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from assistant.build import content_key
from assistant.corpus import ReportParser, corpus_hash
from assistant.vector_pack import VectorPack

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent / "baseline.vectors.npz"
SPLITTER = "llama-index SentenceSplitter defaults"  # what the shipped pack's texts were cut with


class NaiveBaseline:
    """Dense top-k over fixed-size windows of the raw markdown."""

    def __init__(self, corpus_path: Path, embedder, top_k: int = 5, cache_dir: Path | None = None,
                 shipped: VectorPack | None = None) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.corpus_path = Path(corpus_path)
        self.embedder = embedder
        self.top_k = top_k
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.chunks: list[tuple[str, str]] = []  # (text, source)
        self._vectors: np.ndarray | None = None
        self.build_s = 0.0
        self.cached = False  # whether build() read the vectors from the cache
        self.shipped = shipped  # vectors of the windows' texts a build may take instead of embedding them
        self.shipped_count = 0  # how many windows the last build took from ``shipped``

    def build(self) -> None:
        from llama_index.core import Document
        from llama_index.core.node_parser import SentenceSplitter

        start = time.perf_counter()
        text = self.corpus_path.read_text(encoding="utf-8")
        nodes = SentenceSplitter().get_nodes_from_documents([Document(text=text)])
        regions = ReportParser().source_at(text)
        starts = [offset for offset, _ in regions]
        for node in nodes:
            offset = node.start_char_idx if node.start_char_idx is not None else text.find(node.text[:200])
            i = bisect.bisect_right(starts, max(offset, 0)) - 1
            source = regions[i][1] if i >= 0 else None
            self.chunks.append((node.get_content(), source or "(front matter)"))
        self._vectors = self._embed(text)
        self.build_s = time.perf_counter() - start

    def cache_path(self, text: str) -> Path | None:
        """``baseline-<hash>.npy`` beside the index: the hash covers the corpus text, the embedder's
        name and the chunks it embeds, so any change in one of them means embedding again."""
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256()
        for part in (self.embedder.name, text, *(c for c, _ in self.chunks)):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return self.cache_dir / f"baseline-{digest.hexdigest()[:16]}.npy"

    def _embed(self, text: str) -> np.ndarray:
        path = self.cache_path(text)
        if path is not None and path.exists():
            try:
                vectors = np.load(path)
            except (OSError, ValueError) as exc:
                log.warning("the baseline cache %s is unreadable (%s): embedding again", path, exc)
            else:
                if vectors.ndim == 2 and vectors.shape[0] == len(self.chunks):
                    self.cached = True
                    return vectors
        texts = [c for c, _ in self.chunks]
        known = self.shipped.vectors_for(self.embedder) if self.shipped is not None else {}
        keys = [content_key(t) for t in texts]
        self.shipped_count = sum(k in known for k in keys)
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
        if todo:
            known = {**known, **dict(zip(map(content_key, todo), self.embedder.embed_passages(todo), strict=True))}
        vectors = np.vstack([known[k] for k in keys]).astype(np.float32)
        if path is not None:
            _save_atomically(path, vectors)
        return vectors

    def ask(self, question: str) -> dict:
        if self._vectors is None:
            self.build()
        q = self.embedder.embed_query(question)
        order = np.argsort(-(self._vectors @ q))[: self.top_k]
        top = [self.chunks[i] for i in order]
        return {"answer": top[0][0], "retrieved": [s for _, s in top], "cited": [top[0][1]], "refused": False}


def _save_atomically(path: Path, vectors: np.ndarray) -> None:
    """Write to a temporary file and rename it, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npy")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(tmp, vectors)
        tmp.replace(path)
    except OSError as exc:  # a read-only index folder: embed again next time
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        log.warning("could not cache the baseline vectors at %s: %s", path, exc)


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.baseline --export-vectors [PATH]``: write the baseline's vectors as the pack to ship."""
    parser = argparse.ArgumentParser(prog="python -m eval.baseline", description=main.__doc__)
    parser.add_argument("--export-vectors", nargs="?", const=str(SHIPPED), metavar="PATH", required=True,
                        help="where to write the pack (default: eval/baseline.vectors.npz)")
    args = parser.parse_args(argv)
    from assistant.embedding import make_embedder
    from assistant.settings import Settings

    settings = Settings()
    pack = VectorPack(Path(args.export_vectors))
    baseline = NaiveBaseline(settings.corpus_path, make_embedder(settings.embedder), cache_dir=settings.index_dir,
                             shipped=pack)
    baseline.build()  # from the cache beside the index or the old pack where they fit, else embedded
    vectors = {content_key(text): v for (text, _), v in zip(baseline.chunks, baseline._vectors, strict=True)}
    manifest = pack.write(vectors, baseline.embedder, corpus_hash(settings.corpus_path), SPLITTER)
    print(f"{manifest.count} baseline vectors of {manifest.embedder} {manifest.embedder_version} written to {pack.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
