# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# What is installed, in two steps: `make run` needs only the project and WeasyPrint's
# libraries; `make test` (and lint, bench) adds the dev extras, Chromium and Node.js.
RUN_STAMP  := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp
# apt-get's and pip's output goes here: a line says what is installed, and the end of the
# log is shown only when something fails.
INSTALL_LOG := $(VENV)/install.log
PIP        := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: install install-test system-packages run test lint migrate demo messages bench

# WeasyPrint (PDF exports and invoices) needs Pango and a font from Debian.
RUN_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# The browser tests (display board, agent console) drive Debian's Chromium with Playwright.
TEST_LIBS := chromium
# compose.yaml is checked by loading it with Debian's docker-compose (tests/
# test_deploy_files.py); no Docker daemon is needed for that, hence no recommends.
COMPOSE_PACKAGES := docker-compose
# The generated TypeScript client's check (tests/test_generated_clients.py) runs npm:
# Debian's Node.js and npm, unless a Node.js with npm is already there.
NODE_PACKAGES := nodejs npm

# $(call quietly,what,command): one line for what is done; the command's output goes to
# INSTALL_LOG, and its end is shown if the command fails.
define quietly
mkdir -p $(VENV); \
printf '%s (log: %s) ... ' "$(1)" "$(INSTALL_LOG)"; \
if { $(2); } >>"$(INSTALL_LOG)" 2>&1; then \
  echo done; \
else \
  echo failed; tail -n 40 "$(INSTALL_LOG)"; exit 1; \
fi
endef

# $(call apt_install,packages[,apt-get options]): install those of the Debian packages
# that are missing.
define apt_install
missing=""; \
for package in $(1); do \
  [ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$package" 2>/dev/null)" = installed ] \
    || missing="$$missing $$package"; \
done; \
if [ -n "$$missing" ]; then \
  $(call quietly,Installing Debian packages:$$missing,apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) $$missing); \
fi
endef

$(RUN_STAMP): pyproject.toml
	@$(call apt_install,$(RUN_LIBS))
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(call quietly,Installing Teranga into $(VENV): a few minutes the first time,\
	  $(PIP) install --upgrade pip && $(PIP) install -e .)
	@touch $@

# Every Debian package of the tests (and of running).
system-packages:
	@$(call apt_install,$(RUN_LIBS) $(TEST_LIBS))
	@command -v npm >/dev/null 2>&1 || { $(call apt_install,$(NODE_PACKAGES)); }
	@$(call apt_install,$(COMPOSE_PACKAGES),--no-install-recommends)

$(TEST_STAMP): $(RUN_STAMP) | system-packages
	@$(call quietly,Installing the development tools into $(VENV),$(PIP) install -e ".[dev]")
	@touch $@

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

migrate: install
	@echo "Migrating the database ..."
	@$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	@$(BIN)/python manage.py seed_demo

# Web + WebSockets + task worker + scheduler, in one process (embedded default), or
# against PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.
run: demo
	@$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Benchmarks (figures printed against a baseline measured in the same run). They use
# their own throwaway database: SQLite by default, PostgreSQL when DATABASE_URL is set.
# The board fan-out runs on Redis: REDIS_URL, or the one on 127.0.0.1:6379 (database 13).
bench: install-test
	@command -v wrk >/dev/null 2>&1 || { $(call apt_install,wrk); }
	$(BIN)/python -m benchmarks.api_overhead
	$(BIN)/python -m benchmarks.slots
	$(BIN)/python -m benchmarks.booking_concurrency
	$(BIN)/python -m benchmarks.webhook_storm
	$(BIN)/python -m benchmarks.invoice_numbering
	$(BIN)/python -m benchmarks.coupon_last_use
	$(BIN)/python -m benchmarks.notification_throughput
	$(BIN)/python -m benchmarks.chat_fanout
	$(BIN)/python -m benchmarks.smartqueue_take_ticket
	$(BIN)/python -m benchmarks.smartqueue_call_next
	$(BIN)/python -m benchmarks.smartqueue_forecast --check
	$(BIN)/python -m benchmarks.smartqueue_board_fanout --redis-url $${REDIS_URL:-redis://127.0.0.1:6379}
	$(BIN)/python -m benchmarks.campus_onsale_rush
	$(BIN)/python -m benchmarks.campus_checkin
	$(BIN)/python -m benchmarks.campus_nearby
	$(BIN)/python -m benchmarks.campus_recommendations
	$(BIN)/python -m benchmarks.campus_analytics
	$(BIN)/python -m benchmarks.campus_group_feed
	$(BIN)/python -m benchmarks.campus_leaderboard
	$(BIN)/python -m benchmarks.campus_invitations
	$(BIN)/python -m benchmarks.academy_mt_sync
	$(BIN)/python -m benchmarks.realestate_matching --check

# Recompile the message catalogues (fr, en, wo) after editing the .po files.
messages: install
	$(BIN)/python -m teranga.core.compile_messages
