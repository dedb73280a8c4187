"""Wall time and memory of the README's first command: the embedded model on articles.

    python benchmarks/embedded_model.py [--runs 3] [--strategy auto] [ARTICLE ...]
    python benchmarks/embedded_model.py --concurrent 2 ARTICLE     # two runs at once

Each run is a fresh `summarizer summarize ARTICLE --backend local` process (model load
included), as a user would run it. Prints every run (seconds, peak RSS of the process,
model calls), the median, and the machine; with `--concurrent N` it first times one run
alone, then N started together, and prints each one's time as a multiple of the lone run.
docs/benchmarks.md keeps the numbers. Timings are only valid on an otherwise idle machine.
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
# GNU time's "%M": the child's peak resident set size in KiB.
TIME_BINARY = Path("/usr/bin/time")


def _command(article: Path, strategy: str) -> list[str]:
    command = [sys.executable, "-m", "summarizer", "summarize", str(article),
               "--backend", "local", "--strategy", strategy]  # fmt: skip
    if TIME_BINARY.exists():
        return [str(TIME_BINARY), "-f", "peak_rss_kib=%M", *command]
    return command


def _finish(process: subprocess.Popen[str], started: float) -> tuple[float, dict[str, object]]:
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"the run failed ({process.returncode}): {stderr.strip()[-400:]}")
    provenance = json.loads(stdout)["provenance"]
    info: dict[str, object] = {"calls": provenance["usage"]["calls"]}
    for line in stderr.splitlines():
        if line.startswith("peak_rss_kib="):
            info["peak_rss_mb"] = round(int(line.split("=", 1)[1]) / 1024)
    return seconds, info


def run_together(articles: list[Path], strategy: str) -> list[tuple[float, dict[str, object]]]:
    started = time.perf_counter()
    processes = [
        subprocess.Popen(_command(a, strategy), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for a in articles
    ]  # fmt: skip
    return [_finish(p, started) for p in processes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", type=Path, default=[EXAMPLE])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--strategy", default="auto", help="single | decomposed | auto")
    parser.add_argument("--concurrent", type=int, default=0, help="also run N at once")
    options = parser.parse_args()
    times = []
    for article in options.articles:
        for number in range(1, options.runs + 1):
            [(seconds, info)] = run_together([article], options.strategy)
            times.append(seconds)
            print(f"{article.stem} run {number}: {seconds:.1f} s {info}")
    print(f"median of {len(times)}: {statistics.median(times):.1f} s")
    if options.concurrent:
        alone = statistics.median(times)
        together = run_together([options.articles[0]] * options.concurrent, options.strategy)
        for number, (seconds, info) in enumerate(together, start=1):
            print(f"together {number}: {seconds:.1f} s = {seconds / alone:.2f}x alone {info}")
    python = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")


if __name__ == "__main__":
    main()
