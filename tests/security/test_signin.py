"""Sign-in that an attacker cannot turn against a user (SQLite and PostgreSQL):

- failures from other addresses never lock a user out of their own address; spraying from one
  address and a distributed guess at one account are throttled;
- forwarded headers are believed only from OVERBLIK_TRUSTED_PROXIES, through a real
  `overblik serve` process (uvicorn's own proxy handling included) and in-process;
- the password policy on every path that sets a password (core, command line, admin view);
- one rule for user names' case, also for the accounts a database already holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from core.accounts import (
    UsernameTaken,
    WeakPassword,
    create_user,
    list_users,
    set_password,
    start_session,
    verify_password,
)
from core.database import dispose_engine, get_engine
from core.migrate import upgrade
from core.passwords import MIN_LENGTH, check_password, common_passwords
from core.settings import Settings
from core.throttle import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_PAIR,
    SignInThrottle,
    address_key,
)
from dashboard import ids
from tests.conftest import TEST_KEY, _pg_admin, _sqlalchemy_url, drop_postgres
from tests.dashboard.test_accounts import callback_body
from tests.serverproc import Server, create_token, overblik_command, server_env

LEDER = "Tre hvide svaner 7!"
CHEF = "Grøn kaffe hver tirsdag"
ADMIN = "Blå bænk ved søen 4"
OWN = "192.0.2.10"  # the user's own office address


def client_from(app, address: str) -> TestClient:
    """A browser at `address` (the peer address the server sees)."""
    return TestClient(app, client=(address, 40000))


def sign_in(client, username: str, password: str) -> httpx.Response:
    return client.post("/sign-in", data={"username": username, "password": password}, follow_redirects=False)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2 with its cheapest parameters in this process: the rules under test are the
    throttle's and the policy's, and each of the many sign-ins would otherwise take ~0.1 s."""
    from argon2 import PasswordHasher

    import core.accounts

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(core.accounts, "_hasher", quick)
    monkeypatch.setattr(core.accounts, "_DUMMY_HASH", quick.hash("not a password of anyone"))


@pytest.fixture
def accounts(services):
    create_user(services.engine, "leder", LEDER, "team_lead", team_id="t1")
    create_user(services.engine, "chef", CHEF, "manager")
    create_user(services.engine, "admin", ADMIN, "admin")
    return services


# -- throttle: per account and address, per address, per account ------------------------------

def test_failures_from_other_addresses_never_lock_the_user_out_of_their_own(app, accounts):
    own = client_from(app, OWN)
    assert sign_in(own, "leder", LEDER).status_code == 303  # the user's office, known from now on
    # an attacker guesses the user's password from many addresses, far past one address's budget
    attackers = [client_from(app, f"198.51.100.{n}") for n in range(1, 6)]
    refused = 0
    for attacker in attackers:
        for _ in range(MAX_FAILURES_PER_PAIR + 1):
            refused += sign_in(attacker, "leder", "Tre hvide svaner 8!").status_code in (401, 429)
    assert refused == len(attackers) * (MAX_FAILURES_PER_PAIR + 1)
    # each attacking address is closed for this account ...
    assert all(sign_in(a, "leder", LEDER).status_code == 429 for a in attackers)
    # ... but the user at their own address signs in, as do they from a new one (account < 50)
    assert accounts_failures(app, "leder") == len(attackers) * MAX_FAILURES_PER_PAIR
    assert sign_in(own, "leder", LEDER).status_code == 303
    assert sign_in(client_from(app, "192.0.2.77"), "leder", LEDER).status_code == 303
    # however the name is typed, it is one account
    assert sign_in(own, " LEDER", LEDER).status_code == 303


def accounts_failures(app, username: str) -> int:
    server = next(r.app.app for r in app.routes if getattr(r, "path", None) == "")
    return server.extensions["overblik_sign_in_throttle"].failures(username, OWN).account


