"""The service functions on a real database (SQLite and PostgreSQL): each authorises by the
role table, validates, acts, and audits under the one vocabulary — and a refused action leaves
neither a change nor an audit entry."""

from __future__ import annotations

import pytest

from core.access import Role
from core.audit import AuditAction, entries
from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from core.tokens import authenticate, list_tokens
from ingest.organisation import TeamIn, WorkerIn, list_teams
from metrics.service import MetricsService
from services import organisation, privacy, quarantine, sources, targets, tokens, users
from services.actor import Actor
from tests.conftest import CITIZENS

ADMIN = Actor(name="token:1", role=Role.admin, entry="api", address="127.0.0.1")
LEAD = Actor(name="user:lead", role=Role.team_lead, entry="dashboard", team_id="t1")
OPERATOR = Actor(name="cli:ops", role=Role.admin, entry="cli")


def actions(engine) -> list[str]:
    return [e["action"] for e in reversed(entries(engine))]


def test_an_action_the_role_may_not_take_is_refused_and_not_audited(services):
    metrics = MetricsService(services.engine, services.settings.zone)
    refused = [
        lambda: tokens.create(services.engine, LEAD, role="ingest"),
        lambda: organisation.save_team(services.engine, LEAD, "t1", TeamIn(name="Team")),
        lambda: targets.set_targets(metrics, LEAD, [{"team_id": "t1", "metric": "placement_starts",
                                                      "month": "2026-12", "value": 4}]),
        lambda: sources.remove(services.engine, LEAD, "feed"),
        lambda: privacy.erase(services, LEAD, "c1"),
        lambda: users.listed(services.engine, LEAD),
    ]
    for action in refused:
        with pytest.raises(Forbidden):
            action()
    assert list_teams(services.engine) == [] and list_tokens(services.engine) == []
    assert entries(services.engine) == []


def test_teams_and_workers_are_created_then_changed_by_name(services):
    organisation.save_team(services.engine, ADMIN, "t1", TeamIn(name="Team Øst"))
    organisation.save_team(services.engine, ADMIN, "t1", TeamIn(name="Team Vest"))
    organisation.save_worker(services.engine, ADMIN, "w1", WorkerIn(name="Anne", team_id="t1", roles=["caseworker"]))
    organisation.save_worker(services.engine, ADMIN, "w1", WorkerIn(name="Anne", team_id="t1", roles=["mentor"]))
    assert actions(services.engine) == ["create_team", "rename_team", "create_worker", "change_worker"]
    log = entries(services.engine)
    assert log[0]["detail"] == "roles: mentor" and (log[0]["worker_id"], log[0]["team_id"]) == ("w1", "t1")
    assert all(e["channel"] == "api" and e["actor"] == "token:1" and e["address"] == "127.0.0.1" for e in log)
    assert "Øst" not in str(log) and "Anne" not in str(log)  # ids only


def test_a_token_is_validated_once_for_every_entry_point(services):
    organisation.save_team(services.engine, ADMIN, "t1", TeamIn(name="Team"))
    with pytest.raises(Invalid) as days:
        tokens.create(services.engine, ADMIN, role="ingest", days=0)
    assert days.value.key == "err_days"
    with pytest.raises(Invalid) as unbound:
        tokens.create(services.engine, ADMIN, role="worker")
    assert unbound.value.key == "err_token_worker"
    with pytest.raises(Invalid) as unknown:
        tokens.create(services.engine, ADMIN, role="team_lead", team_id="t9")
    assert unknown.value.key == "err_unknown_team"
    with pytest.raises(Invalid):
        tokens.create(services.engine, ADMIN, role="ingest", team_id="t1")  # an ingest token is bound to nothing
    assert entries(services.engine)[0]["action"] == "create_team"  # nothing else recorded

    # the operator may provision a binding before the organisation data holds it
    early = tokens.create(services.engine, OPERATOR, role="team_lead", team_id="t9")
    assert not early.binding_known and authenticate(services.engine, early.secret).team_id == "t9"
    made = tokens.create(services.engine, ADMIN, role="team_lead", team_id="t1", name="Lead", days=7)
    assert made.binding_known and made.token.team_id == "t1"
    last = entries(services.engine)[0]
    assert (last["action"], last["team_id"]) == ("create_token", "t1")
    assert last["detail"] == f"token {made.token.id}, role team_lead, 7 days" and made.secret not in str(last)
    tokens.revoke(services.engine, ADMIN, made.token.id)
    assert authenticate(services.engine, made.secret) is None
    with pytest.raises(NotFound):
        tokens.revoke(services.engine, ADMIN, 10_000)
    assert actions(services.engine)[-3:] == ["create_token", "create_token", "revoke_token"]


