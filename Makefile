# The two commands of the quick start are `make up` and `make test`; the rest are conveniences.
SHELL := /usr/bin/env bash

.PHONY: up down test check status reset schema

up: ## Bring the whole platform up on real local servers, migrated and seeded
	@scripts/up.sh

down: ## Stop the services and the local servers (data is kept)
	@scripts/services.sh down
	@infra/local/hg-local down

status:
	@infra/local/hg-local status || true
	@scripts/services.sh status

reset: ## Stop everything and wipe local data (installed servers are kept)
	@scripts/services.sh down
	@infra/local/hg-local reset

check: ## Static checks: formatting, lint, types (sources and tests), generated-file freshness
	@scripts/bootstrap.sh
	@npx prettier --check . --log-level warn
	@npx eslint . --max-warnings 0
	@npx tsc -p tsconfig.test.json
	@node scripts/dist/generate-schemas.js --check

test: check ## Every check and every test, starting the servers the tests need
	@infra/local/hg-local up
	@npx jest --ci

schema: ## Regenerate subgraph SDL files and the composed supergraph
	@scripts/bootstrap.sh
	@node scripts/dist/generate-schemas.js
