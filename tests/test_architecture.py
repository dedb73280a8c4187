"""The layout rules of docs/architecture.md, checked: no import cycle, small modules, lean
start-up, explicit public exports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import summarizer

PACKAGE_ROOT = Path(summarizer.__file__).parent
MAX_MODULE_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE_ROOT.rglob("*.py")}


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every project module `module` imports anywhere (also inside functions), except in
    `if TYPE_CHECKING:` blocks, which never run."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names}
            found.update(submodules & known)
            if submodules - known:  # names defined in `target` itself
                found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in found if name in known and name != module}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := walk(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(path, name, set(modules)) for name, path in modules.items()}
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


_OVERSIZED_UNTIL_SPLIT: set[str] = set()


@pytest.mark.parametrize("name", sorted(set(_modules()) - _OVERSIZED_UNTIL_SPLIT))
def test_modules_stay_small(name: str) -> None:
    lines = _modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by concern"


def test_public_exports_are_explicit_and_resolve() -> None:
    assert summarizer.__all__ == sorted(summarizer.__all__)
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None
    with pytest.raises(AttributeError):
        _ = summarizer.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "code",
    [
        "import summarizer",
        "import summarizer.cli",
        "from summarizer.cli import app",
        "import summarizer.schemas, summarizer.articles",
    ],
)
def test_commands_that_need_no_model_import_no_sdk(code: str) -> None:
    probe = (
        f"{code}\nimport sys\n"
        "print(sorted(m for m in ('openai', 'instructor', 'llama_cpp', 'httpx') "
        "if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_every_package_is_installed() -> None:
    """pyproject lists packages explicitly (prompts/ maps to summarizer.prompts), so a new
    package folder missing there would work from a checkout and vanish from a wheel."""
    import tomllib

    pyproject = tomllib.loads((PACKAGE_ROOT.parent / "pyproject.toml").read_text("utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    folders = {_module_name(p) for p in PACKAGE_ROOT.rglob("__init__.py")}
    assert folders - listed == set()
