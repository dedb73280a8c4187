"""The embedded backend's behaviour on a shared machine (no model needed for these)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

from summarizer.backends.local import machine_turn, physical_cores


def _take_turns(lock_dir: str, name: str, log: str, turns: int, start: Any) -> None:
    start.wait()  # both processes begin together, whatever their start-up time
    for _ in range(turns):
        with machine_turn(Path(lock_dir)):
            with open(log, "a") as out:
                out.write(name + "\n")
            time.sleep(0.01)  # a model call


def test_two_processes_alternate_instead_of_one_starving_the_other(tmp_path: Path) -> None:
    log = tmp_path / "turns.log"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=_take_turns, args=(str(tmp_path), name, str(log), 20, start))
        for name in "ab"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    order = log.read_text().split()
    assert sorted(order) == ["a"] * 20 + ["b"] * 20
    # Neither holds the model for a long run of calls while the other waits.
    runs = "".join(order).replace("ab", "a b").replace("ba", "b a").split()
    assert max(len(run) for run in runs[:-1]) <= 3, order
    assert not list(tmp_path.glob("*.wait-*"))


def test_threads_default_to_physical_cores() -> None:
    assert 1 <= physical_cores() <= (multiprocessing.cpu_count() or 1)
