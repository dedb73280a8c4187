"""Headless Chromium for the report tests: Debian's `chromium` driven by Playwright.

Playwright's own browser downloads are never used: the page is opened in the system's
`/usr/bin/chromium` (`.ci/run` installs it) through `executable_path`, with a fresh
profile, no sandbox (CI runs as root), no GPU and no background networking. Where the
browser or the Playwright package is missing the tests skip with the reason — except
under `CI=true`, where they fail, so CI can never pass without running them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

#: Where screenshots go (gitignored): a test artifact to look at.
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def unavailable(reason: str) -> None:
    """Skip, or fail under CI (where the browser must be there)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: .ci/run must install it", pytrace=False)
    pytest.skip(reason)


@dataclass
class OpenedPage:
    """A page with what it logged: console errors, page errors, requests it made."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium (a persistent context on a fresh profile) for many pages."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def open(self, path: Path, *, width: int = 1280, height: int = 900) -> OpenedPage:
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        opened = OpenedPage(page)
        page.on(
            "console",
            lambda message: (
                opened.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: opened.page_errors.append(str(error)))
        page.on("request", lambda request: opened.requests.append(request.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        return opened


def launch(profile: Path) -> Iterator[Browser]:
    """Start Chromium on a fresh profile under `profile`; close it afterwards."""
    executable = chromium_path()
    if executable is None:
        unavailable("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    assert executable is not None
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield Browser(context)
        finally:
            context.close()
