# Two commands for a newcomer: `make run` and `make test`. Both need only Python.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt build-constraints.txt | cksum | cut -d' ' -f1)
# Production-like settings for `check --deploy`: no DEBUG, a real-looking secret, HTTPS.
DEPLOY_ENV := DEBUG=false SECRET_KEY=check-deploy-$(shell printf '%064d' 0 | tr 0 x)-not-a-real-secret \
	ALLOWED_HOSTS=deflection.example.org SITE_URL=https://deflection.example.org REQUIRE_MFA=true \
	FIELD_ENCRYPTION_KEYS=Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk= BLIND_INDEX_KEY=check-deploy-only-blind-index

.PHONY: run test bench venv system-deps services-down lint clean-data

venv: $(STAMP)

$(STAMP): requirements.txt build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=$(CURDIR)/build-constraints.txt $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Debian packages the browser tests and PDF checks need (installed only when root and missing).
system-deps:
	@missing=""; \
	for pkg in chromium libharfbuzz-subset0 poppler-utils; do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing from Debian:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)"; exit 1; \
		fi; \
	fi

run: venv
	DEBUG=$${DEBUG:-true} $(PY) -m deflection.stack run

test: venv system-deps
	@set -e; eval "$$($(PY) -m deflection.stack env)"; \
	echo "== ruff"; $(VENV)/bin/ruff check .; \
	echo "== import contract"; $(VENV)/bin/lint-imports; \
	echo "== makemigrations --check"; DEBUG=true $(PY) manage.py makemigrations --check --dry-run; \
	echo "== check --deploy (production-like settings)"; $(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING; \
	echo "== pytest (as the owner role: the suite creates and flushes its own database)"; \
	DATABASE_URL=$$MIGRATE_DATABASE_URL MIGRATE_DATABASE_URL= $(VENV)/bin/pytest

bench: venv
	@set -e; eval "$$($(PY) -m deflection.stack env)"; \
	DATABASE_URL=$$MIGRATE_DATABASE_URL MIGRATE_DATABASE_URL= DEBUG=true $(PY) -m bench

services-down: venv
	$(PY) -m deflection.stack down

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
