"""Run the README's test command several times in a row from a fresh clone, machine loaded.

    python scripts/suite_under_load.py [--runs 5] [--burners 2] [--rev HEAD]

Clones `--rev` of this repository into a temporary folder, makes a fresh virtual
environment there, and runs the README's test command (`pip install -e ".[dev]" && pytest`)
`--runs` times in a row while `--burners` busy processes (one per core: `stress --cpu N`)
compete for the CPU. Each run prints its exit code, wall time, pytest's summary line and the
peak memory of its whole process tree (the sum of the resident sets of pytest and every
process it started, sampled twice a second). Stops at the first failing run; exits non-zero
if any run failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README_TEST_COMMAND = 'pip install -e ".[dev]" && pytest'  # README.md, Quickstart


def _burn() -> None:
    while True:
        pass


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    """The summed resident set of `root` and all its descendants, in bytes."""
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_bytes(pid)
        stack.extend(tree.get(pid, []))
    return total


def run_once(checkout: Path, venv: Path) -> tuple[int, float, str, int]:
    """(exit code, seconds, pytest's last line, peak tree RSS) of one run of the command."""
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    start = time.monotonic()
    process = subprocess.Popen(
        ["bash", "-c", README_TEST_COMMAND],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.5):
            peak = max(peak, tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    lines = [line for line in output.splitlines() if line.strip()]
    return process.returncode, time.monotonic() - start, lines[-1] if lines else "", peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rev", default="HEAD")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="summarizer-fresh-") as tmp:
        checkout = Path(tmp) / "summarizer"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
        subprocess.run(["git", "-C", str(checkout), "checkout", "-q", args.rev], check=True)
        commit = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        venv = checkout / ".venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        print(f"fresh clone at {commit}; {args.burners} CPU burner(s); {args.runs} run(s)")

        burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(args.burners)]
        for burner in burners:
            burner.start()
        failed = 0
        try:
            for number in range(1, args.runs + 1):
                load = os.getloadavg()[0]
                code, seconds, summary, peak = run_once(checkout, venv)
                print(
                    f"run {number}: exit {code}, {seconds / 60:.1f} min, load at start "
                    f"{load:.1f}, peak memory {peak / 2**30:.2f} GiB: {summary}",
                    flush=True,
                )
                if code != 0:
                    failed += 1
                    break
        finally:
            for burner in burners:
                burner.terminate()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
