"""Start-up time of commands that need no model, against the floor of their own imports.

    python benchmarks/startup.py [--runs 5]

Prints the median wall time of each command (fresh process each run) and its ratio to a bare
`python -c "import pydantic, typer, rich"`. The target (docs/architecture.md): <= 1.6x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE = [sys.executable, "-c", "import pydantic, typer, rich"]


def _command(*args: str) -> list[str]:
    """The console script of this interpreter's environment, as a user would type it."""
    beside = Path(sys.executable).with_name("summarizer")
    exe = str(beside) if beside.exists() else shutil.which("summarizer")
    return [exe, *args] if exe else [sys.executable, "-m", "summarizer", *args]


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    median_seconds(BASELINE, 1)  # warm the file cache
    floor = median_seconds(BASELINE, runs)
    print(f"{'import pydantic, typer, rich':32} {floor:6.3f} s   1.00x")
    for args in (("schema",), ("export", "--help"), ("--help",)):
        seconds = median_seconds(_command(*args), runs)
        print(f"{'summarizer ' + ' '.join(args):32} {seconds:6.3f} s   {seconds / floor:.2f}x")


if __name__ == "__main__":
    main()