def test_the_users_own_mistakes_close_only_their_own_address(app, accounts):
    own, other = client_from(app, OWN), client_from(app, "192.0.2.11")
    for _ in range(MAX_FAILURES_PER_PAIR):
        assert sign_in(own, "leder", "forkert kodeord igen").status_code == 401
    blocked = sign_in(own, "leder", LEDER)
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == str(15 * 60)
    assert sign_in(other, "leder", LEDER).status_code == 303
    assert sign_in(own, "chef", CHEF).status_code == 303  # the address is still open to others


def test_spraying_from_one_address_is_throttled_but_its_known_users_get_in(app, accounts):
    office = client_from(app, OWN)  # one NAT address for a whole office
    assert sign_in(office, "chef", CHEF).status_code == 303  # chef has signed in from it before
    for n in range(MAX_FAILURES_PER_ADDRESS):  # one guess each at many names: no pair reaches 5
        assert sign_in(office, f"bruger{n}", "Sommer2026!").status_code == 401
    # the address is closed to every account that never signed in from it: the right password too
    assert sign_in(office, "leder", LEDER).status_code == 429
    assert sign_in(office, "admin", ADMIN).status_code == 429
    assert sign_in(office, "bruger99", "whatever it is").status_code == 429
    # the office's known user still gets in; the others from their own addresses too
    assert sign_in(office, "chef", CHEF).status_code == 303
    assert sign_in(client_from(app, "192.0.2.12"), "leder", LEDER).status_code == 303


def test_a_distributed_guess_at_one_account_closes_only_unknown_addresses(accounts):
    engine = accounts.engine
    throttle = SignInThrottle(engine, key=b"k")
    throttle.succeeded("leder", OWN)
    for n in range(MAX_FAILURES_PER_ACCOUNT):  # one guess from each of 50 addresses
        assert not throttle.blocked("leder", f"203.0.113.{n}")
        throttle.failed("leder", f"203.0.113.{n}")
    assert throttle.failures("leder", OWN).account == MAX_FAILURES_PER_ACCOUNT
    assert throttle.blocked("leder", "203.0.113.200")  # a new address: closed for this account
    assert throttle.blocked("leder", "2001:db8::1")
    assert not throttle.blocked("leder", OWN)  # the user's own address: open
    assert not throttle.blocked("chef", "203.0.113.200")  # other accounts: open
    # IPv6: one host holds a /64, so its addresses count as one; IPv4-mapped as IPv4
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.10") == OWN


def test_a_sprayer_cannot_clear_its_count_by_signing_in_to_an_account_of_its_own(accounts):
    throttle = SignInThrottle(accounts.engine, key=b"k")
    address = "198.51.100.50"
    for n in range(MAX_FAILURES_PER_ADDRESS):
        throttle.failed(f"bruger{n}", address)
    throttle.succeeded("chef", address)  # the attacker holds the chef account
    assert throttle.blocked("leder", address)
    assert not throttle.blocked("chef", address)


# -- forwarded headers: only from configured proxies -------------------------------------------

def _serve(env_url: str, tmp_path: Path, name: str, *, workers: int = 1, **extra: str) -> Server:
    env = server_env(env_url, TEST_KEY, OVERBLIK_SESSION_SECRET="test-session-secret-" + "x" * 24, **extra)
    command = [*overblik_command(), "serve", "--workers", str(workers)] if workers > 1 else None
    return Server(env, tmp_path, tmp_path / f"{name}.log", command=command)


def _audit_addresses(base: str, token: str, forwarded: str) -> list[str | None]:
    headers = {"Authorization": f"Bearer {token}"}
    httpx.get(f"{base}/api/v1/audit.csv", headers={**headers, "X-Forwarded-For": forwarded}, timeout=30)
    entries = httpx.get(f"{base}/api/v1/audit", headers=headers, timeout=30).json()["entries"]
    return [e["address"] for e in entries if e["action"] == "export_audit"]


