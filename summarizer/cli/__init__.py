"""The `summarizer` command line (typer). `app` is the entry point; see `app.py`."""

from summarizer.cli.app import app, main

__all__ = ["app", "main"]
