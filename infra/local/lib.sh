# Shared helpers for infra/local service scripts.
# shellcheck shell=bash

hg_log() { printf '[hg-local] %s\n' "$*" >&2; }
hg_die() { printf '[hg-local] error: %s\n' "$*" >&2; exit 1; }

hg_now_ms() { date +%s%3N; }

# hg_wait NAME TIMEOUT_SECONDS COMMAND...: run COMMAND until it succeeds or the time is up.
hg_wait() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      hg_log "$name not ready after ${timeout}s; last lines of its log:"
      tail -n 30 "$HG_LOG_DIR/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.3
  done
}

hg_pidfile() { printf '%s/%s.pid' "$HG_RUN_DIR" "$1"; }

hg_pid_alive() {
  local pidfile; pidfile="$(hg_pidfile "$1")"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# hg_spawn NAME COMMAND...: start COMMAND detached in its own session, log to HG_LOG_DIR/NAME.log,
# remember its pid. The process outlives this script.
hg_spawn() {
  local name="$1"; shift
  mkdir -p "$HG_LOG_DIR" "$HG_RUN_DIR"
  setsid "$@" >>"$HG_LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$(hg_pidfile "$name")"
}

# hg_stop_pid NAME [TIMEOUT]: SIGTERM the recorded process group, then SIGKILL after TIMEOUT seconds.
hg_stop_pid() {
  local name="$1" timeout="${2:-30}" pidfile pid
  pidfile="$(hg_pidfile "$name")"
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + timeout ))
    while kill -0 "$pid" 2>/dev/null; do
      if (( $(date +%s) >= deadline )); then
        hg_log "$name did not stop in ${timeout}s; killing"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$pidfile"
}

hg_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# hg_apt_install PKG...: install Debian packages that are missing; `apt-get update` at most once a run.
hg_apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  (( ${#missing[@]} == 0 )) && return 0
  local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if [[ -z "${HG_APT_UPDATED:-}" ]]; then
    hg_log "apt-get update"
    $sudo apt-get update -qq >&2
    export HG_APT_UPDATED=1
  fi
  hg_log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
