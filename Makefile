# seawatch — the two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml src/seawatch/serve/web/package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	npm ci --prefix src/seawatch/serve/web --no-audit --no-fund --loglevel=error
	# numba compiles the decoder's and the tracker's kernels into its cache now (~1 min, once), not on a first feed
	$(PY) -c "from seawatch.ingest.nmea.decoder import warm_up_kernels as d; from seawatch.track.tracker import warm_up_kernels as t; d(); t()"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/seawatch demo

# pytest exits 5 when it collected no tests: that is a failure, not a pass.
test: setup
	$(VENV)/bin/pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no tests" >&2; exit 1; fi; exit $$rc

lint: setup
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff check src tests bench

bench: setup
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info
