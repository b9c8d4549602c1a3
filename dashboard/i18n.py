"""The dashboard's entry to the message catalogue (core/messages.py), and Babel's number and date formats."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from core import messages
from core.messages import DEFAULT_LANGUAGE, LANGUAGES, N_
from metrics.definitions import BY_NAME
from metrics.suppression import PRIMARY, hidden

LOCALES = {"da": "da_DK", "en": "en_GB", "de": "de_DE"}

READINESS_KEYS = {"ready": N_("ready"), "close": N_("close_to"), "far": N_("far"), "unknown": N_("unknown")}


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of `key` in `lang` (core/messages.py's one fallback rule)."""
    return messages.t(key, lang)


def nt(key: str, count: int | float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of a counted phrase in the plural form for `count` (core/messages.py)."""
    return messages.nt(key, int(count or 0), lang)


def metric_label(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return BY_NAME[name].label(lang)


def metric_explained(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """What counts in a figure, in plain words (metric_<name>_explained)."""
    return BY_NAME[name].explained(lang)


def readiness_label(level: str | None, lang: str) -> str:
    return t(READINESS_KEYS.get(level or "unknown", "unknown"), lang)


def event_label(event_type: str, lang: str) -> str:
    """An event type as people name it (event_<type>); an unknown type as it was sent."""
    key = f"event_{event_type}"
    return t(key, lang) if messages.has(key) else event_type


def role_label(role: str, lang: str) -> str:
    return t(role, lang) if messages.has(role) else role


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    if value is None:
        return t("none", lang)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def share(value: float | None, lang: str) -> str:
    if value is None:
        return t("none", lang)
    return format_percent(value, format="#,##0\u00a0%", locale=locale(lang))


def days(value: float | None, lang: str) -> str:
    """A duration in days as whole days: "306", never "305,7"."""
    return number(value, lang)


def figure(name: str, value, lang: str) -> str:
    """A figure as people read it: shares in per cent, hours with a decimal, days whole."""
    kind = BY_NAME[name].value if name in BY_NAME else "count"
    if kind == "share":
        return share(value, lang)
    if kind == "hours":
        return number(value, lang, 1)
    if kind == "days":
        return days(value, lang)
    return number(value, lang)


def shown(name: str, value, lang: str, row: dict | None, *, exact: bool = False) -> str:
    """A figure as this viewer sees it: a count of 1–4 people, or a share of so few, as "<5"
    unless the viewer sees the team exactly (metrics/suppression.py, `sees_exactly`)."""
    return PRIMARY if hidden(name, value, row, exact=exact) else figure(name, value, lang)


def month_label(month: str, lang: str, short: bool = False) -> str:
    year, number_ = (int(part) for part in month.split("-"))
    return format_date(date(year, number_, 1), "LLL yy" if short else "LLLL y", locale=locale(lang))


def day_label(instant: str | datetime | None, zone: ZoneInfo, lang: str) -> str:
    if instant is None:
        return t("none", lang)
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return format_date(instant.astimezone(zone).date(), "medium", locale=locale(lang))


def time_label(instant: str | datetime, zone: ZoneInfo, lang: str) -> str:
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return format_datetime(instant.astimezone(zone), "short", tzinfo=zone, locale=locale(lang))


def best_language(accept: list[str]) -> str:
    """The first of the browser's languages the dashboard speaks, else Danish."""
    for tag in accept:
        code = tag.split("-")[0].split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE




def number_refused(reason: str, field: str, value, lang: str) -> str:
    """Why a number (core/numbers.py's NumberError.reason) was refused, in the user's language."""
    key = f"number_{reason}" if messages.has(f"number_{reason}") else "number_not_a_number"
    shown = str(value)[:64]
    return t(key, lang).format(field=field, value=shown)


def exact_figure(name: str, value, lang: str) -> str:
    """A figure exactly as entered (no rounding), for confirmations: 55,5 % in da, 55.5 % in en."""
    if value is None:
        return t("none", lang)
    kind = BY_NAME[name].value if name in BY_NAME else "count"
    if kind == "share":
        return format_percent(value, format="#,##0.####\u00a0%", locale=locale(lang))
    return format_decimal(value, format="#,##0.######", locale=locale(lang))


def pace_label(name: str, progress: dict | None, target: dict | None, lang: str) -> str | None:
    """The month-end forecast of a running month's figure: "At this pace 24–29 of 32"."""
    forecast = (progress or {}).get("forecast")
    if not forecast:
        return None
    low, high = math.floor(forecast["low"] + 1e-9), math.ceil(forecast["high"] - 1e-9)
    span = figure(name, low, lang) if low == high else f"{figure(name, low, lang)}–{figure(name, high, lang)}"
    if target is None:
        return t("forecast_pace", lang).format(range=span)
    return t("forecast_pace_of", lang).format(range=span, target=figure(name, target["target"], lang))


def target_to_date_label(name: str, progress: dict | None, lang: str) -> str | None:
    """What a running month's flow is held against today, and why: "Target to date 14 (10 of 23
    working days)"; None where the full target holds."""
    if not progress or progress.get("compared_with") is None or BY_NAME[name].kind != "flow":
        return None
    return t("target_to_date", lang).format(value=number(progress["compared_with"], lang, 1),
                                            elapsed=progress["working_days_elapsed"], total=progress["working_days"])
