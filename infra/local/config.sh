# Defaults for the local servers. Every value can be overridden from the environment, which is how
# tests start throwaway instances on their own ports and data folders.
# shellcheck shell=bash

HG_REPO_ROOT="${HG_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Data, logs and pid files of running servers: git-ignored, wiped by `reset`.
HG_LOCAL_DIR="${HG_LOCAL_DIR:-$HG_REPO_ROOT/.local}"
HG_DATA_DIR="${HG_DATA_DIR:-$HG_LOCAL_DIR/data}"
HG_LOG_DIR="${HG_LOG_DIR:-$HG_LOCAL_DIR/logs}"
HG_RUN_DIR="${HG_RUN_DIR:-$HG_LOCAL_DIR/run}"

# Installed binaries and jars: outside the checkout so a fresh clone on the same machine reuses them.
HG_CACHE_DIR="${HG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homegraph}"

HG_BIND_HOST="${HG_BIND_HOST:-127.0.0.1}"

HG_PG_PORT="${HG_PG_PORT:-15432}"
HG_REDIS_PORT="${HG_REDIS_PORT:-16379}"
HG_KAFKA_PORT="${HG_KAFKA_PORT:-19092}"
HG_KAFKA_CONTROLLER_PORT="${HG_KAFKA_CONTROLLER_PORT:-19093}"
HG_OPENSEARCH_PORT="${HG_OPENSEARCH_PORT:-19200}"
HG_FERRETDB_PORT="${HG_FERRETDB_PORT:-17017}"
HG_S3_PORT="${HG_S3_PORT:-17070}"
HG_SMTP_PORT="${HG_SMTP_PORT:-11025}"
HG_SMTP_HTTP_PORT="${HG_SMTP_HTTP_PORT:-18025}"

# Local-only credentials for servers bound to loopback; never used outside development and tests.
HG_PG_USER="${HG_PG_USER:-homegraph}"
HG_PG_PASSWORD="${HG_PG_PASSWORD:-homegraph-local}"
HG_S3_ACCESS_KEY="${HG_S3_ACCESS_KEY:-homegraph-local}"
HG_S3_SECRET_KEY="${HG_S3_SECRET_KEY:-homegraph-local-secret}"

# Order matters: `up` starts in this order, `down` stops in reverse.
HG_SERVICES_ALL="postgres redis kafka opensearch ferretdb s3 smtp"
