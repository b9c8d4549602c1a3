"""No citizen identifier reaches the database, the quarantine, logs or any answer."""

from __future__ import annotations

import logging
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import inspect, text

from tests.conftest import CITIZENS, bearer, every_log_record_in


def test_citizen_identifiers_are_nowhere(client, admin_token, services, settings, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    h = bearer(admin_token)
    answers = []
    opened = {"type": "case_opened", "occurred_at": "2026-01-05", "team_id": "t1"}
    answers.append(client.post("/api/v1/events", json=[
        {**opened, "event_id": "o1", "case_id": "c1", "citizen": CITIZENS[0]},
        {**opened, "event_id": "o1", "case_id": "c1", "citizen": CITIZENS[1]},  # conflict
        {**opened, "event_id": "o2", "case_id": "c1", "citizen": CITIZENS[2]},  # opened twice
        {**opened, "event_id": "o3", "case_id": "c3", "citizen": CITIZENS[2], "team_id": ""},  # invalid
        {"event_id": "e1", "type": "enrolled", "case_id": "c1", "occurred_at": "2026-01-06", "citizen": CITIZENS[0]},
        {"event_id": "e2", "type": "enrolled", "case_id": "c1", "occurred_at": "2026-01-06", "note": {"citizen": CITIZENS[1]}},
        {**opened, "event_id": "o4", "case_id": "c4", "citizen": {"cpr": CITIZENS[1]}},
    ], headers=h))
    csv_body = f"event_id,type,occurred_at,case_id,citizen,team_id\nc5,case_opened,2026-01-05,c5,{CITIZENS[1]},t1\n"
    answers.append(client.post("/api/v1/imports", files={"file": ("a.csv", csv_body.encode(), "text/csv")}, headers=h))
    wb = Workbook()
    wb.active.append(["event_id", "type", "occurred_at", "case_id", "citizen"])
    wb.active.append(["c6", "case_opened", "2026-01-05", "c6", CITIZENS[2]])  # no team: refused
    wb.save(tmp_path / "a.xlsx")
    answers.append(client.post("/api/v1/imports", files={"file": ("a.xlsx", (tmp_path / "a.xlsx").read_bytes(), "x")}, headers=h))
    quarantine = client.get("/api/v1/quarantine?status=all", headers=h)
    answers.append(quarantine)
    for entry in quarantine.json()["entries"]:
        answers.append(client.post(f"/api/v1/quarantine/{entry['id']}/resubmit", headers=h))

    assert sum(a.json().get("rejected", 0) for a in answers[:3]) >= 6
    everything = [a.text for a in answers] + [r.getMessage() for r in caplog.records]
    with services.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            everything.append(str(list(connection.execute(text(f'SELECT * FROM "{table}"')))))
    if settings.database_url.startswith("sqlite"):
        db_file = settings.database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            written = Path(db_file + suffix)
            if written.exists():
                everything.append(written.read_bytes().decode("latin-1"))
    blob = "\n".join(everything)
    for citizen in CITIZENS:
        assert citizen not in blob
    assert "citizen_pseudonym" in blob  # the scan did see the stored events


def test_nothing_written_to_disk_holds_a_citizen_identifier(client, admin_token, services, settings, tmp_path):
    """Database files, log file, quarantine, exports and the audit log: every byte the run wrote."""
    log_file = tmp_path / "overblik.log"
    with every_log_record_in(log_file):
        h = bearer(admin_token)
        client.put("/api/v1/teams/t1", json={"name": "t1", "unit": "u"}, headers=h)
        client.put("/api/v1/workers/w1", json={"name": "w1", "team_id": "t1", "roles": ["caseworker"]}, headers=h)
        events = []
        for number, citizen in enumerate(CITIZENS):
            case = f"case-{number}"
            events += [
                {"event_id": f"{case}-o", "type": "case_opened", "case_id": case, "occurred_at": "2026-01-05",
                 "team_id": "t1", "citizen": citizen},
                {"event_id": f"{case}-a", "type": "worker_assigned", "case_id": case, "occurred_at": "2026-01-06",
                 "worker_id": "w1", "role": "caseworker", "note": citizen},
                {"event_id": f"{case}-x", "type": "case_opened", "case_id": case, "occurred_at": "2026-01-05",
                 "citizen": citizen},  # refused: into the quarantine
            ]
        client.post("/api/v1/events", json=events, headers=h)
        exports = {
            "board.json": client.get("/api/v1/board", params={"worker_id": "w1"}, headers=h).content,
            "cases.json": client.get("/api/v1/milestones/cases", headers=h,
                                     params={"month": "2026-01", "field": "caseload", "worker_id": "w1"}).content,
            "quarantine.json": client.get("/api/v1/quarantine?status=all", headers=h).content,
        }
        client.delete("/api/v1/cases/case-0", headers=h)
        exports["audit.csv"] = client.get("/api/v1/audit.csv", headers=h).content
        for name, content in exports.items():
            (tmp_path / name).write_bytes(content)
        services.engine.dispose()  # every page on disk, not only in the pool's connections
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert log_file in written and any(p.suffix == ".csv" for p in written)
    blob = b"\n".join(p.read_bytes() for p in written)
    with services.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            blob += str(list(connection.execute(text(f'SELECT * FROM "{table}"')))).encode()
    for citizen in CITIZENS:
        at = blob.find(citizen.encode())
        assert at < 0, blob[max(0, at - 300):at + 50]
    assert b"case-1" in blob and b"open_board" in blob  # the scan saw the events and the audit log


def test_citizen_numbers_in_any_written_form_are_nowhere(client, admin_token, services, settings, tmp_path):
    """The citizen numbers above written as people and systems write them (other dashes, spaces,
    dots, full-width digits, a JSON number without its leading zero, a key) in events, an import
    and its file name, and a meeting note: refused or masked, and nowhere on disk."""
    import pytest

    from dashboard.agreements import IdentityInText, add_agreement
    from tests.security.test_identifiers import FULL_WIDTH, traces

    h = bearer(admin_token)

    def forms(c: str) -> list:
        return [f"{c[:6]}\u2013{c[6:]}", f"{c[:6]} {c[6:]}", f"{c[:2]}.{c[2:4]}.{c[4:6]}-{c[6:]}",
                c.translate(FULL_WIDTH), int(c), float(int(c))]

    events = []
    for n, citizen in enumerate(CITIZENS):
        for m, form in enumerate(forms(citizen)):
            base = {"event_id": f"f{n}-{m}", "type": "enrolled", "case_id": f"c{n}", "occurred_at": "2026-01-06"}
            events += [{**base, "note": form}, {**base, "event_id": f"k{n}-{m}", "answers": {str(form): 1}}]
    answer = client.post("/api/v1/events", json=events, headers=h)
    assert answer.json()["rejected"] == len(events)
    rows = "".join(f"i{n},enrolled,2026-01-06,c{n},{forms(c)[1]}\n" for n, c in enumerate(CITIZENS))
    answer = client.post("/api/v1/imports", headers=h, files={"file": (
        f"{forms(CITIZENS[0])[0]}.csv", f"event_id,type,occurred_at,case_id,note\n{rows}".encode(), "text/csv")})
    assert answer.json()["rejected"] == len(CITIZENS)
    for citizen in CITIZENS:
        with pytest.raises(IdentityInText):
            add_agreement(services.engine, team_id="t1", worker_id=None, month="2026-01", kind="note",
                          text=f"Borger {forms(citizen)[0]} ringede", created_by="leder")
    (tmp_path / "quarantine.json").write_bytes(client.get("/api/v1/quarantine?status=all", headers=h).content)
    services.engine.dispose()
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    blob = "\n".join(b.decode("latin-1") + b.decode("utf-8", "ignore") for b in written)
    with services.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            blob += str(list(connection.execute(text(f'SELECT * FROM "{table}"'))))
    assert traces(blob, CITIZENS) == []
    assert "[identity number removed]" in blob  # the scan saw the masked quarantine
