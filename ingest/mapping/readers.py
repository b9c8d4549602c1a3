"""Reading a case system's export, CSV or XLSX, as rows of cells under the mapping's header."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.messages import N_
from ingest.imports import FORMATS, UnreadableFile, file_format
from ingest.limits import ARCHIVE_LIMITS, ArchiveLimits, ArchiveRefused, open_workbook, sheet_rows
from ingest.mapping.schema import Mapping

MAPPED_FORMATS = {suffix: kind for suffix, kind in FORMATS.items() if kind in ("csv", "xlsx")}


# -- reading the export ------------------------------------------------------------------------


@dataclass(slots=True)
class ExportRow:
    line: int
    cells: dict[str, Any]


def read_export(path: Path, mapping: Mapping, filename: str,
                limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[ExportRow]:
    kind = mapping.file.format or file_format(filename)
    if kind == "ndjson":
        raise UnreadableFile("a mapping reads CSV or XLSX exports, not NDJSON", key=N_("error_mapping_not_ndjson"))
    return _csv_export(path, mapping) if kind == "csv" else _xlsx_export(path, mapping, limits)


def _header(cells: Sequence[Any], mapping: Mapping) -> list[str]:
    header = [str(c).strip() if c is not None else "" for c in cells]
    missing = [f"{column} ({key})" for column, key in mapping.columns() if column not in header]
    if missing:
        raise UnreadableFile(
            f"the header row (line {mapping.file.header_row}) lacks columns the mapping "
            f"{mapping.name} reads: {', '.join(dict.fromkeys(missing))}",
            key=N_("error_mapping_header_lacks"), line=mapping.file.header_row, mapping=mapping.name,
            columns=", ".join(dict.fromkeys(missing)),
        )
    return header


def _csv_export(path: Path, mapping: Mapping) -> Iterator[ExportRow]:
    options = mapping.file
    handle = open(path, newline="", encoding=options.encoding)  # noqa: SIM115 (closed below)
    try:
        try:
            for _ in range(options.header_row - 1):
                handle.readline()
            first = handle.readline()
            if not first.strip():
                raise UnreadableFile(f"line {options.header_row} (the header row) is empty", key=N_("error_mapping_header_empty"),
                                     line=options.header_row)
            delimiter = options.delimiter or max(";,\t", key=first.count)
            reader = csv.reader([first], delimiter=delimiter)
            header = _header(next(reader), mapping)
            reader = csv.reader(handle, delimiter=delimiter)
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                yield ExportRow(options.header_row + reader.line_num, dict(zip(header, cells, strict=False)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(
                f"not a readable CSV file in {options.encoding} ({type(exc).__name__}); "
                "set file.encoding in the mapping",
                key=N_("error_mapping_encoding"), encoding=options.encoding,
            ) from None
    finally:
        handle.close()


def _xlsx_export(path: Path, mapping: Mapping, limits: ArchiveLimits = ARCHIVE_LIMITS) -> Iterator[ExportRow]:
    try:
        # the archive's sizes are checked before openpyxl unpacks anything (ingest/limits.py)
        workbook = open_workbook(path, limits)
    except ArchiveRefused as exc:
        raise UnreadableFile(str(exc), key=exc.key, **exc.params) from None
    try:
        if mapping.file.sheet:
            if mapping.file.sheet not in workbook.sheetnames:
                raise UnreadableFile(f"the workbook has no sheet named {mapping.file.sheet}", key=N_("error_mapping_no_sheet"),
                                     sheet=mapping.file.sheet)
            sheet = workbook[mapping.file.sheet]
        else:
            sheet = workbook.worksheets[0]
        start = mapping.file.header_row
        rows = sheet_rows(sheet, limits, min_row=start)
        try:
            header = _header(list(next(rows)), mapping)
            for number, cells in enumerate(rows, start=start + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                yield ExportRow(number, dict(zip(header, cells, strict=False)))
        except StopIteration:
            raise UnreadableFile("the sheet has no header row", key=N_("error_mapping_no_header")) from None
        except ArchiveRefused as exc:
            raise UnreadableFile(str(exc), key=exc.key, **exc.params) from None
    finally:
        workbook.close()
