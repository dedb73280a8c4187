"""The exceptions the package raises, each with a one-line message fit for a terminal.

An error names what failed once: `subject` (a file, a URL, an article id) and `problem`
(what is wrong) make the message "subject: problem". A display that already names the
subject (a batch error line has `id` and `source`) shows `problem` alone.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, problem: str = "", *, subject: str | None = None) -> None:
        self.subject = subject
        self.problem = problem
        super().__init__(f"{subject}: {problem}" if subject else problem)


class InputError(SummarizerError):
    """An input that is not an article: missing, a directory, empty, binary, undecodable."""

    def __init__(self, origin: str, problem: str) -> None:
        self.origin = origin
        super().__init__(problem, subject=origin)


class ConfigurationError(SummarizerError):
    """A backend or option that cannot be used as configured."""


class TruncatedOutputError(SummarizerError):
    """The model stopped at its token limit (finish_reason=length); the answer is cut off."""

    @classmethod
    def at_limit(
        cls, max_tokens: int, *, backend: str, subject: str | None = None
    ) -> TruncatedOutputError:
        """The error with the step that helps: a higher limit, or for a replay a new recording.

        A replayed answer was cut off when it was recorded; a higher --max-tokens is a
        different request, which no recording answers, so it must be recorded again.
        """
        cut = f"the model's answer was cut off at max_tokens={max_tokens} (finish_reason=length)"
        if backend == "replay":
            step = (
                "it was recorded that way; record it again with a higher limit "
                "(summarizer record ARTICLE --base-url URL --max-tokens N)"
            )
        else:
            step = "raise --max-tokens"
        return cls(f"{cut}; {step}", subject=subject)


class ExtractionError(SummarizerError):
    """The model's answer could not be turned into a summary, even after re-asks."""


class TransportError(SummarizerError):
    """The backend could not be reached or kept failing after transport retries."""


class BudgetExceededError(SummarizerError):
    """A model call would take the spend past `--budget`; it was not made."""
