"""Instructions per call of the section page and the autosave, counted by callgrind.

    python -m benchmarks.instructions [CALLS]

Runs :mod:`benchmarks.in_process` under valgrind's callgrind with counting switched off,
switches it on once the warm-up is over, and counts ``CALLS`` (100) calls of the
signed-in respondent's first section (kept as rendered) and then of the autosave, each
call's request built in the count. On SQLite the counts repeat within about one per
cent from run to run, whatever else the machine is doing: where the timed figures of a
shared machine vary by a third, this tells whether a change made a request do less. On
PostgreSQL (``DATABASE_URL``) only this process is counted, not the server, and the
driver's waits for the server add a few per cent more when the machine is busy. Cache
misses are not counted, so it says less about code that walks more memory. Not part of
``make bench``; it needs ``valgrind`` on the path and takes about a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks import in_process

#: Set in the environment of the run under valgrind.
_INSIDE = "PPP_INSTRUCTIONS_CALLS"


def control(pid: int, *arguments: str) -> None:
    """Send ``callgrind_control`` its ``arguments`` for the process ``pid`` (run under
    callgrind)."""
    subprocess.run(["callgrind_control", *arguments, str(pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _counted(calls: int) -> Callable[[Callable[[], None], Callable[[], object], int], float]:
    done: list[str] = []

    def count(run: Callable[[], None], _build: Callable[[], object], _calls: int) -> float:
        if not done:
            control(os.getpid(), "--instr=on")
        for _ in range(calls):
            run()
        control(os.getpid(), "--dump=" + run.__name__)
        done.append(run.__name__)
        if len(done) == 2:
            control(os.getpid(), "--instr=off")
        return 0.0

    return count


def _inside(calls: int) -> int:
    in_process._per_call = _counted(calls)  # type: ignore[assignment]
    return in_process.main(["1", "1"])


def _total(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"no totals in {dump}")


def main(argv: list[str]) -> int:
    calls = int(argv[0]) if argv else 100
    if shutil.which("valgrind") is None:
        print("valgrind is not on the path", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="ppp-instructions-"))
    # The same hash seed each run: set and dict orders, hence the work, repeat.
    environment = {**os.environ, _INSIDE: str(calls), "PYTHONHASHSEED": "0"}
    subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={folder}/callgrind.%p", sys.executable, "-m",
                    "benchmarks.instructions"], env=environment, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dumps = sorted(folder.glob("callgrind.*.*"), key=lambda path: int(path.suffix[1:]))
    if len(dumps) != 2:
        print(f"expected two counts in {folder}, found {len(dumps)}", file=sys.stderr)
        return 1
    page, save = (_total(dump) / calls for dump in dumps)
    print(f"section page {page:12,.0f} instructions/call")
    print(f"autosave     {save:12,.0f} instructions/call")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if _INSIDE in os.environ:
        raise SystemExit(_inside(int(os.environ[_INSIDE])))
    raise SystemExit(main(sys.argv[1:]))
