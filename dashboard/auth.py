"""Sign-in, sign-out and the session check in front of every dashboard request."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, g, jsonify, redirect, render_template_string, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine
from werkzeug.http import parse_cookie

from core.access import Role
from core.accounts import SignedInUser, end_session, session_user, start_session, verify_password
from core.messages import LANGUAGES
from core.settings import Settings
from core.throttle import ATTEMPT_WINDOW_SECONDS, SignInThrottle
from dashboard.i18n import best_language, t
from ingest.pseudonym import load_or_create_key

SESSION_COOKIE = "overblik_session"
LANGUAGE_COOKIE = "overblik_lang"
# Code and styles anyone may fetch: they hold no data, and the sign-in page needs the styles.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/favicon.ico", "/_favicon.ico")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HOMES = {
    Role.worker: "/my-caseload",
    Role.team_lead: "/team",
    Role.manager: "/benchmarking",
    Role.admin: "/users",
}


def home_of(user: SignedInUser) -> str:
    return HOMES.get(user.role, "/")


def session_secret(settings: Settings) -> bytes:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    return load_or_create_key(settings.pseudonym_key_file.with_name("overblik-session.key"))


def safe_next(target: str | None) -> str | None:
    """Only a path (and its query) on this site: a sign-in link must not send anyone elsewhere.
    Browsers read a backslash as a slash and drop tabs and newlines inside a URL, so a target
    with either could leave the site: such targets are refused, not repaired."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def requested_path() -> str | None:
    """The path and query the browser asked for, as the sign-in form carries it on."""
    if request.path == "/":
        return None
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


SIGN_IN_PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('sign_in') }} · Overblik</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body class="sign-in-body">
<main class="sign-in">
  <h1 class="brand">Overblik</h1>
  <p class="tagline">{{ t('tagline') }}</p>
  <form method="post" action="/sign-in" class="sign-in-form">
    <input type="hidden" name="next" value="{{ next or '' }}">
    <label for="username">{{ t('username') }}</label>
    <input id="username" name="username" autocomplete="username" required autofocus value="{{ username }}">
    <label for="password">{{ t('password') }}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    {% if throttled %}<p class="form-error" role="alert">{{ t('sign_in_throttled') }}</p>
    {% elif failed %}<p class="form-error" role="alert">{{ t('sign_in_failed') }}</p>{% endif %}
    <button type="submit" class="button primary">{{ t('sign_in') }}</button>
  </form>
  <nav class="languages" aria-label="{{ t('language') }}">
    {% for code in languages %}<a href="/language/{{ code }}?next=/" {% if code == lang %}aria-current="true"{% endif %}>{{ code|upper }}</a>{% endfor %}
  </nav>
