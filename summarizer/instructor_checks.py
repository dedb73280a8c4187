"""instructor's refusal of async validators, remembered per class.

instructor refuses a response model that carries its async validators, and it checks on
every structured call: four times a call, each a walk of the whole class graph (0.7 ms for
`Draft`, the largest per-call cost of a batch once the model is removed; docs/benchmarks.md).
A class's validators are fixed when the class is built, so the verdict can be kept: a
finished pydantic class that passed is not walked again; one that fails is walked, and
refused, every time; anything else (a `list[...]`, an unfinished class) is always walked.
`summarizer.llm` installs this once, when it is imported.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["install", "remembering"]

Check = Callable[[Any], None]
# Where instructor keeps the check: its own module, and the module that imported it by name.
_MODULES = ("instructor.v2.validation.async_validators", "instructor.v2.core.patch")
_NAME = "reject_async_validators"


def remembering(check: Check) -> Check:
    """`check`, skipped for a finished class it has already passed."""
    passed: weakref.WeakSet[type] = weakref.WeakSet()  # classes made per call may go

    def reject_async_validators(response_model: Any) -> None:
        keep = isinstance(response_model, type) and bool(
            getattr(response_model, "__pydantic_complete__", False)
        )
        if keep and response_model in passed:
            return
        check(response_model)
        if keep:
            passed.add(response_model)

    reject_async_validators.remembers_passes = True  # type: ignore[attr-defined]
    return reject_async_validators


def install() -> bool:
    """Put the remembering check where instructor looks it up; False when this instructor
    keeps it elsewhere (then every call walks the class, as instructor does by itself)."""
    try:
        modules = [importlib.import_module(name) for name in _MODULES]
    except ImportError:
        return False
    original = getattr(modules[0], _NAME, None)
    if original is None:
        return False
    if getattr(original, "remembers_passes", False):
        return True  # installed already
    replacement = remembering(original)
    for module in modules:
        if getattr(module, _NAME, None) is original:
            setattr(module, _NAME, replacement)
    return True
