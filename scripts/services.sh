#!/usr/bin/env bash
# Runs the platform's own services (subgraphs and router) in the background, on loopback:
#   scripts/services.sh up | down | status
# Logs go to .local/logs/<service>.log. Servers must already be up (infra/local/hg-local up).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../infra/local/config.sh
source "$ROOT/infra/local/config.sh"
# shellcheck source=../infra/local/lib.sh
source "$ROOT/infra/local/lib.sh"
# shellcheck source=local-env.sh
source "$ROOT/scripts/local-env.sh"

ROUTER_PORT="${ROUTER_PORT:-4000}"
USERS_PORT="${USERS_PORT:-4001}"
ORGS_PORT="${ORGS_PORT:-4002}"
LISTINGS_PORT="${LISTINGS_PORT:-4003}"

# name | port | entry point | extra environment
SERVICES=(
  "users|$USERS_PORT|subgraphs/users/dist/main.js|DATABASE_URL=$USERS_DATABASE_URL"
  "orgs|$ORGS_PORT|subgraphs/orgs/dist/main.js|DATABASE_URL=$ORGS_DATABASE_URL"
  "listings|$LISTINGS_PORT|subgraphs/listings/dist/main.js|DATABASE_URL=$LISTINGS_DATABASE_URL"
  "router|$ROUTER_PORT|router/dist/main.js|SUBGRAPH_USERS_URL=http://127.0.0.1:$USERS_PORT/graphql SUBGRAPH_ORGS_URL=http://127.0.0.1:$ORGS_PORT/graphql SUBGRAPH_LISTINGS_URL=http://127.0.0.1:$LISTINGS_PORT/graphql USERS_JWKS_URL=http://127.0.0.1:$USERS_PORT/.well-known/jwks.json"
)

# Each service starts with only the variables it reads (least privilege: no subgraph holds the router's
# or the users service's signing key, none another's database URL). Names ending in "*" are prefixes.
COMMON_ENV="PATH HOME NODE_ENV LOG_LEVEL HOST SHUTDOWN_TIMEOUT_MS OTEL_* KAFKA_BROKERS"
SUBGRAPH_ENV="$COMMON_ENV ROUTER_PUBLIC_JWKS ROUTER_TOKEN_ISSUER KAFKA_CONSUMER_GROUP_SUFFIX"
declare -A SERVICE_ENV=(
  [users]="$SUBGRAPH_ENV ACCESS_TOKEN_* REFRESH_TOKEN_*"
  [orgs]="$SUBGRAPH_ENV"
  [listings]="$SUBGRAPH_ENV"
  [router]="$COMMON_ENV ROUTER_SIGNING_KEY ROUTER_TOKEN_* REDIS_URL RATE_LIMIT_* TRUSTED_PROXIES USERS_JWKS_* ACCESS_TOKEN_ISSUER ACCESS_TOKEN_AUDIENCE PARTNER_CLIENTS PERSISTED_OPERATIONS_DIR APQ_* MAX_QUERY_* CORS_ORIGINS SUPERGRAPH_* SUBGRAPH_* SUBSCRIPTION_*"
)

# environment_of NAME: fills ENVIRONMENT with NAME=value for each variable of the service that is set.
environment_of() {
  ENVIRONMENT=()
  local pattern variable
  for pattern in ${SERVICE_ENV[$1]}; do
    for variable in $(compgen -e); do
      # shellcheck disable=SC2053
      if [[ "$variable" == $pattern ]]; then ENVIRONMENT+=("$variable=${!variable}"); fi
    done
  done
}

ready() { curl -fsS "http://127.0.0.1:$1/ready" >/dev/null 2>&1; }

case "${1:-}" in
  up)
    for entry in "${SERVICES[@]}"; do
      IFS='|' read -r name port main extra <<<"$entry"
      if hg_pid_alive "svc-$name"; then hg_log "$name already running"; continue; fi
      environment_of "$name"
      # shellcheck disable=SC2086
      hg_spawn "svc-$name" env -i "${ENVIRONMENT[@]}" PORT="$port" $extra node "$ROOT/$main"
      hg_wait "svc-$name" 60 ready "$port" || hg_die "$name did not become ready (see $HG_LOG_DIR/svc-$name.log)"
      hg_log "$name ready on http://127.0.0.1:$port"
    done ;;
  down)
    for ((i=${#SERVICES[@]}-1; i>=0; i--)); do
      IFS='|' read -r name _ <<<"${SERVICES[i]}"
      hg_stop_pid "svc-$name" 20
    done ;;
  status)
    for entry in "${SERVICES[@]}"; do
      IFS='|' read -r name port _ <<<"$entry"
      if ready "$port"; then printf '%-11s ready  http://127.0.0.1:%s\n' "$name" "$port"; else printf '%-11s stopped\n' "$name"; fi
    done ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