@pytest.mark.process
def test_forwarded_headers_are_believed_only_from_configured_proxies(db_url, accounts, tmp_path):
    env = server_env(db_url, TEST_KEY)
    admin_token = create_token(env, "admin", tmp_path)
    # no proxy configured (the default): `serve --workers 2` as deployed, and nothing is believed
    # from 127.0.0.1 either
    with _serve(db_url, tmp_path, "no-proxy", workers=2) as server:
        base, origin = server.url, {"Origin": server.url}
        for n in range(MAX_FAILURES_PER_PAIR):  # a new X-Forwarded-For each time: still one address
            answer = httpx.post(f"{base}/sign-in", data={"username": "leder", "password": "not it at all"},
                                headers={**origin, "X-Forwarded-For": f"10.1.2.{n}"}, timeout=30)
            assert answer.status_code == 401
        answer = httpx.post(f"{base}/sign-in", data={"username": "leder", "password": LEDER},
                            headers={**origin, "X-Forwarded-For": "10.1.2.99"}, timeout=30)
        assert answer.status_code == 429
        answer = httpx.post(f"{base}/sign-in", data={"username": "chef", "password": CHEF},
                            headers={**origin, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.98"},
                            timeout=30)
        assert answer.status_code == 303 and "secure" not in answer.headers["set-cookie"].lower()
        assert _audit_addresses(base, admin_token, "203.0.113.7") == ["127.0.0.1"]
    # the proxy on 127.0.0.1 configured: its headers name the client
    with _serve(db_url, tmp_path, "proxy", OVERBLIK_TRUSTED_PROXIES="127.0.0.1") as server:
        base, origin = server.url, {"Origin": server.url}
        for n in range(MAX_FAILURES_PER_PAIR + 1):  # six clients, one failure each: nobody is closed
            answer = httpx.post(f"{base}/sign-in", data={"username": "admin", "password": "not it at all"},
                                headers={**origin, "X-Forwarded-For": f"10.3.4.{n}"}, timeout=30)
            assert answer.status_code == 401
        answer = httpx.post(f"{base}/sign-in", data={"username": "admin", "password": ADMIN},
                            headers={**origin, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.3.4.99"},
                            timeout=30)
        assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()
        # a client cannot name itself: the proxy appends the peer, the rightmost untrusted is used
        assert _audit_addresses(base, admin_token, "1.2.3.4, 203.0.113.7")[0] == "203.0.113.7"


def test_a_proxy_elsewhere_does_not_make_loopback_trusted(settings, accounts):
    app = create_app(settings.model_copy(update={"trusted_proxies": "10.9.9.9"}), run_scheduler=False)
    local = client_from(app, "127.0.0.1")
    for n in range(MAX_FAILURES_PER_PAIR):
        assert sign_in_with(local, "leder", "not it at all", {"X-Forwarded-For": f"10.1.2.{n}"}) == 401
    assert sign_in_with(local, "leder", LEDER, {"X-Forwarded-For": "10.1.2.99"}) == 429
    proxied = client_from(app, "10.9.9.9")
    answer = proxied.post("/sign-in", data={"username": "chef", "password": CHEF}, follow_redirects=False,
                          headers={"X-Forwarded-For": "192.0.2.200", "X-Forwarded-Proto": "https"})
    assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()


def sign_in_with(client, username, password, headers) -> int:
    return client.post("/sign-in", data={"username": username, "password": password}, headers=headers,
                       follow_redirects=False).status_code


@pytest.mark.parametrize("value", ["*", "localhost", "10.0.0.1, proxy.internal", "300.1.1.1"])
def test_trusted_proxies_must_be_addresses(value):
    with pytest.raises(ValidationError, match="OVERBLIK_TRUSTED_PROXIES"):
        Settings(trusted_proxies=value)
    assert Settings(trusted_proxies="10.0.0.1, 2001:db8::/64").trusted_proxy_list == ["10.0.0.1", "2001:db8::/64"]


# -- the password policy, on every path that sets a password -----------------------------------

WEAK = [
    ("short", "Kort1!", "too_short"),
    ("eleven", "abcdefghij1", "too_short"),
    ("repeated", "aaaaaaaaaaaaaaaa", "too_few_characters"),
    ("pattern", "abababababab", "too_few_characters"),
    ("password", "password", "too_short"),
    ("password-digits", "Password1234", "common"),
    ("password-swapped", "P@ssw0rd2024!", "common"),
    ("kodeord", "Kodeord12345", "common"),
    ("kodeord-twice", "kodeordkodeord", "common"),
    ("passwort", "Passwort1234!", "common"),
    ("season-da", "Sommer2026!!", "common"),
    ("season-de", "Fruehling2024", "common"),
    ("season-en", "Winter2030!!", "common"),
    ("month", "December2025", "common"),
    ("welcome-da", "Velkommen2025", "common"),
    ("welcome-de", "Willkommen123", "common"),
    ("digits", "123456789012", "common"),
    ("digits-down", "0987654321ab", "common"),
    ("walk-dk", "qwertyuiopå1", "common"),
    ("walk-de", "Qwertz123456", "common"),
    ("walk-columns", "1q2w3e4r5t6y", "common"),
    ("walk-home-row", "asdfghjklæø12", "common"),
    ("name", "Michael12345!", "common"),
    ("love-de", "ichliebedich1", "common"),
    ("love-da", "jegelskerdig1", "common"),
    ("football", "Fodbold2024!", "common"),
    ("city", "København2026", "common"),
    ("domain", "Jobcenter2026", "common"),
    ("breached", "iloveyou2024", "common"),
    ("breached-2", "!!!!Monkey!!!!", "common"),
    ("product", "Overblik2026!", "contains_product"),
    ("product-swapped", "0verbl1k-steering", "contains_product"),
    ("username", "anne-er-sej-123", "contains_username"),
    ("username-case", "ANNE.hansen.1984", "contains_username"),
    ("too-long", "x" + "correct horse battery staple " * 10, "too_long"),
]
STRONG = ["correct horse battery staple", "Grøn-kaffe på tirsdag 7", "Kx9#pL2$vQ7m", "Tog til Aarhus kl 7.42"]


def test_the_policy_refuses_weak_passwords_with_their_reason():
    assert len(common_passwords()) > 20_000
    for _label, password, reason in WEAK:
        with pytest.raises(Exception) as refused:
            check_password(password, "anne")
        assert getattr(refused.value, "reason", None) == reason, (password, refused.value)
    for password in STRONG:
        check_password(password, "anne")
    assert MIN_LENGTH == 12


def test_create_user_and_set_password_refuse_weak_passwords(services):
    engine = services.engine
    for _label, password, reason in WEAK:
        with pytest.raises(WeakPassword) as refused:
            create_user(engine, "anne", password, "manager")
        assert refused.value.reason == reason
    assert list_users(engine) == []  # nothing stored
    user = create_user(engine, "anne", STRONG[0], "manager")
    secret, _ = start_session(engine, user, __import__("datetime").timedelta(hours=1))
    for _label, password, _reason in WEAK:
        with pytest.raises(WeakPassword):
            set_password(engine, user.user_id, password)
    # the old password still works and the session was not ended by a refused change
    assert verify_password(engine, "anne", STRONG[0]) is not None
    from core.accounts import session_user
    assert session_user(engine, secret) is not None
    assert set_password(engine, user.user_id, STRONG[1])
    assert verify_password(engine, "anne", STRONG[1]) is not None


@pytest.mark.process
def test_the_command_line_refuses_weak_passwords(settings, services):
    env = {**os.environ, "OVERBLIK_DATABASE_URL": settings.database_url, "OVERBLIK_PSEUDONYM_KEY": TEST_KEY}
    for password in ("Sommer2026!!", "kiosk-kiosk-2026"):
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", "user", "create", "kiosk", "--role", "manager", "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, env=env, timeout=60,
        )
        assert done.returncode == 2 and "password" in done.stderr, done.stderr
        assert password not in done.stderr + done.stdout  # the refusal does not repeat it
    assert list_users(services.engine) == []
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "user", "create", "Kiosk", "--role", "manager", "--password-stdin"],
        input=STRONG[2] + "\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [u.username for u in list_users(services.engine)] == ["kiosk"]


