"""Writes the funder's quarterly report as files: one CSV per table, one XLSX, a PDF summary."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from core.files import private_dir, private_file
from core.outputs import append_row, csv_row, pdf_text

TITLES = {
    "funnel": "Cohort funnel (cases opened in the quarter, by team)",
    "channels": "Referral channels (cases opened in the quarter)",
    "indicators": "Quality indicators (per team)",
    "phases": "Phase durations (stays that ended in the quarter)",
}


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_report(
    tables: dict[str, list[dict[str, Any]]], out_dir: Path, stem: str, header: dict[str, str]
) -> list[Path]:
    """The files written, in the order CSVs, XLSX, PDF."""
    private_dir(out_dir)
    paths = []
    for name, rows in tables.items():
        path = out_dir / f"{stem}-{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            columns = _columns(rows)
            writer.writerow(csv_row(columns))
            for row in rows:
                writer.writerow(csv_row(_cell(row.get(c)) for c in columns))
        paths.append(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    about = workbook.create_sheet("report")
    for key, value in header.items():
        append_row(about, [key, value])
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        columns = _columns(rows)
        append_row(sheet, columns)
        for row in rows:
            append_row(sheet, [_cell(row.get(c)) for c in columns])
    xlsx = out_dir / f"{stem}.xlsx"
    workbook.save(xlsx)
    paths.append(xlsx)
    pdf = out_dir / f"{stem}.pdf"
    _write_pdf(tables, pdf, header)
    paths.append(pdf)
    for path in paths:
        private_file(path)  # a report holds a funder's figures: the server's alone
    return paths


def _write_pdf(tables: dict[str, list[dict[str, Any]]], path: Path, header: dict[str, str]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph(pdf_text(header.get("title", "Quarterly report")), styles["Title"])]
    for key, value in header.items():
        if key != "title":
            story.append(Paragraph(f"<b>{pdf_text(key)}</b>: {pdf_text(value)}", styles["Normal"]))
    small = styles["BodyText"].clone("small", fontSize=7, leading=8)
    for name, rows in tables.items():
        story.append(Spacer(1, 10))
        story.append(Paragraph(pdf_text(TITLES.get(name, name)), styles["Heading2"]))
        columns = _columns(rows)
        if not columns:
            story.append(Paragraph("no cases", styles["Normal"]))
            continue
        data = [[Paragraph(pdf_text(c.replace("_", " ")), small) for c in columns]]
        data += [[Paragraph(pdf_text(_cell(row.get(c))), small) for c in columns] for row in rows]
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    SimpleDocTemplate(str(path), pagesize=landscape(A4), title=header.get("title", "report")).build(story)
