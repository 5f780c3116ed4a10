#!/usr/bin/env bash
# `make up`: the whole platform on real local servers. Installs what is missing on first use, migrates
# and seeds demo data, starts every service and prints the URLs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/bootstrap.sh
infra/local/hg-local up
node scripts/dist/dev-secrets.js
# shellcheck source=local-env.sh
source scripts/local-env.sh
node scripts/dist/provision-topics.js
node scripts/dist/migrate.js
node scripts/dist/seed.js
scripts/services.sh up

cat <<TXT

Homegraph is up.
  GraphQL (router, Apollo Sandbox in the browser):  http://127.0.0.1:${ROUTER_PORT:-4000}/graphql
  Router readiness / metrics:                      http://127.0.0.1:${ROUTER_PORT:-4000}/ready  /metrics
  Subgraphs (answer only the router):              users :${USERS_PORT:-4001}  orgs :${ORGS_PORT:-4002}  listings :${LISTINGS_PORT:-4003}
  Try:  curl -s http://127.0.0.1:${ROUTER_PORT:-4000}/graphql -H 'content-type: application/json' \\
          -d '{"query":"{ listings(first: 3) { id title city listPrice currency owner { displayName } organization { name } } }"}'
  Demo accounts (password "homegraph-demo"): admin@homegraph.example, moderator@homegraph.example,
  seeker@homegraph.example, and three agents per agency (see scripts/src/demo/world.ts).

Servers (infra/local/hg-local status):
$(infra/local/hg-local status || true)

Stop everything with: make down
TXT
