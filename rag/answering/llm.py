"""LLM backends behind one small protocol: a local Ollama server, or a GGUF file run by llama.cpp.

    llm, notice = choose(settings, "auto")                # or "ollama" / "llamacpp" / "extractive"
    for delta in llm.stream_chat(messages, max_tokens=200):  # llm is None for evidence-only answers
        ...
    llm.last_prompt_tokens                                 # prompt size of the stream that just ended

    verdict = llm.structured_chat(messages, Verdict, max_tokens=300)  # a validated Verdict (pydantic model)

Every failure a user can fix (no server, model not pulled, file missing, package missing, timeout) is raised
as `BackendUnavailable` whose message is one line that says what to run. A structured reply that does not
validate against its pydantic model raises `InvalidReply`, a subclass: code that already falls back on
BackendUnavailable falls back on it too, and code that cares can tell "the model said nonsense" from "the
model is not there". Nothing here prints.

Ollama on the wire (llama-index-llms-ollama 0.11 over the `ollama` client 0.6):
  probe / make_llm: GET /api/tags (model present?), POST /api/show only when the tag is not listed;
  first stream:     POST /api/show (context length, once per backend object);
  each stream:      POST /api/chat {"model", "messages": [{"role", "content"}], "tools": [], "stream": true,
                    "options": {"temperature", "num_ctx", "num_predict"}} answered by NDJSON chunks; the last
                    one has "done": true and "prompt_eval_count".
  structured:       POST /api/chat {..., "stream": false, "format": <the pydantic model's JSON schema>,
                    "options": {"temperature": 0, "num_ctx", "num_predict"}} answered by one JSON object;
                    the server constrains generation to the schema (llama.cpp grammar), we validate again.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast, runtime_checkable

import httpx
import ollama
from llama_index.core.llms import ChatMessage
from pydantic import BaseModel, ValidationError

from rag.models import Record
from rag.settings import BACKENDS, LlamaCppSettings, LLMBackend, OllamaSettings, Settings

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = [
    "BackendUnavailable",
    "ChatLLM",
    "LlamaCppLLM",
    "OllamaLLM",
    "OllamaProbe",
    "FACTORIES",
    "Choice",
    "InvalidReply",
    "parse_structured",
    "choose",
    "make_llm",
    "normalize_tag",
    "plain_prompt",
    "probe_ollama",
]

LLAMACPP_INSTALL = "pip install -e .[llamacpp]"


class BackendUnavailable(RuntimeError):
    """One-line, user-facing reason why a backend cannot answer, including the command that fixes it."""


class InvalidReply(BackendUnavailable):
    """A structured reply that is not JSON of the requested pydantic model (cut off, or off-schema); one line.

    A subclass of BackendUnavailable so every existing fallback covers it; retrying with the same prompt on
    the same model rarely helps, so callers fall back (e.g. to the deterministic verdict) instead."""


M = TypeVar("M", bound=BaseModel)


@runtime_checkable
class ChatLLM(Protocol):
    backend: str  # "ollama" | "llamacpp"
    model: str
    reusable: bool  # one object may serve every request (keep it: it holds a loaded model)
    last_prompt_tokens: int | None  # prompt tokens of the last finished stream, when the backend knows them

    def stream_chat(self, messages: list[ChatMessage], max_tokens: int | None = None) -> Iterator[str]:
        """Yield the answer as non-empty text deltas. Raises BackendUnavailable."""
        ...

    def count_tokens(self, messages: list[ChatMessage]) -> int | None:
        """Prompt tokens of these messages if knowable without generating, else None."""
        ...

    def structured_chat(
        self, messages: list[ChatMessage], schema: type[M], max_tokens: int | None = None
    ) -> M:
        """One reply generated under `schema`'s JSON schema (greedy) and validated by it.

        Raises BackendUnavailable, or InvalidReply when the reply does not validate (e.g. cut off)."""
        ...


class OllamaProbe(Record):
    reachable: bool
    model_present: bool
    models: list[str]
    message: str


def _one_line(text: object, limit: int = 200) -> str:
    line = re.sub(r"\s+", " ", str(text)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def parse_structured(schema: type[M], text: str, who: str, *, cut_off: bool = False) -> M:
    """`text` validated as `schema`; InvalidReply (one line, naming `who`) when it is not."""
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0].get("msg", exc)
        why = "it was cut off at the token limit" if cut_off else _one_line(first, 120)
        raise InvalidReply(f"{who} gave no valid {schema.__name__} reply: {why}") from exc


def _as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": m.role.value, "content": m.content or ""} for m in messages]


def normalize_tag(name: str) -> str:
    """Ollama's default tag: 'llama3.2' means 'llama3.2:latest' (a ':' before the last '/' is a port)."""
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


