"""Every command exits by the one table (summarizer/cli/exit_codes.py, README "Exit codes"):
0 done, 1 input or runtime error, 2 usage or configuration, 3 some items failed, 4 budget,
130 interrupted. Each error is one line that names the thing once.

Commands run through the real CLI (typer's runner, or a real process where a signal is the
point) against the recordings in fixtures/recordings or a scripted OpenAI-compatible server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import chat_completion, error_body, reply, scripted_server
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
RECORDINGS = ROOT / "fixtures" / "recordings"
GOLD = ROOT / "fixtures" / "gold"
GOOD = ARTICLES / "001_state-700m-drawdown.txt"  # its recording replays to a summary
CUT = ARTICLES / "002_dod-820m-pda-usai.txt"  # its recording was cut off at max_tokens
REPLAY = ["--recordings", str(RECORDINGS)]

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("summarizer: error:")]
    assert len(lines) == 1, stderr
    return lines[0].removeprefix("summarizer: error: ")


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results file with one summary line (001) and one error line (002, truncated)."""
    out = tmp_path / "results.jsonl"
    code, _, _ = run("batch", GOOD, CUT, "--out", out, "--store", tmp_path / "s.db",
                     "--no-progress", *REPLAY)  # fmt: skip
    assert code == ExitCode.SOME_FAILED
    return out


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("OPENAI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_table() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 130]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} |" in readme, f"README's exit-code table has no row {int(code)}"


# --- summarize -------------------------------------------------------------------------------


def test_summarize_done_is_0() -> None:
    code, stdout, stderr = run("summarize", GOOD, *REPLAY)
    assert code == ExitCode.OK and json.loads(stdout)["article"]["id"] == GOOD.stem
    assert stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt", *REPLAY], "missing.txt: does not exist"),
        ([ARTICLES], f"{ARTICLES}: is a directory, not an article file"),
    ],
)
def test_summarize_bad_input_is_1(args: list[str | Path], message: str) -> None:
    code, _, stderr = run("summarize", *args)
    assert code == ExitCode.ERROR
    assert error_line(stderr) == message


def test_summarize_replay_miss_is_1_and_says_how_to_record(tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("An article nobody recorded an answer for.\n", encoding="utf-8")
    code, _, stderr = run("summarize", article, *REPLAY)
    assert code == ExitCode.ERROR
    message = error_line(stderr)
    assert "no recording" in message and "summarizer record" in message
    assert "max-tokens" not in message


def test_summarize_cut_off_replay_says_to_record_again_not_to_raise_max_tokens() -> None:
    code, _, stderr = run("summarize", CUT, *REPLAY)
    assert code == ExitCode.ERROR
    message = error_line(stderr)
    assert message.count(CUT.stem) == 1
    assert "raise --max-tokens" not in message
    assert "record it again" in message and "summarizer record" in message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "replay"], "the replay backend needs --recordings DIR"),
        (["--backend", "nope"], "unknown backend 'nope'; choose one of: openai, local, replay"),
        (["--backend", "openai"], "the openai backend needs OPENAI_API_KEY"),
    ],
)
def test_summarize_configuration_errors_are_2(args: list[str], message: str) -> None:
    code, _, stderr = run("summarize", GOOD, *args)
    assert code == ExitCode.USAGE
    assert error_line(stderr).startswith(message)


def test_summarize_usage_error_is_2() -> None:
    code, _, _ = run("summarize", GOOD, "--format", "pdf")
    assert code == ExitCode.USAGE


@pytest.mark.parametrize("command", ["summarize", "batch"])
def test_ctrl_c_is_130(command: str, tmp_path: Path) -> None:
    """A real process gets SIGINT while the model is still answering."""
    slow = reply(chat_completion("{}"), delay=60)
    with scripted_server([slow], repeat_last=True) as server:
        args = {
            "summarize": ["summarize", str(GOOD)],
            "batch": ["batch", str(GOOD), "--out", str(tmp_path / "r.jsonl"), "--store",
                      str(tmp_path / "s.db"), "--no-progress"],
        }[command]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "summarizer", *args, "--base-url", server.base_url,
             "--model", "scripted-model"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not server.requests and time.monotonic() < deadline:
                assert process.poll() is None, process.communicate()
                time.sleep(0.1)
            assert server.requests, "the command never asked the model"
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr


# --- record ----------------------------------------------------------------------------------


def _draft_for(text: str) -> str:
    sentence = text.split("\n\n")[1].split(". ")[0] + "."
    return json.dumps({"summary": sentence, "events": [], "aid": [], "transfers": [], "quotes": []})


def test_record_all_done_is_0_some_failed_is_3(tmp_path: Path) -> None:
    good = chat_completion(_draft_for(GOOD.read_text(encoding="utf-8").split("---\n", 1)[1]))
    refused = reply(400, error_body("the server refused this one"))
    with scripted_server([good, refused]) as server:
        code, stdout, stderr = run("record", GOOD, CUT, "--base-url", server.base_url,
                                   "--model", "m", "--recordings", tmp_path / "rec")  # fmt: skip
    assert code == ExitCode.SOME_FAILED, stderr
    assert stdout.startswith(f"{GOOD.stem}: 1 call(s)")
    failures = [line for line in stderr.splitlines() if CUT.stem in line]
    assert len(failures) == 1 and failures[0].count(CUT.stem) == 1
    with scripted_server([good]) as server:
        code, _, stderr = run("record", GOOD, "--base-url", server.base_url, "--model", "m",
                              "--recordings", tmp_path / "rec2")  # fmt: skip
    assert code == ExitCode.OK, stderr


