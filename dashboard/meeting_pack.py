"""Printable PDFs for the meetings: the team's monthly steering pack and the caseload talk."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.outputs import pdf_text
from dashboard.agreements import agreements_of
from dashboard.components import quality
from dashboard.components.phases import phase_names
from dashboard.context import DashboardContext
from dashboard.i18n import (
    figure,
    metric_label,
    month_label,
    number,
    pace_label,
    readiness_label,
    role_label,
    shown,
    t,
    target_to_date_label,
    time_label,
)
from dashboard.steering import (
    CHARTS,
    OTHER_FIGURES,
    READINESS_SHOWN,
    TALK_FIGURES,
    WORKER_COLUMNS,
    talk_caseload,
)
from metrics.calendar import add_months
from metrics.definitions import BY_NAME, METRICS, TARGET_METRICS
from metrics.programme_service import ProgrammeService
from metrics.suppression import visible_points

ICONS = {"on_track": "✓", "at_risk": "!", "behind": "✕"}
STATUS_COLOURS = {"on_track": "#0f766e", "at_risk": "#b45309", "behind": "#b91c1c"}
INK, MUTED, BLUE, RULE = "#1f2933", "#52606d", "#2b6cb0", "#d9dee3"

# DejaVu carries ✓ ✕ ↑ ↓ and every Danish and German letter; the built-in fonts lack the symbols
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _fonts() -> tuple[str, str]:
    if "Overblik" in pdfmetrics.getRegisteredFontNames():
        return "Overblik", "Overblik-Bold"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("Overblik", str(regular)))
            pdfmetrics.registerFont(TTFont("Overblik-Bold", str(bold)))
            return "Overblik", "Overblik-Bold"
    return "Helvetica", "Helvetica-Bold"


class _Styles:
    def __init__(self) -> None:
        self.font, self.bold = _fonts()
        self.title = ParagraphStyle("title", fontName=self.bold, fontSize=18, leading=22, textColor=INK)
        self.h2 = ParagraphStyle("h2", fontName=self.bold, fontSize=12, leading=15, textColor=INK, spaceBefore=8,
                                 spaceAfter=4)
        self.body = ParagraphStyle("body", fontName=self.font, fontSize=9, leading=11.5, textColor=INK)
        self.muted = ParagraphStyle("muted", parent=self.body, textColor=MUTED)
        self.head = ParagraphStyle("head", parent=self.muted, fontSize=7.5, leading=9)

    def table(self, header: list[str], rows: list[list], widths: list[float] | None = None) -> Table:
        cells = [[Paragraph(_escape(h), self.head) for h in header]]
        cells += [[c if not isinstance(c, str) else Paragraph(_escape(c), self.body) for c in row] for row in rows]
        out = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        out.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(INK)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor(RULE)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        return out


def _escape(text) -> str:
    # every Paragraph's text goes through the one PDF encoder: no markup, image or link from data
    return pdf_text(text)


def _status_text(status: str | None, lang: str) -> str:
    if status is None:
        return t("no_target", lang)
    return f"{ICONS.get(status, '?')} {t(status, lang)}"


def _arrow(current, previous, lang: str) -> str:
    if current is None or previous is None:
        return ""
    if current > previous:
        return "↑ " + t("trend_up", lang)
    if current < previous:
        return "↓ " + t("trend_down", lang)
    return "→ " + t("trend_flat", lang)


def _norm_flag(count: int, low: int | None, high: int | None, lang: str) -> str:
    if high is None:
        return ""
    if count > high:
        return "▲ " + t("above_norm", lang)
    if low is not None and count < low:
        return "▽ " + t("below_norm", lang)
    return "✓ " + t("within_norm", lang)


def trend_drawing(points: list[dict], metric: str, lang: str, styles: _Styles, width: float = 120 * mm,
                  height: float = 48 * mm) -> Drawing:
    """Twelve months as bars, the target as a dashed step line; drawn, so it needs no browser."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, metric_label(metric, lang), fontName=styles.bold, fontSize=9,
                       fillColor=colors.HexColor(INK)))
    values = [p["value"] for p in points]
    targets = [p.get("target") for p in points]
    share = BY_NAME[metric].value == "share"
    top = max([v for v in values + targets if v is not None] + [1e-9])
    left, bottom, plot_h = 28, 14, height - 30
    plot_w = width - left - 4
    step = plot_w / max(len(points), 1)
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.HexColor(MUTED), strokeWidth=0.5))
    drawing.add(String(left - 3, bottom + plot_h - 3, figure(metric, top, lang) if share else number(top, lang),
                       fontName=styles.font, fontSize=6, textAnchor="end", fillColor=colors.HexColor(MUTED)))
    drawing.add(String(left - 3, bottom - 2, "0", fontName=styles.font, fontSize=6, textAnchor="end",
                       fillColor=colors.HexColor(MUTED)))
    for i, point in enumerate(points):
        x = left + i * step
        value = point["value"]
        if value is not None and point.get("reported", True) is False:
            # not reported yet: a labelled gap, never a bar of 0
            label = String(0, 0, t("not_reported_yet", lang), fontName=styles.font, fontSize=5.5,
                           fillColor=colors.HexColor(MUTED))
            turned = Group(label, transform=(0, 1, -1, 0, x + step / 2 + 2, bottom + 2))
            drawing.add(turned)
        elif value:
            drawing.add(Rect(x + step * 0.18, bottom, step * 0.64, plot_h * value / top, strokeColor=None,
                             fillColor=colors.HexColor(BLUE)))
        drawing.add(String(x + step / 2, bottom - 9, month_label(point["month"], lang, short=True),
                           fontName=styles.font, fontSize=5.5, textAnchor="middle", fillColor=colors.HexColor(MUTED)))
    line: list[float] = []
    for i, target in enumerate(targets):
        if target is None:
            if len(line) >= 4:
                drawing.add(PolyLine(line, strokeColor=colors.HexColor(INK), strokeWidth=1.2, strokeDashArray=[3, 2]))
            line = []
            continue
        y = bottom + plot_h * target / top
        line += [left + i * step, y, left + (i + 1) * step, y]
    if len(line) >= 4:
        drawing.add(PolyLine(line, strokeColor=colors.HexColor(INK), strokeWidth=1.2, strokeDashArray=[3, 2]))
    if any(v is not None for v in targets):
        drawing.add(Line(width - 70, height - 7, width - 58, height - 7, strokeColor=colors.HexColor(INK),
                         strokeWidth=1.2, strokeDashArray=[3, 2]))
        drawing.add(String(width - 55, height - 9, t("target", lang), fontName=styles.font, fontSize=7,
                           fillColor=colors.HexColor(INK)))
    return drawing


