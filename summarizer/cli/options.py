"""What every command shares: option declarations, one-line failures, output targets.

Options are declared once here and reused by every command that takes them, so a flag means
the same thing (and has the same help) everywhere.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer

from summarizer.cli.exit_codes import ExitCode, exit_code_for
from summarizer.config import DEFAULT_STORE_PATH

BackendOption = Annotated[
    str | None,
    typer.Option(
        help="openai | local | replay (default: openai if a key or base URL is set, else local)"
    ),
]
ModelOption = Annotated[
    str | None, typer.Option(help="Model name, or a .gguf path for the local backend.")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="An OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."),
]
ModeOption = Annotated[
    str | None, typer.Option(help="instructor mode: tools | json | json_schema | md_json.")
]
MaxTokensOption = Annotated[int | None, typer.Option(help="Token limit of one answer.")]
MaxReasksOption = Annotated[int, typer.Option(help="Re-asks after a validation failure.")]
RecordingsOption = Annotated[
    Path | None, typer.Option(help="Directory of recorded exchanges (replay backend).")
]
ContextOption = Annotated[
    int | None, typer.Option(help="Context budget; longer articles are split.")
]
StrategyOption = Annotated[
    str | None,
    typer.Option(
        help="Extraction strategy: single (one call, whole schema), decomposed (code finds "
        "candidates, the model picks; for small models) or auto (decomposed for the local "
        "backend, single elsewhere)."
    ),
]
ResponseFormatOption = Annotated[
    str,
    typer.Option(
        help="How a compatible server gets the schema: json_object (llama.cpp's form) "
        "or json_schema (OpenAI's form: vLLM, Ollama, LM Studio)."
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds to wait for a server to connect or to answer (default: 10 to connect; "
        "45 to answer for OpenAI's API, 600 for other servers); a timeout is retried."
    ),
]
StoreOption = Annotated[
    Path,
    typer.Option("--store", help="The SQLite store: answer cache, results, ledger, batch jobs."),
]
DEFAULT_STORE = DEFAULT_STORE_PATH
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")]


def fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    """One line on stderr, then exit with `code` (no traceback); secrets redacted."""
    from summarizer.redaction import scrub_text

    typer.echo(f"summarizer: error: {scrub_text(message)}", err=True)
    raise typer.Exit(code)


def check_output_path(path: Path | None) -> None:
    """Exit 2 now for an --out that cannot be written (a directory, no permission), rather
    than after the model was paid."""
    if path is None:
        return
    if path.is_dir():
        fail(f"--out {path}: is a directory; name a file", code=2)
    target = path if path.exists() else next(p for p in path.absolute().parents if p.exists())
    if not os.access(target, os.W_OK):
        fail(f"--out {path}: cannot be written (permission denied)", code=2)


def fail_on(error: BaseException) -> NoReturn:
    """`fail` with the error's own message and the exit code the table gives its kind."""
    fail(str(error), exit_code_for(error))


def present(**options: object) -> dict[str, Any]:
    """The options the user gave (None means: not given, use the library's default)."""
    return {name: value for name, value in options.items() if value is not None}


def write_output(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file; CSV writers need newline="" either way."""
    if path is None:
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle
