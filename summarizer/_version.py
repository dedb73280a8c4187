"""The installed package's version (one place; nothing else imports the package root for it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
