"""The oracle harness of benchmarks/oracle.py, for tests (benchmarks/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "oracle.py"


def load_oracle() -> ModuleType:
    if "oracle" in sys.modules:
        return sys.modules["oracle"]
    spec = importlib.util.spec_from_file_location("oracle", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["oracle"] = module
    spec.loader.exec_module(module)
    return module
