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

ready() { curl -fsS "http://127.0.0.1:$1/ready" >/dev/null 2>&1; }

case "${1:-}" in
  up)
    for entry in "${SERVICES[@]}"; do
      IFS='|' read -r name port main extra <<<"$entry"
      if hg_pid_alive "svc-$name"; then hg_log "$name already running"; continue; fi
      # shellcheck disable=SC2086
      hg_spawn "svc-$name" env PORT="$port" $extra node "$ROOT/$main"
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
