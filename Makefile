# One task runner. From a fresh clone with only Python 3.11:  `make chat`  or  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# llama.cpp's native build enables AMX and crashes on these CPUs; build for AVX2 instead.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
GGUF   := .models/gemma3-270m-q4_k_m.gguf
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: chat test install install-dev browser models lint fix typecheck bench bench-llm eval clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(BIN)/.installed-dev: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install -q -e ".[dev,llamacpp]"
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

## The main job: the chat app on the bundled corpus (indexed on first start).
chat: install
	$(BIN)/rag chat --host $(HOST) --port $(PORT)

## Every test: installs the dev tools, Chromium for the browser test and the small GGUF model.
test: install-dev browser models
	$(BIN)/python -m pytest -q
	RAG_DATA_DIR=$(CURDIR)/.rag/test-index $(BIN)/rag eval --backend extractive --retrieval all \
	  --out eval/out --gate eval/thresholds.json

browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

models: $(GGUF)
$(GGUF): | $(BIN)/.installed-dev
	mkdir -p .models
	$(BIN)/python tests/support/fetch_gguf.py $@

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy rag ui eval bench

fix: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev models
	$(BIN)/python -m bench.index_bench
	$(BIN)/python -m bench.answer_bench

## Scale on synthetic collections (+ the 186 bundled papers) -> bench/results/scale.md; EVAL=1 adds rag eval.
##   make bench-scale SIZE=1000    or    make bench-scale SIZES="1000 10000"
SIZE  ?= 1000
SIZES ?= $(SIZE)
.PHONY: bench-scale
bench-scale: install
	$(BIN)/python -m bench.scale_bench --sizes $(SIZES) $(if $(EVAL),--eval)

## Quality and speed of a real small instruct model (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB; not in `make test`).
QWEN := .models/qwen2.5-coder-1.5b-instruct.gguf
bench-llm: install-dev
	$(BIN)/python -m bench.fetch_qwen $(QWEN)
	RAG_DATA_DIR=$(CURDIR)/.rag/test-index $(BIN)/python -m bench.llm_quality $(QWEN)

eval: install
	$(BIN)/rag eval --retrieval all --out eval/out

clean:
	rm -rf $(VENV) .models eval/out .pytest_cache .mypy_cache .ruff_cache
