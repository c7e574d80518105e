"""The benchmark's report with both databases: the table (a row per scenario with SQLite and
PostgreSQL columns, the CPU per request, the targets per database and PostgreSQL against
SQLite with what bounds it), the chart, and the CPU meter it reads them from. Synthetic
figures: nothing here is timed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from benchmarks import cpu, report

NAMES = ("friends", "friends_deep", "friends_nickname_desc", "talk_profile", "profiles",
         "limit", "list_small", "list_large", "send_friends")


def _scenarios(rps: dict[str, float], cpu_figures: dict[str, float] | None,
               p99: float = 10.0) -> list[dict[str, Any]]:
    return [
        {
            "name": n,
            "label": f"label of {n}",
            "messages_per_request": 5 if n == "send_friends" else 0,
            "median": {"requests_per_s": rps.get(n, 1000.0), "p50_ms": 2.0, "p99_ms": p99},
            "cpu": cpu_figures,
            "runs": [],
        }
        for n in NAMES
    ]


SQLITE_CPU = {"workers_us": 300.0, "postgres_us": 0.0, "wrk_us": 40.0, "idle": 0.02}
POSTGRES_CPU = {"workers_us": 500.0, "postgres_us": 400.0, "wrk_us": 40.0, "idle": 0.03}


def _report(postgres_friends: float, postgres_cpu: dict[str, float] = POSTGRES_CPU
            ) -> dict[str, Any]:
    databases = {
        "sqlite": {"scenarios": _scenarios({"friends": 4000.0, "limit": 10000.0}, SQLITE_CPU)},
        "postgresql": {"scenarios": _scenarios(
            {"friends": postgres_friends, "limit": 8000.0}, postgres_cpu, p99=60.0)},
    }
    by_db = {db: {s["name"]: s["median"] for s in section["scenarios"]}
             for db, section in databases.items()}
    cpu_by_db = {db: {s["name"]: s["cpu"] for s in section["scenarios"]}
                 for db, section in databases.items()}
    return {
        "machine": {"cpu_model": "test CPU", "cores": 2},
        "world": {"accounts": 1400},
        "wrk": {"threads": 2, "connections": 64, "seconds": 5},
        "databases": databases,
        "targets": report.all_targets(by_db, cpu_by_db, 2),
    }


def test_targets_per_database_and_postgresql_against_sqlite() -> None:
    data = _report(postgres_friends=1000.0)
    targets = data["targets"]
    assert [t["database"] for t in targets] == ["sqlite"] * 4 + ["postgresql"] * 5
    cross = targets[-1]
    assert cross["target"] == ("PostgreSQL friends page >= 50% of the SQLite figure "
                               "(same workers)")
    assert (cross["value"], cross["met"], cross["shown"]) == (0.25, False, "25%")
    # what bounds it: the measured CPU per request, both sides, and the share of idle cores
    assert "500 µs in talksocial workers + 400 µs in PostgreSQL backends + 40 µs in wrk" in (
        cross["bound"])
    assert "SQLite: 300 µs in talksocial workers + 40 µs in wrk; 2% of the 2 cores idle" in (
        cross["bound"])
    assert "340 µs against 940 µs predicts 36% of SQLite's figure" in cross["bound"]
    # the p99 target per database (PostgreSQL's scenarios have p99 60 ms here)
    assert [t["met"] for t in targets if t["target"].startswith("p99")] == [True, False]

    met = _report(postgres_friends=2400.0)["targets"][-1]
    assert met["met"] and met["shown"] == "60%"


def test_an_idle_machine_is_not_called_cpu_bound() -> None:
    waiting = {**POSTGRES_CPU, "idle": 0.6}
    cross = _report(postgres_friends=1000.0, postgres_cpu=waiting)["targets"][-1]
    assert "60% of the cores stay idle: not CPU-bound" in cross["bound"]
    assert report.bound(None, None, 2).startswith("not measured")


def test_the_table_shows_both_databases_side_by_side() -> None:
    text = report.table(_report(postgres_friends=1000.0))
    lines = text.splitlines()
    assert [c.strip() for c in lines[0].split("|")[1:-1]] == [
        "scenario", "SQLite req/s", "of limit", "p50 ms", "p99 ms",
        "PostgreSQL req/s", "of limit", "p50 ms", "p99 ms", "PostgreSQL / SQLite",
    ]
    friends = next(line for line in lines if line.startswith("| label of friends "))
    cells = [c.strip() for c in friends.split("|")[1:-1]]
    assert cells == ["label of friends", "4,000", "40%", "2.00", "10.00",
                     "1,000", "12%", "2.00", "60.00", "25%"]
    assert ("SQLite, label of send_friends: 5,000 messages/s (1,000 requests/s x 5), "
            "p99 10.00 ms") in text
    assert "PostgreSQL, label of send_friends: 5,000 messages/s" in text
    # CPU per request, a row per scenario, both databases
    cpu_row = next(line for line in lines
                   if line.startswith("| label of friends ") and "%" in line and line != friends)
    assert [c.strip() for c in cpu_row.split("|")[1:-1]] == [
        "label of friends", "300", "40", "2%", "500", "400", "", "", "40", "3%"]
    assert "| target | SQLite | PostgreSQL |" in lines
    assert "| friends page >= 50% of the limit (req/s) | 40% MISSED | 12% MISSED |" in lines
    assert ("| PostgreSQL friends page >= 50% of the SQLite figure (same workers) |  | "
            "25% MISSED |") in lines
    bound = next(line for line in lines if line.startswith("PostgreSQL friends page >= 50%"))
    assert "missed (25%). What bounds it: per friends-page request" in bound


def test_a_report_of_the_earlier_shape_reads_as_sqlite() -> None:
    data = _report(postgres_friends=1000.0)
    old = {
        "scenarios": data["databases"]["sqlite"]["scenarios"],
        "targets": [{k: v for k, v in t.items() if k != "database"}
                    for t in data["targets"] if t["database"] == "sqlite"],
    }
    assert list(report.sections(old)) == ["sqlite"]
    text = report.table(old)
    assert text.splitlines()[0].split("|")[2].strip() == "req/s"
    assert "| friends page >= 50% of the limit (req/s) | 40% | MISSED |" in text
    assert "PostgreSQL" not in text.replace("PostgreSQL backends", "")


def test_the_chart_draws_both_databases(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "chart.png"
    report.chart(_report(postgres_friends=1000.0), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = _report(postgres_friends=1000.0)
    del one["databases"]["postgresql"]
    report.chart(one, tmp_path / "sqlite.png")
    assert (tmp_path / "sqlite.png").stat().st_size > 0


def test_cpu_medians_skip_runs_without_figures() -> None:
    runs: list[dict[str, Any]] = [
        {"cpu": {"workers_us": 1.0, "postgres_us": 0.0, "wrk_us": 1.0, "idle": 0.1}},
        {"cpu": {"workers_us": 3.0, "postgres_us": 0.0, "wrk_us": 1.0, "idle": 0.3}},
        {"cpu": None},
    ]
    assert report.cpu_medians(runs) == {"workers_us": 2.0, "postgres_us": 0.0, "wrk_us": 1.0,
                                        "idle": pytest.approx(0.2)}
    assert report.cpu_medians([{}]) is None


def test_the_cpu_meter_counts_a_process_tree_and_the_idle_cores() -> None:
    meter = cpu.Meter(os.getpid(), None)
    before = meter.sample()
    deadline = cpu.tree_seconds(os.getpid()) + 0.05
    while cpu.tree_seconds(os.getpid()) < deadline:  # burn a little CPU in this process
        sum(range(10_000))
    after = meter.sample()
    figures = cpu.Meter.figures(before, after, requests=10)
    assert figures["workers_us"] >= 0.05 / 10 * 1e6 * 0.5
    assert figures["postgres_us"] == 0.0
    assert 0.0 <= figures["idle"] <= 1.0
    assert cpu.tree_seconds(2**22 + 12345) == 0.0  # no such process: nothing, no error


def test_statements_per_request_and_what_they_add_to_the_bound() -> None:
    from benchmarks import postgres

    runs = [
        (100, [{"query": "SELECT a", "calls": 200, "exec_ms": 10.0},
               {"query": "BEGIN", "calls": 100, "exec_ms": 1.0}]),
        (100, [{"query": "SELECT a", "calls": 200, "exec_ms": 14.0}]),
    ]
    statements = postgres.per_request(runs)
    assert statements == {
        "statements": 2.5,
        "exec_us": 125.0,
        "top": [{"query": "SELECT a", "calls": 2.0, "exec_us": 120.0, "mean_us": 60.0},
                {"query": "BEGIN", "calls": 0.5, "exec_us": 5.0, "mean_us": 10.0}],
    }
    text = report.bound(SQLITE_CPU, POSTGRES_CPU, 2, statements)
    assert ("2.5 statements per request executed in 125 µs of the backends' 400 µs; the "
            "other 275 µs") in text
    assert "Longest: 120 µs in 2 x `SELECT a`; 5 µs in 0.5 x `BEGIN`." in text
    data = _report(postgres_friends=1000.0)
    for s in data["databases"]["postgresql"]["scenarios"]:
        s["statements"] = statements
    row = next(line for line in report.table(data).splitlines()
               if line.startswith("| label of friends ") and line.count("%") == 2
               and "2.5" in line)
    assert [c.strip() for c in row.split("|")[1:-1]][5:8] == ["400", "2.5", "125"]
