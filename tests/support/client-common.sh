# shellcheck shell=bash
# Shared helpers for the shell client tests (sourced, never run). Expects the
# environment tests/support/with-pgshim.sh exports (TARGET_HOST, TARGET_PORT,
# DIRECT_PORT, TARGET_KIND, TARGET_TLS, PGSANDBOX_*).
#
# Every client call goes through `timeout`, so a hung relay fails the test with a
# message instead of stalling ctest until its own timeout.
set -euo pipefail

: "${TARGET_HOST:?run this test through tests/support/with-pgshim.sh}"
: "${TARGET_PORT:?run this test through tests/support/with-pgshim.sh}"
: "${DIRECT_PORT:?run this test through tests/support/with-pgshim.sh}"

PGBIN=${PGSANDBOX_BIN:-/usr/lib/postgresql/15/bin}
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
PGSHIM_SOURCE_DIR=${PGSHIM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${TEST_NAME}.XXXXXX")
CLIENT_DBS=()

# libpq defaults for everything below: the scram role over the target. sslmode
# stays libpq's default (prefer), as an application's would.
export PGHOST=$TARGET_HOST PGPORT=$TARGET_PORT PGUSER=pgshim_scram PGPASSWORD=scram-pass
export PGCONNECT_TIMEOUT=10
export PGAPPNAME=$TEST_NAME
unset PGDATABASE PGSERVICE PGSSLMODE PGCHANNELBINDING PGOPTIONS
if [[ ${TARGET_TLS:-0} == 1 && ${TARGET_KIND:-} == pgshim ]]; then
  # SCRAM channel binding cannot span two TLS sessions; clients that terminate
  # TLS at pgshim must not ask for it (see issue 2). The channel-binding case
  # itself is checked explicitly in psql_test.sh.
  export PGCHANNELBINDING=disable
fi

fail() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
step() { echo "--- [$TEST_NAME] $*"; }
pass() { echo "ok   [$TEST_NAME] $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
  if [[ "$2" != "$3" ]]; then
    fail "$1: expected '$2', got '$3'"
  fi
}

# assert_contains WHAT NEEDLE HAYSTACK
assert_contains() {
  if [[ "$3" != *"$2"* ]]; then
    fail "$1: expected output containing '$2', got: $3"
  fi
}

# q [PSQL_ARG...] -c SQL / -f FILE: psql against the target, unaligned tuples only,
# stop on the first error, bounded by `timeout`. Prints what psql prints.
q() {
  timeout -k 5 "${Q_TIMEOUT:-60}" "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# q_direct: the same, straight to the server (setup checks and cleanup that must
# not depend on the component under test).
q_direct() {
  PGPORT=$DIRECT_PORT PGSSLMODE=prefer PGCHANNELBINDING=prefer q "$@"
}

# db_name SUFFIX: prints <test>_<suffix>_<pid> (test names start with client_), unique per run.
db_name() { echo "${TEST_NAME//[^a-zA-Z0-9_]/_}_$1_$$"; }

# create_db NAME: creates NAME through the target and records it for dropping at
# exit (call it in the main shell, not in $(...), or the record is lost).
create_db() {
  CLIENT_DBS+=("$1")
  q -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null \
    || fail "CREATE DATABASE $1 through the target failed"
}

client_cleanup() {
  local rc=$?
  local db
  for db in "${CLIENT_DBS[@]}"; do
    # Directly, so a broken proxy cannot leave databases behind.
    q_direct -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
      || echo "warning [$TEST_NAME]: could not drop $db" >&2
  done
  rm -rf "$TEST_TMP"
  if [[ $rc -eq 0 ]]; then
    echo "PASS [$TEST_NAME] against $TARGET_KIND ($TARGET_HOST:$TARGET_PORT)"
  else
    echo "FAIL [$TEST_NAME] against $TARGET_KIND ($TARGET_HOST:$TARGET_PORT), status $rc" >&2
  fi
  exit $rc
}
trap client_cleanup EXIT
