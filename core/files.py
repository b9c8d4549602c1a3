"""Files and folders the server creates are its own: 0600 and 0700, never readable by others.

`restrict_umask()` runs when a process of Overblik starts (the command line, the app factory),
so every file it creates — the SQLite database and its -wal/-shm, key files, reports, a drop
folder's kept copies, the workers' metrics files — is private from its first byte; the
functions below tighten files and folders that may exist already or come from elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def restrict_umask() -> int:
    """Sets the process's umask so that new files are 0600 and folders 0700; returns the old one."""
    return os.umask(PRIVATE_UMASK)


def private_file(path: Path | str) -> None:
    """Makes an existing file of this user readable by it only (0600); others' files are left."""
    _tighten(Path(path), 0o600)


def private_dir(path: Path | str) -> Path:
    """Creates the folder (0700) if missing, and tightens it if this user owns it."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    with contextlib.suppress(OSError):  # a file system without modes (a mounted share)
        path.chmod(mode)
