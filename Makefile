# talksocial — `make run` starts the demo server, `make test` installs what the tests need and
# runs them all. Everything lands in ./.venv; system packages come from apt-get when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck pytest pytest-postgres bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[server,test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/talksocial serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	bash scripts/ensure-system-packages.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The API suite again on a throwaway PostgreSQL (scripts/with-postgres.sh: Debian's
# postgresql, installed when missing; a cluster on a free loopback port, removed on exit even
# on failure). Each test server gets a fresh database of its own. The pytest plugin's worlds
# (test_plugin.py, and the README examples run on them in test_docs.py) are SQLite files
# whatever the environment says: the first pass runs them.
PG_TESTS ?= tests/api tests/oauth tests/client tests/ops tests/storage tests/test_smoke.py \
  --ignore=tests/client/test_plugin.py --ignore=tests/client/test_docs.py
pytest-postgres: $(STAMP)
	bash scripts/ensure-system-packages.sh
	bash scripts/with-postgres.sh $(BIN)/python -m pytest $(PG_TESTS) $(PYTEST_ARGS)

test: lint typecheck pytest pytest-postgres

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Load test on loopback side by side with the stack's own limit (README "Benchmarks"; about
# 4 minutes, plus about 2 to generate the cached world the first time; not part of `make test`).
# `make bench BENCH_ARGS="--publish docs/bench"` writes the report committed in docs/bench/.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[server,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

.PHONY: bench-profile
# py-spy profile of the friends page under wrk, summarised into docs/bench/profile-friends.txt.
bench-profile: $(BENCH_STAMP)
	command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m benchmarks.profile --output docs/bench/profile-friends.txt

.PHONY: generate-figures
# The world generator at full size on both databases (minutes; not part of `make test`).
generate-figures: $(STAMP)
	bash scripts/measure-generator.sh

# The console's pages as PNG in docs/screenshots/ (committed; README "Console"). Headless Debian
# chromium against `serve --demo` on a free loopback port; not part of `make test`.
# The fonts draw the demo world's Hangul, kana and emoji nicknames instead of empty boxes.
screenshots: $(STAMP)
	{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; } || \
	  { export DEBIAN_FRONTEND=noninteractive; apt-get update -q && \
	    apt-get install -y -q chromium fonts-noto-cjk fonts-noto-color-emoji; }
	$(BIN)/python scripts/screenshots.py
