#!/usr/bin/env bash
# Runs the node-postgres client tests (node's built-in runner) against the target
# that tests/support/with-pgshim.sh exported. Installs the locked npm packages into
# this directory first when they are missing (npm ci, serialised by a lock file so
# that parallel runs do not install over each other).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${TARGET_PORT:?run this test through tests/support/with-pgshim.sh}"

if [[ ! -f $here/node_modules/.package-lock.json || $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
  (
    flock -w 300 9 || { echo "client_node: timed out waiting for the npm install lock" >&2; exit 1; }
    if [[ ! -f $here/node_modules/.package-lock.json || $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
      echo "client_node: npm ci in $here" >&2
      (cd "$here" && timeout -k 5 240 npm ci --no-audit --no-fund --loglevel=error) >&2
    fi
  ) 9>"$here/.npm-install.lock"
fi

cd "$here"
# Each test file runs in its own process; --test-timeout bounds every test.
exec timeout -k 5 180 node --test --test-timeout=30000 --test-reporter=spec test/*.test.mjs
