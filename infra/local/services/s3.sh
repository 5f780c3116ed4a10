# S3: Versity S3 Gateway (versitygw) over a local folder ("posix" backend). It checks SigV4 signatures,
# including presigned URLs and their expiry, which is why it is used rather than a permissive fake.
# shellcheck shell=bash

S3_VERSITYGW_VERSION="${HG_S3_VERSITYGW_VERSION:-v1.8.0}"
S3_REGION="us-east-1"

s3__bin() { printf '%s/s3/%s/versitygw' "$HG_CACHE_DIR" "$S3_VERSITYGW_VERSION"; }

s3__url() { printf 'http://%s:%s' "$HG_BIND_HOST" "$HG_S3_PORT"; }

s3_install() {
  local bin dir tmp
  command -v curl >/dev/null || hg_apt_install curl   # used by s3_ready
  bin="$(s3__bin)"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || hg_die "s3: Go is required to build versitygw"
  dir="$(dirname "$bin")"
  mkdir -p "$dir"
  rm -rf "$dir"/.gobin.*   # leftovers of an interrupted install
  tmp="$(mktemp -d "$dir/.gobin.XXXXXX")"
  hg_log "s3: building versitygw $S3_VERSITYGW_VERSION (first run downloads Go modules; a few minutes)"
  if ! GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -trimpath \
      "github.com/versity/versitygw/cmd/versitygw@$S3_VERSITYGW_VERSION"; then
    rm -rf "$tmp"
    hg_die "s3: go install versitygw failed"
  fi
  mv -f "$tmp/versitygw" "$bin"   # atomic: a half-finished build never looks installed
  rm -rf "$tmp"
}

s3_start() {
  local bin; bin="$(s3__bin)"
  [[ -x "$bin" ]] || hg_die "s3: not installed (run: hg-local install s3)"
  mkdir -p "$HG_DATA_DIR/s3"
  # Credentials go through the environment, not argv, so they do not show in `ps`.
  ROOT_ACCESS_KEY_ID="$HG_S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$HG_S3_SECRET_KEY" \
    hg_spawn s3 "$bin" \
      --port "$HG_BIND_HOST:$HG_S3_PORT" \
      --region "$S3_REGION" \
      --quiet \
      posix "$HG_DATA_DIR/s3"
}

s3_stop() { hg_stop_pid s3 30; }

# Ready = a SigV4-signed ListBuckets with the root credentials succeeds (curl >= 7.75 for --aws-sigv4).
# curl 7.88 does not add x-amz-content-sha256 itself and versitygw requires it: send the SHA-256 of the
# empty body (curl then signs it too). The credentials go to curl on stdin, not argv.
s3_ready() {
  printf 'user = "%s:%s"\n' "$HG_S3_ACCESS_KEY" "$HG_S3_SECRET_KEY" |
    curl -fsS -o /dev/null --max-time 3 -K - \
      --aws-sigv4 "aws:amz:$S3_REGION:s3" \
      -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
      "$(s3__url)/"
}

s3_env() {
  printf 'S3_ENDPOINT=%s\n' "$(s3__url)"
  printf 'S3_REGION=%s\n' "$S3_REGION"
  printf 'S3_ACCESS_KEY_ID=%s\n' "$HG_S3_ACCESS_KEY"
  printf 'S3_SECRET_ACCESS_KEY=%s\n' "$HG_S3_SECRET_KEY"
  printf 'S3_FORCE_PATH_STYLE=true\n'
}
