# chainrule: `make demo` and `make test` do all set-up on a fresh machine (python3, pip, apt).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXTRAS := dev,notebooks,torch
# The import packages (mypy --strict runs on each one that exists).
PACKAGES := $(wildcard autograd nn viz)

.PHONY: demo test lint typecheck pytest dot bench lab clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $@

# The `dot` binary comes from Debian's graphviz package. Install it when missing and
# we are root; otherwise say how, and carry on (pictures fall back to DOT text).
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing graphviz (the dot binary) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "note: graphviz's 'dot' is missing; install it with: sudo apt-get install graphviz (continuing with DOT text)"; \
	fi

demo: $(STAMP) dot
	$(PY) -m autograd.examples

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy $(PACKAGES)

pytest: $(STAMP) dot
	$(VENV)/bin/pytest

test: lint typecheck pytest

# Speed, memory and depth against micrograd and PyTorch, measured in one run (see README).
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
