#!/usr/bin/env bash
# The incident, replayed with psql (run by tests/client/incident/run.sh psql):
# through pgshim, while environments.last_error is missing,
#   - the fixture's multi-statement simple Query
#       BEGIN; UPDATE environments SET last_error = 'boom', status = 'FAILED' WHERE id = 'env_1'; COMMIT
#     succeeds (psql -c sends it as ONE Query message) and status is stored;
#   - the same with psql's own single-statement transaction (-1 -f) and reads with
#     last_error (NULL), the IS NULL filter and a jobs.last_error read left alone.
set -euo pipefail
: "${INCIDENT_PORT:?run through tests/client/incident/run.sh}"
here=$(cd "$(dirname "$0")" && pwd)
PGBIN=${PGSANDBOX_BIN:-/usr/lib/postgresql/15/bin}
export PGUSER=$INCIDENT_USER PGPASSWORD=$INCIDENT_PASSWORD PGDATABASE=$INCIDENT_DB PGHOST=127.0.0.1 PGCONNECT_TIMEOUT=10
unset PGSERVICE PGOPTIONS

fail() { echo "FAIL [client_incident_psql]: $*" >&2; exit 1; }
ok() { echo "ok   [client_incident_psql] $*"; }
shim() { timeout -k 5 60 "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -p "$INCIDENT_PORT" "$@"; }
direct() { timeout -k 5 60 "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -p "$DIRECT_PORT" "$@"; }
assert_eq() { [[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"; ok "$1"; }
# TODO(observability): assert /metrics, /status and Alertmanager here once pgshim serves them
# (run.sh will export INCIDENT_METRICS_ADDR / INCIDENT_ALERTMANAGER_URL).
check_observability() { :; }

assert_eq "the database lacks last_error" 0 \
  "$(direct -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'environments' AND column_name = 'last_error'")"

# The fixture's statement, verbatim, as one simple Query.
multi=$(sed -n '/^-- several statements in one simple Query/{n;p}' "$here/prisma-environments.sql")
[[ $multi == BEGIN\;* ]] || fail "fixture statement not found: '$multi'"
out=$(shim -c "$multi" 2>&1) || fail "the multi-statement Query failed: $out"
assert_eq "multi-statement Query: no output" "" "$out"
assert_eq "multi-statement Query: status stored" FAILED "$(direct -c "SELECT status FROM environments WHERE id = 'env_1'")"

# psql's echoed command tags: UPDATE 1 counted.
tags=$(timeout -k 5 60 "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -p "$INCIDENT_PORT" \
  -c "BEGIN; UPDATE environments SET last_error = 'again', status = 'STOPPED' WHERE id IN ('env_2', 'env_3'); COMMIT" 2>&1) \
  || fail "second multi-statement Query failed: $tags"
[[ $tags == *"UPDATE 2"* ]] || fail "expected the tag 'UPDATE 2' in: $tags"
ok "multi-statement Query: UPDATE 2 reported"
assert_eq "status stored for both" "env_2|STOPPED,env_3|STOPPED" \
  "$(direct -c "SELECT string_agg(id || '|' || status, ',' ORDER BY id) FROM environments WHERE id IN ('env_2', 'env_3')")"

# A script in one transaction (-1), statement by statement.
cat >"$INCIDENT_WORK/script.sql" <<'SQL'
INSERT INTO environments (id, name, user_id, status, last_error) VALUES ('env_psql', 'from psql', 'user_2', 'RUNNING', 'psql error');
UPDATE environments SET last_error = NULL WHERE id = 'env_psql';
SELECT id || '|' || coalesce(last_error, 'NULL') FROM environments WHERE id = 'env_psql';
SQL
out=$(shim -1 -f "$INCIDENT_WORK/script.sql" 2>&1) || fail "psql -1 -f failed: $out"
assert_eq "psql -1 -f: INSERT then read" "env_psql|NULL" "$out"
assert_eq "psql -1 -f: row stored" "from psql|RUNNING" "$(direct -c "SELECT name || '|' || status FROM environments WHERE id = 'env_psql'")"

assert_eq "filter last_error IS NULL: every row" "$(direct -c 'SELECT count(*) FROM environments')" \
  "$(shim -c 'SELECT count(*) FROM environments WHERE last_error IS NULL')"
assert_eq "jobs.last_error untouched" "job_2|image pull failed" \
  "$(shim -c "SELECT id || '|' || last_error FROM jobs WHERE last_error IS NOT NULL")"
assert_eq "\\d-style catalog query unaffected" "7" \
  "$(shim -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'environments'")"
check_observability missing
echo "PASS [client_incident_psql]"
