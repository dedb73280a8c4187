"""Regenerate fixtures/recordings/ offline: start llama-cpp-python's OpenAI-compatible server
with the embedded model, record every article in fixtures/articles/, stop the server.

    python scripts/record_fixtures.py                  # every article
    python scripts/record_fixtures.py fixtures/articles/000_nk-missiles-russia.txt

With OPENAI_API_KEY set and --openai, it records against OpenAI instead (no local server).
Needs the server extra: pip install "llama-cpp-python[server]".
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_MAX_TOKENS = "1024"  # the local backend's default, so recordings match its behaviour


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(base_url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the model server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the model server did not answer within {timeout:.0f} s")


def start_server(model_path: Path, model_name: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path), "--model_alias", model_name,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "8192", "--seed", "0", "--verbose", "False",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--recordings", type=Path, default=ROOT / "fixtures" / "recordings")
    parser.add_argument("--openai", action="store_true", help="record against OpenAI itself")
    parser.add_argument("--model", help="model name (OpenAI) or .gguf path (local server)")
    options = parser.parse_args()
    articles = options.articles or sorted((ROOT / "fixtures" / "articles").glob("*.txt"))
    record = [sys.executable, "-m", "summarizer", "record", *map(str, articles),
              "--recordings", str(options.recordings)]  # fmt: skip
    started = time.monotonic()
    if options.openai:
        if not os.environ.get("OPENAI_API_KEY"):
            sys.exit("--openai needs OPENAI_API_KEY")
        code = subprocess.call([*record, *(["--model", options.model] if options.model else [])])
    else:
        from summarizer.backends.local import default_model_path

        model_path = Path(options.model) if options.model else default_model_path()
        port = free_port()
        base_url = f"http://127.0.0.1:{port}/v1"
        server = start_server(model_path, model_path.name, port)
        try:
            wait_until_serving(base_url, server, timeout=120)
            code = subprocess.call([
                *record, "--base-url", base_url, "--model", model_path.name,
                "--max-tokens", LOCAL_MAX_TOKENS,
            ])  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"recorded {len(articles)} article(s) in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
