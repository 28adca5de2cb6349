"""Which pelvicore code a benchmark measured: a short fingerprint of the source files it loaded."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def loaded_sources() -> list[Path]:
    """The pelvicore source files loaded in this process so far: the code under test."""
    files = {
        Path(module.__file__)
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] == "pelvicore" and getattr(module, "__file__", None)
    }
    return sorted(files)


def source_fingerprint(files: list[Path]) -> str:
    """Short SHA-256 of ``files``, to tell which code a report describes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def finish_report(lines: list[str], sources: list[Path], fingerprint: str, out: Path | None) -> None:
    """Warn when pelvicore's code changed while the benchmark ran, then write the report to ``out``."""
    if source_fingerprint(sources) != fingerprint:
        lines += ["", "**Warning:** pelvicore's source changed during the run; rerun for a consistent report."]
        print("\n".join(lines[-2:]))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n")
