"""Medians, ratios, targets, the terminal table and the chart of one benchmark run.

A report (report.json) holds each database's run under `databases`, keyed "sqlite" and
"postgresql", each with the `scenarios` list a report used to hold at its top (name, label,
median, runs, and `cpu`: CPU per request, benchmarks/cpu.py); `targets` name their `database`.
A report of the earlier shape (`scenarios` at the top, SQLite only) reads as SQLite's.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

FIGURES = ("requests_per_s", "p50_ms", "p99_ms")
CPU_FIGURES = ("workers_us", "postgres_us", "wrk_us", "idle")
P99_TARGET_MS = 50.0
#: PostgreSQL's friends page against SQLite's, same workers.
POSTGRES_TARGET = 0.5
#: Scenarios that write (benchmarks/scenarios.py): reported, outside the read APIs' targets.
WRITES = ("send_friends",)
#: The databases in the order the table and chart show them.
DATABASES = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
#: Below this share of idle cores a run counts as CPU-bound.
SATURATED_IDLE = 0.15


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in FIGURES}


def cpu_medians(runs: list[dict[str, Any]]) -> dict[str, float] | None:
    """The median of each CPU figure over the runs that measured it (None: none did)."""
    measured = [r["cpu"] for r in runs if r.get("cpu")]
    if not measured:
        return None
    return {k: statistics.median(c[k] for c in measured) for k in CPU_FIGURES}


def sections(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each measured database's section, in `DATABASES` order."""
    found = report.get("databases") or {"sqlite": {"scenarios": report["scenarios"]}}
    return {db: found[db] for db in DATABASES if db in found}


