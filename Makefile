# carbonflow: `make flow` and `make test` install whatever is missing, then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.carbonflow-installed
LIBERTY := /usr/share/qflow/tech/osu018/osu018_stdcells.lib
FLOW ?= flows/default.toml
export AMARANTH_USE_YOSYS := builtin
export HF_HUB_OFFLINE := 1

.PHONY: help install sysdeps flow test bench clean

help:
	@echo "make flow   - install what is missing, then run the default flow ($(FLOW))"
	@echo "make test   - install what is missing, then run the whole test suite"
	@echo "make bench  - run the benchmarks in benchmarks/"
	@echo "make clean  - remove the virtualenv, caches and run outputs"

sysdeps:
	@missing=""; \
	command -v iverilog >/dev/null 2>&1 || missing="$$missing iverilog"; \
	[ -f $(LIBERTY) ] || missing="$$missing qflow-tech-osu018"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "error: missing system packages:$$missing"; \
	    echo "       install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools >/dev/null
	$(PY) -m pip install -q -e ".[test,model]"
	@touch $(STAMP)

install: sysdeps $(STAMP)

flow: install
	$(VENV)/bin/carbonflow flow --config $(FLOW)

test: install
	$(PY) -m pytest -q

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .cache runs sim_build .pytest_cache