def _create_in_admin_view(app, client, username: str, password: str, lang: str) -> str:
    body = callback_body(
        app, ids.USERS_TABLE,
        inputs=[{"id": ids.USER_CREATE, "property": "n_clicks", "value": 1}, []],
        state=[{"id": ids.USER_NAME, "property": "value", "value": username},
               {"id": ids.USER_PASSWORD, "property": "value", "value": password},
               {"id": ids.USER_ROLE, "property": "value", "value": "manager"},
               {"id": ids.USER_WORKER, "property": "value", "value": None},
               {"id": ids.USER_TEAM, "property": "value", "value": None}],
    )
    body["changedPropIds"] = [f"{ids.USER_CREATE}.n_clicks"]
    client.cookies.set("overblik_lang", lang)
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["response"][ids.USER_MESSAGE]["children"]


def test_the_admin_view_refuses_weak_passwords_in_three_languages(app, accounts):
    client = client_from(app, OWN)
    assert sign_in(client, "admin", ADMIN).status_code == 303
    expected = {
        "da": ("mindst 12 tegn", "for almindelig", "brugernavnet", "optaget"),
        "en": ("at least 12 characters", "too common", "the username", "taken"),
        "de": ("mindestens 12 Zeichen", "zu verbreitet", "Benutzernamen", "vergeben"),
    }
    for lang, (short, common, contains, taken) in expected.items():
        assert short in _create_in_admin_view(app, client, "nina", "Kort1!", lang)
        assert common in _create_in_admin_view(app, client, "nina", "Sommer2026!!", lang)
        assert contains in _create_in_admin_view(app, client, "nina", "nina-er-sej-2026", lang)
        # a name that differs from one that exists only by case is the same name
        assert taken in _create_in_admin_view(app, client, "CHEF", STRONG[0], lang)
    assert {u.username for u in list_users(accounts.engine)} == {"leder", "chef", "admin"}
    assert "nina" in _create_in_admin_view(app, client, "Nina", STRONG[1], "en")
    assert verify_password(accounts.engine, "NINA", STRONG[1]) is not None


