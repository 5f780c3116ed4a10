# PostgreSQL 15 + PostGIS 3 from Debian, run as our own cluster (not the Debian-managed one).
# shellcheck shell=bash

HG_PG_BIN="${HG_PG_BIN:-/usr/lib/postgresql/15/bin}"

# One database per subgraph; the ones listed in HG_PG_POSTGIS_DBS also get the postgis extension.
HG_PG_DATABASES="homegraph_users homegraph_orgs homegraph_listings homegraph_geo homegraph_leads homegraph_billing homegraph_moderation homegraph_interactions homegraph_admin"
HG_PG_POSTGIS_DBS="homegraph_listings homegraph_geo"

_pg_dir()     { printf '%s/postgres' "$HG_DATA_DIR"; }
_pg_pgdata()  { printf '%s/pgdata' "$(_pg_dir)"; }
_pg_sockdir() { printf '%s/postgres' "$HG_RUN_DIR"; }

# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` OS user.
_pg_os_user() { if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi; }

# _pg_as_prefix: command prefix that switches to the cluster owner. setpriv execs in place (no extra
# process), so the pid recorded by hg_spawn is the postmaster's own pid.
_pg_as_prefix() {
  if [[ $(id -u) -eq 0 ]]; then
    printf '%s\n' setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --
  fi
}
_pg_as() { local p; mapfile -t p < <(_pg_as_prefix); "${p[@]}" "$@"; }

# The cluster owner must be able to traverse every parent of its directories (e.g. a root-owned
# `mktemp -d` is 0700). Grant search-only permission (o+x, no listing) where it is missing.
_pg_grant_traverse() {
  [[ $(id -u) -eq 0 ]] || return 0
  local target d chain
  for target in "$@"; do
    chain=(); d="$target"
    while [[ "$d" != "/" && -n "$d" ]]; do chain=("$d" "${chain[@]}"); d="$(dirname "$d")"; done
    for d in "${chain[@]}"; do   # from the top down
      if [[ -d "$d" ]] && ! _pg_as test -x "$d"; then
        hg_log "postgres: granting search permission (o+x) on $d so the postgres user can reach its data"
        chmod o+x "$d"
      fi
    done
  done
}

_pg_psql() { # _pg_psql DB ARGS...: psql over TCP with the password
  local db="$1"; shift
  PGPASSWORD="$HG_PG_PASSWORD" PGCONNECT_TIMEOUT=3 "$HG_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$HG_BIND_HOST" -p "$HG_PG_PORT" -U "$HG_PG_USER" -d "$db" "$@"
}

postgres_install() {
  hg_apt_install postgresql-15 postgresql-15-postgis-3
  [[ -x "$HG_PG_BIN/postgres" ]] || hg_die "postgres binary missing in $HG_PG_BIN"
  [[ -f /usr/share/postgresql/15/extension/postgis.control ]] || hg_die "postgis extension files missing"
}

# Create the cluster (resumable: initdb into a temp dir, then rename).
_pg_init() {
  local dir pgdata tmp owner
  dir="$(_pg_dir)"; pgdata="$(_pg_pgdata)"; tmp="$dir/pgdata.initdb"; owner="$(_pg_os_user)"
  [[ -f "$pgdata/PG_VERSION" ]] && return 0
  hg_log "postgres: initdb in $pgdata"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  local pwfile="$dir/.initdb-pw"
  (umask 077; printf '%s\n' "$HG_PG_PASSWORD" >"$pwfile")
  if [[ $(id -u) -eq 0 ]]; then chown "$owner:" "$dir" "$tmp" "$pwfile"; fi
  _pg_grant_traverse "$dir"
  _pg_as "$HG_PG_BIN/initdb" -D "$tmp" -U "$HG_PG_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-instructions >>"$HG_LOG_DIR/postgres.log" 2>&1 \
    || { rm -f "$pwfile"; hg_die "initdb failed, see $HG_LOG_DIR/postgres.log"; }
  rm -f "$pwfile"
  # initdb only allows loopback over TCP; accept any address (still with the password) so that a
  # non-loopback HG_BIND_HOST works too. Exposure is controlled by listen_addresses.
  printf '%s\n' '# added by infra/local/services/postgres.sh' 'host    all             all             all                     scram-sha-256' \
    >>"$tmp/pg_hba.conf"
  mv "$tmp" "$pgdata"
}

