"""Mapped-import benchmark: a weekly case list (docs/mappings/cases.yaml) of N cases imported
into a log that already holds many events — first, again (nothing new), and a week later with
a tenth of the cases changed."""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ingest import KEY, ZONE, Database, batches, make_events  # noqa: E402
from core.database import get_engine  # noqa: E402
from ingest.mapping import import_mapped, load_mapping  # noqa: E402
from ingest.pseudonym import Pseudonymiser  # noqa: E402
from ingest.store import EventStore  # noqa: E402

RESULTS = REPO / "bench" / "results" / "mapping-latest.md"
HEADER = ("Sagsnr;CPR;Team;Oprettet;Forløbsstart;Sagsbehandler;Virksomhedskonsulent;CV;Parathed;Fase;"
          "Status;Afsluttet;Afslutningsårsag;Resultat")
LEVELS = ("Jobparat", "Tæt på", "Længere fra", "Ikke vurderet")
PHASES = ("Visitation", "Forberedelse", "Undervisning", "Praktik og opfølgning")


def write_export(path: Path, cases: int, week: int) -> None:
    lines = [HEADER]
    for n in range(cases):
        changed = week > 0 and n % 10 == 0
        level = LEVELS[(n + (1 if changed else 0)) % 4]
        phase = PHASES[(n // 3 + (1 if changed else 0)) % 4]
        citizen = f"0101{n % 100:02d}{n:04d}"[-10:]
        cv = "Ja" if (n % 2 == 0 or changed) else "Nej"
        lines.append(f"X-{n};{citizen};team-{n % 6};05-01-2026;12-01-2026;w-{n % 40};;{cv};{level};{phase};Aktiv;;;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-events", type=int, default=300_000, help="events in the log before the export")
    parser.add_argument("--cases", type=int, default=5_000, help="rows of the export")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    mapping = load_mapping(REPO / "docs" / "mappings" / "cases.yaml")
    report = [f"# Mapped import — {args.cases} cases into a log of {args.log_events} events", "",
              f"{platform.node()}, {platform.python_version()}; the machine was shared with other work.", "",
              "| database | fill log (s) | first import (s) | again (s) | changed week (s) | new events first / again / changed |",
              "| --- | --- | --- | --- | --- | --- |"]
    background = make_events(args.log_events)
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        week_1 = workdir / "sager-2026-03-02.csv"
        week_2 = workdir / "sager-2026-03-09.csv"
        write_export(week_1, args.cases, 0)
        write_export(week_2, args.cases, 1)
        for kind in args.databases.split(","):
            db = Database(kind, workdir)
            try:
                store = EventStore(get_engine(db.url), ZONE, Pseudonymiser(KEY.encode()))
                started = time.perf_counter()
                for batch in batches(background, 5000):
                    store.append(batch, origin="bench")
                fill = time.perf_counter() - started
                times, counts = [], []
                for path in (week_1, week_1, week_2):
                    started = time.perf_counter()
                    result = import_mapped(store, path, mapping, origin="bench")
                    times.append(time.perf_counter() - started)
                    counts.append(result.summary.accepted)
                    assert result.summary.rejected == 0, result.summary.errors[:3]
                report.append(f"| {kind} | {fill:.1f} | {times[0]:.2f} | {times[1]:.2f} | {times[2]:.2f} | "
                              f"{counts[0]} / {counts[1]} / {counts[2]} |")
                print(report[-1], flush=True)
            finally:
                db.drop()
    RESULTS.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
