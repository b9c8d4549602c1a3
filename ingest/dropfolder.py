"""The drop-folder collector: imports each new CSV, XLSX or NDJSON file of a folder once,
then moves it aside (into processed/, or failed/ when it cannot be read at all). With a
`mapping`, the folder receives a case system's exports (CSV or XLSX) read through it."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.database import utcnow
from core.settings import get_settings
from ingest.collector import CollectorOutcome, Heartbeat, never_stopped
from ingest.imports import FORMATS, UnreadableFile, import_path
from ingest.mapping import (
    MAPPED_FORMATS,
    MappingError,
    confined_mapping,
    import_mapped,
    load_mapping,
)
from ingest.store import EventStore

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")


class DropFolderConfig(BaseModel):
    """The `config` of a `drop_folder` source."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="The folder that is watched (not its subfolders).")
    processed_dir: str | None = Field(default=None, description="Default: <path>/processed.")
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
    problems: list[str] = []
    for path in pending_files(config):
        if stop.is_set():
            break
        heartbeat()
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
            problems.append(f"{path.name}: {exc}")
            continue
        # Any other error (the database gone, say) leaves the file where it is for the next
        # run; importing it again then is harmless, since its events are idempotent.
        outcome.summary.add(result.summary)
        outcome.files.append(move_aside(path, config.processed).name)
    if problems:
        outcome.error = "could not read " + "; ".join(problems)
    return outcome


def move_aside(path: Path, folder: Path) -> Path:
    """Moves `path` into `folder`, never over an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    try:
        os.replace(path, target)
    except OSError:
        shutil.move(path, target)  # another file system
    log.info("moved %s to %s", path, target)
    return target
