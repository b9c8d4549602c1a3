"""The record form of the case board: what happened on a case, in a few keystrokes; undo."""

from __future__ import annotations

from datetime import datetime

from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import abort, g

from core import contract
from core.access import Action, allowed
from core.errors import Forbidden
from core.programmes import load_model, preset
from core.reasons import reason_text
from dashboard import ids
from dashboard.context import DashboardContext
from dashboard.i18n import day_label, month_label, readiness_label, role_label, t
from dashboard.scope import acting, scope_worker
from services import recording


def _field(name: str) -> dict:
    return {"type": ids.RECORD_FIELD, "name": name}


def _labelled(label: str, control, hint: str | None = None):
    parts = [html.Span(label, className="control-label"), control]
    if hint:
        parts.append(html.Small(hint, className="muted"))
    return html.Label(parts, className="control")


def last_entry_on_board(context: DashboardContext, user, worker_id: str) -> dict | None:
    """The user's own last entry, when it is on a case of this board: what undo takes back,
    read from the log, so a reload keeps it (services/recording.py)."""
    if not allowed(user.role, Action.record_casework):
        return None
    actor = acting(Action.record_casework)
    last = recording.last_entry(context.engine, actor)
    if last is None:
        return None
    info = recording.case_info(context.metrics.model, last["case_id"], context.metrics.clock())
    if info is None or worker_id not in info.holders.values() or not recording.may_record(actor, info, closed_ok=True):
        return None
    return last


def recording_section(context: DashboardContext, user, lang: str, worker_id: str, last: dict | None = None):
    """The form, for the roles that record (core/access.py); nothing for the others. `last`:
    the user's own last entry on the board, which undo takes back."""
    if not allowed(user.role, Action.record_casework):
        return None
    return html.Section(
        [
            html.H2(t("record_heading", lang)),
            dcc.Store(id=ids.RECORD_FORM_ID, data=recording.new_form_id()),
            html.Div(
                [
                    _labelled(t("record_action", lang), dcc.Dropdown(
                        id=ids.RECORD_ACTION, clearable=False, placeholder=t("record_choose_action", lang),
                        options=[{"label": t(f"action_{a}", lang), "value": a} for a in recording.ACTIONS],
                        className="record-action")),
                    _labelled(t("record_case", lang), dcc.Dropdown(
                        id=ids.RECORD_CASE, options=[], placeholder=t("record_choose_case", lang),
                        className="record-case")),
                ],
                className="toolbar record-choice",
            ),
            html.Div(id=ids.RECORD_FIELDS, className="toolbar record-fields"),
            html.Div(
                [
                    html.Button(t("record_submit", lang), id=ids.RECORD_SUBMIT, n_clicks=0,
                                className="button primary", type="button"),
                    html.Button(t("record_undo", lang), id=ids.RECORD_UNDO, n_clicks=0, disabled=not last,
                                className="button", type="button"),
                ],
                className="toolbar",
            ),
            html.Div(id=ids.RECORD_MESSAGE, role="status", **{"aria-live": "polite"}),
        ],
        className="section no-print record",
    )


def _today(context: DashboardContext):
    return context.metrics.clock().astimezone(context.zone).date()


def _phases(context: DashboardContext, programme: str | None, lang: str) -> list[dict]:
    model = load_model(context.engine, programme or "default") or preset(programme or "default")
    if model is None:
        return []
    return [{"label": p.names.get(lang) or p.names.get("da") or p.id, "value": p.id} for p in model.phases]


