"""Medians, ratios, targets, the terminal table and the chart of one benchmark run."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

FIGURES = ("requests_per_s", "p50_ms", "p99_ms")
P99_TARGET_MS = 50.0
#: Scenarios that write (benchmarks/scenarios.py): reported, outside the read APIs' targets.
WRITES = ("send_friends",)


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in FIGURES}


def targets(by_name: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The issue's four targets, each as measured value, threshold and met/missed."""
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


def table(report: dict[str, Any]) -> str:
    limit_rps = next(s for s in report["scenarios"] if s["name"] == "limit")["median"][
        "requests_per_s"
    ]
    rows = [("scenario", "req/s", "of limit", "p50 ms", "p99 ms")]
    for s in report["scenarios"]:
        m = s["median"]
        rows.append((
            s["label"],
            f"{m['requests_per_s']:,.0f}",
            f"{m['requests_per_s'] / limit_rps:.0%}",
            f"{m['p50_ms']:.2f}",
            f"{m['p99_ms']:.2f}",
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(r: tuple[str, ...]) -> str:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        return "| " + " | ".join(cells) + " |"

    out = [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows[1:]]
    out.append("")
    for s in report["scenarios"]:
        if s.get("messages_per_request"):
            m = s["median"]
            out.append(
                f"{s['label']}: {m['requests_per_s'] * s['messages_per_request']:,.0f} "
                f"messages/s ({m['requests_per_s']:,.0f} requests/s x "
                f"{s['messages_per_request']}), p99 {m['p99_ms']:.2f} ms"
            )
            out.append("")
    out.append("| target | measured | |")
    out.append("|---|---|---|")
    for t in report["targets"]:
        out.append(f"| {t['target']} | {t['shown']} | {'met' if t['met'] else 'MISSED'} |")
    return "\n".join(out) + "\n"


def chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = [s for s in report["scenarios"]]
    labels = [s["label"] for s in scenarios][::-1]
    rps = [s["median"]["requests_per_s"] for s in scenarios][::-1]
    p99 = [s["median"]["p99_ms"] for s in scenarios][::-1]
    limit = next(s for s in scenarios if s["name"] == "limit")["median"]
    colors = ["#999999" if s["name"] == "limit" else "#3b6fb6" for s in scenarios][::-1]

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), sharey=True)
    ax1.barh(labels, rps, color=colors)
    ax1.axvline(limit["requests_per_s"], color="#c0392b", linestyle="--",
                label=f"limit {limit['requests_per_s']:,.0f} req/s")
    ax1.axvline(limit["requests_per_s"] * 0.5, color="#c0392b", linestyle=":",
                label="target: 50% of the limit")
    for y, v in enumerate(rps):
        ax1.text(v, y, f" {v:,.0f}", va="center", fontsize=8)
    ax1.set_xlabel("requests/s (median of 3 runs, higher is better)")
    ax1.legend(loc="lower right", fontsize=8)
    ax2.barh(labels, p99, color=colors)
    ax2.axvline(limit["p99_ms"], color="#c0392b", linestyle="--",
                label=f"limit p99 {limit['p99_ms']:.1f} ms")
    ax2.axvline(P99_TARGET_MS, color="#555555", linestyle=":", label="target: p99 < 50 ms")
    for y, v in enumerate(p99):
        ax2.text(v, y, f" {v:.1f}", va="center", fontsize=8)
    ax2.set_xlabel("p99 latency, ms (lower is better)")
    ax2.legend(loc="lower right", fontsize=8)
    m = report["machine"]
    fig.suptitle(
        f"talksocial, wrk -t2 -c64 -d5s on loopback, 2 workers, SQLite, "
        f"{report['world']['accounts']:,} accounts — {m['cpu_model']} ({m['cores']} cores)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
