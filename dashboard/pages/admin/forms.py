"""What every section of the administration shares: its form row, table and messages, reading a
form's fields as people type them, one path from a click to ✓ or to why it was not saved (in the
user's language), the form filled from a table row for editing, and every list searched and
paged on the server (a page of PAGE_SIZE rows is all the browser gets)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import g
from pydantic import ValidationError

from core.access import Action
from core.errors import DomainError
from core.numbers import parse_number
from core.reasons import error_text, reason_text
from dashboard import ids
from dashboard.context import DashboardContext
from dashboard.i18n import number, t
from dashboard.inputs import clicked
from dashboard.scope import acting, current_user, permit
from ingest.organisation import list_teams, list_workers


def text(value) -> str | None:
    """A field's text, trimmed; None when empty (no database text holds NUL: it is dropped)."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip() or None


def amount(value, lang: str, *, whole: bool = False) -> Decimal | None:
    """A number as people type it in their language (core/numbers.py: 1.234,5 in da/de, 1,234.5 in
    en); None when empty; ValueError (a NumberError tells why) if not a number from 0."""
    number = parse_number(value, lang)  # anything else a crafted request sends is refused
    if number is None:
        return None
    if number < 0 or (whole and number != number.to_integral_value()):
        raise ValueError(value)
    return number


def whole_number(value, lang: str, key: str) -> int | None:
    """A whole number from 0, None when empty; refused with the message of `key` otherwise."""
    try:
        number = amount(value, lang, whole=True)
    except ValueError:
        raise err(key, lang) from None
    return None if number is None else int(number)


class FormError(ValueError):
    """A form that cannot be saved as filled in; the message is in the user's language."""


def err(key: str, lang: str, **values) -> FormError:
    return FormError(t(key, lang).format(**values))


def require(lang: str, **fields) -> None:
    """Refuses the first of the fields (label key = value) left empty, in the order given."""
    for label, value in fields.items():
        if not value:
            raise err("err_required", lang, field=t(label, lang))


def ok(words: str):
    return html.Span(["✓ ", words], className="ok")


def refused(words: str, lang: str, detail: str | None = None):
    parts = [f"✕ {t('not_saved', lang)}: {words}"]
    if detail:
        parts.append(html.Span(f" ({detail})", className="muted"))
    return html.Span(parts, className="form-error")


def refusal(exc: Exception, lang: str, label: str):
    """Why a change was not saved: a form's own message, a service's refusal in the user's
    language where the message catalogue has its key, else the reason under the field's label."""
    if isinstance(exc, FormError):
        return refused(str(exc), lang)
    if isinstance(exc, ValidationError):
        return refused(t(label, lang), lang, reason(exc))
    if isinstance(exc, DomainError) and exc.key:
        return refused(error_text(exc, lang), lang)
    return refused(t(label, lang), lang, reason_text(str(exc), lang))


def answer(save: Callable[[], object], lang: str, label: str):
    """A form's answer to its button: nothing unless it was clicked (a redrawn button fires the
    callback too), else what `save` answers (✓ and what was saved) or why it was not saved."""
    if not clicked():
        return ""
    try:
        return save()
    except (FormError, ValidationError, DomainError) as exc:
        return refusal(exc, lang, label)


def failed(words: str):
    return html.Span(f"✕ {words}", className="form-error")


def reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False))


def values(*field_ids: str) -> list[State]:
    """What a form's fields hold, as its save callback reads them (in this order)."""
    return [State(id_, "value") for id_ in field_ids]


def section_form(app, action: Action, label: str, *, table: str, message: str, button: str, fields: tuple[str, ...],
                 redraw: Callable[[str], tuple], also: tuple[Output, ...] = ()):
    """Registers the decorated `save(actor, lang, *field values)` as the callback of a section's
    form: on a click of `button`, by a user permitted `action`, its answer in `message` (why not,
    under `label`); then the section's `table`, and what else it names (`also`), drawn anew by
    `redraw(lang)`, clicked or not."""
    def register(save: Callable):
        @app.callback(Output(table, "children"), Output(message, "children"), *also, Input(button, "n_clicks"),
                      *values(*fields), prevent_initial_call=True)
        def saved(_clicks, *typed):
            actor = acting(action)
            lang = g.lang
            answered = answer(lambda: save(actor, lang, *typed), lang, label)
            drawn, *rest = redraw(lang)
            return drawn, answered, *rest
        return save
    return register


def row_editor(app, action: Action, *, button: str, fields: tuple[str, ...], rows: Callable[[], list], key: str):
    """Registers the decorated `fill(row)` (the fields' values, in order) as the callback of a
    table's edit buttons (pattern {"type": button, "id": the row's `key`}): the form filled with
    the row clicked, for a user permitted `action`; no update when none was clicked (a redrawn
    table fires the callback too) or the row is gone."""
    def register(fill: Callable):
        @app.callback(*(Output(id_, "value") for id_ in fields), Input({"type": button, "id": ALL}, "n_clicks"),
                      prevent_initial_call=True)
        def edit(_clicks):
            permit(current_user(), action)
            trigger = ctx.triggered_id
            if not isinstance(trigger, dict) or not clicked():
                raise PreventUpdate
            row = next((x for x in rows() if getattr(x, key) == trigger["id"]), None)
            if row is None:
                raise PreventUpdate
            return fill(row)
        return fill
    return register


def control(label: str, component, *, wide: bool = False):
    return html.Label([label, component], className="control control-wide" if wide else "control")


