"""Batch benchmarks: throughput vs. ideal, throughput under a rate limit, pipeline overhead,
peak memory. Writes nothing outside a temporary directory; prints a Markdown report.

    python benchmarks/run.py                      # all four, the documented settings
    python benchmarks/run.py --only throughput    # one of: throughput ratelimit overhead memory
    python benchmarks/run.py --json results.json  # also save the numbers

Every run goes through the real batch path (`summarizer.runner.run_batch`: pipeline,
instructor, validation, grounding, normalization, SQLite store, fsynced results file) against
`benchmarks/fake_openai.py`, a local OpenAI-compatible server started as a separate process
on 127.0.0.1 with a fixed latency (and, for the rate-limit run, a server-enforced limit that
answers 429 with Retry-After). Only the overhead run replaces the model with an in-process
backend that answers instantly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from summarizer.runner import BatchItem, BatchLimits, expand_inputs, run_batch  # noqa: E402
from summarizer.store import PriceTable, Store  # noqa: E402

FILLER = (
    "The statement did not give further details. Officials said the assessment was based on "
    "information from several sources and that damage to civilian infrastructure was being "
    "surveyed. Emergency services worked through the night, the regional administration said, "
    "and power was restored to most districts by the morning. "
)


def article_text(i: int) -> str:
    """A synthetic news article of about 3 KB; its first sentence is what the server cites."""
    lead = (
        f"Russian forces launched {i % 50 + 3} drones at Kharkiv on 2 January 2024, "
        f"officials said in report number {i}."
    )
    return lead + " " + FILLER * 10


def write_articles_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = {"id": f"art{i:05d}", "text": article_text(i), "published": "2024-01-03"}
            out.write(json.dumps(record) + "\n")


# --------------------------------------------------------------------------- the server


@contextmanager
def fake_server(*args: str) -> Iterator[str]:
    """`benchmarks/fake_openai.py` in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(HERE / "fake_openai.py"), *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def server_stats(base_url: str) -> dict[str, Any]:
    root = base_url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(root + "/stats") as response:  # loopback only
        data: dict[str, Any] = json.loads(response.read())
    return data


def summarizer_for(base_url: str) -> Any:
    from summarizer.api import Summarizer

    return Summarizer(base_url=base_url, api_key="sk-" + "bench-0123456789", model="gpt-4o-mini")


def run_items(
    items: list[BatchItem],
    workdir: Path,
    summarizer: Any,
    *,
    concurrency: int,
    rpm: float | None = None,
    warmup: int = 0,
) -> tuple[float, Any]:
    """Run a fresh batch (after `warmup` items in a batch of their own, same event loop:
    the SDK's async connection pool belongs to one loop); returns (wall seconds, report)."""

    async def both(store: Store) -> tuple[float, Any]:
        if warmup:
            await run_batch(
                items[:warmup],
                workdir / "warmup.jsonl",
                summarizer=summarizer,
                store=store,
                limits=BatchLimits(concurrency),
            )
        started = time.perf_counter()
        report = await run_batch(
            items[warmup:] if warmup else items,
            workdir / "results.jsonl",
            summarizer=summarizer,
            store=store,
            limits=BatchLimits(concurrency, rpm),
        )
        return time.perf_counter() - started, report

    with Store(workdir / "store.db", prices=PriceTable.load()) as store:
        return asyncio.run(both(store))


def run_processes(
    items: list[BatchItem], workdir: Path, base_url: str, concurrency: int, processes: int
) -> tuple[float, Any]:
    """The batch over worker processes; wall time counted from when all were ready (their
    start-up, importing the package, is reported apart)."""
    from summarizer.config import Config
    from summarizer.runner.processes import run_batch_processes

    config = Config(base_url=base_url, api_key="sk-" + "bench-0123456789", model="gpt-4o-mini")
    report = run_batch_processes(
        items,
        workdir / "results.jsonl",
        config=config,
        store_path=workdir / "store.db",
        processes=processes,
        limits=BatchLimits(concurrency),
    )
    return report.wall_seconds - report.startup_seconds, report


def items_for(workdir: Path, count: int) -> list[BatchItem]:
    path = workdir / "articles.jsonl"
    write_articles_jsonl(path, count)
    return expand_inputs([str(path)])


# --------------------------------------------------------------------------- benchmarks