def form_fields(context: DashboardContext, action: str | None, info: recording.CaseInfo | None,
                lang: str, team_id: str | None):
    """The inputs of one action, with its defaults: today, the case's current placement."""
    if not action:
        return []
    today = _today(context)
    inputs = [_labelled(t("field_date", lang), dcc.Input(
        id=_field("date"), type="date", value=today.isoformat(), max=today.isoformat(), required=True,
        debounce=True))]

    def choose(name, options, value=None, multi=False, clearable=False):
        return _labelled(t(f"field_{name}", lang), dcc.Dropdown(
            id=_field(name), options=options, value=value, multi=multi, clearable=clearable,
            searchable=False, className=f"record-{name}"))

    def write(name, kind="text", value=None, **extra):
        return _labelled(t(f"field_{name}", lang), dcc.Input(
            id=_field(name), type=kind, value=value, autoComplete="off", n_submit=0, **extra))

    if action == "readiness_assessed":
        inputs.append(choose("level", [{"label": readiness_label(v, lang), "value": v} for v in contract.READINESS_LEVELS]))
    elif action == "phase_changed":
        options = _phases(context, info.programme if info else None, lang)
        inputs.append(choose("phase", options) if options else write("phase", maxLength=128))
    elif action == "placement_started":
        inputs.append(write("employer", maxLength=200))
        inputs.append(choose("kind", [{"label": t(f"placement_kind_{k}", lang), "value": k}
                                      for k in contract.PLACEMENT_KINDS], "internship"))
        # text, not number: a Danish or German decimal comma must be accepted (checked on the server)
        inputs.append(write("hours_per_week", inputMode="decimal", maxLength=12))
    elif action == "placement_ended":
        options = [{"label": employer or pid, "value": pid} for pid, employer in (info.placements if info else [])]
        inputs.append(choose("placement_id", options, info.current_placement if info else None))
        inputs.append(write("end_reason", maxLength=200))
    elif action == "follow_up_held":
        current = next(((pid, e) for pid, e in (info.placements if info else []) if pid == info.current_placement),
                       None) if info else None
        chosen = ["citizen", "caseworker"] + (["employer"] if current else [])
        labels = {p: t(f"participant_{p}", lang) if p in ("citizen", "employer") else role_label(p, lang)
                  for p in contract.PARTICIPANTS}
        inputs.append(choose("participants", [{"label": labels[p], "value": p} for p in contract.PARTICIPANTS],
                             chosen, multi=True, clearable=True))
        if current:
            inputs.append(html.P(f"{t('record_placement_now', lang)}: {current[1] or current[0]}",
                                 className="muted record-context"))
    elif action == "hours_reported":
        months = recording.recent_months(context.metrics.clock(), context.zone)
        inputs.append(choose("month", [{"label": month_label(m, lang), "value": m} for m in months], months[1]))
        inputs.append(write("hours", inputMode="decimal", maxLength=12))
    elif action == "case_closed":
        inputs.append(choose("reason", [{"label": t(f"close_{r}", lang), "value": r} for r in contract.CLOSE_REASONS]))
        inputs.append(choose("outcome", [{"label": t(f"outcome_{o}", lang), "value": o} for o in contract.OUTCOMES],
                             clearable=True))
    elif action == "worker_assigned":
        workers = context.directory.workers_of(team_id) if team_id else []
        inputs.append(choose("worker_id", [{"label": context.directory.worker_name(w), "value": w} for w in workers]))
        inputs.append(choose("role", [{"label": role_label(r, lang), "value": r} for r in contract.ROLES],
                             "caseworker"))
    elif action == "case_opened":
        inputs.append(_labelled(t("field_citizen", lang), dcc.Input(
            id=_field("citizen"), type="password", autoComplete="off", n_submit=0, maxLength=64),
            t("field_citizen_hint", lang)))
        inputs.append(choose("programme", _programmes(context, lang), "default"))
    return inputs


def _programmes(context: DashboardContext, lang: str) -> list[dict]:
    from core.programmes import load_models

    models = load_models(context.engine)
    options = [{"label": m.names.get(lang) or m.names.get("da") or name, "value": name}
               for name, m in sorted(models.items())]
    if not any(o["value"] == "default" for o in options):
        options.insert(0, {"label": "default", "value": "default"})
    return options


def _scoped(context: DashboardContext, worker_id: str | None):
    """The actor (who may record), the organisation and the board's worker, or 403."""
    actor = acting(Action.record_casework)
    org = context.metrics.organisation()
    return actor, org, scope_worker(actor, org, worker_id)


def _case(context: DashboardContext, actor, case_id: str | None) -> recording.CaseInfo | None:
    if not case_id:
        return None
    info = recording.case_info(context.metrics.model, str(case_id), context.metrics.clock())
    if not recording.may_record(actor, info):
        abort(403)
    return info


def _refused(summary, lang: str):
    reasons = "; ".join(reason_text(e.reason, lang) for e in summary.errors)
    return html.Div(f"{t('record_refused', lang)}: {reasons}", className="record-refused", role="alert")