def field(id_, *, kind: str = "text", value=None, placeholder: str | None = None, mode: str | None = None,
          size: str | None = None, list_: str | None = None):
    extra = {}
    if mode:
        extra["inputMode"] = mode
    if list_:
        extra["list"] = list_
    return dcc.Input(id=id_, type=kind, value=value, placeholder=placeholder, autoComplete="off",
                     debounce=False, className=f"field {size or ''}".strip(), **extra)


def form_row(controls: list, button: str, button_id: str, hint_words: str | None = None):
    """A form's fields on one row, its button after them (and a hint last, where it has one)."""
    return html.Div([*controls, html.Button(button, id=button_id, n_clicks=0, className="button primary"),
                     *([hint(hint_words)] if hint_words else [])], className="toolbar form-row")


def hint(words: str):
    return html.P(words, className="hint muted")


def section_table(id_: str, table):
    """A section's table, where its callbacks draw it anew."""
    return html.Div(table, id=id_, className="table-wrap")


PAGE_SIZE = 20
MOST_PAGES = 10**6


def paged(table_id: str, lang: str, rows: list, *, words: Callable[[Any], Iterable[str | None]],
          draw: Callable[[list], Any], query: str | None = None, page: int = 1, empty: str | None = None):
    """One page of a list's rows that hold the search's words (in any case, in any of the texts
    `words` gives a row), drawn by `draw`, with the buttons that turn to the page before and after
    and what is shown of how many. No rows: `empty` (or "none yet"); none found: says so."""
    needle = (text(query) or "").casefold()
    found = [row for row in rows if needle in " ".join(w for w in words(row) if w).casefold()] if needle else rows
    if not found:
        words_ = t("list_none_found", lang) if needle else (empty or t("none_yet", lang))
        return html.P(words_, className="empty", role="status")
    pages = -(-len(found) // PAGE_SIZE)
    page = min(max(1, page), pages)
    first = (page - 1) * PAGE_SIZE
    shown = found[first:first + PAGE_SIZE]
    if pages == 1 and not needle:
        return draw(shown)
    status = t("list_shown", lang).format(first=number(first + 1, lang), last=number(first + len(shown), lang),
                                          total=number(len(found), lang))
    return html.Div([
        draw(shown),
        html.Nav([
            _turn(table_id, page - 1, "‹ " + t("list_previous", lang), page <= 1),
            html.Span(status, className="muted small", role="status", **{"aria-live": "polite"}),
            _turn(table_id, page + 1, t("list_next", lang) + " ›", page >= pages),
        ], className="toolbar pager", **{"aria-label": t("list_pages", lang)}),
    ])


def _turn(table_id: str, page: int, words: str, disabled: bool):
    return html.Button(words, id={"type": ids.LIST_PAGE, "list": table_id, "page": page}, n_clicks=0,
                       className="button quiet small", disabled=disabled)


def listed(table_id: str, lang: str, first_page, label: str | None = None) -> list:
    """What a section's table holds: its search box, and the first page of its list (the page
    and search callback draws the others)."""
    search = dcc.Input(id=ids.list_search(table_id), type="search", value="", autoComplete="off", debounce=False,
                       placeholder=t("list_search", lang), className="field")
    named = t("list_search", lang) + (f": {label}" if label else "")
    return [html.Label([html.Span(named, className="visually-hidden"), search], className="toolbar list-search"),
            html.Div(first_page, id=ids.list_page(table_id))]


def row_buttons_redrawn() -> bool:
    """Whether a table's row buttons fired its callback by being drawn anew (a page turned, a
    search typed) rather than clicked: the table is left as it is then, on the page shown."""
    return isinstance(ctx.triggered_id, dict) and not clicked()


def section_list(app, action: Action, table_id: str, draw: Callable[[str, str | None, int], Any]) -> None:
    """Registers the search and the page buttons of the list in `table_id` (drawn by
    `listed`): `draw(lang, query, page)` draws the page asked for, for a user permitted
    `action`. A new search starts at its first page."""
    @app.callback(Output(ids.list_page(table_id), "children"), Input(ids.list_search(table_id), "value"),
                  Input({"type": ids.LIST_PAGE, "list": table_id, "page": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def turned(query, _clicks):
        permit(current_user(), action)
        trigger = ctx.triggered_id
        page = 1
        if isinstance(trigger, dict):
            if not clicked():
                raise PreventUpdate  # the page's buttons drawn anew
            asked = trigger.get("page")
            # a crafted request may send any page: a number out of range shows the nearest page
            page = asked if isinstance(asked, int) and not isinstance(asked, bool) and 0 < asked < MOST_PAGES else 1
        return draw(g.lang, query if isinstance(query, str) else None, page)


def section(key: str, title: str, body: list, count: int | None = None):
    heading = f"{title} ({count})" if count is not None else title
    return html.Section([html.H2(heading, id=f"section-{key}-heading"), *body], className="section admin-section",
                        id=f"section-{key}", **{"aria-labelledby": f"section-{key}-heading"})


def message(id_):
    return html.P(id=id_, className="message", role="status", **{"aria-live": "polite"})


def team_options(context: DashboardContext):
    return [{"label": f"{team.name} ({team.team_id})", "value": team.team_id} for team in list_teams(context.engine)]


def worker_options(context: DashboardContext):
    return [{"label": f"{w.name} ({w.worker_id})", "value": w.worker_id} for w in list_workers(context.engine)]


def known_team(context: DashboardContext, team_id: str | None, lang: str) -> None:
    """A team chosen from the form's list is one of the organisation's (a crafted request may
    send any id)."""
    if team_id is not None and team_id not in {x.team_id for x in list_teams(context.engine)}:
        raise err("err_unknown_team", lang)