def test_record_without_a_server_or_key_is_2(tmp_path: Path) -> None:
    code, _, stderr = run("record", GOOD, "--recordings", tmp_path / "rec")
    assert code == ExitCode.USAGE
    assert "OPENAI_API_KEY" in error_line(stderr)


# --- schema ----------------------------------------------------------------------------------


def test_schema_is_0_and_a_stray_argument_is_2() -> None:
    assert run("schema")[0] == ExitCode.OK
    assert run("schema", "extra")[0] == ExitCode.USAGE


# --- eval ------------------------------------------------------------------------------------


def test_eval_codes(tmp_path: Path) -> None:
    assert run("eval", "--gold", GOLD, "--pred", GOLD, "--articles", ARTICLES)[0] == ExitCode.OK
    code, _, stderr = run("eval", "--gold", GOLD, "--pred", "none.jsonl")  # cwd: tmp_path
    assert code == ExitCode.ERROR and error_line(stderr).startswith("none.jsonl: does not exist")
    assert run("eval", "--gold", GOLD, "--pred", GOLD, "--json", "--md")[0] == ExitCode.USAGE
    code, _, stderr = run("eval", "--gold", GOLD, "--backend", "nope")
    assert code == ExitCode.USAGE and "unknown backend" in error_line(stderr)
    code, _, stderr = run("eval", "--gold", GOLD, "--backend", "replay")
    assert code == ExitCode.USAGE and "--recordings" in error_line(stderr)


def test_eval_names_a_failed_article_once(results: Path) -> None:
    code, stdout, _ = run("eval", "--gold", GOLD, "--pred", results, "--articles", ARTICLES,
                          "--md")  # fmt: skip
    assert code == ExitCode.OK
    assert f"{CUT.stem}: the model's answer was cut off" in stdout
    assert f"{CUT.stem}: {CUT.stem}" not in stdout


# --- batch -----------------------------------------------------------------------------------


def test_batch_codes(tmp_path: Path) -> None:
    base = ["--store", tmp_path / "s.db", "--no-progress"]
    assert run("batch", GOOD, "--out", tmp_path / "a.jsonl", *base, *REPLAY)[0] == ExitCode.OK
    assert (
        run("batch", GOOD, CUT, "--out", tmp_path / "b.jsonl", *base, *REPLAY)[0]
        == ExitCode.SOME_FAILED
    )
    for backend in (["--backend", "replay"], ["--backend", "nope"]):
        code, _, stderr = run("batch", GOOD, "--out", tmp_path / "c.jsonl", *base, *backend)
        assert code == ExitCode.USAGE, stderr


def test_batch_error_lines_name_the_item_once(results: Path) -> None:
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    (error,) = [line for line in lines if "error" in line]
    assert error["id"] == CUT.stem
    assert CUT.stem not in error["error"]
    assert "raise --max-tokens" not in error["error"]


# --- export, store ---------------------------------------------------------------------------


def test_export_codes(results: Path, tmp_path: Path) -> None:
    assert run("export", results, "--to", "sipri", "--out", tmp_path / "t.csv")[0] == ExitCode.OK
    code, _, stderr = run("export", "none.jsonl", "--to", "sipri")
    assert code == ExitCode.ERROR
    assert error_line(stderr) == "none.jsonl: no such results file"
    assert run("export", results, "--to", "xls")[0] == ExitCode.USAGE
    broken = tmp_path / "broken.jsonl"
    broken.write_text(results.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    assert run("export", broken, "--to", "csv", "--out", tmp_path / "f.csv")[0] == (
        ExitCode.SOME_FAILED
    )


def test_store_codes(results: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    assert run("store", "stats", "--store", store)[0] == ExitCode.OK
    assert run("store", "export", "--store", store, "--out", tmp_path / "o.jsonl")[0] == 0
    assert run("store", "export", "--store", store, "--to", "xls")[0] == ExitCode.USAGE
    for command in ("stats", "export"):
        code, _, stderr = run("store", command, "--store", "none.db")
        assert code == ExitCode.ERROR
        assert error_line(stderr).startswith("none.db: no store here")


# --- batchfile -------------------------------------------------------------------------------


def test_batchfile_codes(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    common = ["--store", tmp_path / "s.db", "--model", "m"]
    code, _, stderr = run("batchfile", "build", GOOD, "--out", requests, *common,
                          "--backend", "nope")  # fmt: skip
    assert code == ExitCode.USAGE and "unknown backend" in error_line(stderr)
    requests.write_text("", encoding="utf-8")
    code, _, stderr = run("batchfile", "ingest", tmp_path / "answers.jsonl", GOOD,
                          "--requests", requests, "--out", tmp_path / "r.jsonl", *common,
                          "--base-url", "http://127.0.0.1:9/v1", "--no-progress")  # fmt: skip
    assert code == ExitCode.ERROR, stderr
    assert "answers.jsonl" in error_line(stderr)
    code, _, stderr = run("batchfile", "ingest", tmp_path / "answers.jsonl", GOOD,
                          "--requests", requests, "--out", tmp_path / "r.jsonl", *common,
                          "--concurrency", "0", "--no-progress")  # fmt: skip
    assert code == ExitCode.USAGE
    assert error_line(stderr) == "--concurrency must be at least 1"
