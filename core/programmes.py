"""Programmes' process models: the shipped presets, an admin's edits, and their validation."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import select

from core.database import session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import ProgrammeModel

LANGUAGES = ("da", "en", "de")
STAGES = ("finding", "securing")
# The job-coaching standard's ratios; used when a model gives none (finding 1:5, securing 1:6).
DEFAULT_RATIOS = {"finding": 5, "securing": 6}
DEFAULT_STANDARDS = {
    "mid_review_share": 0.9,
    "final_review_share": 0.9,
    "supervisions_per_worker_year": 4.0,
    "three_party_per_placement_month": 1.0,
}
PRESETS = ("mestring", "transition", "jobcoaching", "counselling")
MAX_PHASES = 50


class ProcessModelError(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    names: dict[str, str]
    planned_days: float
    stage: str | None  # "finding" or "securing" a job, or neither

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "names": dict(self.names), "planned_days": self.planned_days,
                "stage": self.stage}


@dataclass(frozen=True, slots=True)
class ProcessModel:
    programme: str
    names: dict[str, str]
    phases: tuple[Phase, ...]
    ratios: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATIOS))
    standards: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_STANDARDS))
    preset: bool = False

    @property
    def phase_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.phases)

    @property
    def course_days(self) -> float:
        """The planned length of the whole course: the sum of its phases' planned days."""
        return sum(p.planned_days for p in self.phases)

    def phase(self, phase_id: str) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "names": dict(self.names),
            "phases": [p.as_dict() for p in self.phases],
            "course_days": self.course_days,
            "ratios": dict(self.ratios),
            "standards": dict(self.standards),
            "preset": self.preset,
        }


def parse_model(programme: str, data: Any, *, preset: bool = False) -> ProcessModel:
    """A process model from its JSON form; raises ProcessModelError with a reason."""
    if not isinstance(data, dict):
        raise ProcessModelError("a process model must be an object", key=N_("error_model_not_object"))
    names = _names(data.get("names") or {"en": programme}, "names", None)
    phases_raw = data.get("phases")
    if not isinstance(phases_raw, list) or not phases_raw or len(phases_raw) > MAX_PHASES:
        raise ProcessModelError(f"phases: a list of 1 to {MAX_PHASES} phases is required",
                                key=N_("error_model_phases"), most=MAX_PHASES)
    phases = []
    for index, raw in enumerate(phases_raw):
        if not isinstance(raw, dict):
            raise ProcessModelError(f"phases[{index}]: an object is required", key=N_("error_model_phase_not_object"),
                                    number=index + 1)
        phase_id = raw.get("id")
        if not isinstance(phase_id, str) or not 1 <= len(phase_id) <= 128:
            raise ProcessModelError(f"phases[{index}].id: a string of 1 to 128 characters", key=N_("error_model_phase_id"),
                                    number=index + 1)
        days = raw.get("planned_days")
        if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 3650:
            raise ProcessModelError(f"phases[{index}].planned_days: a number of days above 0",
                                    key=N_("error_model_phase_days"), number=index + 1)
        stage = raw.get("stage")
        if stage is not None and stage not in STAGES:
            raise ProcessModelError(f"phases[{index}].stage: one of {', '.join(STAGES)}, or null",
                                    key=N_("error_model_phase_stage"), number=index + 1, stages=", ".join(STAGES))
        phases.append(Phase(phase_id, _names(raw.get("names") or {}, f"phases[{index}].names", index + 1),
                            float(days), stage))
    ids = [p.id for p in phases]
    if len(set(ids)) != len(ids):
        raise ProcessModelError("phases: each phase id once", key=N_("error_model_phase_ids_twice"))
    ratios = dict(DEFAULT_RATIOS)
    for stage, value in (data.get("ratios") or {}).items():
        if stage not in STAGES or isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ProcessModelError("ratios: finding and securing, each a whole number from 1", key=N_("error_model_ratios"))
        ratios[stage] = value
    standards = dict(DEFAULT_STANDARDS)
    for name, value in (data.get("standards") or {}).items():
        if name not in DEFAULT_STANDARDS or isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ProcessModelError(f"standards: {', '.join(DEFAULT_STANDARDS)}, each a number from 0",
                                    key=N_("error_model_standards"), names=", ".join(DEFAULT_STANDARDS))
        standards[name] = float(value)
    return ProcessModel(programme, names, tuple(phases), ratios, standards, preset)


def _names(raw: Any, where: str, phase: int | None) -> dict[str, str]:
    """The names of the model (`phase` None) or of its phase number `phase` (from 1)."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v for v in raw.values()):
        if phase is None:
            raise ProcessModelError(f"{where}: an object of language → name", key=N_("error_model_names"))
        raise ProcessModelError(f"{where}: an object of language → name", key=N_("error_model_phase_names"),
                                number=phase)
    return {lang: raw[lang] for lang in LANGUAGES if lang in raw} or {"en": next(iter(raw.values()), "")}


def preset(programme: str) -> ProcessModel | None:
    """The version-controlled preset of that programme, if one ships."""
    if programme not in PRESETS:
        return None
    text = resources.files("core").joinpath("process_models", f"{programme}.json").read_text("utf-8")
    return parse_model(programme, json.loads(text), preset=True)


def load_models(engine: Engine) -> dict[str, ProcessModel]:
    """Every programme's model: the presets, replaced or added to by an admin's edits."""
    models = {name: preset(name) for name in PRESETS}
    with session_scope(engine) as session:
        for row in session.exec(select(ProgrammeModel)):
            models[row.programme] = parse_model(row.programme, json.loads(row.model))
    return models  # type: ignore[return-value]


def load_model(engine: Engine, programme: str) -> ProcessModel | None:
    return load_models(engine).get(programme)


def save_model(engine: Engine, programme: str, data: Any) -> ProcessModel:
    """Checks and stores an admin's model of a programme (it replaces the preset, if any)."""
    if not isinstance(programme, str) or not 1 <= len(programme) <= 128:
        raise ProcessModelError("programme: a string of 1 to 128 characters", key=N_("error_model_programme"))
    model = parse_model(programme, data)
    stored = {k: v for k, v in model.as_dict().items() if k not in ("programme", "course_days", "preset")}
    now = utcnow()
    with session_scope(engine) as session:
        row = session.get(ProgrammeModel, programme)
        if row is None:
            row = ProgrammeModel(programme=programme, model=json.dumps(stored), updated_at=now)
        else:
            row.model, row.updated_at = json.dumps(stored), now
        session.add(row)
    return model


class ModelCache:
    """The models of one database as the ingest check reads them, read again as soon as an
    admin's edit changed them, in this process or another: one small query on the edits
    (how many, the last one's time) tells."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._version: tuple[Any, ...] | None = None
        self._models: dict[str, ProcessModel] | None = None
        self._lock = threading.Lock()

    def models(self) -> dict[str, ProcessModel]:
        with session_scope(self.engine) as session:
            version = tuple(session.exec(
                select(func.count(), func.max(ProgrammeModel.updated_at))  # type: ignore[call-overload]
            ).one())
        with self._lock:
            if self._models is None or version != self._version:
                self._models, self._version = load_models(self.engine), version
            return self._models
