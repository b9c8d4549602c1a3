"""Caseload norm bands per role: defaults from metrics.md, overridable per organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from core.contract import ROLES
from core.database import session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import CaseloadNorm


@dataclass(frozen=True, slots=True)
class NormBand:
    role: str
    low: int | None
    high: int | None

    def above(self, caseload: int) -> bool:
        return self.high is not None and caseload > self.high

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "low": self.low, "high": self.high}


# The STV report's success jobcentres (caseworker, company consultant); the German
# job-coaching standard's 1:5 finding / 1:6 securing a job; no norm for mentors.
DEFAULT_NORMS: dict[str, NormBand] = {
    "caseworker": NormBand("caseworker", 40, 50),
    "company_consultant": NormBand("company_consultant", 30, 35),
    "jobcoach": NormBand("jobcoach", 5, 6),
    "mentor": NormBand("mentor", None, None),
}


class NormError(Invalid):
    pass


def load_norms(engine: Engine) -> dict[str, NormBand]:
    norms = dict(DEFAULT_NORMS)
    with session_scope(engine) as session:
        for row in session.exec(select(CaseloadNorm)):
            norms[row.role] = NormBand(row.role, row.low, row.high)
    return norms


def save_norms(engine: Engine, bands: list[dict[str, Any]]) -> dict[str, NormBand]:
    """Stores the organisation's bands (a role without low and high has no norm)."""
    checked = []
    for band in bands:
        role = band.get("role")
        if role not in ROLES:
            raise NormError(f"role must be one of {', '.join(ROLES)}", key=N_("error_norm_role"), roles=", ".join(ROLES))
        low, high = band.get("low"), band.get("high")
        for value in (low, high):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise NormError("low and high must be whole numbers from 0, or null", key=N_("error_norm_bounds"))
        if low is not None and high is not None and low > high:
            raise NormError(f"{role}: low must not be above high", key=N_("error_norm_low_above_high"), role=role)
        checked.append(NormBand(role, low, high))
    now = utcnow()
    with session_scope(engine) as session:
        for band in checked:
            row = session.get(CaseloadNorm, band.role)
            if row is None:
                row = CaseloadNorm(role=band.role, low=band.low, high=band.high, updated_at=now)
            else:
                row.low, row.high, row.updated_at = band.low, band.high, now
            session.add(row)
    return load_norms(engine)


def caseload_flags(caseload: dict[str, int] | None, norms: dict[str, NormBand]) -> dict[str, str]:
    """role → "above" for each role whose caseload is above its band."""
    if not caseload:
        return {}
    return {
        role: "above"
        for role, count in caseload.items()
        if role in norms and norms[role].above(count)
    }