# --- Ollama ----------------------------------------------------------------------------------------------


def _not_reachable(host: str, model: str) -> str:
    return f"Ollama is not reachable at {host}: start it with `ollama serve` (then `ollama pull {model}`)"


def _no_model(model: str) -> str:
    return f"Ollama has no model '{model}': run `ollama pull {model}`"


def _timed_out(host: str, timeout_s: float) -> str:
    return (
        f"Ollama at {host} did not answer within {timeout_s:g} s: it may still be loading the model; "
        "try again, or raise RAG_OLLAMA_TIMEOUT_S"
    )


def _ollama_failure(exc: BaseException, host: str, model: str, timeout_s: float) -> BackendUnavailable:
    """Turn whatever the ollama client / httpx raised into one user-facing line."""
    if isinstance(exc, BackendUnavailable):
        return exc
    if isinstance(exc, ollama.ResponseError):
        error = _one_line(exc.error)
        if exc.status_code in (404, -1) and "model" in error.lower() and "not found" in error.lower():
            return BackendUnavailable(_no_model(model))
        if "context" in error.lower() and any(w in error.lower() for w in ("length", "exceed", "overflow")):
            return BackendUnavailable(
                f"Ollama model '{model}' cannot take this prompt ({error}): raise RAG_OLLAMA_NUM_CTX "
                "or ask a shorter question"
            )
        return BackendUnavailable(f"Ollama at {host} refused the request: {error}")
    if isinstance(exc, httpx.TimeoutException):
        return BackendUnavailable(_timed_out(host, timeout_s))
    if isinstance(exc, ConnectionError | httpx.ConnectError):  # the client turns ConnectError into the former
        return BackendUnavailable(_not_reachable(host, model))
    if isinstance(exc, httpx.TransportError | OSError):
        return BackendUnavailable(
            f"The connection to Ollama at {host} broke off ({type(exc).__name__}): "
            "is `ollama serve` still running?"
        )
    if isinstance(exc, ValueError):  # JSON or schema errors: something else is listening there
        return BackendUnavailable(f"{host} does not answer like an Ollama server ({_one_line(exc, 120)})")
    return BackendUnavailable(f"Ollama at {host} failed: {type(exc).__name__}: {_one_line(exc)}")


_OLLAMA_ERRORS = (ollama.ResponseError, httpx.HTTPError, ConnectionError, OSError, ValueError)


def probe_ollama(settings: OllamaSettings, timeout_s: float = 1.5) -> OllamaProbe:
    """Is the server up, and does it have the configured model? Never raises."""
    host, model = settings.host, settings.model
    client = ollama.Client(host=host, timeout=timeout_s)
    try:
        try:
            listing = client.list()
        except _OLLAMA_ERRORS as exc:
            return OllamaProbe(
                reachable=False,
                model_present=False,
                models=[],
                message=str(_ollama_failure(exc, host, model, timeout_s)),
            )
        models = [m.model for m in listing.models if m.model]
        present = normalize_tag(model) in {normalize_tag(m) for m in models}
        if not present:
            # a name the listing does not show verbatim may still resolve (e.g. registry/namespace spellings)
            try:
                client.show(model)
                present = True
            except _OLLAMA_ERRORS:
                present = False
    finally:
        client.close()
    message = f"Ollama at {host} has model '{model}'" if present else _no_model(model)
    return OllamaProbe(reachable=True, model_present=present, models=models, message=message)


