# chainrule: `make demo` and `make test` do all set-up on a fresh machine (python3, pip, apt).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXTRAS := dev,notebooks,docs,torch,export
# The import packages (mypy --strict runs on each one that exists).
PACKAGES := $(wildcard autograd nn viz)
# The notebooks run on this venv's Python, registered inside the venv as the kernel "chainrule".
KERNEL := $(VENV)/share/jupyter/kernels/chainrule/kernel.json
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: demo docs test lint typecheck pytest dot browser bench mutate lab clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $@

$(KERNEL): $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name chainrule --display-name "Python 3 (chainrule)"

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

# Debian's chromium, for the browser tests (Playwright drives it; no browser is downloaded).
# Installed when missing and we are root; otherwise those tests are skipped with a visible reason.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium (for the browser tests) with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "note: chromium is missing; install it with: sudo apt-get install chromium (the browser tests will be skipped)"; \
	fi

# The worked example in the terminal, then every notebook executed and written as HTML,
# and notebook 1's derivative chain as a picture.
demo: $(STAMP) $(KERNEL) dot docs
	$(PY) -m autograd.examples
	@echo; echo "Executing the notebooks and writing them as HTML (under a minute)"
	$(PY) tools/offline_html.py --execute build/notebooks $(NOTEBOOKS)
	$(PY) -m viz.demo build
	@echo; echo "Done. The notebooks, executed: build/notebooks/*.html ($(words $(NOTEBOOKS)) files);"
	@echo "the derivative chain of notebook 1: build/chain.svg (build/chain.dot without graphviz's dot);"
	@echo "the course and documentation site: build/site/index.html;"
	@echo "the notebooks themselves, to run and change: make lab (JupyterLab on notebooks/)."

# The course and documentation site: the lessons executed, the README's guide, the API
# reference from the docstrings, search; every asset local. Open build/site/index.html.
docs: $(STAMP) $(KERNEL) dot
	$(VENV)/bin/sphinx-build -q -j auto -b html -d build/doctrees docs build/site
	@echo "The site: build/site/index.html (open it in a browser; it needs no network)."

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy $(PACKAGES)

pytest: $(STAMP) $(KERNEL) dot browser
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest --nbmake --nbmake-kernel=chainrule notebooks

test: lint typecheck pytest

# Mutation testing of the derivative paths (configured in pyproject.toml, [tool.mutmut]; the
# score is in the README's development section). Takes a while on two cores.
mutate: $(STAMP)
	$(PY) -m pip install --quiet -e '.[mutate]'
	rm -rf mutants
	$(VENV)/bin/mutmut run
	$(VENV)/bin/mutmut results

# Speed, memory and depth against micrograd and PyTorch, measured in one run (see README).
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet -e '.[torch]' \
		|| echo "note: PyTorch is not installed; the benchmark skips the PyTorch comparison"
	$(PY) -m benchmarks

# JupyterLab on the notebooks, with the project's kernel.
lab: $(STAMP) $(KERNEL)
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
