"""Benchmark: a 1,000-article results file renders to ONE HTML report, and the report opens.

    python benchmarks/render_html.py                 # 1,000 articles (target: <= 10 s)
    python benchmarks/render_html.py --articles 200  # another size
    python benchmarks/render_html.py --no-browser    # render only

The results file is made from the hand-annotated records (fixtures/gold and
fixtures/links/records, 19 articles, 154 records with evidence) cycled to the requested
size: copy k of an article gets its own id and every date (published, records) moved by
7*k days, so most records stay distinct (undated transfers still merge across copies, as
the same transfer reported many times would). Each copy's article text is written to an
articles folder. Timed: `write_report` (read the JSONL, read the texts, consolidate,
render, write). Then the page is opened in headless Chromium (Debian's, via Playwright)
and timed to its `load` event plus a check that the highlights are there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from summarizer.articles import read_article  # noqa: E402
from summarizer.render.html.report import write_report  # noqa: E402

SOURCES = [ROOT / "fixtures" / "gold", ROOT / "fixtures" / "links" / "records"]


def _shift_dates(value: Any, days: int) -> Any:
    """Every DateRef (and `published`) inside `value`, moved by `days`."""
    if isinstance(value, list):
        return [_shift_dates(item, days) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _shift_dates(item, days) for key, item in value.items()}
    for key in ("start", "end") if "precision" in out else ("published",):
        if isinstance(out.get(key), str):
            out[key] = (dt.date.fromisoformat(out[key]) + dt.timedelta(days=days)).isoformat()
    return out


def make_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    """A results JSONL of `count` summaries and the folder of their article texts."""
    originals = sorted(p for source in SOURCES for p in source.glob("*.json"))
    articles = folder / "articles"
    articles.mkdir()
    results = folder / "results.jsonl"
    with results.open("w", encoding="utf-8") as out:
        for n in range(count):
            path = originals[n % len(originals)]
            copy = n // len(originals)
            data = _shift_dates(json.loads(path.read_text("utf-8")), 7 * copy)
            article_id = f"{n:04d}_{data['article']['id']}"
            data["article"]["id"] = article_id
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            text = read_article(ROOT / "fixtures" / "articles" / f"{path.stem}.txt").text
            (articles / f"{article_id}.txt").write_text(text, encoding="utf-8")
    return results, articles


def open_in_browser(report: Path, profile: Path) -> dict[str, float | int]:
    from helpers.browser import CHROMIUM_ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        errors: list[str] = []
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        started = time.perf_counter()
        page.goto(report.as_uri(), wait_until="load", timeout=120_000)
        marks = page.evaluate("() => document.querySelectorAll('mark.hl').length")
        seconds = time.perf_counter() - started
        context.close()
    if errors:
        raise SystemExit(f"console errors: {errors[:3]}")
    return {"open_s": seconds, "marks": marks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results, articles = make_inputs(folder, args.articles)
        started, cpu = time.perf_counter(), time.process_time()
        report = write_report(results, folder / "report.html", articles=articles)
        render_s = time.perf_counter() - started
        render_cpu_s = time.process_time() - cpu
        numbers: dict[str, Any] = {
            "articles": args.articles,
            "results_mb": round(results.stat().st_size / 1e6, 2),
            "render_s": round(render_s, 2),
            "render_cpu_s": round(render_cpu_s, 2),
            "html_mb": round(report.stat().st_size / 1e6, 2),
        }
        if not args.no_browser:
            opened = open_in_browser(report, folder / "profile")
            numbers["open_s"] = round(float(opened["open_s"]), 2)
            numbers["marks"] = opened["marks"]
    machine = f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    # on a shared machine wall time includes waiting for a CPU; CPU time is what it costs
    print(f"machine: {machine}; load average {os.getloadavg()[0]:.2f}")
    print(json.dumps(numbers))
    ok = numbers["render_s"] <= 10.0
    print("target render <= 10 s:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
