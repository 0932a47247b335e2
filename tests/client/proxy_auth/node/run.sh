#!/usr/bin/env bash
# node-postgres through pgshim in auth mode proxy (proxy_auth.test.mjs), run by
# tests/client/proxy_auth/run.sh. Uses tests/client/node's locked packages,
# installing them there (npm ci, under the same lock as tests/client/node/run.sh)
# when they are missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(cd "$here/../../node" && pwd)
: "${TARGET_PORT:?run this test through tests/client/proxy_auth/run.sh}"

if [[ ! -f $pkg/node_modules/.package-lock.json || $pkg/package-lock.json -nt $pkg/node_modules/.package-lock.json ]]; then
  (
    flock -w 300 9 || { echo "client_proxy_auth_node: timed out waiting for the npm install lock" >&2; exit 1; }
    if [[ ! -f $pkg/node_modules/.package-lock.json || $pkg/package-lock.json -nt $pkg/node_modules/.package-lock.json ]]; then
      echo "client_proxy_auth_node: npm ci in $pkg" >&2
      (cd "$pkg" && timeout -k 5 240 npm ci --no-audit --no-fund --loglevel=error) >&2
    fi
  ) 9>"$pkg/.npm-install.lock"
fi

cd "$here"
exec timeout -k 5 120 node --test --test-timeout=30000 --test-reporter=spec proxy_auth.test.mjs