# -- one rule for user names' case -------------------------------------------------------------

def test_user_names_are_one_name_however_typed(services):
    engine = services.engine
    create_user(engine, "Anne.Hansen", STRONG[0], "manager")
    for twin in ("anne.hansen", "ANNE.HANSEN", " Anne.Hansen ", "Ａｎｎｅ.Ｈａｎｓｅｎ"):  # full-width too
        with pytest.raises(UsernameTaken):
            create_user(engine, twin, STRONG[1], "manager")
    assert [u.username for u in list_users(engine)] == ["anne.hansen"]
    for typed in ("anne.hansen", "ANNE.HANSEN", "Ａｎｎｅ.Ｈａｎｓｅｎ"):
        assert verify_password(engine, typed, STRONG[0]) is not None
    throttle = SignInThrottle(engine)
    throttle.failed("Anne.Hansen", OWN)
    throttle.failed("ＡＮＮＥ.hansen", OWN)
    assert throttle.failures("anne.hansen", OWN).pair == 2


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_folds_existing_names_and_disables_case_twins(kind, tmp_path, request):
    if kind == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        request.getfixturevalue("pg_template")  # PostgreSQL is up
        name = f"overblik_test_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _sqlalchemy_url(name)
    try:
        upgrade(url, "0009")
        engine = get_engine(url)
        with engine.begin() as conn:
            for username in ("Anne", "bo", "ANNE", "Carl.X"):
                conn.execute(sa.text("INSERT INTO dashboard_users (username, password_hash, role, created_at) "
                                     "VALUES (:u, 'x', 'manager', CURRENT_TIMESTAMP)"), {"u": username})
            conn.execute(sa.text("INSERT INTO dashboard_sessions (token_hash, user_id, created_at, expires_at) "
                                 "VALUES ('h', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        upgrade(url)
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, username, disabled_at IS NOT NULL FROM dashboard_users "
                                        "ORDER BY id")).all()
            ended = conn.execute(sa.text("SELECT ended_at IS NOT NULL FROM dashboard_sessions")).scalar()
        assert [tuple(r) for r in rows] == [(1, "anne", False), (2, "bo", False), (3, "anne~3", True),
                                            (4, "carl.x", False)]
        assert ended
    finally:
        dispose_engine(url)
        if name:
            drop_postgres(name)