def bench_throughput(
    articles: int, latency: float, concurrency: int, processes: int = 1
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        fake_server("--latency", str(latency), "--answer", "event") as url,
    ):
        workdir = Path(tmp)
        if processes == 1:
            items = items_for(workdir, articles + concurrency)  # the first ones warm up
            with summarizer_for(url) as summarizer:
                wall, report = run_items(
                    items, workdir, summarizer, concurrency=concurrency, warmup=concurrency
                )
        else:
            wall, report = run_processes(
                items_for(workdir, articles), workdir, url, concurrency, processes
            )
        ideal = articles * latency / concurrency
        return {
            "articles": articles,
            "latency_s": latency,
            "concurrency": concurrency,
            "processes": processes,
            "done": report.done,
            "wall_s": round(wall, 3),
            "ideal_s": round(ideal, 3),
            "achieved_over_ideal": round(ideal / wall, 3),
            "articles_per_s": round(articles / wall, 2),
        }


def bench_ratelimit(
    articles: int,
    latency: float,
    concurrency: int,
    rpm: float,
    *,
    client_limit: bool = True,
    headers: bool = False,
) -> dict[str, Any]:
    """With `client_limit` the client is told `--rpm`; without it, it learns the limit (from
    429s and Retry-After, and with `headers` from OpenAI's x-ratelimit-* headers)."""
    args = ("--latency", str(latency), "--rpm", str(rpm)) + (
        ("--ratelimit-headers",) if headers else ()
    )
    with tempfile.TemporaryDirectory() as tmp, fake_server(*args) as url:
        workdir = Path(tmp)
        items = items_for(workdir, articles)
        with summarizer_for(url) as summarizer:
            client_rpm = rpm if client_limit else None
            wall, report = run_items(
                items, workdir, summarizer, concurrency=concurrency, rpm=client_rpm
            )
        stats = server_stats(url)
        achieved_rpm = report.done / wall * 60
        return {
            "articles": articles,
            "latency_s": latency,
            "concurrency": concurrency,
            "server_limit_rpm": rpm,
            "client_rpm": rpm if client_limit else None,
            "ratelimit_headers": headers,
            "done": report.done,
            "wall_s": round(wall, 3),
            "achieved_rpm": round(achieved_rpm, 1),
            "achieved_over_limit": round(achieved_rpm / rpm, 3),
            "failed": report.failed,
            "requests": stats["requests"],
            "http_429": stats["rate_limited"],
            "http_429_share": round(stats["rate_limited"] / max(1, stats["requests"]), 4),
        }


class InstantBackend:
    """The model removed: answers at once, in process, like the fake server would."""

    name = "openai"
    server: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    context_tokens = 128_000
    default_max_tokens = 4096

    def __init__(self) -> None:
        import instructor

        from summarizer.backends.base import Capabilities

        self.capabilities = Capabilities()

        sys.path.insert(0, str(HERE))
        import fake_openai

        self.fake = fake_openai
        self.model = "gpt-4o-mini"
        self.mode = instructor.Mode.JSON

    def _answer(self, kwargs: dict[str, Any]) -> Any:
        from openai.types.chat import ChatCompletion

        _status, body, _ = self.fake.answer_request(kwargs)
        return ChatCompletion.model_validate(body)

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def create(self, **kwargs: Any) -> Any:
        return self._answer(kwargs)

    async def acreate(self, **kwargs: Any) -> Any:
        return self._answer(kwargs)

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def session(self, name: str, metadata: dict[str, Any]) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def close(self) -> None:
        return None


class NullPipeline:
    """Stands in for the pipeline to time the batch machinery alone: one model call, a fixed
    summary; no instructor, validation, grounding or normalization."""

    def __init__(self, backend: Any, settings: Any = None, **_: Any) -> None:
        self.backend = backend

    async def arun(self, article: Any) -> Any:
        import datetime as dt

        from summarizer.schemas import ArticleSummary, Provenance

        messages = [{"role": "user", "content": "---\n" + article.text + "\n---\n"}]
        await self.backend.acreate(model=self.backend.model, messages=messages)
        provenance = Provenance(
            backend="openai",
            model=self.backend.model,
            prompt_id="null",
            prompt_sha256="0" * 64,
            package_version="0",
            created_at=dt.datetime.now(dt.UTC),
        )
        return ArticleSummary(article=article.meta, summary="x", provenance=provenance)


