"""The benchmarks' fake OpenAI-compatible server (benchmarks/fake_openai.py), for tests.

benchmarks/ is not a package, so the module is loaded from its file, once per session.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "fake_openai.py"


def load_fake_openai() -> ModuleType:
    if "fake_openai" in sys.modules:
        return sys.modules["fake_openai"]
    spec = importlib.util.spec_from_file_location("fake_openai", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_openai"] = module
    spec.loader.exec_module(module)
    return module
