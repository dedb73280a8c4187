"""The classes every `summarizer` command and group is built with.

- Help screens: a flag shows no type tag (typer's `<bool>` says nothing a `--x/--no-x`
  pair does not), and usage lines name arguments as people write them
  (`summarizer summarize [OPTIONS] ARTICLE`, not typer's `{source}`).
- Ctrl-C anywhere in a command exits 130, the table's code (`exit_codes`), with one line
  on stderr, instead of click's "Aborted!" and 1. A command that cleans up on interrupt
  (batch) catches it itself and returns the same code.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from summarizer.cli.exit_codes import ExitCode


def _as_people_write_them(params: list[Any]) -> list[Any]:
    """Flags without a type tag; arguments in capitals (ARTICLE, INPUTS), as in usage lines."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
        elif isinstance(param, TyperArgument) and param.metavar is None:
            param.metavar = (param.name or "").upper()
    return params


class Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _as_people_write_them(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or "") + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _as_people_write_them(super().get_params(ctx))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("summarizer: interrupted", err=True)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
