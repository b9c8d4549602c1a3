"""The PDF downloads: a team's meeting pack and a caseload talk, checked like every view."""

from __future__ import annotations

from flask import Flask, Response, abort, g, request

from core.access import Action
from dashboard.context import DashboardContext
from dashboard.meeting_pack import meeting_pack, talk_pack
from dashboard.scope import audit_open, current_user, permit, scope_team, scope_worker, sees_exactly

PACK_PATH = "/meeting-pack.pdf"
TALK_PATH = "/talk.pdf"


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def install(server: Flask, context: DashboardContext) -> None:
    @server.get(PACK_PATH)
    def download_meeting_pack():
        user = current_user()
        permit(user, Action.view_team_steering)
        team_id = scope_team(user, context.metrics.organisation(), request.args.get("team"))
        month = request.args.get("month") or context.current_month()
        if month not in context.recent_months():
            abort(404)
        audit_open(context, user, "export_meeting_pack", team_id=team_id, detail=month, always=True)
        exact = sees_exactly(user, context.metrics.organisation(), team_id)
        return _pdf(meeting_pack(context, team_id, month, g.lang, exact=exact), f"overblik-{team_id}-{month}.pdf")

    @server.get(TALK_PATH)
    def download_talk():
        user = current_user()
        permit(user, Action.hold_caseload_talk)
        org = context.metrics.organisation()
        worker_id = scope_worker(user, org, request.args.get("worker"))
        team_id = org.workers.get(worker_id)
        if team_id is None:
            abort(404)
        audit_open(context, user, "export_talk", worker_id=worker_id, team_id=team_id, always=True)
        return _pdf(talk_pack(context, worker_id, team_id, g.lang, exact=sees_exactly(user, org, team_id)),
                    f"overblik-talk-{worker_id}-{context.current_month()}.pdf")
