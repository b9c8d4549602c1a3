"""Writes the two lock files from pyproject.toml, with the hash of every distribution:

- requirements.lock: what the product needs in production (`[project] dependencies`), nothing else;
- requirements-test.lock: what the test extras add on top of it, at the versions of
  requirements.lock (install both together: `pip install --require-hashes -r requirements.lock
  -r requirements-test.lock`).

Versions already pinned stay as they are (the current locks are the constraints); a new or
loosened dependency takes the newest release that fits. Run with uv on the PATH or given:

    python deploy/lock.py [--uv PATH]            # `make lock` does this in a throwaway venv
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD, TEST = ROOT / "requirements.lock", ROOT / "requirements-test.lock"
HEADER = "# {what}. Written by deploy/lock.py from pyproject.toml; do not edit by hand.\n"
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


def _compile(uv: str, out: Path, *, extras: list[str], constraints: list[Path]) -> None:
    command = [uv, "pip", "compile", str(ROOT / "pyproject.toml"), "--python-version", "3.11",
               "--python-platform", "linux", "--generate-hashes", "--no-header",
               "--annotation-style", "line", "--index-url", "https://pypi.org/simple", "-o", str(out)]
    for extra in extras:
        command += ["--extra", extra]
    for constraint in constraints:
        if constraint.exists():
            command += ["-c", str(constraint)]
    subprocess.run(command, check=True)  # noqa: S603 (uv, with arguments of this script)


def _entries(text: str) -> list[str]:
    """The lock's entries: a `name==version \\` line and its hash lines (comments dropped)."""
    blocks: list[str] = []
    for line in text.splitlines():
        if ENTRY.match(line):
            blocks.append(line)
        elif line.startswith("    --hash") and blocks:
            blocks[-1] += "\n" + line
    return [b.rstrip(" \\") if "--hash" not in b else b for b in blocks]


def _name(entry: str) -> str:
    return re.sub(r"[-_.]+", "-", ENTRY.match(entry).group(1)).lower()


def _pin(entry: str) -> str:
    return entry.splitlines()[0].rstrip(" \\") + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default=shutil.which("uv") or "uv")
    uv = parser.parse_args().uv
    with tempfile.TemporaryDirectory() as folder:
        prod, full = Path(folder) / "prod.lock", Path(folder) / "full.lock"
        # the current pins hold (strip their hashes: constraints are versions only)
        pins = Path(folder) / "pins.txt"
        pins.write_text("".join(_pin(e) for lock in (PROD, TEST) if lock.exists()
                                for e in _entries(lock.read_text())))
        _compile(uv, prod, extras=[], constraints=[pins])
        prod_entries = _entries(prod.read_text())
        versions = Path(folder) / "prod-versions.txt"
        versions.write_text("".join(_pin(e) for e in prod_entries))
        _compile(uv, full, extras=["test"], constraints=[versions, pins])
        in_prod = {_name(e) for e in prod_entries}
        test_entries = [e for e in _entries(full.read_text()) if _name(e) not in in_prod]
    PROD.write_text(HEADER.format(what="Production: exactly what pyproject.toml's dependencies need")
                    + "\n".join(prod_entries) + "\n")
    TEST.write_text(HEADER.format(what="Tests and development tools, on top of requirements.lock "
                                  "(install both together)") + "\n".join(test_entries) + "\n")
    print(f"{PROD.name}: {len(prod_entries)} packages; {TEST.name}: {len(test_entries)} more", file=sys.stderr)


if __name__ == "__main__":
    main()