def targets(by_name: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The issue's four targets of one database's run, each as measured value, threshold and
    met/missed."""
    f, deep, lim = by_name["friends"], by_name["friends_deep"], by_name["limit"]
    small, large = by_name["list_small"], by_name["list_large"]
    p50_ratio = large["p50_ms"] / small["p50_ms"]
    p99_ratio = large["p99_ms"] / small["p99_ms"]
    # The p99 target is the read APIs': a send is a write, which takes its turn.
    worst = max(((n, m) for n, m in by_name.items() if n not in WRITES),
                key=lambda kv: kv[1]["p99_ms"])
    return [
        {
            "target": "friends page >= 50% of the limit (req/s)",
            "value": f["requests_per_s"] / lim["requests_per_s"],
            "threshold": 0.5,
            "met": f["requests_per_s"] / lim["requests_per_s"] >= 0.5,
            "shown": f"{f['requests_per_s'] / lim['requests_per_s']:.0%}",
        },
        {
            "target": "offset 9,900 >= 80% of offset 0 (req/s)",
            "value": deep["requests_per_s"] / f["requests_per_s"],
            "threshold": 0.8,
            "met": deep["requests_per_s"] / f["requests_per_s"] >= 0.8,
            "shown": f"{deep['requests_per_s'] / f['requests_per_s']:.0%}",
        },
        {
            "target": "100,000-friend list within 1.5x of the 100-friend list's latency "
            "(p50 and p99)",
            "value": max(p50_ratio, p99_ratio),
            "threshold": 1.5,
            "met": p50_ratio <= 1.5 and p99_ratio <= 1.5,
            "shown": f"p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x",
        },
        {
            "target": f"p99 < {P99_TARGET_MS:.0f} ms at 64 connections, every read scenario",
            "value": worst[1]["p99_ms"],
            "threshold": P99_TARGET_MS,
            "met": worst[1]["p99_ms"] < P99_TARGET_MS,
            "shown": f"worst {worst[1]['p99_ms']:.1f} ms ({worst[0]})",
        },
    ]


def _cpu_text(cpu: dict[str, float], database: str, cores: int) -> str:
    backends = (f" + {cpu['postgres_us']:,.0f} µs in PostgreSQL backends"
                if database == "postgresql" else "")
    return (f"{cpu['workers_us']:,.0f} µs in talksocial workers{backends} + "
            f"{cpu['wrk_us']:,.0f} µs in wrk; {cpu['idle']:.0%} of the {cores} cores idle")


def _total_us(cpu: dict[str, float]) -> float:
    return cpu["workers_us"] + cpu["postgres_us"] + cpu["wrk_us"]


def statements_text(statements: dict[str, Any] | None, postgres_cpu: dict[str, float]) -> str:
    """pg_stat_statements' count of a scenario, beside the backends' CPU time."""
    if not statements:
        return ""
    rest = postgres_cpu["postgres_us"] - statements["exec_us"]
    top = "; ".join(f"{t['exec_us']:,.0f} µs in {t['calls']:g} x `{t['query'][:90]}`"
                    for t in statements["top"][:3])
    return (f" In PostgreSQL, {statements['statements']:g} statements per request executed in "
            f"{statements['exec_us']:,.0f} µs of the backends' {postgres_cpu['postgres_us']:,.0f}"
            f" µs; the other {rest:,.0f} µs go to receiving, parsing, planning and answering "
            f"them and to the server's own processes. Longest: {top}.")


def bound(sqlite_cpu: dict[str, float] | None, postgres_cpu: dict[str, float] | None,
          cores: int, statements: dict[str, Any] | None = None) -> str:
    """What bounds PostgreSQL's friends page, from the CPU measured during both runs (and the
    statements PostgreSQL counted, when it did)."""
    if not sqlite_cpu or not postgres_cpu:
        return "not measured (no CPU figures in this report)"
    measured = ("per friends-page request, PostgreSQL: "
                f"{_cpu_text(postgres_cpu, 'postgresql', cores)}; "
                f"SQLite: {_cpu_text(sqlite_cpu, 'sqlite', cores)}.")
    measured += statements_text(statements, postgres_cpu)
    if postgres_cpu["idle"] < SATURATED_IDLE:
        predicted = _total_us(sqlite_cpu) / _total_us(postgres_cpu)
        extra_workers = postgres_cpu["workers_us"] - sqlite_cpu["workers_us"]
        return (
            f"{measured} The cores are saturated, so throughput follows CPU time per request: "
            f"{_total_us(sqlite_cpu):,.0f} µs against {_total_us(postgres_cpu):,.0f} µs "
            f"predicts {predicted:.0%} of SQLite's figure. CPU-bound: the PostgreSQL backends' "
            f"{postgres_cpu['postgres_us']:,.0f} µs, and {extra_workers:,.0f} µs more in the "
            "workers (the driver and its round trips instead of SQLite's in-process reads), "
            "on the same 2 cores."
        )
    return (
        f"{measured} {postgres_cpu['idle']:.0%} of the cores stay idle: not CPU-bound; the "
        "requests wait (round trips to the server, the connection pool or locks)."
    )


def postgres_target(by_db: dict[str, dict[str, dict[str, float]]],
                    cpu_by_db: dict[str, dict[str, dict[str, float] | None]],
                    cores: int, statements: dict[str, Any] | None = None) -> dict[str, Any]:
    """PostgreSQL's friends page against SQLite's (same workers), with what bounds it."""
    ratio = (by_db["postgresql"]["friends"]["requests_per_s"]
             / by_db["sqlite"]["friends"]["requests_per_s"])
    return {
        "target": f"PostgreSQL friends page >= {POSTGRES_TARGET:.0%} of the SQLite figure "
        "(same workers)",
        "database": "postgresql",
        "value": ratio,
        "threshold": POSTGRES_TARGET,
        "met": ratio >= POSTGRES_TARGET,
        "shown": f"{ratio:.0%}",
        "bound": bound(cpu_by_db["sqlite"].get("friends"),
                       cpu_by_db["postgresql"].get("friends"), cores, statements),
    }


def all_targets(by_db: dict[str, dict[str, dict[str, float]]],
                cpu_by_db: dict[str, dict[str, dict[str, float] | None]],
                cores: int, statements: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each database's targets (with its `database`), then PostgreSQL against SQLite when
    both ran (`statements`: PostgreSQL's per scenario, `postgres.per_request`)."""
    out = [{**t, "database": db} for db in DATABASES if db in by_db
           for t in targets(by_db[db])]
    if "sqlite" in by_db and "postgresql" in by_db:
        out.append(postgres_target(by_db, cpu_by_db, cores,
                                   (statements or {}).get("friends")))
    return out


