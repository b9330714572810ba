# make run  – install into .venv, migrate, load demo data, serve http://127.0.0.1:8000
# make test – install into .venv and run the test suite (pytest) with a coverage report
# make lint – ruff check, ruff format --check, mypy, lint-imports (the dependency rule)
# make bench – the benchmarks in bench/ (pages under gunicorn, reminders, PDF, exports, synthesis,
#              the surge)
# make lock – compile requirements*.in into the locked requirements*.txt (with hashes)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
LOCKS := requirements.txt requirements-dev.txt
STAMP := $(VENV)/.installed-$(shell cat $(LOCKS) | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

# The coverage floor holds for the whole suite. A run narrowed with PYTEST_ARGS gets the report
# without the floor; COV_FAIL_UNDER=... sets it either way.
ifeq ($(strip $(PYTEST_ARGS)),)
COV_FAIL_UNDER ?= 93
else
COV_FAIL_UNDER ?= 0
endif

# pip-compile asks PyPI only (no local pip configuration: find-links, extra indexes, constraints),
# so the hashes in the lock files are PyPI's. LOCK_ARGS=--upgrade (or --upgrade-package NAME)
# moves pins; without it the existing pins are kept.
LOCK_ENV ?= PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= PIP_CONSTRAINT= \
	CUSTOM_COMPILE_COMMAND="make lock"
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: run test lint lock messages compilemessages system-check venv bench clean

venv: $(STAMP)

$(STAMP): $(LOCKS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install the Debian package python3.11 (or set PYTHON=...)."; exit 1; }
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { echo "Python's venv module is missing: apt-get install python3.11-venv"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

system-check:
	@command -v msgfmt >/dev/null 2>&1 || { echo "gettext is missing (msgfmt compiles the Swedish and English texts): apt-get install gettext"; exit 1; }
	@ldconfig -p 2>/dev/null | grep -q libpango-1.0 || { echo "Pango is missing (WeasyPrint renders the PDFs with it): apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; }
	@fc-list 2>/dev/null | grep -qi "DejaVu Sans" || { echo "The DejaVu fonts are missing (the PDFs name them): apt-get install fonts-dejavu-core"; exit 1; }

compilemessages: venv system-check
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

messages: venv
	$(PY) manage.py makemessages -l sv -l en --ignore=.venv --ignore=var --no-obsolete \
		--add-location=file
	$(PY) manage.py compilemessages --ignore=.venv -v 0

run: compilemessages
	@mkdir -p var/mail
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "The portal: http://$(HOST):$(PORT)/  (demo accounts in README.md; e-mail lands in var/mail/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: compilemessages
	$(PY) -m pytest --cov --cov-report=term-missing:skip-covered \
		--cov-fail-under=$(COV_FAIL_UNDER) $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

lock: venv
	$(LOCK_ENV) $(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(LOCK_ENV) $(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# Every bench runs even when an earlier one misses its goal; make fails if any did. The benches
# that take DATABASE_URL run on PostgreSQL, as production does (pages and surge need it anyway);
# each makes a database of its own there and drops it.
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export BENCH_POSTGRES_URL
bench: compilemessages
	@status=0; \
	$(PY) bench/pdf.py || status=1; \
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(PY) bench/reminders.py || status=1; \
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(PY) bench/exports.py || status=1; \
	$(PY) bench/pages.py || status=1; \
	DATABASE_URL=$(BENCH_POSTGRES_URL) $(PY) bench/synthesis.py || status=1; \
	$(PY) bench/surge.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) var/staticfiles
