"""Optional LLM judge: an Ollama model grades each answer against the case's reference answer.

* pinned model (``--judge-model``, default ``RAG_EVAL_JUDGE_MODEL`` or the configured Ollama model), sampled
  at temperature 0 with a fixed seed and JSON output;
* verdicts cached on disk under ``<data dir>/eval-judge-cache/<key>.json`` where the key is
  :func:`judge_cache_key` -- the sha256 of question + answer + context + judge model + the judge prompt
  (prompts/judge.md) -- so re-running an unchanged answer never calls the model again;
* reported apart from the deterministic metrics (``summary["judge"]`` and ``results[i]["judge"]``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field, ValidationError

from eval.schema import ResolvedCase
from rag.answering.prompts import load_prompt
from rag.io import atomic_write_text
from rag.models import Answer, Record
from rag.settings import Settings

__all__ = [
    "JUDGE_PROMPT_VERSION",
    "Judge",
    "JudgeError",
    "JudgeVerdict",
    "default_judge_model",
    "judge_cache_key",
    "judge_context",
    "judge_unavailable",
    "summarize_verdicts",
]

JUDGE_PROMPT_VERSION = 1  # part of the cache key, with the prompt text's hash (see judge_cache_key)
JUDGE_PROMPT = "judge"  # prompts/judge.md: the judge's system prompt
SCORES = {"correct": 1.0, "partially_correct": 0.5, "incorrect": 0.0}


def judge_prompt() -> str:
    """The judge's system prompt, read from prompts/judge.md by the app's prompt loader."""
    return load_prompt(JUDGE_PROMPT)


class JudgeError(RuntimeError):
    """The judge could not grade one answer (server error, unparseable reply); one line."""


class JudgeVerdict(Record):
    verdict: Literal["correct", "partially_correct", "incorrect"]
    score: float = Field(ge=0, le=1)
    reason: str
    model: str
    cached: bool = False


class ChatClient(Protocol):
    def chat(self, *args: Any, **kwargs: Any) -> Any: ...


def judge_cache_key(question: str, answer: str, context: str, model: str) -> str:
    """sha256 (hex) of the question, answer, context and judge model, plus the judge prompt.

    The prompt enters twice: :data:`JUDGE_PROMPT_VERSION` and the sha256 of the text of prompts/judge.md, so
    an edited prompt file never reuses old verdicts even if nobody bumps the version."""
    payload = json.dumps(
        {
            "v": JUDGE_PROMPT_VERSION,
            "prompt": hashlib.sha256(judge_prompt().encode("utf-8")).hexdigest(),
            "question": question,
            "answer": answer,
            "context": context,
            "model": model,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def judge_context(answer: Answer) -> str:
    """The numbered sources the answerer saw, as the judge sees them."""
    return "\n".join(f"[{s.n}] {s.title}: {' '.join(s.evidence)}" for s in answer.sources)


def default_judge_model(settings: Settings) -> str:
    return os.environ.get("RAG_EVAL_JUDGE_MODEL") or settings.ollama.model


def judge_unavailable(settings: Settings, model: str) -> str | None:
    """``None`` when Ollama is up and has ``model``; otherwise the one-line reason."""
    from rag.answering.llm import probe_ollama

    probe = probe_ollama(settings.ollama.model_copy(update={"model": model}), timeout_s=3.0)
    return None if probe.reachable and probe.model_present else probe.message


def _parse(content: str) -> tuple[str, str]:
    match = re.search(r"\{.*\}", content, re.S)
    try:
        data = json.loads(match.group(0) if match else content)
        verdict = str(data.get("verdict", "")).strip().lower().replace(" ", "_").replace("-", "_")
        reason = " ".join(str(data.get("reason", "")).split())
    except (json.JSONDecodeError, AttributeError):
        lowered = content.lower()
        verdict = next((v for v in ("partially_correct", "incorrect", "correct") if v in lowered), "")
        reason = " ".join(content.split())[:200]
    if verdict not in SCORES:
        raise ValueError(f"unparseable judge reply: {' '.join(content.split())[:120]!r}")
    return verdict, reason


class Judge:
    """Grades answers with an Ollama model; verdicts cached in ``cache_dir``."""

    def __init__(
        self, settings: Settings, model: str, cache_dir: Path | None = None, client: ChatClient | None = None
    ) -> None:
        self.settings = settings
        self.model = model
        self.cache_dir = cache_dir or settings.data_dir / "eval-judge-cache"
        self._client = client
        self.calls = 0
        self.verdicts: list[tuple[str, JudgeVerdict]] = []  # (question type, verdict) of this run
        self.errors = 0

    def grade_answer(self, case: ResolvedCase, answer: Answer) -> dict[str, Any]:
        """Grade one eval answer against its case; a failure is recorded with it, never fatal to the run."""
        try:
            verdict = self.grade(
                case.case.question, case.case.reference_answer, answer.text, judge_context(answer)
            )
        except JudgeError as exc:
            self.errors += 1
            return {"error": str(exc)}
        self.verdicts.append((case.case.type, verdict))
        return dict(verdict.model_dump())

    def summary(self) -> dict[str, Any]:
        return summarize_verdicts(self.model, self.verdicts, self.errors)

    @property
    def client(self) -> ChatClient:
        if self._client is None:
            import ollama

            self._client = ollama.Client(
                host=self.settings.ollama.host, timeout=self.settings.ollama.timeout_s
            )
        return self._client

    def grade(self, question: str, reference: str, answer: str, context: str) -> JudgeVerdict:
        key = judge_cache_key(question, answer, context, self.model)
        path = self.cache_dir / f"{key}.json"
        if path.is_file():
            try:
                return JudgeVerdict.model_validate_json(path.read_text(encoding="utf-8")).model_copy(
                    update={"cached": True}
                )
            except (ValidationError, OSError):
                pass  # a broken cache entry is recomputed
        prompt = (
            f"QUESTION:\n{question}\n\nREFERENCE:\n{reference}\n\n"
            f"CONTEXT:\n{context or '(none)'}\n\nANSWER:\n{answer}"
        )
        self.calls += 1
        try:
            reply = self.client.chat(
                model=self.model,
                messages=[{"role": "system", "content": judge_prompt()}, {"role": "user", "content": prompt}],
                options={"temperature": 0, "seed": 0},
                format="json",
                stream=False,
            )
            content = reply["message"]["content"] if isinstance(reply, dict) else reply.message.content
            verdict, reason = _parse(content or "")
        except Exception as exc:  # any failure of one grading is reported with it, never fatal to the run
            raise JudgeError(f"judge {self.model} failed: {' '.join(str(exc).split())[:200]}") from exc
        result = JudgeVerdict(verdict=verdict, score=SCORES[verdict], reason=reason, model=self.model)  # type: ignore[arg-type]
        atomic_write_text(path, result.model_dump_json())
        return result


def summarize_verdicts(
    model: str, verdicts: Sequence[tuple[str, JudgeVerdict]], errors: int = 0
) -> dict[str, Any]:
    """``summary["judge"]`` from ``(question type, verdict)`` pairs; ``errors``: answers not graded."""

    def block(items: Sequence[JudgeVerdict]) -> dict[str, Any]:
        n = len(items)
        return {
            "n": n,
            "correct_rate": sum(v.verdict == "correct" for v in items) / n if n else None,
            "mean_score": sum(v.score for v in items) / n if n else None,
        }

    by_type: dict[str, list[JudgeVerdict]] = {}
    for qtype, v in verdicts:
        by_type.setdefault(qtype, []).append(v)
    all_verdicts = [v for _, v in verdicts]
    return {
        "status": "ok",
        "model": model,
        "temperature": 0,
        **block(all_verdicts),
        "cached": sum(v.cached for v in all_verdicts),
        "errors": errors,
        "by_type": {t: block(vs) for t, vs in by_type.items()},
    }
