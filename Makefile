# make run   — the app on http://localhost:8501 (builds the demo firm on first run)
# make test  — the whole pytest suite, browser tests included
# make test-clock — the date-sensitive tests (-m clock) with the wall clock on a month start, a
#              month end, a leap day and a year end (BILLING_TODAY stays pinned: tests/conftest.py)
# make lint  — ruff
SHELL := /bin/bash

VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements.stamp
# Same rule as warehouse.db.resolve_db_path: $WAREHOUSE_DB, else data/warehouse.duckdb.
DB     := $(or $(WAREHOUSE_DB),data/warehouse.duckdb)
PORT   ?= 8501
# The app listens on this machine only; ADDRESS=0.0.0.0 make run serves the network: add an
# account first (python -m app_auth users add), or the app stays in demo mode (README "Sign-in").
ADDRESS ?= 127.0.0.1

# Wall-clock dates for test-clock: a month start, a month end, a leap day, a year end.
CLOCK_DATES ?= 2027-03-01 2027-01-31 2028-02-29 2026-12-31

.PHONY: run test test-clock lint install browser-deps pdf-deps

$(PYTHON):
	python3 -m venv $(VENV)

# Reinstalls only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt constraints.txt | $(PYTHON)
	$(PYTHON) -m pip install --disable-pip-version-check -q -r requirements.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) pdf-deps
	@if [ ! -f "$(DB)" ]; then \
		echo "No warehouse at $(DB): building the demo firm"; \
		$(PYTHON) -m etl demo --db "$(DB)" && \
		$(PYTHON) -m billing --db "$(DB)" ar-sync > /dev/null && \
		$(PYTHON) -m rules --db "$(DB)" run > /dev/null; \
	fi
	@# A warehouse from an older version gets this version's schema (migrations keep its rows).
	$(PYTHON) -c "from warehouse.db import connect; connect('$(DB)').close()"
	@# serve.py = `streamlit run app.py`, with a page URL opened first routed through app.py.
	$(PYTHON) -m serve --server.headless true --server.address $(ADDRESS) --server.port $(PORT)

# The browser tests drive Debian's chromium (Playwright's own browser download is not used);
# the PDF tests read invoices with poppler's pdftotext.
browser-deps: pdf-deps
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ]; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium chromium-driver poppler-utils; \
	fi

# The invoice PDF embeds DejaVu Sans (Debian's fonts-dejavu-core; billing/pdf_font.py) so that
# names such as "Łódź" print as written. Without it the PDF falls back to Helvetica.
DEJAVU := /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
pdf-deps:
	@if [ ! -f $(DEJAVU) ]; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			fonts-dejavu-core; \
	fi

test: $(STAMP) browser-deps
	$(PYTHON) -m pytest -q

test-clock: $(STAMP)
	@set -e; for day in $(CLOCK_DATES); do \
		echo "== wall clock at $$day"; \
		$(PYTHON) -m pytest -q -p no:cacheprovider -m clock --wall-clock=$$day; \
	done

lint: $(STAMP)
	$(PYTHON) -m ruff check .
