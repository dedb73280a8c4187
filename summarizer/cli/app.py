"""The `summarizer` command: the typer app and where each command is registered.

Commands live one module each beside this file; every one of them imports the library
inside its function, so `summarizer schema` or `summarizer export --help` never loads a
model SDK. Errors the user can act on print one line on stderr and exit non-zero.
"""

from __future__ import annotations

from typing import Annotated

import typer

from summarizer.cli import (
    batch,
    consolidate,
    evaluate,
    export,
    render,
    store,
    summarize,
    view,
)
from summarizer.cli.commands import Command, Group
from summarizer.quiet import configure_cli_logging
from summarizer.redaction import install_log_redaction

app = typer.Typer(
    cls=Group,
    help="Typed, verifiable structured summaries of news about wars, aid and arms transfers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help and usage errors: typer's rich layout imports markdown-it and rich's
    # traceback machinery (~150 ms) before printing a single line
    rich_markup_mode=None,
)


@app.callback()
def configure(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log HTTP requests, retries and re-asks.")
    ] = False,
) -> None:
    """Typed, verifiable structured summaries of news about wars, aid and arms transfers."""
    configure_cli_logging(verbose)
    install_log_redaction()  # no key, Authorization value or URL password in any log line


app.command(cls=Command)(summarize.summarize)
app.command(cls=Command)(summarize.record)
app.command(cls=Command)(summarize.schema)
app.command("eval", cls=Command)(evaluate.evaluate_command)
app.command("batch", cls=Command, help=batch.BATCH_HELP)(batch.batch_command)
app.command("export", cls=Command, help=export.EXPORT_HELP)(export.export_command)
app.command("view", cls=Command, help=view.VIEW_HELP)(view.view_command)
app.command("render", cls=Command)(render.render_command)
app.command("consolidate", cls=Command, help=consolidate.CONSOLIDATE_HELP)(
    consolidate.consolidate_command
)

store_app = typer.Typer(
    cls=Group,
    help="The local store: statistics and exports.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
store_app.command("stats", cls=Command)(store.store_stats_command)
store_app.command("export", cls=Command)(store.store_export_command)
app.add_typer(store_app, name="store")

batchfile_app = typer.Typer(
    cls=Group,
    help="Batch request files for vLLM run_batch (or the Batch API).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
batchfile_app.command("build", cls=Command, help=batch.BUILD_HELP)(batch.batchfile_build_command)
batchfile_app.command("ingest", cls=Command, help=batch.INGEST_HELP)(batch.batchfile_ingest_command)
app.add_typer(batchfile_app, name="batchfile")


def main() -> None:
    app()