def register_recording(app, context: DashboardContext) -> None:
    @app.callback(
        Output(ids.RECORD_CASE, "options"),
        Input(ids.LIVE_VERSION, "data"),
        Input(ids.RECORD_LAST, "data"),
        State(ids.CASELOAD_WORKER, "data"),
    )
    def record_choices(_version, _last, worker_id):
        actor, _org, worker_id = _scoped(context, worker_id)
        model = context.metrics.model
        now = context.metrics.clock()
        options = []
        for case in context.metrics.board(worker_id)["cases"]:
            if recording.may_record(actor, recording.case_info(model, case["case_id"], now)):
                label = f"{case['case_id']} · {case['citizen'] or '–'}"
                options.append({"label": label, "value": case["case_id"]})
        return options

    @app.callback(
        Output(ids.RECORD_FIELDS, "children"),
        Input(ids.RECORD_ACTION, "value"),
        Input(ids.RECORD_CASE, "value"),
        Input(ids.RECORD_FORM_ID, "data"),
        State(ids.CASELOAD_WORKER, "data"),
    )
    def record_form(action, case_id, _form_id, worker_id):
        actor, org, worker_id = _scoped(context, worker_id)
        info = None if action == "case_opened" else _case(context, actor, case_id)
        return form_fields(context, action, info, g.lang, org.workers.get(worker_id))

    @app.callback(
        Output(ids.RECORD_MESSAGE, "children"),
        Output(ids.RECORD_FORM_ID, "data"),
        Output(ids.RECORD_LAST, "data"),
        Output(ids.RECORD_UNDO, "disabled"),
        Input(ids.RECORD_SUBMIT, "n_clicks"),
        Input(ids.RECORD_UNDO, "n_clicks"),
        Input({"type": ids.RECORD_FIELD, "name": ALL}, "n_submit"),
        State(ids.RECORD_ACTION, "value"),
        State(ids.RECORD_CASE, "value"),
        State({"type": ids.RECORD_FIELD, "name": ALL}, "value"),
        State({"type": ids.RECORD_FIELD, "name": ALL}, "id"),
        State(ids.RECORD_FORM_ID, "data"),
        State(ids.RECORD_LAST, "data"),
        State(ids.CASELOAD_WORKER, "data"),
        prevent_initial_call=True,
    )
    def record_entry(_submit, _undo, _entered, action, case_id, values, names, form_id, last, worker_id):
        actor, _org, worker_id = _scoped(context, worker_id)
        lang = g.lang
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and not any(item.get("value") for item in ctx.triggered):
            raise PreventUpdate  # a field appeared; nothing was entered
        if trigger == ids.RECORD_UNDO:
            return undo_last(context, actor, worker_id, last, lang)
        if not isinstance(form_id, str) or not form_id.startswith("ob-") or len(form_id) > 64:
            abort(400)
        fields = {n["name"]: v for n, v in zip(names or [], values or [], strict=False) if isinstance(n, dict)}
        try:
            result = recording.record_entry(context.store, context.metrics.model, actor, action, case_id, fields,
                                          form_id=form_id, worker_id=worker_id, now=context.metrics.clock(),
                                          lang=lang)
        except Forbidden:
            abort(403)
        except recording.EntryRefused as refused:
            return (html.Div([html.Strong(t("record_fix", lang)),
                              html.Ul([html.Li(t(p, lang)) for p in refused.problems])],
                             className="record-problems", role="alert"),
                    form_id, last, not last)
        entry, summary = result.entry, result.summary
        if summary.rejected:
            return _refused(summary, lang), form_id, last, not last
        if not summary.accepted:
            return html.Div(t("record_duplicate", lang), className="record-duplicate"), form_id, last, not last
        done = {"event_ids": entry.event_ids, "case_id": entry.case_id, "action": entry.action}
        message = html.Div(
            [f"{t('record_done', lang)}: {t('action_' + entry.action, lang)} {t('record_on_case', lang)} ",
             html.Span(entry.case_id, className="mono"),
             f" ({day_label(datetime.fromisoformat(entry.events[0]['occurred_at']), context.zone, lang)})"],
            className="record-done", **{"data-event-id": entry.event_ids[0]})
        return message, recording.new_form_id(), done, False


def undo_last(context: DashboardContext, actor, worker_id: str, last, lang: str):
    event_ids = (last.get("event_ids") if isinstance(last, dict) else None) or []
    try:
        done = recording.undo(context.store, context.metrics.model, actor, event_ids, worker_id=worker_id,
                              now=context.metrics.clock())
    except Forbidden:
        abort(403)
    if done is None:
        return html.Div(t("record_nothing_to_undo", lang), className="record-problems"), \
            recording.new_form_id(), None, True
    entry = done.entry
    if done.summary.rejected:
        return _refused(done.summary, lang), recording.new_form_id(), last, False
    label = t(f"action_{(last or {}).get('action')}", lang) if (last or {}).get("action") in recording.ACTIONS else ""
    return (html.Div([f"{t('record_undone', lang)}: {label} {t('record_on_case', lang)} ",
                      html.Span(entry.case_id, className="mono")], className="record-undone"),
            recording.new_form_id(), {"undone": entry.event_ids, "case_id": entry.case_id}, True)
