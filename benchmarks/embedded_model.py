"""Wall time of the README's first command: the embedded model on the example article.

    python benchmarks/embedded_model.py [--runs 3] [ARTICLE]

Each run is a fresh process (model load included), as a user would run it. Prints every
run, the median, and the machine; docs/benchmarks.md keeps the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "articles" / "000_nk-missiles-russia.txt"


def one_run(article: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(article), "--backend", "local"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    provenance = json.loads(done.stdout)["provenance"]
    return seconds, {"calls": provenance["usage"]["calls"],
                     "completion_tokens": provenance["usage"]["completion_tokens"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("article", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    times = []
    for number in range(1, options.runs + 1):
        seconds, usage = one_run(options.article)
        times.append(seconds)
        print(f"run {number}: {seconds:.1f} s {usage}")
    print(f"median of {options.runs}: {statistics.median(times):.1f} s")
    python = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")


if __name__ == "__main__":
    main()