def _action_log(context: DashboardContext, team_id: str, worker_id: str | None, month: str, lang: str,
                styles: _Styles) -> list:
    """Actions and notes up to this month: earlier ones with their status, so the meeting follows up."""
    items = [a for a in agreements_of(context.engine, team_id=team_id, worker_id=worker_id) if a.month <= month]
    if not items:
        return [Paragraph("–", styles.muted)]
    rows = []
    for item in sorted(items, key=lambda a: (a.month, a.id or 0)):
        if item.kind == "action":
            status = "✓ " + t("done", lang) if item.status == "done" else "○ " + t("open", lang)
        else:
            status = ""
        rows.append([month_label(item.month, lang, short=True),
                     t("kind_action", lang) if item.kind == "action" else t("kind_note", lang),
                     item.text, status, item.created_by])
    return [styles.table([t("month", lang), "", t("notes_actions", lang), t("status", lang), t("agreed_by", lang)],
                         rows, widths=[22 * mm, 22 * mm, 150 * mm, 30 * mm, 40 * mm])]


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=14 * mm, rightMargin=14 * mm,
                             topMargin=12 * mm, bottomMargin=12 * mm, title=title, author="Overblik")


def _footer(styles: _Styles, title: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(styles.font, 7)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.drawString(14 * mm, 7 * mm, title)
        canvas.drawRightString(doc.pagesize[0] - 14 * mm, 7 * mm, str(doc.page))
        canvas.restoreState()
    return draw


def meeting_pack(context: DashboardContext, team_id: str, month: str, lang: str, *, exact: bool) -> bytes:
    """The team's monthly steering pack: milestones, charts, workers, overdue follow-ups, action
    log; small counts of people as the viewer sees them on screen (`exact`, dashboard/scope.py)."""
    styles = _Styles()
    metrics = context.metrics
    team_name = context.directory.team_name(team_id)
    result = metrics.milestones(month, "team", team_id)
    row = result["rows"][0]
    previous_month = add_months(month, -1)
    previous = metrics.rows(previous_month, "team", team_id)[1][0]
    workers = sorted(metrics.milestones(month, "worker", team_id)["rows"],
                     key=lambda r: context.directory.worker_name(r["worker_id"]))
    previous_workers = {r["worker_id"]: r for r in metrics.rows(previous_month, "worker", team_id)[1]}
    overdue = metrics.milestone_cases(month, "follow_up_overdue", team_id=team_id)["cases"]
    title = f"{t('meeting_pack', lang)} – {team_name}, {month_label(month, lang)}"

    milestone_rows = []
    for name in TARGET_METRICS:
        target = row["targets"].get(name)
        progress = row.get("month_progress", {}).get(name)
        if name in row.get("not_reported_yet", ()):
            value_text, status, arrow = t("not_reported_yet", lang), t("not_reported_yet", lang), ""
        else:
            value_text = shown(name, row[name], lang, row, exact=exact)
            status = _status_text(target["status"] if target else None, lang)
            arrow = _arrow(row[name], previous[name], lang)
        notes = [line for line in (target_to_date_label(name, progress, lang), pace_label(name, progress, target, lang))
                 if line]
        if notes:
            status = Paragraph(_escape(status) + "".join("<br/>" + _escape(line) for line in notes), styles.body)
        milestone_rows.append([metric_label(name, lang), value_text, figure(name, target["target"], lang) if target else "–",
                               status, arrow])
    other_rows = [[metric_label(n, lang), shown(n, row[n], lang, row, exact=exact),
                   shown(n, previous[n], lang, previous, exact=exact),
                   _arrow(row[n], previous[n], lang)] for n in OTHER_FIGURES]
    norms = {band["role"]: band for band in metrics.get_norms()}
    worker_rows = []
    for worker in workers:
        wid = worker["worker_id"]
        caseload = []
        for role, count in sorted(worker["caseload"].items()):
            if count:
                band = norms.get(role, {})
                flag = _norm_flag(count, band.get("low"), band.get("high"), lang)
                # only what is off the norm band, so the eye finds it on paper
                flag = "" if flag.startswith("✓") else flag[:1]
                caseload.append(_escape(f"{role_label(role, lang)}: {number(count, lang)} {flag}".rstrip()))
        worker_rows.append([context.directory.worker_name(wid), Paragraph("<br/>".join(caseload) or "–", styles.body)] + [
            Paragraph(_escape(t("not_reported_yet", lang)), styles.muted) if f in worker["not_reported_yet"] else
            f"{shown(f, worker[f], lang, worker, exact=exact)} "
            f"{_arrow(worker[f], previous_workers.get(wid, {}).get(f), lang)[:1]}"
            for f in WORKER_COLUMNS])
    name = context.directory.worker_name
    phases = phase_names(context, lang)
    overdue_rows = [[c["case_id"], ", ".join(f"{name(w)} ({role_label(r, lang).lower()})"
                                            for r, w in c["holders"].items()),
                     readiness_label(c["readiness"], lang), phases.get(c["phase"], c["phase"]) if c["phase"] else "–"]
                    for c in overdue]
    first = add_months(month, -11)
    charts = [trend_drawing(visible_points(m, metrics.trend(m, first, month, team_id=team_id)["points"], exact=exact),
                            m, lang, styles)
              for m in CHARTS]

    story: list = [
        Paragraph(_escape(title), styles.title),
        Paragraph(_escape(f"{t('as_of', lang)} {time_label(result['as_of'], context.zone, lang)}"), styles.muted),
        Spacer(0, 4 * mm),
        KeepTogether([Paragraph(_escape(t("milestones", lang)), styles.h2), styles.table(
            [t("metric", lang), month_label(month, lang), t("target", lang), t("status", lang),
             t("against_last_month", lang)], milestone_rows, widths=[80 * mm, 35 * mm, 35 * mm, 40 * mm, 60 * mm])]),
        KeepTogether([Paragraph(_escape(t("other_figures", lang)), styles.h2), styles.table(
            [t("metric", lang), month_label(month, lang), month_label(previous_month, lang),
             t("against_last_month", lang)], other_rows, widths=[80 * mm, 35 * mm, 35 * mm, 60 * mm])]),
        KeepTogether([Paragraph(_escape(t("trend_12", lang)), styles.h2),
                      Table([[charts[0], charts[1]], [charts[2], charts[3]]], hAlign="LEFT")]),
        KeepTogether([Paragraph(_escape(t("per_worker", lang)), styles.h2), styles.table(
            [t("worker", lang), metric_label("caseload", lang)] + [metric_label(f, lang) for f in WORKER_COLUMNS],
            worker_rows, widths=[38 * mm, 48 * mm] + [30 * mm] * len(WORKER_COLUMNS))]),
        Paragraph(_escape(f"{t('overdue_list', lang)} ({number(len(overdue), lang)})"), styles.h2),
        styles.table([t("col_case", lang), t("col_others", lang), t("col_readiness", lang), t("col_phase", lang)],
                     overdue_rows, widths=[40 * mm, 120 * mm, 40 * mm, 60 * mm])
        if overdue_rows else Paragraph(_escape("✓ " + t("no_cases", lang)), styles.muted),
        *[KeepTogether([Paragraph(_escape(f"{quality.label('quality_indicators', lang)} – {caption}"), styles.h2),
                        styles.table(quality.header(lang), [[*r[:3], _status_text(r[3], lang),
                                                              Paragraph(_escape(r[4]), styles.body)] for r in rows],
                                     widths=[90 * mm, 30 * mm, 30 * mm, 40 * mm, 40 * mm])])
          for caption, rows in quality.quality_figures(
              ProgrammeService(context.engine, context.zone, metrics.clock), team_id, month, lang)],
        KeepTogether([Paragraph(_escape(t("action_log", lang)), styles.h2),
                      *_action_log(context, team_id, None, month, lang, styles)]),
        *explanations_appendix(lang, styles),
    ]
    buffer = io.BytesIO()
    _document(buffer, title).build(story, onFirstPage=_footer(styles, title), onLaterPages=_footer(styles, title))
    return buffer.getvalue()


def explanations_appendix(lang: str, styles: _Styles) -> list:
    """The appendix: what counts in each figure (metrics.md in plain words), and what "<5" means."""
    rows = [[Paragraph(_escape(metric_label(m.name, lang)), styles.body), Paragraph(_escape(m.explained(lang)), styles.body)]
            for m in METRICS]
    return [PageBreak(), Paragraph(_escape(t("metric_explanations_title", lang)), styles.h2),
            styles.table([t("metric", lang), t("explain_figure", lang)], rows, widths=[70 * mm, 190 * mm]),
            Spacer(0, 3 * mm), Paragraph(_escape(t("suppressed_explained", lang)), styles.muted)]


def talk_pack(context: DashboardContext, worker_id: str, team_id: str, lang: str, *, exact: bool) -> bytes:
    """The caseload talk on paper: caseload against norms, figures against the team, readiness,
    actions; small counts of people as the viewer sees them on screen (`exact`)."""
    styles = _Styles()
    metrics = context.metrics
    month = context.current_month()
    worker_name = context.directory.worker_name(worker_id)
    title = f"{t('talk_heading', lang)} {worker_name} – {month_label(month, lang)}"
    months, history, roles = talk_caseload(metrics, worker_id, month)
    norms = {band["role"]: band for band in metrics.get_norms()}
    caseload_rows = []
    for role in roles:
        band = norms.get(role, {})
        low, high = band.get("low"), band.get("high")
        norm = f"{number(low, lang)}–{number(high, lang)}" if high is not None else t("no_norm", lang)
        caseload_rows.append([role_label(role, lang)] + [number((p["value"] or {}).get(role, 0), lang)
                                                         for p in history]
                             + [norm, _norm_flag((history[-1]["value"] or {}).get(role, 0), low, high, lang)])
    worker_row = next((r for r in metrics.rows(month, "worker", team_id)[1] if r["worker_id"] == worker_id), None)
    team_row = metrics.milestones(month, "team", team_id)["rows"][0]
    figure_rows = []
    for name in TALK_FIGURES:
        target = team_row["targets"].get(name)
        if name in team_row["not_reported_yet"]:
            pending = t("not_reported_yet", lang)
            figure_rows.append([metric_label(name, lang), pending, pending,
                                figure(name, target["target"], lang) if target else "–"])
            continue
        figure_rows.append([metric_label(name, lang),
                            shown(name, worker_row[name], lang, worker_row, exact=exact) if worker_row
                            else figure(name, None, lang),
                            shown(name, team_row[name], lang, team_row, exact=exact),
                            figure(name, target["target"], lang) if target else "–"])
    board = metrics.board(worker_id)
    phases = phase_names(context, lang)
    readiness_rows = [[readiness_label(level, lang),
                       number(sum(1 for c in board["cases"] if c["readiness"] == level), lang)]
                      for level in READINESS_SHOWN]
    overdue_rows = [[c["case_id"], phases.get(c["phase"], c["phase"]) if c["phase"] else "–", (c["placement"] or {}).get("employer") or "–"]
                    for c in board["cases"] if c["overdue"]]
    story: list = [
        Paragraph(_escape(title), styles.title),
        Spacer(0, 4 * mm),
        KeepTogether([Paragraph(_escape(t("talk_caseload_months", lang)), styles.h2), styles.table(
            [t("role", lang)] + [month_label(m, lang, short=True) for m in months] + [t("norm", lang), ""],
            caseload_rows)]),
        KeepTogether([Paragraph(_escape(f"{worker_name}: {month_label(month, lang)}"), styles.h2), styles.table(
            [t("metric", lang), worker_name, t("team_figure", lang), t("team_target", lang)], figure_rows,
            widths=[80 * mm, 40 * mm, 40 * mm, 40 * mm])]),
        KeepTogether([Paragraph(_escape(t("by_readiness", lang)), styles.h2),
                      styles.table([t("col_readiness", lang), t("cases", lang)], readiness_rows,
                                   widths=[60 * mm, 30 * mm])]),
        Paragraph(_escape(f"{t('overdue_list', lang)} ({len(overdue_rows)})"), styles.h2),
        styles.table([t("col_case", lang), t("col_phase", lang), t("col_placement", lang)], overdue_rows,
                     widths=[50 * mm, 60 * mm, 80 * mm])
        if overdue_rows else Paragraph(_escape("✓ " + t("no_cases", lang)), styles.muted),
        KeepTogether([Paragraph(_escape(t("notes_actions", lang)), styles.h2),
                      *_action_log(context, team_id, worker_id, month, lang, styles)]),
    ]
    buffer = io.BytesIO()
    _document(buffer, title).build(story, onFirstPage=_footer(styles, title), onLaterPages=_footer(styles, title))
    return buffer.getvalue()