class OllamaLLM:
    """Generation through LlamaIndex's Ollama integration; one shared `ollama.Client` per object.

    Thread-safe apart from `last_prompt_tokens`, which holds the value of whichever stream on this object
    finished last: use one object per concurrent request when that number matters (objects are cheap).
    """

    backend: str = "ollama"
    reusable: bool = False  # `last_prompt_tokens` is per stream: one object per request

    def __init__(self, settings: OllamaSettings, client: ollama.Client | None = None) -> None:
        self.settings = settings
        self.model: str = settings.model
        self.host: str = settings.host
        self.last_prompt_tokens: int | None = None
        self._client = client or ollama.Client(host=settings.host, timeout=settings.timeout_s)
        self._context_window: int | None = None

    def _num_ctx(self) -> int:
        """The model's context length from /api/show, capped at the `num_ctx` setting; asked once.

        Always sent explicitly: the LlamaIndex integration would otherwise send the model's whole trained
        context (131072 tokens for llama3.2) and make the server allocate a huge KV cache.
        """
        if self._context_window is None:
            trained: int | None = None
            try:
                info = self._client.show(self.model).modelinfo or {}
                trained = next((int(v) for k, v in info.items() if k.endswith("context_length")), None)
            except ollama.ResponseError:
                trained = None  # an old server without model_info: the cap alone decides
            self._context_window = min(trained or self.settings.num_ctx, self.settings.num_ctx)
        return self._context_window

    def _llm(self, max_tokens: int) -> Any:
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=self.model,
            base_url=self.host,
            temperature=self.settings.temperature,
            request_timeout=self.settings.timeout_s,
            context_window=self._num_ctx(),
            keep_alive=self.settings.keep_alive,
            additional_kwargs={"num_predict": max_tokens},
            client=self._client,
        )

    def stream_chat(self, messages: Sequence[ChatMessage], max_tokens: int | None = None) -> Iterator[str]:
        limit = max_tokens or self.settings.max_tokens
        self.last_prompt_tokens = None
        try:
            for chunk in self._llm(limit).stream_chat(list(messages)):
                raw = chunk.raw if isinstance(chunk.raw, dict) else {}
                if raw.get("done") and raw.get("prompt_eval_count") is not None:
                    self.last_prompt_tokens = int(raw["prompt_eval_count"])
                if chunk.delta:
                    yield chunk.delta
        except _OLLAMA_ERRORS as exc:
            raise _ollama_failure(exc, self.host, self.model, self.settings.timeout_s) from exc

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int | None:
        """Ollama has no tokenize endpoint: the count arrives as `last_prompt_tokens` after a stream."""
        return None

    def structured_chat(
        self, messages: Sequence[ChatMessage], schema: type[M], max_tokens: int | None = None
    ) -> M:
        """Ollama's structured outputs: the schema goes in "format", and the server constrains sampling to it.

        Temperature 0: a structured reply is a decision (and may be cached), not a sample."""
        limit = max_tokens or self.settings.max_tokens
        self.last_prompt_tokens = None
        try:
            reply = self._client.chat(
                model=self.model,
                messages=_as_dicts(messages),
                stream=False,
                format=schema.model_json_schema(),
                options={"temperature": 0.0, "num_ctx": self._num_ctx(), "num_predict": limit},
                keep_alive=self.settings.keep_alive,
            )
        except _OLLAMA_ERRORS as exc:
            raise _ollama_failure(exc, self.host, self.model, self.settings.timeout_s) from exc
        if reply.prompt_eval_count is not None:
            self.last_prompt_tokens = int(reply.prompt_eval_count)
        who = f"Ollama model '{self.model}'"
        return parse_structured(
            schema, reply.message.content or "", who, cut_off=reply.done_reason == "length"
        )


# --- llama.cpp -------------------------------------------------------------------------------------------


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise BackendUnavailable(f"llama-cpp-python is not installed: run `{LLAMACPP_INSTALL}`") from exc
    except OSError as exc:  # the package is there but its shared library does not load
        raise BackendUnavailable(
            f"llama-cpp-python does not load ({_one_line(exc, 120)}): reinstall it with `{LLAMACPP_INSTALL}`"
        ) from exc
    return llama_cpp


def _gguf_path(settings: LlamaCppSettings) -> Path:
    if settings.model is None:
        raise BackendUnavailable("No GGUF model is configured: set RAG_LLAMACPP_MODEL=/path/to/model.gguf")
    path = Path(settings.model).expanduser()
    if not path.is_file():
        raise BackendUnavailable(f"GGUF model file not found: {path} (point RAG_LLAMACPP_MODEL at a .gguf)")
    return path


def plain_prompt(messages: Sequence[ChatMessage]) -> str:
    """A completion prompt for GGUFs without a chat template (base models): a plain transcript."""
    parts: list[str] = []
    for message in messages:
        text = (message.content or "").strip()
        role = message.role.value
        if role == "system":
            parts.append(text)
        else:
            parts.append(f"{role.capitalize()}: {text}")
    parts.append("Assistant:")
    return "\n\n".join(p for p in parts if p)


PLAIN_STOP = ["\nUser:", "\nSystem:"]


