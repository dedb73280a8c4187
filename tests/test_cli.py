"""The command line: bad input gets one clear line naming the file, and a non-zero exit.

None of these reach a model: input is read and checked before any backend is built.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.cli.summarize import SHIPPED_SCHEMA
from summarizer.schemas import ArticleSummary, render_json_schema

runner = CliRunner()


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    cases = {
        "missing": (tmp_path / "nope.txt", "does not exist"),
        "directory": (tmp_path, "is a directory"),
        "empty": (tmp_path / "empty.txt", "is empty"),
        "whitespace": (tmp_path / "blank.txt", "is empty"),
        "binary": (tmp_path / "image.png", "binary"),
        "undecodable": (tmp_path / "latin1.txt", "not valid UTF-8"),
        "header only": (tmp_path / "header.txt", "no article text"),
        "bad date": (tmp_path / "date.txt", "not an ISO date"),
    }
    cases["empty"][0].write_bytes(b"")
    cases["whitespace"][0].write_bytes(b"  \n\t\n ")
    cases["binary"][0].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    cases["undecodable"][0].write_bytes("Kyiv said caf\xe9".encode("latin-1"))
    cases["header only"][0].write_text("published: 2024-01-04\npublisher: X\n---\n\n")
    cases["bad date"][0].write_text("published: yesterday\n---\nSome text.\n")
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "directory",
        "empty",
        "whitespace",
        "binary",
        "undecodable",
        "header only",
        "bad date",
    ],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, case: str) -> None:
    path, problem = bad_inputs(tmp_path)[case]
    result = runner.invoke(app, ["summarize", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"summarizer: error: {path}: ")
    assert problem in lines[0]


def test_empty_stdin_is_named_as_stdin() -> None:
    result = runner.invoke(app, ["summarize", "-"], input="")
    assert result.exit_code == 1
    assert result.stderr.strip() == "summarizer: error: <stdin>: is empty (no article text)"


def test_real_process_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)))
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(binary)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problem = "looks like a binary file (it contains NUL bytes), not article text"
    assert done.stderr.strip() == f"summarizer: error: {binary}: {problem}"
    assert done.stdout == ""


def test_unknown_backend_is_a_clear_error(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Some text.\n")
    result = runner.invoke(app, ["summarize", str(article), "--backend", "nope"])
    assert result.exit_code == 2  # a usage error (issue 13: it exited 1)
    assert "unknown backend 'nope'" in result.stderr


def test_schema_command_prints_the_public_contract() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == ArticleSummary.model_json_schema()
    assert {"events", "aid", "transfers", "quotes", "provenance"} <= set(schema["properties"])


def test_the_shipped_schema_file_is_what_the_models_say() -> None:
    """`summarizer schema` prints a file, not the models; this keeps the two equal."""
    assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == render_json_schema(), (
        "the models changed: run `python scripts/write_schema.py`"
    )
