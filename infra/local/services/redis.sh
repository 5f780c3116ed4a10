# Redis 7 from Debian (package redis-server), run as our own process with our own config
# (the Debian system service is not used).
# shellcheck shell=bash

_redis_dir() { printf '%s/redis' "$HG_DATA_DIR"; }

redis_install() {
  hg_apt_install redis-server redis-tools
  command -v redis-server >/dev/null || hg_die "redis-server not found after install"
}

redis_start() {
  mkdir -p "$(_redis_dir)"
  hg_spawn redis redis-server "$HG_REPO_ROOT/infra/local/redis/redis.conf" \
    --bind "$HG_BIND_HOST" --port "$HG_REDIS_PORT" --dir "$(_redis_dir)" \
    --pidfile "" --unixsocket ""
}

redis_ready() {
  [[ "$(redis-cli -h "$HG_BIND_HOST" -p "$HG_REDIS_PORT" PING 2>/dev/null)" == "PONG" ]]
}

# SIGTERM makes redis flush the append-only file and exit.
redis_stop() { hg_stop_pid redis 30; }

redis_env() {
  echo "REDIS_URL=redis://$HG_BIND_HOST:$HG_REDIS_PORT"
}