class LlamaCppLLM:
    """A local GGUF file run in-process by llama-cpp-python.

    The model loads on first use and stays loaded in this object (keyed by its resolved path), so keep the
    object for the life of the app. Generation is serialized by a lock: one llama.cpp context is not
    thread-safe. With a chat template in the GGUF, `create_chat_completion` formats the messages; without one
    (e.g. the Gemma 3 270M base model) a plain transcript from `plain_prompt` goes to `create_completion`.
    """

    backend: str = "llamacpp"
    reusable: bool = True

    def __init__(self, settings: LlamaCppSettings) -> None:
        self.settings = settings
        self.path = _gguf_path(settings)
        self.model: str = self.path.name
        self.last_prompt_tokens: int | None = None
        self._llama_cpp = _import_llama_cpp()
        self._loaded: dict[Path, Llama] = {}
        self._load_lock = threading.Lock()
        # a plain Lock, not an RLock: a generator may be resumed from another thread (e.g. Gradio's pool)
        self._generate_lock = threading.Lock()

    def _llama(self) -> Llama:
        key = self.path.resolve()
        with self._load_lock:
            if key not in self._loaded:
                if not key.is_file():
                    raise BackendUnavailable(f"GGUF model file not found: {self.path}")
                threads = self.settings.threads or len(os.sched_getaffinity(0)) or 1
                try:
                    self._loaded[key] = self._llama_cpp.Llama(
                        model_path=str(key), n_ctx=self.settings.n_ctx, n_threads=threads, verbose=False
                    )
                except (ValueError, RuntimeError, OSError) as exc:
                    raise BackendUnavailable(
                        f"llama.cpp cannot load {self.path}: {_one_line(exc, 120)} (is it a GGUF model?)"
                    ) from exc
            return self._loaded[key]

    @property
    def chat_template(self) -> str | None:
        """The GGUF's chat template; None for base models, which get a plain completion prompt."""
        template = self._llama().metadata.get("tokenizer.chat_template")
        return template or None

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int | None:
        """Tokens of the prompt as this backend formats it.

        With a chat template this renders the GGUF's Jinja template the way llama-cpp-python's template
        handler does; when llama-cpp-python picks one of its built-in formats by name instead, the count can
        differ from the real prompt by a few tokens. Good enough for budgeting, not for exact accounting.
        """
        return len(self.prompt_tokens(messages))

    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        """The prompt as this backend formats it (see count_tokens), tokenized."""
        llm = self._llama()
        template = self.chat_template
        plain = plain_prompt(messages).encode("utf-8")
        if template is None:
            return list(llm.tokenize(plain, add_bos=True, special=False))
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        eos, bos = llm.token_eos(), llm.token_bos()
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
        )
        try:
            rendered = formatter(messages=cast(Any, _as_dicts(messages)))
        except Exception:  # a template that rejects these messages: fall back to the transcript
            return list(llm.tokenize(plain, add_bos=True, special=False))
        prompt = rendered.prompt.encode("utf-8")
        return list(llm.tokenize(prompt, add_bos=not rendered.added_special, special=True))

    def stream_chat(self, messages: Sequence[ChatMessage], max_tokens: int | None = None) -> Iterator[str]:
        limit = max_tokens or self.settings.max_tokens
        llm = self._llama()
        has_template = self.chat_template is not None
        self.last_prompt_tokens = self.count_tokens(messages)
        with self._generate_lock:
            try:
                if has_template:
                    chat_chunks = cast(
                        Iterator[dict[str, Any]],
                        llm.create_chat_completion(
                            messages=cast(Any, _as_dicts(messages)),
                            stream=True,
                            max_tokens=limit,
                            temperature=self.settings.temperature,
                        ),
                    )
                    for chunk in chat_chunks:
                        delta = chunk["choices"][0]["delta"].get("content")
                        if delta:
                            yield str(delta)
                else:
                    chunks = cast(
                        Iterator[dict[str, Any]],
                        llm.create_completion(
                            plain_prompt(messages),
                            stream=True,
                            max_tokens=limit,
                            temperature=self.settings.temperature,
                            stop=PLAIN_STOP,
                        ),
                    )
                    for chunk in chunks:
                        text = chunk["choices"][0]["text"]
                        if text:
                            yield str(text)
            except ValueError as exc:  # llama.cpp: "Requested tokens (N) exceed context window of M"
                raise BackendUnavailable(
                    f"llama.cpp cannot answer: {_one_line(exc, 120)}; raise RAG_LLAMACPP_N_CTX "
                    "or ask a shorter question"
                ) from exc

    def structured_chat(
        self, messages: Sequence[ChatMessage], schema: type[M], max_tokens: int | None = None
    ) -> M:
        """Greedy generation under a llama.cpp grammar made from the schema (`LlamaGrammar.from_json_schema`).

        Not `create_chat_completion(response_format={"type": "json_object", "schema": ...})`, which builds
        the same grammar: llama-cpp-python matches it against the whole vocabulary at every token, about 15
        times slower with Gemma 3 than `greedy_under_grammar`, which picks the same tokens. The prompt is the
        GGUF's chat template, or the plain transcript for a base model (as count_tokens formats it)."""
        from rag.answering.constrained import greedy_under_grammar

        limit = max_tokens or self.settings.max_tokens
        llm = self._llama()
        try:
            grammar = self._llama_cpp.LlamaGrammar.from_json_schema(
                json.dumps(schema.model_json_schema()), verbose=False
            )
        except (ValueError, RuntimeError, KeyError) as exc:
            raise BackendUnavailable(
                f"llama.cpp cannot constrain output to {schema.__name__}: {_one_line(exc, 120)}"
            ) from exc
        tokens = self.prompt_tokens(messages)
        self.last_prompt_tokens = len(tokens)
        room = llm.n_ctx() - len(tokens)
        if room < 1:
            raise BackendUnavailable(
                f"llama.cpp cannot answer: the prompt ({len(tokens)} tokens) fills the context window of "
                f"{llm.n_ctx()}; raise RAG_LLAMACPP_N_CTX or ask a shorter question"
            )
        with self._generate_lock:
            try:
                text, cut_off = greedy_under_grammar(llm, tokens, grammar, min(limit, room))
            except (ValueError, RuntimeError) as exc:
                raise BackendUnavailable(f"llama.cpp cannot answer: {_one_line(exc, 120)}") from exc
        return parse_structured(schema, text, f"llama.cpp model {self.model}", cut_off=cut_off)


