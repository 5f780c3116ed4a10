# Exports the connection settings of the local servers and of each service, for `make up` and tests.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
set -a
# shellcheck disable=SC1090
source <("$ROOT/infra/local/hg-local" env)
# Development secrets (scripts/dev-secrets makes them on the first `make up`).
set +a
secrets_file="${HG_LOCAL_DIR:-$ROOT/.local}/secrets.env"
if [[ -f "$secrets_file" ]]; then
  set -a
  # shellcheck disable=SC1090
  source "$secrets_file"
  set +a
fi
export NODE_ENV="${NODE_ENV:-development}"
export LISTINGS_DATABASE_URL="$POSTGRES_URL/homegraph_listings"
export USERS_DATABASE_URL="$POSTGRES_URL/homegraph_users"
export ORGS_DATABASE_URL="$POSTGRES_URL/homegraph_orgs"
