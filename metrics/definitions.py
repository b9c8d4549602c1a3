"""Each figure defined once: name, kind, labels in Danish, English and German, direction, targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.errors import Invalid


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    name: str
    kind: Literal["stock", "flow"]
    da: str
    en: str
    de: str
    value: Literal["count", "share", "hours", "days", "object"]
    higher_is_better: bool | None
    targetable: bool = False
    # the metrics.md definition in one line, shown as help text on screens and in exports
    definition: str = ""

    def label(self, language: str = "da") -> str:
        return getattr(self, language, self.da)


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("active_cases", "stock", "Aktive sager", "Active cases", "Aktive Fälle", "count", None,
                     definition="cases active at t"),
    MetricDefinition("caseload", "stock", "Sagsstamme", "Caseload", "Fallzahl", "object", None,
                     definition="per worker: role → active cases at t the worker holds in that role"),
    MetricDefinition("in_placement", "stock", "I virksomhedsforløb", "In placement", "Im Praktikum", "count", True, True,
                     "active cases with an open placement at t"),
    MetricDefinition("placement_share", "stock", "Andel i virksomhedsforløb", "Share in placement", "Anteil im Praktikum", "share", True, True,
                     "in_placement / active_cases; null without active cases"),
    MetricDefinition("cv_done", "stock", "CV færdigt", "CV done", "Lebenslauf fertig", "count", True, True,
                     "active cases with a completed CV"),
    MetricDefinition("cv_share", "stock", "Andel med CV", "Share with CV", "Anteil mit Lebenslauf", "share", True, True,
                     "cv_done / active_cases; null without active cases"),
    MetricDefinition("readiness", "stock", "Parathed", "Readiness", "Arbeitsmarktnähe", "object", None,
                     definition="ready / close / far / unknown → active cases"),
    MetricDefinition("phases", "stock", "Faser", "Phases", "Phasen", "object", None,
                     definition="phase → active cases"),
    MetricDefinition("follow_up_overdue", "stock", "Opfølgning overskredet", "Follow-up overdue", "Nachbetreuung überfällig", "count", False,
                     definition="active cases in placement whose follow-up is due at or before t"),
    MetricDefinition("waiting_for_company_consultant", "stock", "Venter på virksomhedskonsulent", "Waiting for a company consultant",
                     "Wartet auf Betriebsberater", "count", False,
                     definition="active cases never held by a company consultant before t"),
    MetricDefinition("placement_starts", "flow", "Opstartede virksomhedsforløb", "Placement starts", "Praktikumsbeginne", "count", True, True,
                     "placements started in M"),
    MetricDefinition("follow_ups", "flow", "Opfølgninger", "Follow-ups", "Nachbetreuungsgespräche", "count", True,
                     definition="follow-ups held in M"),
    MetricDefinition("three_party_follow_ups", "flow", "Trepartsopfølgninger", "Three-party follow-ups", "Dreiergespräche", "count", True,
                     definition="follow-ups in M with citizen, caseworker and company consultant"),
    MetricDefinition("with_ordinary_hours", "flow", "Med ordinære timer", "With ordinary hours", "Mit regulären Stunden", "count", True, True,
                     "cases with more than 0 ordinary hours reported for M"),
    MetricDefinition("ordinary_hours", "flow", "Ordinære timer", "Ordinary hours", "Reguläre Stunden", "hours", True, True,
                     "sum of the ordinary hours reported for M"),
    MetricDefinition("closed", "flow", "Afsluttede sager", "Closed cases", "Abgeschlossene Fälle", "object", None,
                     definition="reason → cases closed in M"),
    MetricDefinition("median_days_to_company_consultant", "flow", "Dage til virksomhedskonsulent (median)",
                     "Days to a company consultant (median)", "Tage bis Betriebsberater (Median)", "days", False,
                     definition="median elapsed days from opening to the first company consultant, cases opened in M"),
)

BY_NAME: dict[str, MetricDefinition] = {m.name: m for m in METRICS}
FIELDS: tuple[str, ...] = tuple(m.name for m in METRICS)
TARGET_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.targetable)
# Figures that are one number, so they can be drawn as a trend.
SCALAR_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.value != "object")


class UnknownMetric(Invalid):
    """A figure's name that names none (asked for by a caller: the API answers 422)."""


def definition(name: str) -> MetricDefinition:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownMetric(f"unknown metric {name!r}; one of {', '.join(FIELDS)}") from None