# -- supply chain: a production lock without test tools, both locks with hashes ----------------

REPO = Path(__file__).resolve().parents[2]


def _lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) of a lock file; fails on any line that is not an entry, a hash or
    a comment, and on an entry without a hash."""
    import re

    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (REPO / name).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if entry := re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)( \\)?", line):
            current = re.sub(r"[-_.]+", "-", entry.group(1)).lower()
            assert current not in entries, f"{name}: {current} twice"
            entries[current] = (entry.group(2), [])
        elif hashed := re.fullmatch(r"    --hash=sha256:([0-9a-f]{64})( \\)?", line):
            assert current, f"{name}: a hash before any entry"
            entries[current][1].append(hashed.group(1))
        else:
            raise AssertionError(f"{name}: unexpected line {line!r}")
    assert all(hashes for _version, hashes in entries.values()), f"{name}: an entry without a hash"
    return entries


def _requirements(group: list[str]) -> dict[str, str]:
    from packaging.requirements import Requirement

    return {__import__("re").sub(r"[-_.]+", "-", Requirement(r).name).lower(): r for r in group}


def test_the_production_lock_holds_what_the_product_needs_and_no_test_tool():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    production, tests = _lock("requirements.lock"), _lock("requirements-test.lock")
    needed = _requirements(project["dependencies"])
    test_tools = set(_requirements(project["optional-dependencies"]["test"])) | {
        "pytest", "ruff", "playwright", "hypothesis", "schemathesis", "import-linter", "pip-audit",
        "py-spy", "pytest-xdist", "pytest-timeout", "pypdf", "matplotlib", "psutil"}
    assert not test_tools & set(production), test_tools & set(production)
    for name, requirement in needed.items():  # every dependency, at a version it allows
        assert name in production, name
        assert Requirement(requirement).specifier.contains(production[name][0], prereleases=True), requirement
    assert {"uvloop", "httptools", "websockets"} <= set(production)  # uvicorn[standard]'s extras
    # the test lock adds the tools on top, never a second version of a production package
    assert test_tools <= set(tests) and not set(tests) & set(production)


def test_make_install_and_the_image_install_production_only_with_hashes():
    makefile = (REPO / "Makefile").read_text()
    install = makefile.split("$(STAMP): ")[1].split("\n\n")[0]
    assert "--require-hashes -r requirements.lock" in install and "requirements-test.lock" not in install
    assert "--no-deps" in install and "[test]" not in install
    test_install = makefile.split("$(TEST_STAMP): ")[1].split("\n\n")[0]
    assert "--require-hashes -r requirements.lock -r requirements-test.lock" in test_install
    for target in ("test", "test-fast", "lint", "audit", "bench"):
        line = next(x for x in makefile.splitlines() if x.startswith(f"{target}:"))
        assert "install-test" in line, line
    audit = makefile.split("\naudit:")[1].split("\n\n")[0]
    assert "-r requirements.lock -r requirements-test.lock" in audit
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "requirements-test.lock" not in dockerfile and "[test]" not in dockerfile
