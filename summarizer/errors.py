"""The exceptions the package raises, each with a one-line message fit for a terminal."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(SummarizerError):
    """An input that is not an article: missing, a directory, empty, binary, undecodable."""

    def __init__(self, origin: str, problem: str) -> None:
        self.origin = origin
        self.problem = problem
        super().__init__(f"{origin}: {problem}")


class ConfigurationError(SummarizerError):
    """A backend or option that cannot be used as configured."""


class TruncatedOutputError(SummarizerError):
    """The model stopped at its token limit (finish_reason=length); the answer is cut off."""


class ExtractionError(SummarizerError):
    """The model's answer could not be turned into a summary, even after re-asks."""


class TransportError(SummarizerError):
    """The backend could not be reached or kept failing after transport retries."""


class BudgetExceededError(SummarizerError):
    """A model call would take the spend past `--budget`; it was not made."""
