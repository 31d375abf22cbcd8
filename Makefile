# Kefu: two commands matter — `make dev` and `make test`. Everything installs into the checkout.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_OUTDIR := cdk.out
export PIP_DISABLE_PIP_VERSION_CHECK := 1

SPA_SOURCES := $(shell find spa/src spa/index.html spa/vite.config.ts spa/tsconfig*.json -type f 2>/dev/null)

.PHONY: help install build layer spa synth lint test test-unit test-integration test-infra test-e2e test-spa dev dev-reset bench browser clean

help:
	@echo "make dev        run Kefu on this machine (local cloud, SPA at /app/)"
	@echo "make dev-reset  the same, from clean demo data"
	@echo "make test       install what the tests need and run every suite"
	@echo "make synth      synthesize the CDK app into cdk.out/ and check it (cdk-nag, cfn-lint)"
	@echo "make lint       ruff, mypy, SPA typecheck"
	@echo "make bench      benchmarks; figures into docs/benchmarks.md"
	@echo "make build      dependencies layer + SPA"

# ---------------------------------------------------------------- install
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

spa/node_modules/.installed: spa/package.json spa/package-lock.json
	cd spa && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed spa/node_modules/.installed

# ---------------------------------------------------------------- build
layer: $(VENV)/.installed
	$(PY) layers/deps/build.py

spa/dist/index.html: spa/node_modules/.installed $(SPA_SOURCES)
	cd spa && npm run build --silent

spa: spa/dist/index.html

build: layer spa

# ---------------------------------------------------------------- synth
# The local cloud is an installation too: local/cdk-context.json is its context (a demo order system, which
# the local cloud stands in for). `npx cdk deploy` reads cdk.json only and never sees it.
synth: install build
	rm -rf cdk.out
	CDK_CONTEXT_JSON="$$(cat local/cdk-context.json)" $(PY) infra/app.py
	$(VENV)/bin/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json
	@echo "synth ok: cdk.out/Kefu.template.json (cdk-nag and cfn-lint clean)"

# ---------------------------------------------------------------- checks
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/kefu/python functions infra local tests
	cd spa && npm run typecheck --silent && npm run lint --silent

# Browser tests drive Debian's Chromium with CJK fonts (Chinese must render); install them when missing (root on CI).
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  echo "installing chromium and CJK fonts for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; }

test: synth browser lint test-spa
	KEFU_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -p no:cacheprovider

# The agent app's component tests (Vitest, jsdom).
test-spa: spa/node_modules/.installed
	cd spa && npm test --silent

test-unit: install
	$(VENV)/bin/pytest tests/unit
test-integration: synth
	$(VENV)/bin/pytest tests/integration
test-infra: install layer
	$(VENV)/bin/pytest tests/infra
test-e2e: synth browser
	$(VENV)/bin/pytest tests/e2e

# ---------------------------------------------------------------- run
dev: synth
	$(PY) -m local

dev-reset: synth
	$(PY) -m local --reset

bench: synth browser
	$(PY) -m tests.bench

clean:
	rm -rf cdk.out .build spa/dist .pytest_cache .mypy_cache .ruff_cache
