"""How long one entry on the case board takes, server side: the record form's callback request
through the app (validation, ingest, audit, read model caught up), and an undo (a retraction,
after which the case's history is compiled again from the log). Small and bounded.

    .venv/bin/python bench/recording.py --database sqlite --entries 40
    .venv/bin/python bench/recording.py --database postgresql --entries 40
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.settings import Settings  # noqa: E402
from dashboard import ids  # noqa: E402
from metrics.service import MetricsService  # noqa: E402
from services.runtime import Services  # noqa: E402
from tests.dashboard.conftest import fill_jobcentre  # noqa: E402
from tests.dashboard.test_recording import record_body  # noqa: E402

KEY = "bench-pseudonym-key-0123456789abcdef"


def database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    name = f"overblik_bench_recording_{int(time.time())}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--cases", type=int, default=240)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = database(args.database, folder)
    upgrade(url)
    settings = Settings(database_url=url, pseudonym_key=KEY, pseudonym_key_file=folder / "p.key", scheduler=False)
    services = Services.from_settings(settings)
    jobcentre = fill_jobcentre(services, cases=args.cases, months=4)
    app = create_app(services=services, run_scheduler=False)
    today = datetime.now(settings.zone).date().isoformat()
    cases = [c["case_id"] for c in MetricsService(services.engine, settings.zone).board(jobcentre.worker)["cases"]]
    with TestClient(app) as client:
        client.post("/sign-in", data={"username": "medarbejder", "password": jobcentre.users["medarbejder"]})
        record_times, undo_times = [], []
        for n in range(args.entries):
            case_id = cases[n % len(cases)]
            body = record_body(app, action="readiness_assessed", case_id=case_id, worker=jobcentre.worker,
                               fields={"date": today, "level": ("ready", "close", "far")[n % 3]},
                               form_id=f"ob-bench{n:06d}")
            started = time.perf_counter()
            answer = client.post("/_dash-update-component", json=body)
            record_times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
            last = answer.json()["response"][ids.RECORD_LAST]["data"]
            if n % 4 == 0:
                undo = record_body(app, action="readiness_assessed", case_id=case_id, worker=jobcentre.worker,
                                   fields={}, form_id=f"ob-undo{n:06d}", last=last, undo=True)
                started = time.perf_counter()
                answer = client.post("/_dash-update-component", json=undo)
                undo_times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text

    def ms(values):
        ordered = sorted(values)
        return (f"median {statistics.median(ordered) * 1000:.1f} ms, "
                f"p90 {ordered[int(len(ordered) * 0.9) - 1] * 1000:.1f} ms (n={len(ordered)})")

    print(f"{args.database}, {args.cases} simulated cases: record {ms(record_times)}; undo {ms(undo_times)}")
    if args.database == "postgresql":
        from core.database import dispose_engine

        dispose_engine(url)
        services.engine.dispose()
        name = url.rsplit("/", 1)[1]
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
