# Two commands matter: `make run` (the app with demo data on SQLite) and `make test`
# (lint and the whole suite). Both install everything they need first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

# Debian packages the tests use to check what users get: the PDF tools (qpdf,
# pdftotext/pdftoppm, zbarimg), msgfmt (gettext), which checks every catalog, and
# Chromium, which the end-to-end tests drive; wrk drives the HTTP figures of make bench.
TEST_TOOLS := qpdf pdftotext pdftoppm zbarimg msgfmt chromium wrk
TEST_PACKAGES := qpdf poppler-utils zbar-tools gettext chromium wrk

# One test process per core; a module's tests stay together so that its fixtures are built
# once. A test that runs past the timeout fails with its stack instead of stalling the run.
PYTEST_ARGS ?= -n auto --dist loadfile --timeout 300

.PHONY: run test bench load faults install install-test system-test-tools browser-test-tools translations lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Compiled catalogs are build products, never committed.
translations: install
	$(BIN)/python -m ppp_assess.i18n compile

system-test-tools:
	@missing=""; for tool in $(TEST_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing test tools:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; \
	fi

# Checkers the page tests run, from npm, pinned and kept in .test-tools (ignored by git):
# the W3C Nu HTML checker (vnu.jar, run on the machine's Java 17) and axe-core, which the
# accessibility tests inject into Chromium. Downloaded once; the tests never download.
TEST_TOOLS_DIR := .test-tools
VNU_JAR := $(TEST_TOOLS_DIR)/node_modules/vnu-jar/build/dist/vnu.jar
AXE_JS := $(TEST_TOOLS_DIR)/node_modules/axe-core/axe.min.js
NPM_TEST_PACKAGES := vnu-jar@26.9.27 axe-core@4.14.1

$(VNU_JAR) $(AXE_JS):
	@command -v java >/dev/null 2>&1 || { echo "Java 17 or later is needed: apt-get install openjdk-17-jre-headless"; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed: apt-get install npm"; exit 1; }
	mkdir -p $(TEST_TOOLS_DIR)
	@# --ignore-scripts: vnu-jar's install script would fetch a Java runtime; ours is used.
	npm install --prefix $(TEST_TOOLS_DIR) --no-save --no-audit --no-fund --ignore-scripts $(NPM_TEST_PACKAGES)
	touch $(VNU_JAR) $(AXE_JS)

browser-test-tools: $(VNU_JAR) $(AXE_JS)

run: install translations
	$(BIN)/flask db upgrade
	@# The demonstration certificates link to the address the app is about to serve on.
	PPP_ASSESS_BASE_URL=$${PPP_ASSESS_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/flask seed-demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check ppp_assess tests benchmarks docs wsgi.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

test: install-test system-test-tools browser-test-tools translations lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Every figure beside its limit measured in the same run, one table, written to
# docs/performance.md; PostgreSQL too when DATABASE_URL is set (see that document).
bench: install-test system-test-tools translations
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py --write

# 64 respondents, 4 reviewers and 2 evaluators against gunicorn for LOAD_SECONDS (60),
# on SQLite, or on PostgreSQL when DATABASE_URL is set; see docs/reliability.md.
load: install-test translations
	$(BIN)/pip install --quiet -e '.[load]'
	$(BIN)/python -m benchmarks.load.run

# The same load while a worker is killed and the database is taken away for 10 s.
faults: install-test translations
	$(BIN)/pip install --quiet -e '.[load]'
	$(BIN)/python -m benchmarks.load.run --faults

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis $(TEST_TOOLS_DIR)
	find translations -name '*.mo' -delete
