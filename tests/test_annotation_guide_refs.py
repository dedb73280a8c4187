"""docs/annotation-guide.md is self-contained: its field and value lists are the code's.

Section 0 of the guide names every field of the records it fills and every allowed value of
their enums; this test reads those lists and compares them with `summarizer.schemas`, so the
guide cannot name a field or a value the contract does not have (or miss one it has). The
guide points at the articles in this repository, not at anything outside it.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from summarizer import schemas

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "annotation-guide.md").read_text(encoding="utf-8")
SECTION = GUIDE[GUIDE.index("## 0.") : GUIDE.index("## 1.")]
# "- `Model`: `a`, `b?`" and "- `Model.field`: `x`, `y`" items, continuation lines joined.
ITEMS = {
    match.group(1): re.findall(r"`([^`]+)`", match.group(2))
    for match in re.finditer(r"^- `([\w.]+)`[^:\n]*:(.*(?:\n  .*)*)", SECTION, re.MULTILINE)
}
FIELD_LISTS = {name: values for name, values in ITEMS.items() if "." not in name}
VALUE_LISTS = {name: values for name, values in ITEMS.items() if "." in name}


def _enum_values(annotation: object) -> set[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return {str(a) for a in typing.get_args(annotation)}
    values: set[str] = set()
    for argument in typing.get_args(annotation):
        values |= _enum_values(argument)
    return values


def test_the_guide_lists_the_records_it_fills() -> None:
    assert {"ArticleSummary", "Event", "AidFigure", "WeaponsTransfer", "Quote"} <= set(FIELD_LISTS)
    assert len(VALUE_LISTS) >= 8


@pytest.mark.parametrize("model_name", sorted(FIELD_LISTS))
def test_each_listed_record_has_exactly_the_contract_s_fields(model_name: str) -> None:
    model: type[BaseModel] = getattr(schemas, model_name)
    listed = [f.rstrip("?") for f in FIELD_LISTS[model_name]]
    assert listed == list(model.model_fields)
    optional = {f.rstrip("?") for f in FIELD_LISTS[model_name] if f.endswith("?")}
    nullable = {
        name
        for name, field in model.model_fields.items()
        if not field.is_required() and field.default is None
    }
    assert optional == nullable


@pytest.mark.parametrize("qualified", sorted(VALUE_LISTS))
def test_each_listed_enum_has_exactly_the_contract_s_values(qualified: str) -> None:
    model_name, field_name = qualified.split(".")
    annotation = getattr(schemas, model_name).model_fields[field_name].annotation
    assert set(VALUE_LISTS[qualified]) == _enum_values(annotation)
    assert len(VALUE_LISTS[qualified]) == len(set(VALUE_LISTS[qualified]))


def test_every_enum_of_the_records_is_listed() -> None:
    for model_name in FIELD_LISTS:
        model: type[BaseModel] = getattr(schemas, model_name)
        for field_name, field in model.model_fields.items():
            if _enum_values(field.annotation) and field_name != "schema_version":
                assert f"{model_name}.{field_name}" in SECTION, f"{model_name}.{field_name}"


def test_the_guide_points_only_inside_the_repository() -> None:
    assert "SPEC" not in GUIDE
    assert "shared corpus" not in GUIDE
    assert (ROOT / "fixtures" / "articles").is_dir()
    for path in re.findall(r"`((?:fixtures|summarizer|scripts|docs)/[\w./<>-]+)`", GUIDE):
        if "<" not in path:
            assert (ROOT / path).exists(), path
