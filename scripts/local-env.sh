# Exports the connection settings of the local servers and of each service, for `make up` and tests.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
set -a
# shellcheck disable=SC1090
source <("$ROOT/infra/local/hg-local" env)
set +a
export NODE_ENV="${NODE_ENV:-development}"
export LISTINGS_DATABASE_URL="$POSTGRES_URL/homegraph_listings"
