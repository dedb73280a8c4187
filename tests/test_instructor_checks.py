"""instructor's async-validator refusal, remembered per class: passes are kept, refusals
never are, and through instructor's own patched call a model with an async validator is
still refused on every call."""

from __future__ import annotations

from typing import Any

import instructor
import instructor.v2.core.patch
import pytest
from instructor.v2.validation.async_validators import async_field_validator
from pydantic import BaseModel

import summarizer.llm  # noqa: F401  (installs the remembering check)
from summarizer.instructor_checks import install, remembering


class Plain(BaseModel):
    name: str


class WithAsyncValidator(BaseModel):
    name: str

    @async_field_validator("name")
    async def _checked_elsewhere(self, value: str) -> str:
        return value


def test_a_passed_class_is_checked_once_and_a_refused_one_every_time() -> None:
    seen: list[Any] = []

    def check(model: Any) -> None:
        seen.append(model)
        if model is WithAsyncValidator:
            raise ValueError("async validators are not supported")

    remembered = remembering(check)
    for _ in range(3):
        remembered(Plain)
        remembered(list[Plain])  # not a class: always checked
        with pytest.raises(ValueError):
            remembered(WithAsyncValidator)
    assert seen.count(Plain) == 1
    assert seen.count(list[Plain]) == 3
    assert seen.count(WithAsyncValidator) == 3


def test_installed_where_instructor_looks_and_only_once() -> None:
    installed = instructor.v2.core.patch.reject_async_validators
    assert getattr(installed, "remembers_passes", False)
    assert install() is True
    assert instructor.v2.core.patch.reject_async_validators is installed


def test_instructor_still_refuses_an_async_validator_on_every_call() -> None:
    def create(**_: Any) -> Any:
        pytest.fail("instructor called the model for a model it must refuse")

    patched = instructor.patch(create=create, mode=instructor.Mode.JSON)
    for _ in range(2):
        with pytest.raises(ValueError, match="async validators are not supported"):
            patched(response_model=WithAsyncValidator, messages=[{"role": "user", "content": "x"}])
