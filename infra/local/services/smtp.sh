# SMTP sink for mail tests: Mailpit, built from its Go module (no release download), run with its
# SMTP server and HTTP API (/api/v1/...) bound to HG_BIND_HOST. Messages are kept in a SQLite file.
# shellcheck shell=bash

HG_MAILPIT_VERSION="${HG_MAILPIT_VERSION:-v1.33.1}"

_smtp_dir()     { printf '%s/smtp' "$HG_DATA_DIR"; }
_smtp_bin_dir() { printf '%s/smtp/mailpit-%s' "$HG_CACHE_DIR" "$HG_MAILPIT_VERSION"; }
_smtp_hostport() { # host:port, with [] around an IPv6 literal
  if [[ "$1" == *:* ]]; then printf '[%s]:%s' "$1" "$2"; else printf '%s:%s' "$1" "$2"; fi
}

smtp_install() {
  local dest tmp parent
  dest="$(_smtp_bin_dir)"
  [[ -x "$dest/mailpit" ]] && return 0
  command -v go >/dev/null || hg_die "smtp: Go toolchain not found (needed once to build mailpit)"
  parent="$(dirname "$dest")"
  mkdir -p "$parent"
  # Leftovers of interrupted builds.
  find "$parent" -maxdepth 1 -name "mailpit-*.partial.*" -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  tmp="$(mktemp -d "$dest.partial.XXXXXX")"
  hg_log "smtp: building mailpit $HG_MAILPIT_VERSION (go install, first time only; takes a few minutes)"
  # The web UI bundle (server/ui/dist) is not part of the Go module, so this binary serves the SMTP
  # server and the HTTP API, but the browser UI page stays empty.
  if ! CGO_ENABLED=0 GOBIN="$tmp" go install \
      -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$HG_MAILPIT_VERSION" \
      "github.com/axllent/mailpit@$HG_MAILPIT_VERSION" >&2; then
    rm -rf "$tmp"; hg_die "smtp: building mailpit failed"
  fi
  [[ -x "$tmp/mailpit" ]] || { rm -rf "$tmp"; hg_die "smtp: go install produced no mailpit binary"; }
  # Atomic publish; if a concurrent install won the race, keep theirs.
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
  [[ -x "$dest/mailpit" ]] || hg_die "smtp: install incomplete in $dest"
}

smtp_start() {
  mkdir -p "$(_smtp_dir)"
  hg_spawn smtp "$(_smtp_bin_dir)/mailpit" \
    --smtp "$(_smtp_hostport "$HG_BIND_HOST" "$HG_SMTP_PORT")" \
    --listen "$(_smtp_hostport "$HG_BIND_HOST" "$HG_SMTP_HTTP_PORT")" \
    --database "$(_smtp_dir)/mailpit.db" \
    --max 10000 \
    --smtp-auth-accept-any --smtp-auth-allow-insecure \
    --smtp-disable-rdns \
    --disable-version-check
}

smtp_ready() {
  curl -fsS --max-time 2 "http://$(_smtp_hostport "$HG_BIND_HOST" "$HG_SMTP_HTTP_PORT")/api/v1/messages?limit=1" 2>/dev/null \
    | grep -q '"total"'
}

smtp_stop() { hg_stop_pid smtp 15; }

smtp_env() {
  echo "SMTP_URL=smtp://$(_smtp_hostport "$HG_BIND_HOST" "$HG_SMTP_PORT")"
  echo "SMTP_SINK_API=http://$(_smtp_hostport "$HG_BIND_HOST" "$HG_SMTP_HTTP_PORT")"
}