</main>
</body>
</html>"""


def render_sign_in(lang: str, *, next_path: str | None = None, failed: bool = False, username: str = "",
                   throttled: bool = False) -> str:
    return render_template_string(
        SIGN_IN_PAGE, lang=lang, t=lambda key: t(key, lang), next=next_path, failed=failed,
        username=username, languages=LANGUAGES, throttled=throttled,
    )


def _same_origin(origin: str, host: str) -> bool:
    return urlsplit(origin).netloc == host


def install(server: Flask, settings: Settings, engine: Engine) -> None:
    """Puts the session check before every request of the dashboard's server, and its routes."""
    lifetime = timedelta(hours=settings.session_hours)
    idle = int(settings.session_idle_minutes * 60)
    signer = URLSafeTimedSerializer(session_secret(settings), salt="overblik-dashboard-session")
    # in the database: every web process of the deployment counts the same failures; digests
    # keyed by the session secret, which every process of a deployment shares
    throttle = SignInThrottle(engine, key=session_secret(settings))
    server.extensions["overblik_sign_in_throttle"] = throttle

    def set_session_cookie(response, secret: str) -> None:
        # signed anew on every answer: the signature's age is the idle time
        response.set_cookie(
            SESSION_COOKIE, signer.dumps(secret), max_age=int(lifetime.total_seconds()),
            httponly=True, samesite="Lax", secure=request.is_secure, path="/",
        )

    def language() -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
        return best_language([tag for tag, _q in request.accept_languages])

    def secret_of(cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return signer.loads(cookie, max_age=min(idle, int(lifetime.total_seconds())))
        except BadSignature:  # also SignatureExpired: idle for too long
            return None

    def session_of_request() -> tuple[str | None, SignedInUser | None]:
        secret = secret_of(request.cookies.get(SESSION_COOKIE))
        if secret is None:
            return None, None
        return secret, session_user(engine, secret)

    def signed_in_cookie(cookie_header: str) -> bool:
        """Whether a request's Cookie header holds a live session: checked by api/limits.py
        before the body of a dashboard request is read."""
        secret = secret_of(parse_cookie(cookie_header).get(SESSION_COOKIE))
        return secret is not None and session_user(engine, secret) is not None

    def session_key(cookie_header: str) -> str | None:
        """A key of the session a Cookie header names (no secret in it): live streams are
        counted per session (dashboard/live.py)."""
        secret = secret_of(parse_cookie(cookie_header).get(SESSION_COOKIE))
        return None if secret is None else hashlib.sha256(secret.encode()).hexdigest()[:32]

    server.extensions["overblik_signed_in_cookie"] = signed_in_cookie
    server.extensions["overblik_session_key"] = session_key

    @server.before_request
    def check_session():
        g.lang = language()
        g.user = None
        path = request.path
        if request.method not in SAFE_METHODS:
            # CSRF: a browser names the page a state-changing request comes from; refuse other
            # sites (the session cookie is also SameSite=Lax). Scripts without Origin/Referer
            # carry no browser's cookie, so they cannot ride on someone's session.
            source = request.headers.get("Origin") or request.headers.get("Referer")
            if source and not _same_origin(source, request.host):
                return jsonify({"detail": "cross-site request refused"}), 403
        if path.startswith(PUBLIC_PREFIXES) or path in ("/sign-in",) or path.startswith("/language/"):
            return None
        g.session_secret, g.user = session_of_request()
        if g.user is None:
            if path.startswith("/_"):
                # Dash's own requests (layout, callbacks): nothing without a session
                return jsonify({"detail": "sign in first"}), 401
            return render_sign_in(g.lang, next_path=safe_next(requested_path())), 200
        if path == "/":
            return redirect(home_of(g.user))
        return None

    @server.after_request
    def no_store(response):
        if g.get("user") is not None and g.get("session_secret") and not request.path.startswith(PUBLIC_PREFIXES) \
                and not any(SESSION_COOKIE in c for c in response.headers.getlist("Set-Cookie")):
            set_session_cookie(response, g.session_secret)
        # figures and boards must not linger in shared caches or the back button after sign-out
        if not request.path.startswith(PUBLIC_PREFIXES):
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @server.post("/sign-in")
    def sign_in():
        username = request.form.get("username", "")
        # the peer's address, or the client's as a configured proxy (OVERBLIK_TRUSTED_PROXIES)
        # names it: never a forwarded header from anyone else
        address = request.remote_addr or "-"
        next_path = safe_next(request.form.get("next"))
        if throttle.blocked(username, address):
            return render_sign_in(g.lang, next_path=next_path, throttled=True, username=username), 429, {
                "Retry-After": str(ATTEMPT_WINDOW_SECONDS)}
        user = verify_password(engine, username, request.form.get("password", ""))
        if user is None:
            throttle.failed(username, address)
            return render_sign_in(g.lang, next_path=next_path, failed=True, username=username), 401
        throttle.succeeded(username, address)
        # a session that came with the browser ends: a new one, with a new secret, replaces it
        previous, _user = session_of_request()
        if previous:
            end_session(engine, previous)
        secret, _expires = start_session(engine, user, lifetime)
        response = redirect(next_path or home_of(user), code=303)
        set_session_cookie(response, secret)
        return response

    @server.post("/sign-out")
    def sign_out():
        if g.get("session_secret"):
            end_session(engine, g.session_secret)
        response = redirect("/", code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
        return response

    @server.get("/language/<code>")
    def choose_language(code: str):
        response = redirect(safe_next(request.args.get("next")) or "/", code=303)
        if code in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="Lax", path="/")
        return response
