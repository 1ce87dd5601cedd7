# chainrule: `make demo` and `make test` do all set-up on a fresh machine (python3, pip, apt).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXTRAS := dev,notebooks,docs,torch,export
# The import packages; mypy --strict runs on each one that exists and on the benchmarks.
PACKAGES := $(wildcard autograd nn viz)
TYPED := $(PACKAGES) $(wildcard benchmarks)
# The notebooks run on this venv's Python, registered inside the venv as the kernel "chainrule".
KERNEL := $(VENV)/share/jupyter/kernels/chainrule/kernel.json
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

# The other Pythons `make test` also runs the engine, nn and viz tests on (each one it finds:
# python3.X on the PATH or pyenv's), each in its own venv with only what those tests need.
OTHER_PYTHONS := 3.12 3.13
# Those tests: everything but the browser, site, notebook, lesson, wheel and benchmark tests
# (they run once, on $(PYTHON), above), plus the doctests of the packages, the README and the guide.
LEAN_TESTS := $(filter-out tests/test_browser_% tests/test_site.py tests/test_wheel.py tests/test_notebooks_clean.py \
	tests/test_exercises% tests/test_lesson_outputs.py tests/test_viz_offline_export.py tests/test_viz_pictures_browser.py tests/test_bench%, \
	$(wildcard tests/test_*.py)) $(PACKAGES) README.md $(wildcard docs/*.md)

.PHONY: demo docs test lint typecheck pytest pythons dot browser bench mutate lab clean

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
	$(VENV)/bin/mypy $(TYPED)

pytest: $(STAMP) $(KERNEL) dot browser
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest --nbmake --nbmake-kernel=chainrule notebooks

# The engine, nn and viz tests on each other Python found (PyTorch's tests run where its pinned
# CPU build installs, and skip elsewhere: a plain `pip install torch` would pull a multi-GB CUDA build).
pythons:
	@for v in $(OTHER_PYTHONS); do \
		if [ -z "$$($(PYTHON) tools/find_python.py $$v)" ]; then \
			echo "note: Python $$v not found (python$$v on the PATH or pyenv): its test run is skipped"; continue; \
		fi; \
		$(MAKE) --no-print-directory .venv-$$v/.installed-stamp || exit 1; \
		echo "The engine, nn and viz tests on Python $$v"; \
		.venv-$$v/bin/python -m pytest -q -p no:cacheprovider $(LEAN_TESTS) || exit 1; \
	done

.venv-%/.installed-stamp: pyproject.toml
	@py=$$($(PYTHON) tools/find_python.py $*); test -n "$$py" || { echo "Python $* not found"; exit 1; }; \
		test -x .venv-$*/bin/python || $$py -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet -e '.[test]'
	@.venv-$*/bin/python -m pip install --quiet 'torch==2.13.0+cpu' 2>/dev/null \
		|| echo "note: PyTorch's pinned CPU build (2.13.0+cpu) does not install on Python $*: its tests skip there"
	@touch $@

test: lint typecheck pytest pythons

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
	rm -rf $(VENV) $(OTHER_PYTHONS:%=.venv-%) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
