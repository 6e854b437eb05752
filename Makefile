# Reads like the README: `make book` builds the book, `make test` runs the tests.
# Both set up .venv from the pinned lock first (once; a second run skips it).

PYTHON3   ?= python3
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
SNAPSHOT  ?= data/snapshots/synthetic-demo
ARGS      ?=
DUMP      ?=
# make site / serve / monthly: the books to publish (default: the build of SNAPSHOT), the site's
# folder (default: _build/site), its published address, extra options (--replace)
BOOKS     ?=
SITE_DIR  ?=
BASEURL   ?= http://127.0.0.1:8000/hf-hub-activity/
SITE_ARGS ?=
# make monthly: the month's snapshot id and the collector's settings (full listings; commits and
# discussions of a seeded sample of 10,000 repositories per type; failures offered again)
MONTH_ID  ?= hub-$(shell date -u +%Y-%m)
MONTH_DIR ?=
COLLECT   ?= --select sample --n 10000 --seed 1 --retry-failed

.DEFAULT_GOAL := help
.PHONY: help setup lint book editions test snapshot import-shared bench clean lock browser-deps site serve html monthly mariadb-deps hfcommunity

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  Variables: SNAPSHOT=<snapshot dir> (default $(SNAPSHOT)), ARGS=<extra CLI options>"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# cffconvert in a tool environment of its own (it needs jsonschema < 4): requirements-cffconvert.txt
CFFCONVERT := $(VENV)/tools/cffconvert/bin/cffconvert
$(CFFCONVERT): requirements-cffconvert.txt
	@test -x $(VENV)/tools/cffconvert/bin/python || $(PYTHON3) -m venv $(VENV)/tools/cffconvert
	$(VENV)/tools/cffconvert/bin/python -m pip install --quiet -r requirements-cffconvert.txt
	@touch $(CFFCONVERT)

setup: $(STAMP) $(CFFCONVERT)  ## Create .venv from requirements.txt (skipped when up to date), and cffconvert's tool environment

book: $(STAMP)  ## Execute the notebooks on SNAPSHOT and build the book into _build/<snapshot_id>/
	@if [ "$(SNAPSHOT)" = "data/snapshots/synthetic-demo" ] && [ ! -f "$(SNAPSHOT)/manifest.json" ]; then \
		echo "the bundled demo snapshot is missing: generating it (seed 0, 5,000 models)"; \
		$(PY) -m analysis synth $(SNAPSHOT) --models 5000 --seed 0 || exit 1; \
	fi
	$(PY) -m analysis build $(SNAPSHOT) $(ARGS)

editions: $(STAMP)  ## Compare the findings of built editions (BUILDS="_build/<id> ..."; default: every build) on _build/editions/
	$(PY) -m analysis editions $(BUILDS)

lint: $(STAMP)  ## Lint and format checks (ruff, notebooks included), the import contracts (import-linter), no block above radon grade C, the workflows (check-jsonschema, zizmor)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	@out="$$($(VENV)/bin/radon cc -n D -s analysis fakehub)"; \
	if [ -n "$$out" ]; then echo "blocks above radon grade C (split them):"; echo "$$out"; exit 1; fi
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --min-severity low .github/workflows

test: $(STAMP) $(CFFCONVERT)  ## Run the test suite
	$(PY) -m pytest $(ARGS)

snapshot: $(STAMP)  ## Collect a new snapshot from the live Hub (ARGS="--snapshot-id ID --select sample --n 1000"; token from HF_TOKEN)
	$(PY) -m analysis collect $(ARGS)

import-shared: $(STAMP)  ## Import ../shared/data into data/snapshots/hub-2024-07-import (paths from analysis/paths.py)
	$(PY) -m analysis import $$($(PY) -m analysis paths shared-sources) $$($(PY) -m analysis paths shared-import) $(ARGS)

browser-deps:  ## Install Debian's chromium and chromium-driver (for tests/test_browser.py; needs root or sudo)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver are installed"; \
	else \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi

mariadb-deps:  ## Install Debian's mariadb-server and libarchive (RAR dumps); 7-Zip for the tests' Deflate64 zips (needs root or sudo)
	@if { command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; } && command -v bsdtar >/dev/null && command -v 7z >/dev/null; then \
		echo "mariadb-server, libarchive and 7-Zip are installed"; \
	else \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq mariadb-server libarchive-tools p7zip-full; \
	fi

hfcommunity: $(STAMP)  ## Load an HFCommunity dump (DUMP=dump_YYYYMMDD.zip|.rar|.sql|.sql.gz|.sql.zst) into a private MariaDB and import it into data/snapshots/hfcommunity-<date>
	@test -n "$(DUMP)" || { echo "usage: make hfcommunity DUMP=path/to/dump_YYYYMMDD.zip"; exit 2; }
	@$(MAKE) -s mariadb-deps
	$(PY) -m analysis import-hfcommunity --dump "$(DUMP)" $(ARGS)

html: $(STAMP)  ## Print the folder of the built book of SNAPSHOT (its html, before publishing)
	@$(PY) -c 'import sys; from analysis import paths; from analysis.snapshot import open_snapshot; print(paths.site_dir(open_snapshot(sys.argv[1]).id))' $(SNAPSHOT)

site: $(STAMP)  ## Publish the book of SNAPSHOT (or BOOKS="_build/<id> ...") as an edition of the site in SITE_DIR (default _build/site) at BASEURL
	@out="$(SITE_DIR)"; [ -n "$$out" ] || out="$$($(PY) -m analysis paths site-root)"; \
	$(PY) -m analysis site $(or $(BOOKS),$(SNAPSHOT)) --out "$$out" --baseurl "$(BASEURL)" $(SITE_ARGS)

serve: $(STAMP)  ## Serve the site in SITE_DIR on 127.0.0.1 under BASEURL's path (default http://127.0.0.1:8000/hf-hub-activity/)
	@out="$(SITE_DIR)"; [ -n "$$out" ] || out="$$($(PY) -m analysis paths site-root)"; \
	$(PY) -m analysis site --serve --out "$$out" --baseurl "$(BASEURL)"

monthly: $(STAMP)  ## The monthly edition: collect MONTH_ID from the Hub (COLLECT settings, ARGS; resumed if cut), build its book, publish it in SITE_DIR at BASEURL
	@dir="$(MONTH_DIR)"; [ -n "$$dir" ] || dir="$$($(PY) -m analysis paths snapshots)/$(MONTH_ID)"; \
	if grep -qs '"complete": true' "$$dir/manifest.json"; then echo "$$dir is complete: not collected again"; \
	else $(MAKE) --no-print-directory snapshot ARGS="--snapshot-id $(MONTH_ID) --out $$dir $(COLLECT) --no-progress $(ARGS)" || exit 1; fi; \
	$(MAKE) --no-print-directory book SNAPSHOT="$$dir" ARGS= && \
	$(MAKE) --no-print-directory site SNAPSHOT="$$dir"

bench: $(STAMP)  ## Run the benchmarks under bench/ (slow; prints figures)
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

lock:  ## Re-resolve the pins into requirements.txt (needs a fresh venv)
	@echo "Edit the top-level list in a fresh venv, then: pip freeze > requirements.txt; regenerate environment.yml"

clean:  ## Remove builds and caches (keeps .venv, snapshots and the bundled demo)
	rm -rf _build .pytest_cache bench/results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
