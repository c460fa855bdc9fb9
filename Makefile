# The two commands of the README: `make run` (the main job on the embedded default) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_DIR ?= demo-output
SEED ?= 7
POSTS ?= 60000

.PHONY: run test lint bench install clean browser-deps

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/floodwatch demo --out $(RUN_DIR) --posts $(POSTS) --seed $(SEED)

# The browser tests drive Debian's Chromium (never a downloaded one); installed here where missing. Without
# root or apt they skip, loudly.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && \
	    $$SUDO apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null 2>&1; } || \
	  echo "could not install chromium: the browser tests will be skipped"; }

test: $(STAMP) browser-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/neardup.py
	$(BIN)/python bench/coordination_quality.py
	$(BIN)/python bench/vs_cnt.py
	$(BIN)/python bench/hotspots.py
	$(BIN)/python bench/pii.py
	$(BIN)/python bench/abuse.py
	$(BIN)/python bench/claim_matching.py
	$(BIN)/python bench/rumors.py
	$(BIN)/python bench/blacklist_load.py
	$(BIN)/python bench/engines.py

clean:
	rm -rf $(RUN_DIR) floodwatch-data .pytest_cache .mypy_cache .ruff_cache