postgres_start() {
  local pgdata sockdir owner
  pgdata="$(_pg_pgdata)"; sockdir="$(_pg_sockdir)"; owner="$(_pg_os_user)"
  mkdir -p "$(_pg_dir)" "$sockdir" "$HG_LOG_DIR"
  _pg_init
  if [[ $(id -u) -eq 0 ]]; then chown "$owner:" "$sockdir"; fi
  _pg_grant_traverse "$pgdata" "$sockdir"
  # Settings are passed on the command line so that every start applies the current config
  # (ports/dirs from config.sh) to an existing cluster. Tuned for development and tests.
  local as; mapfile -t as < <(_pg_as_prefix)
  hg_spawn postgres "${as[@]}" "$HG_PG_BIN/postgres" -D "$pgdata" \
    -c listen_addresses="$HG_BIND_HOST" \
    -c port="$HG_PG_PORT" \
    -c unix_socket_directories="$sockdir" \
    -c max_connections=300 \
    -c shared_buffers=512MB \
    -c work_mem=8MB \
    -c maintenance_work_mem=128MB \
    -c max_locks_per_transaction=256 \
    -c synchronous_commit=off \
    -c max_wal_size=2GB \
    -c checkpoint_timeout=15min \
    -c huge_pages=off \
    -c timezone=UTC \
    -c log_timezone=UTC \
    -c logging_collector=off \
    -c log_line_prefix='%m [%p] %q%u@%d ' \
    -c log_min_duration_statement=-1
}

postgres_ready() {
  [[ "$(_pg_psql postgres -tAc 'select 1' 2>/dev/null)" == "1" ]]
}

# Run by `hg-local up` after postgres_ready succeeds (every time, so it must stay idempotent).
postgres_post_start() {
  # Called as `postgres_post_start || hg_die ...`, where `set -e` does not apply: check every step.
  local db existing
  existing="$(_pg_psql postgres -tAc 'select datname from pg_database')" || return 1
  for db in $HG_PG_DATABASES; do
    grep -qx "$db" <<<"$existing" && continue
    hg_log "postgres: creating database $db"
    _pg_psql postgres -c "create database \"$db\" owner \"$HG_PG_USER\"" || return 1
  done
  for db in $HG_PG_POSTGIS_DBS; do
    [[ "$(_pg_psql "$db" -tAc "select count(*) from pg_extension where extname = 'postgis'")" == 1 ]] && continue
    hg_log "postgres: creating extension postgis in $db"
    _pg_psql "$db" -c 'create extension if not exists postgis' || return 1
  done
}

postgres_stop() {
  local pidfile pid
  pidfile="$(hg_pidfile postgres)"
  if [[ -f "$pidfile" ]] && pid="$(cat "$pidfile")" && kill -0 "$pid" 2>/dev/null; then
    # SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit. (SIGTERM would wait for
    # every client to disconnect first.)
    kill -INT "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + 30 ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
  fi
  hg_stop_pid postgres 10
}

_pg_urlencode() { # percent-encode everything but unreserved characters (ASCII)
  local s="$1" out="" c i
  for (( i = 0; i < ${#s}; i++ )); do
    c="${s:i:1}"
    case "$c" in [a-zA-Z0-9.~_-]) out+="$c" ;; *) printf -v c '%%%02X' "'$c"; out+="$c" ;; esac
  done
  printf '%s' "$out"
}

postgres_env() {
  local host="$HG_BIND_HOST"; [[ "$host" == *:* ]] && host="[$host]"
  echo "POSTGRES_URL=postgresql://$(_pg_urlencode "$HG_PG_USER"):$(_pg_urlencode "$HG_PG_PASSWORD")@$host:$HG_PG_PORT"
  echo "POSTGRES_HOST=$HG_BIND_HOST"
  echo "POSTGRES_PORT=$HG_PG_PORT"
}
