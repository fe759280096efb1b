# Pingjia: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := PINGJIA_ENV=development $(BIN)/flask --app survey_app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install install-dev translations db test lint bench clean messages system-deps

# The webhook worker runs beside the server and stops with it (docs/api.md).
run: install db
	$(FLASK) webhooks deliver --loop & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d survey_app/translations --statistics

# Create or migrate the embedded SQLite database in instance/, then load the demo (idempotent).
db: install
	$(FLASK) db upgrade
	$(FLASK) demo load

# Two workers (pytest-xdist), one per core; a test file stays on one worker, so a module's
# shared demo database is built once. On PostgreSQL each worker has its own database.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: install-dev system-deps
	$(BIN)/bandit -q -r survey_app analysis questionnaires demo --severity-level medium
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# System packages for the browser tests (tests/e2e) and PDF checks, from Debian: chromium
# (driven by Playwright; no browser is ever downloaded), the Noto CJK font and poppler-utils.
# apt runs only when one of them is missing; sudo only when not root; no apt: a warning.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# axe-core for the accessibility checks, from the npm registry, vendored into tests/e2e/vendor
# (git-ignored) here and never fetched while the tests run.
AXE_VERSION := 4.14.1
AXE_JS := tests/e2e/vendor/axe-core-$(AXE_VERSION)/axe.min.js

system-deps: $(AXE_JS)
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/pdftoppm ] && [ -f $(CJK_FONT) ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "warning: no apt-get: install chromium, fonts-noto-cjk and poppler-utils yourself" >&2; \
	else \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk poppler-utils; \
	fi

$(AXE_JS):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(@D) && cd $(@D) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE && \
	  rm axe-core-$(AXE_VERSION).tgz; \
	else echo "warning: no npm: the accessibility tests will be skipped" >&2; fi

lint: install-dev
	$(BIN)/ruff check survey_app analysis questionnaires demo tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/xenon --max-absolute D questionnaires analysis

bench: install-dev
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache

# Developers: refresh the catalogue after changing user-facing text, then translate.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations --no-fuzzy-matching
	$(BIN)/python tools/po_fill.py survey_app/translations/zh/LC_MESSAGES/messages.po
