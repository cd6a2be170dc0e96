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
  # A lock written against a registry mirror that lacks some platforms' optional binaries
  # (e.g. @rollup/rollup-darwin-arm64) fails npm ci's completeness check although it pins
  # everything this machine needs: then install from the same lock without rewriting it.
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
    if grep -q "package.json and package-lock.json or npm-shrinkwrap.json are in sync" "$log"; then
      echo "npm ci: the lock file lacks other platforms' optional packages; npm install --no-save instead."
      npm install --no-save --no-audit --no-fund
    else
      cat "$log" >&2
      rm -f "$log"
      exit 1
    fi
  else
    cat "$log"
  fi
  rm -f "$log"
fi
npm run build
echo "$hash" > "$stamp"
