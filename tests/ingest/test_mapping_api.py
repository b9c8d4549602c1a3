"""POST /api/v1/imports?mapping=NAME: an export uploaded and read through a mapping on the server."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import create_token
from tests.conftest import bearer
from tests.ingest.test_mapping import (
    CASES,
    PLACEMENT_LIST,
    PLACEMENTS,
    WEEK_1,
    WEEK_2,
    sample_citizens,
    stored,
)


@pytest.fixture
def mapped_client(settings, tmp_path):
    folder = tmp_path / "mappings"
    folder.mkdir()
    shutil.copy(CASES, folder / "sager.yaml")
    shutil.copy(PLACEMENTS, folder / "praktikker.yaml")
    (folder / "broken.yaml").write_text("name: broken\ncase_id: A\nevents:\n  - type: nope\n", encoding="utf-8")
    app = create_app(settings.model_copy(update={"mappings_dir": folder}), run_scheduler=False)
    with TestClient(app) as client:
        yield client


def upload(client, path, token, **params):
    with open(path, "rb") as handle:
        return client.post("/api/v1/imports", params=params, headers=bearer(token),
                           files={"file": (path.name, handle.read(), "text/csv")})


def test_an_export_uploaded_through_a_server_mapping(mapped_client, services):
    token = create_token(services.engine, "ingest", name="case system")
    first = upload(mapped_client, WEEK_1, token, mapping="sager")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["rows"] == 4 and body["rejected"] == 0 and body["accepted"] == len(stored(services.store)) > 0
    again = upload(mapped_client, WEEK_1, token, mapping="sager").json()
    assert (again["accepted"], again["rejected"]) == (0, 0)
    week = upload(mapped_client, WEEK_2, token, mapping="sager", export_date="2026-03-10").json()
    assert week["accepted"] > 0
    readiness = stored(services.store, "case_id = 'S-1002' AND type = 'readiness_assessed'")
    assert [e["level"] for e in readiness] == ["close", "ready"]
    placements = upload(mapped_client, PLACEMENT_LIST, token, mapping="praktikker").json()
    assert (placements["accepted"], placements["rejected"]) == (6, 0)
    for citizen in sample_citizens():
        assert citizen not in first.text


def test_unknown_broken_or_missing_mappings_are_refused(mapped_client, client, services):
    token = create_token(services.engine, "ingest", name="case system")
    assert upload(mapped_client, WEEK_1, token, mapping="nope").status_code == 404
    assert upload(mapped_client, WEEK_1, token, mapping="../sager").status_code == 404
    broken = upload(mapped_client, WEEK_1, token, mapping="broken")
    assert broken.status_code == 422 and "broken.yaml: line 4, events[0].type" in broken.json()["detail"]
    assert upload(mapped_client, WEEK_1, token, export_date="2026-03-02").status_code == 422
    assert upload(mapped_client, WEEK_1, token, mapping="sager", export_date="9 March").status_code == 422
    renamed = upload(mapped_client, PLACEMENT_LIST, token, mapping="sager", export_date="2026-03-02")
    assert renamed.status_code == 422 and "lacks columns" in renamed.json()["detail"]
    # a server without mappings
    unset = upload(client, WEEK_1, token, mapping="sager")
    assert unset.status_code == 422 and "OVERBLIK_MAPPINGS_DIR" in unset.json()["detail"]
    # reading roles may not import
    worker = create_token(services.engine, "worker", worker_id="w-anna")
    assert upload(mapped_client, WEEK_1, worker, mapping="sager").status_code == 403
    assert stored(services.store) == []