@contextmanager
def machinery_only(enabled: bool) -> Iterator[None]:
    """Replace the pipeline by `NullPipeline` (the batch runner builds it by this name)."""
    import summarizer.pipeline

    real = summarizer.pipeline.Pipeline
    if enabled:
        summarizer.pipeline.Pipeline = NullPipeline  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        summarizer.pipeline.Pipeline = real  # type: ignore[misc]


def bench_overhead(articles: int) -> dict[str, Any]:
    """Per-article time with the model removed: whole pipeline, and batch machinery alone."""
    from summarizer.api import Summarizer

    timings: dict[str, Any] = {"articles": articles}
    for label in ("pipeline", "machinery"):
        with machinery_only(label == "machinery"), tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            items = items_for(workdir, articles + 20)
            with Summarizer(backend=InstantBackend()) as configured:
                wall, report = run_items(items, workdir, configured, concurrency=1, warmup=20)
        timings[f"{label}_ms_per_article"] = round(wall / articles * 1000, 2)
        timings[f"{label}_done"] = report.done
    return timings


def bench_memory(articles: int, concurrency: int) -> dict[str, Any]:
    """Peak RSS of a fresh process that runs `articles` articles through the batch path."""
    with fake_server("--latency", "0") as url:
        child = subprocess.run(
            [sys.executable, str(Path(__file__)), "--memory-child", str(articles), url,
             str(concurrency)],
            capture_output=True,
            text=True,
            check=True,
        )  # fmt: skip
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def memory_child(articles: int, base_url: str, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        items = items_for(workdir, articles)
        with summarizer_for(base_url) as summarizer:
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            wall, report = run_items(items, workdir, summarizer, concurrency=concurrency)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = (workdir / "results.jsonl").stat().st_size
    print(
        json.dumps(
            {
                "articles": articles,
                "concurrency": concurrency,
                "done": report.done,
                "wall_s": round(wall, 1),
                "rss_before_run_mib": round(baseline / 1024, 1),
                "peak_rss_mib": round(peak / 1024, 1),
                "results_file_mib": round(size / 2**20, 1),
            }
        )
    )


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    mem_total = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    return {
        "cpus": os.cpu_count(),
        "ram": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "processor": platform.processor() or platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="summarizer batch benchmarks")
    parser.add_argument("--only", default="throughput,ratelimit,adaptive,overhead,memory")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument(
        "--latency", default="1.0,0.5,0.2", help="server latencies (s) for the throughput runs"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rpm", type=float, default=1200.0)
    parser.add_argument("--processes", default="1,2", help="worker processes to compare")
    parser.add_argument(
        "--machinery-only",
        action="store_true",
        help="throughput with the pipeline replaced by one model call (the batch machinery)",
    )
    parser.add_argument("--overhead-articles", type=int, default=300)
    parser.add_argument("--memory-articles", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        count, url, concurrency = args.memory_child
        memory_child(int(count), url, int(concurrency))
        return
    wanted = set(args.only.split(","))
    results: dict[str, Any] = {"machine": machine()}
    latencies = [float(x) for x in args.latency.split(",")]
    if "throughput" in wanted:
        with machinery_only(args.machinery_only):
            results["throughput"] = [
                bench_throughput(args.articles, latency, args.concurrency, int(processes))
                for latency in latencies
                for processes in args.processes.split(",")
            ]
        for row in results["throughput"]:
            print("throughput", json.dumps(row), flush=True)
    if "ratelimit" in wanted:
        results["ratelimit"] = [
            bench_ratelimit(
                args.articles, min(latencies), args.concurrency, args.rpm, client_limit=limit
            )
            for limit in (True, False)
        ]
        for row in results["ratelimit"]:
            print("ratelimit", json.dumps(row), flush=True)
    if "adaptive" in wanted:  # issue 10: no rate flags, a server limited to 8 requests/s
        results["adaptive"] = [
            bench_ratelimit(args.articles, 0.05, 8, 480.0, client_limit=False, headers=headers)
            for headers in (False, True)
        ]
        for row in results["adaptive"]:
            print("adaptive", json.dumps(row), flush=True)
    if "overhead" in wanted:
        results["overhead"] = bench_overhead(args.overhead_articles)
        print("overhead", json.dumps(results["overhead"]), flush=True)
    if "memory" in wanted:
        results["memory"] = bench_memory(args.memory_articles, args.concurrency)
        print("memory", json.dumps(results["memory"]), flush=True)
    print("machine", json.dumps(results["machine"]))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