def _markdown(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(r: tuple[str, ...]) -> str:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        return "| " + " | ".join(cells) + " |"

    return [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
            *(line(r) for r in rows[1:])]


def _limit(section: dict[str, Any]) -> float:
    return float(next(s for s in section["scenarios"] if s["name"] == "limit")["median"][
        "requests_per_s"])


def _scenarios_of(
    by_db: dict[str, dict[str, Any]],
) -> tuple[list[str], dict[str, str], dict[str, dict[str, Any]]]:
    """The scenario names in report order (over all databases), their labels, and each
    database's scenarios by name."""
    names: list[str] = []
    labels: dict[str, str] = {}
    for section in by_db.values():
        for s in section["scenarios"]:
            if s["name"] not in labels:
                names.append(s["name"])
                labels[s["name"]] = s["label"]
    found = {db: {s["name"]: s for s in section["scenarios"]} for db, section in by_db.items()}
    return names, labels, found


def table(report: dict[str, Any]) -> str:
    by_db = sections(report)
    dbs = list(by_db)
    both = len(dbs) > 1
    names, labels, found = _scenarios_of(by_db)
    limits = {db: _limit(section) for db, section in by_db.items()}

    head: tuple[str, ...] = ("scenario",)
    for db in dbs:
        prefix = f"{LABELS[db]} " if both else ""
        head += (f"{prefix}req/s", "of limit", "p50 ms", "p99 ms")
    if both:
        head += ("PostgreSQL / SQLite",)
    rows = [head]
    for name in names:
        row: tuple[str, ...] = (labels[name],)
        for db in dbs:
            s = found[db].get(name)
            if s is None:
                row += ("", "", "", "")
                continue
            m = s["median"]
            row += (f"{m['requests_per_s']:,.0f}", f"{m['requests_per_s'] / limits[db]:.0%}",
                    f"{m['p50_ms']:.2f}", f"{m['p99_ms']:.2f}")
        if both:
            sq, pg = found["sqlite"].get(name), found["postgresql"].get(name)
            row += ((f"{pg['median']['requests_per_s'] / sq['median']['requests_per_s']:.0%}"
                     if sq and pg else ""),)
        rows.append(row)
    out = _markdown(rows)
    out.append("")
    for db in dbs:
        for s in by_db[db]["scenarios"]:
            if s.get("messages_per_request"):
                m = s["median"]
                out.append(
                    f"{LABELS[db]}, {s['label']}: "
                    f"{m['requests_per_s'] * s['messages_per_request']:,.0f} "
                    f"messages/s ({m['requests_per_s']:,.0f} requests/s x "
                    f"{s['messages_per_request']}), p99 {m['p99_ms']:.2f} ms"
                )
                out.append("")

    if any(s.get("cpu") for section in by_db.values() for s in section["scenarios"]):
        # statements: how many PostgreSQL executed per request, executing: µs they took
        cpu_head: tuple[str, ...] = ("CPU per request, µs (median)",)
        for db in dbs:
            cpu_head += (f"{LABELS[db]} workers",)
            if db == "postgresql":
                cpu_head += ("backends", "statements", "executing")
            cpu_head += ("wrk", "idle")
        cpu_rows = [cpu_head]
        for name in names:
            row = (labels[name],)
            for db in dbs:
                scenario = found[db].get(name) or {}
                cpu = scenario.get("cpu")
                width = 6 if db == "postgresql" else 3
                if not cpu:
                    row += ("",) * width
                    continue
                row += (f"{cpu['workers_us']:,.0f}",)
                if db == "postgresql":
                    st = scenario.get("statements")
                    row += (f"{cpu['postgres_us']:,.0f}",
                            f"{st['statements']:g}" if st else "",
                            f"{st['exec_us']:,.0f}" if st else "")
                row += (f"{cpu['wrk_us']:,.0f}", f"{cpu['idle']:.0%}")
            cpu_rows.append(row)
        out += _markdown(cpu_rows)
        out.append("")

    if both:
        out.append("| target | SQLite | PostgreSQL |")
        out.append("|---|---|---|")
    else:
        out.append("| target | measured | |")
        out.append("|---|---|---|")
    cells: dict[str, dict[str, str]] = {}
    for t in report["targets"]:
        shown = f"{t['shown']} {'met' if t['met'] else 'MISSED'}" if both else \
            f"{t['shown']} | {'met' if t['met'] else 'MISSED'}"
        cells.setdefault(t["target"], {})[t.get("database", "sqlite")] = shown
    for target, by in cells.items():
        if both:
            out.append(f"| {target} | {by.get('sqlite', '')} | {by.get('postgresql', '')} |")
        else:
            out.append(f"| {target} | {next(iter(by.values()))} |")
    for t in report["targets"]:
        if t.get("bound"):
            out.append("")
            verdict = "met" if t["met"] else "missed"
            out.append(f"{t['target']}: {verdict} ({t['shown']}). What bounds it: {t['bound']}")
    return "\n".join(out) + "\n"


COLORS = {"sqlite": "#3b6fb6", "postgresql": "#2e8b57"}
LIMIT_COLORS = {"sqlite": "#9aa8bd", "postgresql": "#9bbfa9"}


def chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_db = sections(report)
    dbs = list(by_db)
    names, labels, found = _scenarios_of(by_db)
    # grouped horizontal bars: one group per scenario (first at the top), a bar per database
    height = 0.8 / len(dbs)
    ys = list(range(len(names)))[::-1]

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 1.2 + 0.55 * len(names) * len(dbs)),
                                   sharey=True)
    for i, db in enumerate(dbs):
        offsets = [y + (len(dbs) - 1 - 2 * i) * height / 2 for y in ys]
        rows = [(y, found[db][n]) for y, n in zip(offsets, names, strict=True)
                if n in found[db]]
        colors = [LIMIT_COLORS[db] if s["name"] == "limit" else COLORS[db] for _, s in rows]
        rps = [s["median"]["requests_per_s"] for _, s in rows]
        p99 = [s["median"]["p99_ms"] for _, s in rows]
        where = [y for y, _ in rows]
        ax1.barh(where, rps, height=height, color=colors, label=LABELS[db])
        ax2.barh(where, p99, height=height, color=colors, label=LABELS[db])
        for y, v in zip(where, rps, strict=True):
            ax1.text(v, y, f" {v:,.0f}", va="center", fontsize=7)
        for y, v in zip(where, p99, strict=True):
            ax2.text(v, y, f" {v:.1f}", va="center", fontsize=7)
        limit = found[db]["limit"]["median"]
        ax1.axvline(limit["requests_per_s"] * 0.5, color=COLORS[db], linestyle=":",
                    label=f"{LABELS[db]}: 50% of its limit "
                    f"({limit['requests_per_s']:,.0f} req/s)")
    # room for the figures printed after the longest bars
    ax1.set_xlim(0, ax1.get_xlim()[1] * 1.12)
    ax2.set_xlim(0, ax2.get_xlim()[1] * 1.12)
    ax1.set_yticks(ys, [labels[n] for n in names])
    ax1.set_xlabel("requests/s (median of the runs, higher is better; paler: the limit)")
    ax1.legend(loc="lower right", fontsize=7)
    ax2.axvline(P99_TARGET_MS, color="#555555", linestyle=":", label="target: p99 < 50 ms")
    ax2.set_xlabel("p99 latency, ms (lower is better)")
    ax2.legend(loc="lower right", fontsize=7)
    m = report["machine"]
    wrk = report.get("wrk", {})
    fig.suptitle(
        f"talksocial, wrk -t{wrk.get('threads', 2)} -c{wrk.get('connections', 64)} "
        f"-d{wrk.get('seconds', 5)}s on loopback, 2 workers, "
        f"{' and '.join(LABELS[db] for db in dbs)}, "
        f"{report['world']['accounts']:,} accounts — {m['cpu_model']} ({m['cores']} cores)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
