# Pingjia: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := PINGJIA_ENV=development $(BIN)/flask --app survey_app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install install-dev translations db test lint bench clean messages

run: install db
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

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check survey_app analysis questionnaires tests benchmarks

bench: install-dev
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) instance .pytest_cache

# Developers: refresh the catalogue after changing user-facing text, then translate.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations --no-fuzzy-matching
	$(BIN)/python tools/po_fill.py survey_app/translations/zh/LC_MESSAGES/messages.po
