# talksocial — `make run` starts the demo server, `make test` installs what the tests need and
# runs them all. Everything lands in ./.venv; system packages come from apt-get when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck docs docs-serve pytest pytest-postgres bench screenshots clean image

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[server,test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/talksocial serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Two pytest workers (pytest-xdist), a test file each at a time (module fixtures stay whole):
# many tests wait on a server process, a browser, podman or npm, so two of them share the two
# cores well. `make pytest PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

pytest: $(STAMP)
	bash scripts/ensure-system-packages.sh
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The API suite again on a throwaway PostgreSQL (scripts/with-postgres.sh: Debian's
# postgresql, installed when missing; a cluster on a free loopback port, removed on exit even
# on failure). Each test server gets a fresh database of its own; the console writes through the
# storage functions the control-plane suite runs here. The pytest plugin's worlds
# (test_plugin.py, and the README examples run on them in test_docs.py) are SQLite files
# whatever the environment says: the first pass runs them. test_bench_postgres.py runs the
# benchmark's own PostgreSQL path (its cluster, the small world) when PostgreSQL is there.
PG_TESTS ?= tests/api tests/oauth tests/client tests/control tests/ops tests/storage \
  tests/test_smoke.py tests/bench/test_bench_postgres.py \
  --ignore=tests/client/test_plugin.py --ignore=tests/client/test_docs.py
pytest-postgres: $(STAMP)
	bash scripts/ensure-system-packages.sh
	bash scripts/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PG_TESTS) $(PYTEST_ARGS)

# The documentation site (mkdocs.yml, docs/): strict, so a broken link or anchor fails the build.
# NO_MKDOCS_2_WARNING silences Material's banner about MkDocs 2.0; the build is unaffected.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d build/site

# A live preview of the site on http://127.0.0.1:8001 (8000 is `make run`'s).
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict -a 127.0.0.1:8001

test: lint typecheck docs pytest pytest-postgres

# The container image (Containerfile; docs/server/container.md) with podman, else docker:
# `make image`, `make image IMAGE=talksocial:dev IMAGE_ARGS="--build-arg BASE=python:3.13-slim"`.
# With podman: the docker format (an OCI image drops HEALTHCHECK), and no layer cache (buildah's
# cache does not look into the bind-mounted source, so a cached layer could hold an older
# talksocial). The test that builds and runs it on these machines is tests/container/.
IMAGE ?= talksocial:latest
ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
image:
	$(ENGINE) build $(if $(filter podman,$(notdir $(ENGINE))),--format docker --layers=false) \
	  -f Containerfile -t $(IMAGE) $(IMAGE_ARGS) .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Load test on loopback side by side with the stack's own limit, on SQLite and on a throwaway
# PostgreSQL cluster (docs/benchmarks.md; not part of `make test`). Installs wrk and Debian's
# postgresql when missing (stopping the cluster the package may start: not ours to keep).
# `make bench BENCH_ARGS="--databases sqlite"` measures one database;
# `make bench BENCH_ARGS="--publish docs/bench"` writes the report committed in docs/bench/.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[server,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q wrk; }
	ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q postgresql && \
	  { pg_lsclusters -h 2>/dev/null | while read -r version name _; do \
	      pg_ctlcluster "$$version" "$$name" stop >/dev/null 2>&1 || true; done; }; }
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

.PHONY: bench-profile
# py-spy profile of the friends page under wrk, summarised into docs/bench/profile-friends.txt
# (the committed file starts with two lines saying what build it profiles, written by hand).
bench-profile: $(BENCH_STAMP)
	command -v wrk >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m benchmarks.profile --output docs/bench/profile-friends.txt

.PHONY: generate-figures
# The world generator at full size on both databases (minutes; not part of `make test`).
generate-figures: $(STAMP)
	bash scripts/measure-generator.sh

# The console's pages as PNG in docs/screenshots/ (committed; docs/server/console.md). Headless Debian
# chromium against `serve --demo` on a free loopback port; not part of `make test`.
# The fonts draw the demo world's Hangul, kana and emoji nicknames instead of empty boxes.
screenshots: $(STAMP)
	{ command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; } || \
	  { export DEBIAN_FRONTEND=noninteractive; apt-get update -q && \
	    apt-get install -y -q chromium fonts-noto-cjk fonts-noto-color-emoji; }
	$(BIN)/python scripts/screenshots.py
