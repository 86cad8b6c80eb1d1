"""Greedy llama.cpp decoding under a GBNF grammar that asks the grammar about the model's best tokens first.

llama-cpp-python puts the grammar in its sampler chain, where it is matched against every token of the
vocabulary at every step. With Gemma 3's 262k-token vocabulary that cost 0.3-0.7 s per generated token on two
cores (inside a JSON string nearly every token must be matched character by character), about 15 times the
unconstrained speed. llama.cpp's own sampler (common/sampling.cpp) samples first and asks the grammar about
that one token, and only on a rejection about the whole vocabulary. This does the same for greedy decoding:
the `first` best tokens are checked one at a time, and the whole vocabulary only when all of them are
rejected. The token chosen is the same one greedy decoding with the grammar in the chain would choose: the
best-scoring token the grammar allows.

Uses llama-cpp-python's low-level API (llama_sampler_init_grammar / apply / accept) and the Llama object's
context; the caller holds whatever lock guards that Llama object.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

__all__ = ["greedy_under_grammar"]


def greedy_under_grammar(
    llm: Any, prompt: list[int], grammar: Any, max_tokens: int, first: int = 32
) -> tuple[str, bool]:
    """Generate greedily from `prompt` (tokens) under `grammar` (a LlamaGrammar) until the grammar is
    complete and the model ends, or `max_tokens`; returns (text, cut_off)."""
    import llama_cpp as lc

    vocab = llm._model.vocab
    n_vocab = llm.n_vocab()
    sampler = lc.llama_sampler_init_grammar(vocab, grammar._grammar.encode(), grammar._root.encode())
    if not sampler:
        raise ValueError("llama.cpp rejected the grammar")
    one = (lc.llama_token_data * 1)()
    one_array = lc.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
    record = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
    assert record.itemsize == ctypes.sizeof(lc.llama_token_data)

    def allowed(token: int) -> bool:
        one[0] = lc.llama_token_data(id=token, logit=0.0, p=0.0)
        one_array.size, one_array.selected, one_array.sorted = 1, -1, False
        lc.llama_sampler_apply(sampler, ctypes.byref(one_array))
        return bool(np.isfinite(one[0].logit))

    def best_allowed_anywhere(logits: np.ndarray) -> int | None:
        data = np.zeros(n_vocab, dtype=record)
        data["id"] = np.arange(n_vocab, dtype=np.int32)
        data["logit"] = logits
        array = lc.llama_token_data_array(
            data=data.ctypes.data_as(ctypes.POINTER(lc.llama_token_data)),
            size=n_vocab,
            selected=-1,
            sorted=False,
        )
        lc.llama_sampler_apply(sampler, ctypes.byref(array))
        masked = data["logit"]
        return int(np.argmax(masked)) if np.isfinite(masked).any() else None

    k = min(first, n_vocab - 1)
    generated: list[int] = []
    try:
        _eval_prompt(llm, prompt)
        for _ in range(max_tokens):
            # the last position's logits, read in place: valid until the next eval
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(n_vocab,))
            top = np.argpartition(-logits, k)[:k]
            top = top[np.argsort(-logits[top])]
            token = next((int(t) for t in top if allowed(int(t))), None)
            if token is None:
                token = best_allowed_anywhere(logits)
            if token is None or lc.llama_vocab_is_eog(vocab, token):
                return _text(llm, generated), False
            lc.llama_sampler_accept(sampler, token)
            generated.append(token)
            llm.eval([token])
        return _text(llm, generated), True
    finally:
        lc.llama_sampler_free(sampler)


def _eval_prompt(llm: Any, prompt: list[int]) -> None:
    """Evaluate `prompt`, reusing the context's cached tokens it starts with (as `Llama.generate` does).

    Requests that share a long fixed prefix (a system prompt with examples) then pay only for what differs:
    the cache is cut after the common prefix, and at least the last prompt token is evaluated again so that
    its logits are fresh. Recurrent or hybrid models cannot cut their state: they start over."""
    cached = 0
    if llm.n_tokens > 0 and not (getattr(llm, "_is_recurrent", False) or getattr(llm, "_is_hybrid", False)):
        for a, b in zip(llm.input_ids[: llm.n_tokens].tolist(), prompt, strict=False):
            if a != b:
                break
            cached += 1
    cached = min(cached, len(prompt) - 1)
    if cached > 0 and llm._ctx.kv_cache_seq_rm(-1, cached, -1):
        llm.n_tokens = cached
        llm.eval(prompt[cached:])
        return
    llm.reset()
    llm.eval(prompt)


def _text(llm: Any, tokens: list[int]) -> str:
    return bytes(llm.detokenize(tokens)).decode("utf-8", errors="replace")
