"""Every code block in README.md runs, so the README cannot drift from the code.

- ```python blocks run as scripts (from the repository root, no key in the environment) and
  must exit 0 with nothing on stderr: the examples are quiet library calls.
- ```bash blocks: every `summarizer ...` command in them runs through the real command line
  (the installed `summarizer` entry point, in-process), in a scratch directory where
  `fixtures/` is the repository's,
  and must exit 0 (or the code a trailing `# exits N` comment states). Commands of a block
  run in order and share the directory, so a later one can read what an earlier one wrote.
  A command that needs what tests never have carries a trailing `# needs: WHAT` comment
  (a key, a server, the network) and is not run. A command that runs the embedded model
  carries `# slow`: tests/test_embedded_model.py already runs that model on the same article
  (minutes of CPU), so here its command line is only parsed by the real CLI, which still
  catches a renamed command, option or value. Other commands (pip, pytest, ruff) are not
  run; a script they name must exist.
- ```text blocks that show `summarizer` usage lines: every --option named there is in that
  command's --help.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)\s*$")
_NEEDS = re.compile(r"#\s*needs:\s*(.+)$")
_EXITS = re.compile(r"#\s*exits\s+(\d+)\b")
_SLOW = re.compile(r"#\s*slow\b")
_MAX_NEEDS = 4  # keep the commands the test cannot run few


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # 1-based line of the opening fence
    code: str

    @property
    def id(self) -> str:
        return f"{self.language}@README.md:{self.line}"


@dataclass(frozen=True)
class Command:
    argv: list[str]
    needs: str | None
    exit_code: int
    slow: bool
    text: str


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    language: str | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence and language is None:
            language, start, lines = fence.group(1) or "text", number, []
        elif line.strip() == "```" and language is not None:
            blocks.append(Block(language, start, "\n".join(lines) + "\n"))
            language = None
        elif language is not None:
            lines.append(line)
    assert language is None, f"README.md:{start}: a code block is never closed"
    return blocks


def split_comment(line: str) -> tuple[str, str]:
    """(command, comment): the comment starts at the first unquoted `#` after a space."""
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index], line[index:]
    return line, ""


def shell_commands(code: str) -> list[Command]:
    """The commands of a bash block: continuations joined, `&&` chains split, comments read."""
    commands: list[Command] = []
    for line in re.sub(r"\\\n\s*", " ", code).splitlines():
        command_text, comment = split_comment(line)
        if not command_text.strip():
            continue
        needs = _NEEDS.search(comment)
        exits = _EXITS.search(comment)
        for part in command_text.split("&&"):
            argv = shlex.split(part)
            if argv:
                commands.append(
                    Command(
                        argv=argv,
                        needs=needs.group(1).strip() if needs else None,
                        exit_code=int(exits.group(1)) if exits else 0,
                        slow=bool(_SLOW.search(comment)),
                        text=line.strip(),
                    )
                )
    return commands


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["HOME"] = str(home)
    env["COLUMNS"] = "100"
    return env


def test_readme_has_runnable_blocks_and_few_unrunnable_commands() -> None:
    languages = {b.language for b in BLOCKS}
    assert {"python", "bash"} <= languages, languages
    unknown = languages - {"python", "bash", "text", "json"}
    assert not unknown, f"README code blocks the test does not know how to check: {unknown}"
    needs = [c for b in BLOCKS if b.language == "bash" for c in shell_commands(b.code) if c.needs]
    assert len(needs) <= _MAX_NEEDS, [c.text for c in needs]
    runnable = [
        c
        for b in BLOCKS
        if b.language == "bash"
        for c in shell_commands(b.code)
        if c.argv[0] == "summarizer" and not c.needs
    ]
    assert len(runnable) >= 5


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "python"], ids=lambda b: b.id)
def test_python_block_runs_as_a_script_quietly(block: Block, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.code, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr
    assert run.stdout.strip(), "the example prints what it found"


def _cli() -> Any:
    """The `summarizer` command exactly as installed (wherever its module lives)."""
    (script,) = entry_points(group="console_scripts", name="summarizer")
    return script.load()


def _parse_only(args: list[str]) -> None:
    """Parse a command line as the CLI would, down to its sub-command, without running it.

    An unknown command, option or value raises typer's usage error here, as in a shell.
    """
    command = typer.main.get_command(_cli())
    ctx = command.make_context("summarizer", list(args))
    while isinstance(command, TyperGroup):
        name, *rest = [*ctx._protected_args, *ctx.args]
        sub = command.get_command(ctx, name)
        assert sub is not None, f"no command {name!r} in `summarizer {' '.join(args)}`"
        command, ctx = sub, sub.make_context(name, rest, parent=ctx)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "bash"], ids=lambda b: b.id)
def test_bash_block_summarizer_commands_run(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "SUMMARIZER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    for command in shell_commands(block.code):
        program = command.argv[0]
        if program != "summarizer":
            scripts = [w for w in command.argv if w.endswith(".py") and "/" in w]
            for name in scripts:
                assert (ROOT / name).is_file(), f"{block.id}: {command.text}: no {name}"
            continue
        if command.needs:
            continue
        if command.slow:
            _parse_only(command.argv[1:])
            continue
        run = CliRunner().invoke(_cli(), command.argv[1:])
        assert run.exit_code == command.exit_code, (
            f"{block.id}: `{command.text}` exited {run.exit_code}:\n{run.output[-3000:]}"
        )


_USAGE = re.compile(r"^summarizer ((?:[a-z]+(?=\s|$)\s*)+)(.*)$")


def _usage_lines() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for block in BLOCKS:
        if block.language != "text":
            continue
        command: str | None = None
        for line in block.code.splitlines():
            match = _USAGE.match(line.strip())
            if match:
                command = match.group(1).strip()
                found.append((command, match.group(2)))
            elif command and line.startswith(" "):
                found.append((command, line))
    return found


@pytest.mark.parametrize("command", sorted({c for c, _ in _usage_lines()}))
def test_usage_lines_name_only_options_the_command_has(command: str) -> None:
    options = {
        o for c, rest in _usage_lines() if c == command for o in re.findall(r"--[a-z-]+", rest)
    }
    run = CliRunner().invoke(_cli(), [*command.split(), "--help"], terminal_width=200)
    assert run.exit_code == 0, run.output
    missing = sorted(o for o in options if o not in run.output)
    assert not missing, f"`summarizer {command} --help` has no {missing}"
