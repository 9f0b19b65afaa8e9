"""Assembling the GGUF from its parts, with small fake parts (no real model needed)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from assistant import llm_model
from assistant.llm_model import ModelAssemblyError
from vectorstore.settings import Settings, load_settings


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """22 tiny part files; ``locate_part`` and the expected size/hash point at them."""
    parts_dir = tmp_path / "parts"
    parts_dir.mkdir()
    data = b""
    for n in range(1, llm_model.N_PARTS + 1):
        piece = f"part {n:02d} ".encode() * n
        (parts_dir / f"part{n:02d}.bin").write_bytes(piece)
        data += piece

    def locate_part(n: int) -> Path:
        path = parts_dir / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelAssemblyError(f"Model part {n} is not installed; pip install ...")
        return path

    monkeypatch.setattr(llm_model, "locate_part", locate_part)
    monkeypatch.setattr(llm_model, "EXPECTED_SIZE", len(data))
    monkeypatch.setattr(llm_model, "EXPECTED_SHA256", hashlib.sha256(data).hexdigest())
    return data


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(cache_dir=tmp_path / "cache")


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_assemble_joins_parts_in_order_and_verifies(fake_parts: bytes, settings: Settings) -> None:
    path = llm_model.assemble_gguf(settings)
    assert path == llm_model.default_gguf_path(settings)
    assert path.read_bytes() == fake_parts
    assert llm_model.is_verified(path)
    assert llm_model.sidecar_path(path).is_file()
    assert _leftovers(path.parent) == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_assemble_is_idempotent(
    fake_parts: bytes, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = llm_model.assemble_gguf(settings)

    def no_parts(n: int) -> Path:
        raise AssertionError("parts must not be read again")

    monkeypatch.setattr(llm_model, "locate_part", no_parts)
    assert llm_model.assemble_gguf(settings) == path
    assert llm_model.resolve_model_path(settings) == path


def test_wrong_hash_is_refused_and_leaves_nothing(
    fake_parts: bytes, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llm_model, "EXPECTED_SHA256", "0" * 64)
    with pytest.raises(ModelAssemblyError, match="does not match"):
        llm_model.assemble_gguf(settings)
    target = llm_model.default_gguf_path(settings)
    assert not target.exists()
    assert _leftovers(target.parent) == []


def test_wrong_total_size_is_refused(
    fake_parts: bytes, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llm_model, "EXPECTED_SIZE", len(fake_parts) + 1)
    with pytest.raises(ModelAssemblyError, match="add up to"):
        llm_model.assemble_gguf(settings)
    assert not llm_model.default_gguf_path(settings).exists()


def test_missing_part_is_reported(fake_parts: bytes, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "parts" / "part07.bin").unlink()
    assert not llm_model.parts_installed()
    with pytest.raises(ModelAssemblyError, match="part 7"):
        llm_model.assemble_gguf(settings)


def test_corrupted_target_is_rebuilt(fake_parts: bytes, settings: Settings) -> None:
    path = llm_model.assemble_gguf(settings)
    path.write_bytes(b"X" * len(fake_parts))  # same size, new mtime: the sidecar is stale
    os.utime(path, ns=(1, 1))
    assert not llm_model.is_verified(path)
    assert llm_model.assemble_gguf(settings).read_bytes() == fake_parts


def test_sidecar_avoids_rehashing(
    fake_parts: bytes, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = llm_model.assemble_gguf(settings)

    def no_hash(p: Path) -> str:
        raise AssertionError("must not rehash")

    monkeypatch.setattr(llm_model, "sha256_file", no_hash)
    assert llm_model.is_verified(path)


def test_explicit_model_path(tmp_path: Path) -> None:
    missing = load_settings(llm_model_path=tmp_path / "nope.gguf", cache_dir=tmp_path)
    with pytest.raises(ModelAssemblyError, match="does not exist"):
        llm_model.resolve_model_path(missing)
    gguf = tmp_path / "own.gguf"
    gguf.write_bytes(b"GGUF")
    own = load_settings(llm_model_path=gguf, cache_dir=tmp_path)
    assert llm_model.resolve_model_path(own) == gguf


def test_cli_check_and_assemble(
    fake_parts: bytes,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(llm_model, "load_settings", lambda: settings)
    assert llm_model.main(["--check"]) == 1
    assert llm_model.main([]) == 0
    assert capsys.readouterr().out.strip().endswith(llm_model.MODEL_FILENAME)
    assert llm_model.main(["--check"]) == 0
