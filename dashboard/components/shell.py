"""The frame around every view: brand, the role's views, language, who is signed in, sign-out."""

from __future__ import annotations

from dash import dcc, html

from core.access import Action, allowed
from core.accounts import SignedInUser
from core.messages import LANGUAGES
from dashboard.i18n import t

# (path, text key, action): the views in the order the menu shows them
NAVIGATION = (
    ("/my-caseload", "nav_caseload", Action.view_caseload),
    ("/team", "nav_team", Action.view_team_steering),
    ("/talk", "nav_talk", Action.hold_caseload_talk),
    ("/benchmarking", "nav_benchmarking", Action.view_benchmarking),
    ("/wall", "nav_wall", Action.view_wall_screen),
    ("/users", "nav_users", Action.manage_users),
    ("/admin", "nav_admin", Action.write_organisation),
)


def header(user: SignedInUser, lang: str):
    links = [
        dcc.Link(t(key, lang), href=path, className="nav-link")
        for path, key, action in NAVIGATION
        # a worker's own caseload is its home; other roles open a worker's from team steering
        if allowed(user.role, action) and not (path == "/my-caseload" and user.role.value != "worker")
    ]
    return html.Header(
        [
            dcc.Link("Overblik", href="/", className="brand"),
            html.Nav(links, className="nav", **{"aria-label": "Overblik"}),
            html.Div(
                [
                    html.Nav(
                        [html.A(code.upper(), href=f"/language/{code}", className="lang-link",
                                **({"aria-current": "true"} if code == lang else {}))
                         for code in LANGUAGES],
                        className="languages", **{"aria-label": t("language", lang)},
                    ),
                    html.Span([t(f"role_{user.role.value}", lang), " · ", html.Strong(user.username)],
                              className="who", title=t("signed_in_as", lang)),
                    html.Form(html.Button(t("sign_out", lang), type="submit", className="button quiet",
                                          id="sign-out"),
                              action="/sign-out", method="POST", className="sign-out"),
                ],
                className="header-right",
            ),
        ],
        className="header no-print-nav",
    )
