"""The drop-folder collector: imports each new CSV, XLSX or NDJSON file of a folder once,
then deletes it (default), or keeps a scrubbed copy in processed/ for `keep_days` (citizens
pseudonymised, identity numbers masked, mode 0600) — never the file as it came (any other
file in processed/, such as a verbatim copy an earlier release kept, is deleted). A file that
cannot be read at all is moved to failed/ (mode 0600, its name masked) for the operator, and
deleted after FAILED_KEEP_DAYS (or `keep_days`, if longer). With a `mapping`, the folder
receives a case system's exports (CSV or XLSX) read through it."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core import identity
from core.database import utcnow
from core.files import private_dir, private_file
from core.settings import get_settings
from ingest.collector import CollectorOutcome, Heartbeat, never_stopped
from ingest.imports import FORMATS, UnreadableFile, file_format, import_path, read_rows
from ingest.mapping import (
    MAPPED_FORMATS,
    Mapping,
    MappingError,
    confined_mapping,
    import_mapped,
    load_mapping,
    read_export,
)
from ingest.store import EventStore

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")
SCRUBBED_SUFFIX = ".scrubbed.ndjson"
FAILED_KEEP_DAYS = 14


class DropFolderConfig(BaseModel):
    """The `config` of a `drop_folder` source."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="The folder that is watched (not its subfolders).")
    processed_dir: str | None = Field(
        default=None, description="Where scrubbed copies are kept (keep_days > 0). Default: <path>/processed."
    )
    keep_days: int | None = Field(
        default=None, ge=0, le=3650,
        description="0: an imported file is deleted; N: a scrubbed copy is kept N days. "
        "Default: OVERBLIK_DROP_KEEP_DAYS.",
    )
    failed_dir: str | None = Field(default=None, description="Default: <path>/failed.")
    event_source: str | None = Field(
        default=None, max_length=128, description="`source` of events that carry none; default: the source's name."
    )
    settle_seconds: float = Field(
        default=2.0, ge=0, le=3600, description="A file modified more recently is still being written."
    )
    mapping: str | None = Field(
        default=None, min_length=1,
        description="A mapping file (docs/mappings.md): the folder receives a case system's exports.",
    )

    @field_validator("mapping")
    @classmethod
    def _usable_mapping(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                load_mapping(confined_mapping(value, get_settings().mappings_dir))
            except MappingError as exc:
                raise ValueError(f"cannot use the mapping {exc}") from None
        return value

    @property
    def folder(self) -> Path:
        return Path(self.path)

    @property
    def processed(self) -> Path:
        return Path(self.processed_dir) if self.processed_dir else self.folder / "processed"

    @property
    def failed(self) -> Path:
        return Path(self.failed_dir) if self.failed_dir else self.folder / "failed"


def pending_files(config: DropFolderConfig, now: float | None = None) -> list[Path]:
    """The files waiting to be imported, oldest first."""
    now = time.time() if now is None else now
    formats = MAPPED_FORMATS if config.mapping else FORMATS
    found: list[tuple[float, str, Path]] = []
    for entry in os.scandir(config.folder):
        name = entry.name
        lowered = name.lower()
        # Hidden files, editors' lock files (~$book.xlsx) and half-copied files are not ready.
        if name.startswith((".", "~$")) or lowered.endswith(PARTIAL_SUFFIXES):
            continue
        if Path(lowered).suffix not in formats or not entry.is_file():
            continue
        modified = entry.stat().st_mtime
        if now - modified < config.settle_seconds:
            continue
        found.append((modified, name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def collect_folder(
    store: EventStore,
    source_name: str,
    config: DropFolderConfig,
    *,
    heartbeat: Heartbeat = lambda: None,
    stop: threading.Event | None = None,
) -> CollectorOutcome:
    """Imports every pending file once, each recorded as an import run, and moves it aside."""
    stop = stop or never_stopped()
    outcome = CollectorOutcome()
    if not config.folder.is_dir():
        outcome.error = f"the folder {config.folder} does not exist"
        return outcome
    mapping = None
    if config.mapping:
        try:
            # read at every run: a changed mapping counts from the next file on
            # checked again at every run: a stored path must still lie inside the folder
            mapping = load_mapping(confined_mapping(config.mapping, get_settings().mappings_dir))
        except MappingError as exc:
            # the files are not at fault: they stay for the run after the mapping is fixed
            outcome.error = f"cannot use the mapping {exc}"
            return outcome
    keep_days = config.keep_days if config.keep_days is not None else get_settings().drop_keep_days
    problems: list[str] = []
    for path in pending_files(config):
        if stop.is_set():
            break
        heartbeat()
        # the name as stored and logged: a file name may carry a citizen's number
        shown = identity.mask_file_name(path.name)
        try:
            if mapping is not None:
                result = import_mapped(
                    store, path, mapping, origin="folder", filename=path.name,
                    source=config.event_source, source_name=source_name,
                )
            else:
                result = import_path(
                    store,
                    path,
                    origin="folder",
                    filename=path.name,
                    default_source=config.event_source or source_name,
                    source_name=source_name,
                )
        except UnreadableFile as exc:
            moved = move_aside(path, config.failed)
            outcome.failed_files.append(moved.name)
            problems.append(f"{shown}: {identity.mask(str(exc))}")
            continue
        # Any other error (the database gone, say) leaves the file where it is for the next
        # run; importing it again then is harmless, since its events are idempotent.
        outcome.summary.add(result.summary)
        if keep_days:
            kept = keep_scrubbed(store, path, config.processed, mapping)
            outcome.files.append(kept.name)
        else:
            outcome.files.append(shown)
        path.unlink(missing_ok=True)
        log.info("imported and removed %s", shown)
    prune(config.processed, keep_days, (SCRUBBED_SUFFIX,))
    remove_verbatim_copies(config)
    prune(config.failed, max(keep_days, FAILED_KEEP_DAYS), None)
    if problems:
        outcome.error = "could not read " + "; ".join(problems)
    return outcome


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    if target.exists():
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        path = Path(name)
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    return target


def move_aside(path: Path, folder: Path) -> Path:
    """Moves `path` into `folder` (0700) under its masked name, never over an earlier file of
    the same name; the file is made private (0600)."""
    private_dir(folder)
    target = _unique(folder, identity.mask_file_name(path.name))
    try:
        os.replace(path, target)
    except OSError:
        shutil.move(path, target)  # another file system
    private_file(target)
    log.info("moved %s to %s", identity.mask(str(path)), target)
    return target


def keep_scrubbed(store: EventStore, path: Path, folder: Path, mapping: Mapping | None) -> Path:
    """A copy of an imported file fit to be kept: one JSON object a line (the file's rows), the
    citizen pseudonymised and every identity number masked, mode 0600."""
    private_dir(folder)
    stem = Path(identity.mask_file_name(path.name)).stem
    target = folder / f"{stem}{SCRUBBED_SUFFIX}"
    if target.exists():
        # the stamp goes before the suffix: a kept copy is known by its suffix, both by the
        # retention and by the clean-up of earlier releases' verbatim copies
        target = folder / f"{stem}.{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}{SCRUBBED_SUFFIX}"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for row in _scrubbed_rows(store, path, mapping):
            handle.write(orjson.dumps(row, default=str) + b"\n")
    return target


def _scrubbed_rows(store: EventStore, path: Path, mapping: Mapping | None):
    if mapping is not None:
        citizen_columns = {
            spec.column for rule in mapping.events for name, spec in rule.fields.items()
            if name == "citizen" and spec.column
        }
        for row in read_export(path, mapping, path.name):
            cells: dict[str, Any] = {}
            for column, value in row.cells.items():
                if column in citizen_columns:
                    if value not in (None, ""):
                        cells["citizen_pseudonym"] = store.pseudonymise(str(value))
                    continue
                cells[str(column)] = value
            yield identity.mask_in(cells)
        return
    for row in read_rows(path, file_format(path.name)):
        event = row.event
        if isinstance(event, dict) and "citizen" in event:
            event = {**event, "citizen": None, "citizen_pseudonym": store.pseudonymise(event["citizen"])}
            del event["citizen"]
        yield identity.mask_in(event)


def remove_verbatim_copies(config: DropFolderConfig) -> int:
    """Deletes the files of processed/ that are not scrubbed copies: an earlier release moved
    each imported file there as it came (citizens' numbers in clear), so they go at the first
    run after the upgrade. Not when processed/ is the watched folder or failed/ itself."""
    folder = config.processed
    if not folder.is_dir():
        return 0
    try:
        own = folder.resolve()
        if own in (config.folder.resolve(), config.failed.resolve()):
            return 0
    except OSError:
        return 0
    removed = 0
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and not entry.name.endswith(SCRUBBED_SUFFIX):
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %d file(s) of %s that were not scrubbed copies", removed, folder)
    return removed


def prune(folder: Path, days: int, suffixes: tuple[str, ...] | None) -> int:
    """Deletes the files of `folder` (those ending in `suffixes`, or all) older than `days`."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - timedelta(days=days).total_seconds()
    removed = 0
    for entry in os.scandir(folder):
        if not entry.is_file() or (suffixes and not entry.name.endswith(suffixes)):
            continue
        if entry.stat().st_mtime <= cutoff:
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed
