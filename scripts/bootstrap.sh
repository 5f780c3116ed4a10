#!/usr/bin/env bash
# Makes the checkout ready to run: Node dependencies (when the lockfile changed), generated Prisma
# clients, and a TypeScript build. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || { log "Node.js 20 or newer is required (found $(node --version))"; exit 1; }

stamp=node_modules/.homegraph-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

# Prisma reads DATABASE_URL from the schema even to generate; generation never connects.
for schema in subgraphs/*/prisma/schema.prisma; do
  dir=$(dirname "$(dirname "$schema")")
  out="$dir/src/data/__generated__/prisma"
  hash=$(sha256sum "$schema" package-lock.json | sha256sum | cut -d' ' -f1)
  if [[ ! -f "$out/.schema-hash" || "$(cat "$out/.schema-hash")" != "$hash" ]]; then
    log "generating Prisma client for $dir"
    (cd "$dir" && DATABASE_URL="${DATABASE_URL:-postgresql://generate-only@127.0.0.1/none}" npx prisma generate >/dev/null)
    echo "$hash" >"$out/.schema-hash"
  fi
done

log "building TypeScript"
npx tsc -b