def test_a_source_is_refused_with_the_rule_it_breaks(services):
    feed = {"url": "https://feed.example/events", "token": "s3cret"}
    for name, kind, config, interval, key in [
        ("bad name", "http_feed", feed, 60, "err_source_name"),
        ("feed", "http_feed", feed, 0, "err_interval"),
        ("feed", "http_feed", {"url": "ftp://feed.example"}, 60, "err_url"),
    ]:
        with pytest.raises(Invalid) as refused:
            sources.add(services.engine, ADMIN, name, kind, config, interval_seconds=interval)
        assert refused.value.key == key, name
    sources.add(services.engine, ADMIN, "feed", "http_feed", feed)
    with pytest.raises(DomainError) as exists:
        sources.add(services.engine, ADMIN, "feed", "http_feed", feed)
    assert (exists.value.key, exists.value.status) == ("err_exists", 409)
    sources.add(services.engine, ADMIN, "feed", "http_feed", feed, interval_seconds=120, replace=True)
    sources.remove(services.engine, ADMIN, "feed")
    assert actions(services.engine) == ["add_source", "change_source", "remove_source"]
    assert "s3cret" not in str(entries(services.engine))


def test_targets_goals_and_norms_are_audited_as_one_change_each(services):
    metrics = MetricsService(services.engine, services.settings.zone)
    organisation.save_team(services.engine, ADMIN, "t1", TeamIn(name="Team"))
    targets.set_targets(metrics, ADMIN, [{"team_id": "t1", "metric": "placement_starts", "month": "2026-12",
                                          "value": 4}, {"team_id": "t1", "metric": "cv_share", "month": "2026-12",
                                                        "value": None}])
    targets.set_goals(metrics, ADMIN, [{"team_id": "t1", "metric": "in_placement", "by": "2027-06", "value": 20}])
    targets.set_norms(metrics, ADMIN, [{"role": "caseworker", "low": 35, "high": 45}])
    log = entries(services.engine)
    assert actions(services.engine) == ["create_team", "set_targets", "set_goals", "set_norms"]
    assert log[2]["detail"] == "2 for t1: placement_starts 2026-12 = 4, cv_share 2026-12 removed"
    assert log[2]["team_id"] == "t1" and "in_placement 2027-06 = 20" in log[1]["detail"]
    assert "caseworker 35-45" in log[0]["detail"]


def test_a_resubmitted_entry_and_an_erased_case_are_audited_without_case_data(services):
    refused = {"event_id": "q1", "type": "case_opened", "case_id": "c-private", "occurred_at": "2026-02-01",
               "citizen": CITIZENS[0]}  # no team_id: quarantined
    services.store.append([refused], origin="test")
    entry = quarantine.entries(services.store, ADMIN)[0]
    summary = quarantine.resubmit_entry(services.store, ADMIN, entry["id"])
    assert summary.rejected == 1
    erased = privacy.erase(services, OPERATOR, "c-private")
    assert erased["quarantined"] == 1
    log = entries(services.engine)
    assert [e["action"] for e in log] == ["erase_case", "resubmit_quarantine"]
    assert log[1]["detail"] == f"entry {entry['id']}: refused" and log[0]["channel"] == "cli"
    assert "c-private" not in str(log) and CITIZENS[0] not in str(log)


def test_users_are_created_and_nobody_disables_itself(services):
    made, known = users.create(services.engine, OPERATOR, "Anna", "a long enough passphrase", "admin")
    assert known and made.username == "anna"
    anna = Actor(name="user:anna", role=Role.admin, entry="dashboard")
    with pytest.raises(Conflict):
        users.set_enabled(services.engine, anna, made.user_id, False)
    users.set_enabled(services.engine, OPERATOR, made.user_id, False)
    users.set_enabled(services.engine, anna, made.user_id, True)
    with pytest.raises(NotFound):
        users.set_enabled(services.engine, OPERATOR, 10_000, False)
    assert actions(services.engine) == ["create_user", "disable_user", "enable_user"]


def test_the_vocabulary_is_the_only_one_the_services_record():
    names = {a.value for a in AuditAction}
    assert len(names) == len(AuditAction) and {"create_team", "set_targets", "create_token"} <= names
