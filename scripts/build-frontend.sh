#!/usr/bin/env bash
# Builds frontend/ into static/app/ (skipped when nothing changed since the last build).
set -euo pipefail
cd "$(dirname "$0")/../frontend" 2>/dev/null || exit 0
command -v npm >/dev/null || { echo "Node 20 and npm are needed to build the front end." >&2; exit 1; }
stamp=../static/app/.build-stamp
hash=$(cat package.json package-lock.json vite.config.* tsconfig*.json 2>/dev/null | cat - <(find src index.html -type f -print0 2>/dev/null | sort -z | xargs -0 cat) | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
echo "$hash" > "$stamp"
