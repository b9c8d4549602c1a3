# Overblik — set-up, demo, tests, benchmarks. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-test lock demo serve test test-fast lint audit bench clean services chromium messages

# Production: only what the product needs, every file checked against the lock's hashes; the
# project itself without dependencies (and built with the locked setuptools, not a download).
install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Tests and development tools on top of production, from their own lock (same versions).
TEST_STAMP := $(VENV)/.installed-test
install-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock -r requirements-test.lock
	touch $(TEST_STAMP)

# Writes both locks anew from pyproject.toml (keeping today's versions where they still fit),
# with uv in a throwaway venv.
lock:
	rm -rf /tmp/overblik-lock-venv && $(PYTHON) -m venv /tmp/overblik-lock-venv
	/tmp/overblik-lock-venv/bin/pip install --quiet uv
	$(PYTHON) deploy/lock.py --uv /tmp/overblik-lock-venv/bin/uv
	rm -rf /tmp/overblik-lock-venv

demo: install
	$(BIN)/overblik demo

serve: install
	$(BIN)/overblik serve

# PostgreSQL must run for the tests: every storage test runs on SQLite and on PostgreSQL.
services:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

# Debian's Chromium drives the dashboard's browser tests (Playwright cannot download browsers here).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Known vulnerabilities of both locks (PyPI's advisory data). Where that data cannot be
# reached (no network, or a mirror without it) the check says so and is skipped, not passed.
audit: install-test
	@out=$$($(BIN)/pip-audit -r requirements.lock -r requirements-test.lock --require-hashes --disable-pip --strict --progress-spinner off 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -qE "could not be audited|ConnectionError|Failed to resolve|Max retries"; then \
		echo "pip-audit SKIPPED: the advisory database is not reachable from here; run 'make audit' where PyPI is."; exit 0; \
	fi; echo "$$out"; exit $$rc

# Three processes, each test file in one of them (its module-scoped servers and browsers set up once).
test: install-test services chromium lint
	$(BIN)/pytest -q -p no:cacheprovider -n 3 --dist loadfile

# The unit tier, a minute at most: SQLite only, in one process, without PostgreSQL, a server or
# command process, Chromium or a slow test (tests/tiers.py); stops at the first failure. Its
# temporary files are in memory (/dev/shm) and kept only for failed tests.
test-fast: install-test
	$(BIN)/pytest -q -x -p no:cacheprovider --fast -o tmp_path_retention_policy=failed

# The message catalogue (docs/translations.md): the keys the code uses extracted (babel.cfg),
# merged into da, en and de (a new key arrives untranslated and fails the tests until it has a
# text in each), and compiled to the .mo files the product reads.
MESSAGES := core/locale
messages: install
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k t -k N_ --no-location --omit-header \
		--sort-output -o $(MESSAGES)/overblik.pot core ingest metrics services api dashboard
	$(BIN)/pybabel update -i $(MESSAGES)/overblik.pot -d $(MESSAGES) -D overblik --no-fuzzy-matching \
		--ignore-obsolete --width 100
	$(BIN)/pybabel compile -d $(MESSAGES) -D overblik --statistics

bench: install-test services
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
