"""Each figure defined once: name, kind, direction, targets; its label is metric_<name> in core/messages.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core import messages
from core.errors import Invalid
from core.messages import DEFAULT_LANGUAGE, N_


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    name: str
    kind: Literal["stock", "flow"]
    value: Literal["count", "share", "hours", "days", "object"]
    higher_is_better: bool | None
    targetable: bool = False
    # the metrics.md definition in one line, shown as help text on screens and in exports
    definition: str = ""

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The figure's name in `language`, from the message catalogue (key metric_<name>)."""
        return messages.t(f"metric_{self.name}", language)

    def explained(self, language: str = DEFAULT_LANGUAGE) -> str:
        """What counts in the figure, in plain words (key metric_<name>_explained), from metrics.md."""
        return messages.t(f"metric_{self.name}_explained", language)


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("active_cases", "stock", "count", None,
                     definition="cases active at t"),
    MetricDefinition("caseload", "stock", "object", None,
                     definition="per worker: role → active cases at t the worker holds in that role"),
    MetricDefinition("in_placement", "stock", "count", True, True,
                     "active cases with an open placement at t"),
    MetricDefinition("placement_share", "stock", "share", True, True,
                     "in_placement / active_cases; null without active cases"),
    MetricDefinition("cv_done", "stock", "count", True, True,
                     "active cases with a completed CV"),
    MetricDefinition("cv_share", "stock", "share", True, True,
                     "cv_done / active_cases; null without active cases"),
    MetricDefinition("readiness", "stock", "object", None,
                     definition="ready / close / far / unknown → active cases"),
    MetricDefinition("phases", "stock", "object", None,
                     definition="phase → active cases"),
    MetricDefinition("follow_up_overdue", "stock", "count", False,
                     definition="active cases in placement whose follow-up is due at or before t"),
    MetricDefinition("waiting_for_company_consultant", "stock", "count", False,
                     definition="active cases never held by a company consultant before t"),
    MetricDefinition("placement_starts", "flow", "count", True, True,
                     "placements started in M"),
    MetricDefinition("follow_ups", "flow", "count", True,
                     definition="follow-ups held in M"),
    MetricDefinition("three_party_follow_ups", "flow", "count", True,
                     definition="follow-ups in M with citizen, caseworker and company consultant"),
    MetricDefinition("with_ordinary_hours", "flow", "count", True, True,
                     "cases with more than 0 ordinary hours reported for M"),
    MetricDefinition("ordinary_hours", "flow", "hours", True, True,
                     "sum of the ordinary hours reported for M"),
    MetricDefinition("closed", "flow", "object", None,
                     definition="reason → cases closed in M"),
    MetricDefinition("median_days_to_company_consultant", "flow", "days", False,
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
        raise UnknownMetric(f"unknown metric {name!r}; one of {', '.join(FIELDS)}", key=N_("error_metric_unknown"),
                            metrics=", ".join(FIELDS)) from None
