"""Library calls are quiet unless the application configured logging; the CLI's -v logs.

Each case runs in a fresh interpreter (logging is process-wide state) against a scripted
OpenAI-compatible server whose answer fails grounding on every re-ask: instructor then logs
"Max retries exceeded" as an ERROR while the call itself returns normally, with the record
listed in provenance.rejected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import chat_completion, scripted_server

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "fixtures" / "articles" / "001_state-700m-drawdown.txt"

INVENTED = json.dumps(
    {
        "summary": "Ukraine gets aid.",
        "events": [],
        "aid": [
            {
                "evidence": ["a sentence the article does not contain"],
                "donor": "Atlantis",
                "recipient": "Ukraine",
                "stage": "announced",
                "description": "Invented.",
            }
        ],
        "transfers": [],
        "quotes": [],
    }
)

LIBRARY_CALL = """
import sys
{setup}
from summarizer import summarize
from summarizer.http.retry import RetryPolicy
result = summarize(
    sys.argv[2], backend="openai", base_url=sys.argv[1], model="scripted-model",
    retry=RetryPolicy(max_attempts=1, initial_backoff=0.01, jitter=0),
)
print(len(result.provenance.rejected), "rejected")
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["OPENAI_API_KEY"] = "sk-" + "test" * 6
    return env


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    with scripted_server([chat_completion(INVENTED)], repeat_last=True) as server:
        return subprocess.run(
            [sys.executable, *args[:1], *[a.format(url=server.base_url) for a in args[1:]]],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )


def test_a_library_call_that_returns_normally_prints_nothing_on_stderr() -> None:
    run = _run(["-c", LIBRARY_CALL.format(setup=""), "{url}", str(ARTICLE)])
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1 rejected"
    assert run.stderr == ""


def test_an_application_that_configures_logging_still_gets_the_records() -> None:
    setup = "import logging; logging.basicConfig(level=logging.WARNING)"
    run = _run(["-c", LIBRARY_CALL.format(setup=setup), "{url}", str(ARTICLE)])
    assert run.returncode == 0, run.stderr
    assert "Max retries exceeded" in run.stderr


@pytest.mark.parametrize(("flags", "logged"), [([], False), (["-v"], True)])
def test_cli_logs_only_with_verbose(flags: list[str], logged: bool) -> None:
    run = _run(
        ["-m", "summarizer", *flags, "summarize", str(ARTICLE), "--base-url", "{url}",
         "--model", "scripted-model"]
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert ("Max retries exceeded" in run.stderr) is logged
    assert ("HTTP Request: POST" in run.stderr) is logged
    if not logged:
        assert run.stderr == ""
