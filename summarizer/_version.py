"""The installed package's version (one place; nothing else imports the package root for it).

Read on first use: `importlib.metadata` costs some 50 ms at start-up, which every command
that never prints a version (`schema`, `export --help`) would otherwise pay.
"""

from __future__ import annotations

from functools import cache

SOURCE_TREE_VERSION = "0.0.0+source"


@cache
def package_version() -> str:
    """The version pip installed, or `0.0.0+source` in a tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("summarizer")
    except PackageNotFoundError:
        return SOURCE_TREE_VERSION
