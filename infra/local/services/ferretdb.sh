# FerretDB: MongoDB wire protocol server, embedded in our own small Go program (infra/local/ferretdb),
# with FerretDB's SQLite backend (no dependency on the local PostgreSQL).
# shellcheck shell=bash

FERRETDB_SRC_DIR="$HG_REPO_ROOT/infra/local/ferretdb"

# Cache path keyed by the FerretDB version and a hash of our sources, so edits trigger a rebuild.
ferretdb__bin() {
  local version hash
  version="$(awk '$1 == "github.com/FerretDB/FerretDB" { print $2; exit }' "$FERRETDB_SRC_DIR/go.mod")"
  hash="$(cat "$FERRETDB_SRC_DIR/go.mod" "$FERRETDB_SRC_DIR/go.sum" "$FERRETDB_SRC_DIR/main.go" | sha256sum | cut -c1-12)"
  printf '%s/ferretdb/%s-%s/ferretdb-local' "$HG_CACHE_DIR" "${version:?FerretDB version not found in go.mod}" "$hash"
}

ferretdb__addr() { printf '%s:%s' "$HG_BIND_HOST" "$HG_FERRETDB_PORT"; }

ferretdb_install() {
  local bin dir tmp
  bin="$(ferretdb__bin)"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || hg_die "ferretdb: Go is required to build $bin"
  dir="$(dirname "$bin")"
  mkdir -p "$dir"
  rm -f "$dir"/.ferretdb-local.*   # leftovers of an interrupted build
  tmp="$(mktemp "$dir/.ferretdb-local.XXXXXX")"
  hg_log "ferretdb: building $bin (first run downloads Go modules and compiles SQLite; a few minutes)"
  if ! (cd "$FERRETDB_SRC_DIR" && GOFLAGS=-mod=readonly go build -buildvcs=false -trimpath -o "$tmp" .); then
    rm -f "$tmp"
    hg_die "ferretdb: build failed"
  fi
  mv -f "$tmp" "$bin"   # atomic: a half-finished build never looks installed
}

ferretdb_start() {
  local bin; bin="$(ferretdb__bin)"
  [[ -x "$bin" ]] || hg_die "ferretdb: not installed (run: hg-local install ferretdb)"
  mkdir -p "$HG_DATA_DIR/ferretdb"
  hg_spawn ferretdb "$bin" \
    -listen "$(ferretdb__addr)" \
    -data "$HG_DATA_DIR/ferretdb" \
    -log-level "${HG_FERRETDB_LOG_LEVEL:-warn}"
}

ferretdb_stop() { hg_stop_pid ferretdb 30; }

# Ready = a real MongoDB handshake + `ping` command over the wire, sent by the same binary.
ferretdb_ready() {
  local bin; bin="$(ferretdb__bin)"
  [[ -x "$bin" ]] || return 1
  hg_port_open "$HG_BIND_HOST" "$HG_FERRETDB_PORT" || return 1   # fail fast instead of a 2s driver timeout
  "$bin" -ping "$(ferretdb__addr)" -timeout 2s
}

ferretdb_env() {
  printf 'MONGODB_URL=mongodb://%s/\n' "$(ferretdb__addr)"
}
