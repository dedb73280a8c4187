"""Record the `decomposed` strategy's model calls offline: start llama-cpp-python's
OpenAI-compatible server with the embedded model, run the strategy over the articles through
it (greedy choice from `/v1/completions` top log-probs), record every exchange at the HTTP
layer into fixtures/recordings/decomposed/, stop the server.

    python scripts/record_decomposed.py                 # the gold articles
    python scripts/record_decomposed.py fixtures/articles/000_nk-missiles-russia.txt

Tests replay these recordings with the network off (tests/test_decomposed_replay.py).
The single strategy's recordings in fixtures/recordings/ are not touched.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_fixtures import free_port, start_server, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "fixtures" / "recordings" / "decomposed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--recordings", type=Path, default=RECORDINGS)
    parser.add_argument("--model", type=Path, help=".gguf path (default: the embedded model)")
    parser.add_argument("--out", type=Path, default=ROOT / ".decomposed-recorded")
    options = parser.parse_args()
    from summarizer.backends.local import default_model_path

    model_path = options.model or default_model_path()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    server = start_server(model_path, model_path.name, port)
    started = time.monotonic()
    try:
        wait_until_serving(base_url, server, timeout=120)
        code = subprocess.call([
            sys.executable, str(ROOT / "scripts" / "decomposed_eval.py"),
            *map(str, options.articles), "--decoding", "greedy", "--base-url", base_url,
            "--model", model_path.name, "--record", str(options.recordings),
            "--out", str(options.out),
        ])  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"recorded in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