# --- choosing: the one registry of backends ----------------------------------------------------------


def _ollama(settings: Settings) -> ChatLLM:
    """Ollama, if the server answers and has the model (one quick request); else BackendUnavailable."""
    probe = probe_ollama(settings.ollama, timeout_s=min(settings.ollama.timeout_s, 5.0))
    if not (probe.reachable and probe.model_present):
        raise BackendUnavailable(probe.message)
    return OllamaLLM(settings.ollama)


def _llamacpp(settings: Settings) -> ChatLLM:
    return LlamaCppLLM(settings.llamacpp)


# Every LLM backend, in the order `auto` tries them. A new backend is one class and one entry here.
FACTORIES: dict[LLMBackend, Callable[[Settings], ChatLLM]] = {"ollama": _ollama, "llamacpp": _llamacpp}


class Choice(NamedTuple):
    """What answers: a model, or None for evidence-only answers; `notice` says why when `auto` fell back."""

    llm: ChatLLM | None
    notice: str | None


def make_llm(settings: Settings, backend: LLMBackend, reuse: dict[str, ChatLLM] | None = None) -> ChatLLM:
    """A ready backend, or BackendUnavailable saying why not.

    Objects in `reuse` (keyed by backend name) are returned instead of new ones; a new object whose class
    is `reusable` (a loaded GGUF) is put there.
    """
    if reuse is not None and backend in reuse:
        return reuse[backend]
    if backend not in FACTORIES:
        raise ValueError(f"unknown LLM backend {backend!r}; use one of {', '.join(FACTORIES)}")
    llm = FACTORIES[backend](settings)
    if reuse is not None and getattr(llm, "reusable", False):
        reuse[backend] = llm
    return llm


def choose(settings: Settings, requested: str, reuse: dict[str, ChatLLM] | None = None) -> Choice:
    """The one place that decides who answers.

    `extractive` -> no model. A named backend -> that model, or BackendUnavailable. `auto` -> the first
    backend of FACTORIES that can answer now, else evidence-only answers with the reasons in the notice.
    """
    if requested not in BACKENDS:
        raise ValueError(f"unknown backend {requested!r}; use one of {', '.join(BACKENDS)}")
    if requested == "extractive":
        return Choice(None, None)
    if requested != "auto":
        return Choice(make_llm(settings, cast(LLMBackend, requested), reuse), None)
    reasons: list[str] = []
    for name in dict.fromkeys([*(reuse or {}), *FACTORIES]):
        try:
            return Choice(make_llm(settings, cast(LLMBackend, name), reuse), None)
        except BackendUnavailable as exc:
            reasons.append(str(exc))
    return Choice(None, "Evidence-only answers — " + "; ".join(reasons))
