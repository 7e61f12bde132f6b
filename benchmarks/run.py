"""Run every benchmark in this folder and print one table.

Each ``bench_*.py`` module exposes ``run() -> list[dict]`` whose rows have the keys
``name``, ``value``, ``unit``, ``baseline`` and ``ratio`` (baseline measured in the same
run; a ratio above 1 means faster or smaller than the baseline).

    python benchmarks/run.py [NAME ...] [--write]   # e.g. python benchmarks/run.py scoring

Rows may also carry ``goal`` (text) and ``passed``; the goals of the other figures are in
:data:`GOALS`. ``--write`` writes ``docs/performance.md`` from ``performance.md.in``. The
exit status is 1 when a figure misses its goal.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The benchmarks import the load harness (``benchmarks.load``) from the project root.
sys.path.insert(0, str(HERE.parent))


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


#: The goals of the figures that have one: (benchmark, start of the figure's name, goal,
#: test on the row). A ratio is the figure against its limit measured in the same run.
GOALS: list[tuple[str, str, str, Callable[[dict[str, Any]], bool]]] = [
    ("scoring", "score()", ">= 0.5", lambda row: row["ratio"] >= 0.5),
    ("benchmarks", "peer statistics", ">= 20", lambda row: row["ratio"] >= 20),
    ("benchmarks", "raw percent_rank", "<= 2", lambda row: row["ratio"] <= 2),
    ("benchmarks", "evaluators' dashboard", "< 1000 ms", lambda row: row["value"] < 1000),
    ("benchmarks", "export CSV, streamed vs csv.writer", ">= 0.5",
     lambda row: row["ratio"] >= 0.5),
    ("benchmarks", "export CSV, peak", "flat", lambda row: row["ratio"] >= 1),
    ("statements", "SQL statements", "<= 20, flat", lambda row: bool(row["passed"])),
]

HEADERS = ["benchmark", "name", "value", "unit", "baseline", "ratio", "goal", "result"]
LABELS = {"name": "figure", "baseline": "limit"}


def _with_goal(row: dict[str, Any]) -> dict[str, Any]:
    if "goal" not in row:
        for benchmark, prefix, goal, test in GOALS:
            if row["benchmark"] == benchmark and str(row["name"]).startswith(prefix):
                row = {**row, "goal": goal, "passed": row.get("ratio") is not None and test(row)}
                break
    passed = row.get("passed")
    return {**row, "result": "" if passed is None else ("pass" if passed else "FAIL")}


def _table(rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[_format(row.get(key)) for key in HEADERS] for row in rows]


def _machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in
                      cpuinfo.read_text().splitlines() if line.startswith("model name")), "")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU ({model}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
            f"load average at the end: {load}")


def write_document(rows: list[dict[str, Any]], path: Path, seconds: float) -> None:
    """Write docs/performance.md: the table, the machine, the date and how to read it."""
    headers = [LABELS.get(header, header) for header in HEADERS]
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in line) + " |"
              for line in _table(rows)]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (TEMPLATE.replace("{table}", "\n".join(lines)).replace("{date}", now)
            .replace("{machine}", _machine()).replace("{seconds}", f"{seconds:.0f}"))
    path.write_text(text, encoding="utf-8")


TEMPLATE = (HERE / "performance.md.in").read_text(encoding="utf-8") if (
    HERE / "performance.md.in").exists() else "{table}\n"


def main(argv: list[str]) -> int:
    """Run the selected benchmarks (all by default), print the table and, with
    ``--write``, write docs/performance.md."""
    write = "--write" in argv
    selected = {name for name in argv if not name.startswith("--")}
    rows: list[dict[str, Any]] = []
    begun = time.perf_counter()
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if selected and name not in selected:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            for row in _load(path).run():
                rows.append(_with_goal({"benchmark": name, **row}))
        except Exception as error:  # one broken benchmark leaves the others
            print(f"  {name} failed: {error!r}", file=sys.stderr)
            rows.append({"benchmark": name, "name": f"failed: {error!r}"[:120],
                         "passed": False, "result": "FAIL"})
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    table = _table(rows)
    headers = [LABELS.get(header, header) for header in HEADERS]
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h)
              for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    if write:
        target = HERE.parent / "docs" / "performance.md"
        write_document(rows, target, time.perf_counter() - begun)
        print(f"wrote {target}", file=sys.stderr)
    return 0 if all(row.get("passed") is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
