"""Run every benchmark in this folder and print one table.

Each ``bench_*.py`` module exposes ``run() -> list[dict]`` whose rows have the keys
``name``, ``value``, ``unit``, ``baseline`` and ``ratio`` (baseline measured in the same
run; a ratio above 1 means faster or smaller than the baseline).

    python benchmarks/run.py [NAME ...]     # e.g. python benchmarks/run.py scoring
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def main(argv: list[str]) -> int:
    """Run the selected benchmarks (all by default) and print the table."""
    selected = set(argv)
    rows: list[dict[str, object]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if selected and name not in selected:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for row in _load(path).run():
            rows.append({"benchmark": name, **row})
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    headers = ["benchmark", "name", "value", "unit", "baseline", "ratio"]
    table = [[_format(row.get(key)) for key in headers] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h)
              for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
