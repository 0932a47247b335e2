#!/usr/bin/env bash
# The incident, replayed (issue 4, "Proof"): one real-client test against its own
# database and its own pgshim(s).
#
#   tests/client/incident/run.sh node|pq|orm|psql|prisma|reactive|shapes
#   tests/client/incident/run.sh backfill_node|backfill_psycopg|backfill_auto|backfill_gaps|backfill_gaps_auto
#
# Common part, done here for every test:
#   1. a database incident_<test>_<pid>, created directly (not through pgshim) and
#      loaded with config/incident-schema.sql: `environments` lacks `last_error`;
#   2. pgshim on 127.0.0.1:0 (ready file), upstream = that database, configured
#      with the pending column environments.last_error:text and a 300 ms poll.
#      The upstream URL carries the scram role's credentials (used only by
#      pgshim's schema watcher); the reactive test gives it a WRONG password, so
#      the watcher can never check the catalog and the column stays Unknown, and
#      starts three more fresh pgshims (in-transaction, simple Query, named Parse);
#      the backfill_* tests start two replicas at once (a and b), each with its
#      own --journal FILE in one journal directory and its own --replica-id;
#      backfill_auto gives both --auto-backfill; backfill_gaps_auto too, and b a
#      slow poll (kSlowPoll), so that a's auto backfill runs first;
#   3. the test itself, with (exported):
#        INCIDENT_TEST, INCIDENT_DB         test name, database name
#        INCIDENT_HOST, INCIDENT_PORT       pgshim's address
#        INCIDENT_LOG, INCIDENT_JOURNAL     pgshim's log file, its dropped-write journal
#        INCIDENT_PORT2..4, INCIDENT_LOG2..4  more pgshims (reactive test only: each
#                                           case needs the column still Unknown)
#        INCIDENT_POLL_MS                   the schema poll interval
#        INCIDENT_JOURNAL_DIR               backfill_*: the directory of both replicas' journals
#        INCIDENT_JOURNAL2                  backfill_*: replica b's journal (INCIDENT_JOURNAL: a's)
#        INCIDENT_REPLICA, INCIDENT_REPLICA2  backfill_*: the replicas' --replica-id
#        INCIDENT_UPSTREAM                  backfill_*: the database's URL with credentials
#                                           (for `pgshim backfill --upstream`)
#        PGSHIM_BIN                         the pgshim binary (for `pgshim backfill`)
#        DIRECT_PORT                        PostgreSQL itself (setup, checks, the ALTER)
#        INCIDENT_USER, INCIDENT_PASSWORD   the scram role clients log in with
#        PGSANDBOX_*                        everything from the sandbox env file
#   4. pgshim stopped by PID (SIGTERM, bounded wait, then SIGKILL), its exit status
#      checked (a crash or a hang fails the test), the database dropped directly
#      (WITH FORCE), pgshim's log printed when anything failed.
#
# Environment in: PGSANDBOX_ENV, PGSHIM_BIN (as ctest sets them, see
# tests/CMakeLists.txt). Exit status: the test's, or non-zero when pgshim failed.
set -uo pipefail

readonly kReadyTimeout=15 # seconds for pgshim to write its ready file
readonly kStopTimeout=20  # seconds for pgshim to drain and exit after SIGTERM
readonly kPollMs=300
readonly kSlowPoll=5s # backfill_gaps_auto: replica b's poll interval
readonly kMigration=20250804020810_add_last_error_to_environments

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)

say() { echo "incident: $*" >&2; }
die() { say "$*"; exit 2; }

[[ $# -eq 1 ]] || die "usage: run.sh node|pq|orm|psql|prisma|reactive|shapes|backfill_node|backfill_psycopg|backfill_auto|backfill_gaps|backfill_gaps_auto"
test_name=$1
case $test_name in
  node | pq | orm | psql | prisma | reactive | shapes) ;;
  backfill_node | backfill_psycopg | backfill_auto | backfill_gaps | backfill_gaps_auto) ;;
  *) die "unknown test '$test_name'" ;;
esac

[[ -n ${PGSANDBOX_ENV:-} && -f $PGSANDBOX_ENV ]] \
  || die "PGSANDBOX_ENV is not set or does not name an env file (start scripts/pg-sandbox.sh first)"
set -a
# shellcheck disable=SC1090
source "$PGSANDBOX_ENV"
set +a
[[ -n ${PGSANDBOX_PORT:-} ]] || die "$PGSANDBOX_ENV has no PGSANDBOX_PORT"
[[ -n ${PGSHIM_BIN:-} && -x $PGSHIM_BIN ]] || die "PGSHIM_BIN='${PGSHIM_BIN:-}' is not an executable (is pgshim built?)"

PGBIN=${PGSANDBOX_BIN:-/usr/lib/postgresql/15/bin}
export INCIDENT_TEST=$test_name
export INCIDENT_DB="incident_${test_name}_$$"
export INCIDENT_HOST=127.0.0.1
export INCIDENT_USER=pgshim_scram INCIDENT_PASSWORD=scram-pass
export INCIDENT_POLL_MS=$kPollMs
export DIRECT_PORT=$PGSANDBOX_PORT
export PGSHIM_SOURCE_DIR=$src

work=$(mktemp -d "${TMPDIR:-/tmp}/incident-${test_name}.XXXXXX")
export INCIDENT_WORK=$work
pids=()   # pgshims started by this script
logs=()
db_created=0

# psql straight to the server (never through pgshim), bounded.
direct_psql() {
  PGPASSWORD=$INCIDENT_PASSWORD PGCONNECT_TIMEOUT=10 timeout -k 5 60 \
    "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DIRECT_PORT" -U "$INCIDENT_USER" "$@"
}

show_logs() {
  local l
  for l in "${logs[@]}"; do
    [[ -f $l ]] || continue
    say "----- pgshim log ($l, last 150 lines) -----"
    tail -n 150 "$l" >&2
    say "----- end of pgshim log -----"
  done
  local j
  for j in "$work/journal.jsonl" "$work"/journals/*.jsonl; do
    [[ -s $j ]] || continue
    say "----- journal $j (last 20 lines) -----"
    tail -n 20 "$j" >&2
  done
}

cleanup() {
  # Last resort (the runner was interrupted): the pgshims this script started, by PID.
  local p
  for p in "${pids[@]}"; do
    [[ -n $p ]] && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  if [[ $db_created -eq 1 ]]; then
    direct_psql -d postgres -c "DROP DATABASE IF EXISTS \"$INCIDENT_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || say "warning: could not drop $INCIDENT_DB"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the incident's database -------------------------------------------
direct_psql -d postgres -c "CREATE DATABASE \"$INCIDENT_DB\"" >/dev/null || die "CREATE DATABASE $INCIDENT_DB failed"
db_created=1
direct_psql -d "$INCIDENT_DB" -f "$src/config/incident-schema.sql" >/dev/null || die "loading config/incident-schema.sql failed"
has=$(direct_psql -d "$INCIDENT_DB" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'environments' AND column_name = 'last_error'")
[[ $has == 0 ]] || die "the fresh database already has environments.last_error"

# --- 2. pgshim ---------------------------------------------------------------
# start_pgshim PASSWORD TAG [JOURNAL [ARGS...]]: starts one pgshim journaling to
# JOURNAL (default $work/journal.jsonl) with ARGS added, waits (bounded) for its
# ready file, sets $started_port.
start_pgshim() {
  local password=$1 tag=$2 journal=${3:-$work/journal.jsonl}
  local extra=("${@:4}")
  local ready=$work/ready.$tag log=$work/pgshim.$tag.log
  local upstream="postgres://${INCIDENT_USER}:${password}@127.0.0.1:${PGSANDBOX_PORT}/${INCIDENT_DB}?sslmode=disable"
  # INCIDENT_FROM_MIGRATIONS=1: no --pending at all; pgshim derives the pending
  # column from the unapplied Prisma migration itself (issue 6's zero-config mode).
  local pending=(--pending "environments.last_error:text:${kMigration}")
  if [[ ${INCIDENT_FROM_MIGRATIONS:-0} == 1 ]]; then
    mkdir -p "$work/migrations/$kMigration"
    printf 'provider = "postgresql"\n' >"$work/migrations/migration_lock.toml"
    printf -- '-- AlterTable\nALTER TABLE "environments" ADD COLUMN "last_error" TEXT;\n' \
      >"$work/migrations/$kMigration/migration.sql"
    pending=(--migrations "$work/migrations")
  fi
  local args=(--listen 127.0.0.1:0 --ready-file "$ready" --upstream "$upstream"
    "${pending[@]}"
    --schema-poll-interval "${kPollMs}ms"
    --journal "$journal"
    "${extra[@]}"
    --log-level debug)
  # TODO(observability): once /metrics, /status and Alertmanager are wired, add
  #   --metrics-listen 127.0.0.1:0 (and the Alertmanager/webhook settings) here and
  #   export INCIDENT_METRICS_ADDR / INCIDENT_ALERTMANAGER_URL for the tests' hooks
  #   (checkObservability() in node/test/helpers.mjs, check_observability() in
  #   python/common.py, check_observability in psql_test.sh).
  say "starting pgshim [$tag]: $PGSHIM_BIN ${args[*]//:${password}@/:***@}"
  "$PGSHIM_BIN" "${args[@]}" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  logs+=("$log")
  local deadline=$((SECONDS + kReadyTimeout)) addr=""
  while :; do
    if [[ -s $ready ]]; then
      addr=$(head -n 1 "$ready")
      [[ $addr =~ ^[0-9.]+:[0-9]+$ ]] && break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      say "pgshim [$tag] exited with status $? before it was ready"
      show_logs
      exit 2
    fi
    if ((SECONDS >= deadline)); then
      say "pgshim [$tag] wrote no valid ready file within ${kReadyTimeout}s"
      show_logs
      exit 2
    fi
    sleep 0.05
  done
  started_port=${addr##*:}
  started_log=$log
  say "pgshim [$tag] (pid $pid) listening on $addr"
}

started_port="" started_log=""
if [[ $test_name == reactive ]]; then
  start_pgshim wrong-password a
  export INCIDENT_PORT=$started_port INCIDENT_LOG=$started_log
  start_pgshim wrong-password b
  export INCIDENT_PORT2=$started_port INCIDENT_LOG2=$started_log
  start_pgshim wrong-password c
  export INCIDENT_PORT3=$started_port INCIDENT_LOG3=$started_log
  start_pgshim wrong-password d
  export INCIDENT_PORT4=$started_port INCIDENT_LOG4=$started_log
elif [[ $test_name == backfill_* ]]; then
  # Two replicas of the application's pgshim, at once, one journal each.
  export INCIDENT_JOURNAL_DIR=$work/journals
  mkdir -p "$INCIDENT_JOURNAL_DIR"
  export INCIDENT_REPLICA=replica-a INCIDENT_REPLICA2=replica-b
  export INCIDENT_UPSTREAM="postgres://${INCIDENT_USER}:${INCIDENT_PASSWORD}@127.0.0.1:${PGSANDBOX_PORT}/${INCIDENT_DB}?sslmode=disable"
  export PGSHIM_BIN
  auto=() slow=()
  [[ $test_name == backfill_auto || $test_name == backfill_gaps_auto ]] && auto=(--auto-backfill)
  [[ $test_name == backfill_gaps_auto ]] && slow=(--schema-poll-interval "$kSlowPoll")
  start_pgshim "$INCIDENT_PASSWORD" a "$INCIDENT_JOURNAL_DIR/a.jsonl" --replica-id "$INCIDENT_REPLICA" "${auto[@]}"
  export INCIDENT_PORT=$started_port INCIDENT_LOG=$started_log
  start_pgshim "$INCIDENT_PASSWORD" b "$INCIDENT_JOURNAL_DIR/b.jsonl" --replica-id "$INCIDENT_REPLICA2" "${auto[@]}" \
    "${slow[@]}"
  export INCIDENT_PORT2=$started_port INCIDENT_LOG2=$started_log
else
  start_pgshim "$INCIDENT_PASSWORD" a
  export INCIDENT_PORT=$started_port INCIDENT_LOG=$started_log
fi
if [[ $test_name == backfill_* ]]; then
  export INCIDENT_JOURNAL=$INCIDENT_JOURNAL_DIR/a.jsonl INCIDENT_JOURNAL2=$INCIDENT_JOURNAL_DIR/b.jsonl
else
  export INCIDENT_JOURNAL=$work/journal.jsonl
fi

# --- 3. the test -------------------------------------------------------------
# ensure_npm DIR: npm ci (or, for Prisma, install without lifecycle scripts) when
# node_modules is missing or older than the lock file; serialised by a lock.
ensure_npm() {
  local dir=$1; shift
  if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (
      flock -w 300 9 || { say "timed out waiting for the npm install lock in $dir"; exit 1; }
      if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        say "npm ci $* in $dir"
        (cd "$dir" && timeout -k 5 280 npm ci --no-audit --no-fund --loglevel=error "$@") >&2
      fi
    ) 9>"$dir/.npm-install.lock"
  fi
}

rc=0
case $test_name in
  node | reactive)
    ensure_npm "$here/node" || exit 1
    (cd "$here/node" && timeout -k 5 240 node --test --test-timeout=120000 --test-reporter=spec \
      "test/${test_name/node/incident}.test.mjs")
    rc=$? ;;
  pq)
    timeout -k 5 120 /usr/bin/python3 "$here/python/pq_describe_test.py"; rc=$? ;;
  orm)
    timeout -k 5 120 /usr/bin/python3 "$here/python/psycopg_sqlalchemy_test.py"; rc=$? ;;
  shapes)
    timeout -k 5 120 /usr/bin/python3 "$here/python/shapes_test.py"; rc=$?
    if [[ $rc -eq 0 ]]; then
      ensure_npm "$here/node" || exit 1
      (cd "$here/node" && timeout -k 5 120 node --test --test-timeout=60000 --test-reporter=spec test/cursor.test.mjs)
      rc=$?
    fi ;;
  psql)
    timeout -k 5 120 "$here/psql_test.sh"; rc=$? ;;
  backfill_node)
    ensure_npm "$here/node" || exit 1
    (cd "$here/node" && timeout -k 5 240 node --test --test-timeout=120000 --test-reporter=spec \
      test/backfill.test.mjs)
    rc=$? ;;
  backfill_psycopg | backfill_auto)
    timeout -k 5 180 /usr/bin/python3 "$here/python/backfill_test.py"; rc=$? ;;
  backfill_gaps | backfill_gaps_auto)
    timeout -k 5 180 /usr/bin/python3 "$here/python/backfill_gaps_test.py"; rc=$? ;;
  prisma)
    # --ignore-scripts: @prisma/engines' postinstall would download native engines.
    ensure_npm "$here/prisma" --ignore-scripts || exit 1
    (
      cd "$here/prisma" || exit 1
      # The client generator needs no engine, but `prisma generate` looks for one
      # first and downloads it when no path is set: give it paths that exist.
      PRISMA_SCHEMA_ENGINE_BINARY=/bin/false PRISMA_QUERY_ENGINE_LIBRARY=/bin/false \
        PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
        timeout -k 5 120 ./node_modules/.bin/prisma generate --schema schema.prisma >"$work/generate.log" 2>&1 \
        || { say "prisma generate failed:"; cat "$work/generate.log" >&2; exit 1; }
      timeout -k 5 240 node --test --test-timeout=120000 --test-reporter=spec prisma.test.mjs
    )
    rc=$? ;;
esac
[[ $rc -eq 0 ]] || say "the test exited with status $rc"

# --- 4. stop pgshim(s) by PID -----------------------------------------------
failed=0
[[ $rc -eq 0 ]] || failed=1
for i in "${!pids[@]}"; do
  p=${pids[$i]}
  if ! kill -0 "$p" 2>/dev/null; then
    wait "$p"; s=$?
    say "pgshim (pid $p) exited on its own during the test (status $s)"
    failed=1
  else
    kill -TERM "$p"
    deadline=$((SECONDS + kStopTimeout))
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    if kill -0 "$p" 2>/dev/null; then
      say "pgshim (pid $p) did not exit within ${kStopTimeout}s of SIGTERM; killing it"
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
      failed=1
    else
      wait "$p"; s=$?
      [[ $s -eq 0 ]] || { say "pgshim (pid $p) exited with status $s after SIGTERM"; failed=1; }
    fi
  fi
  pids[$i]=""
done
if [[ $failed -eq 1 ]]; then
  show_logs
  [[ $rc -ne 0 ]] || rc=1
  say "FAIL client_incident_$test_name"
else
  say "PASS client_incident_$test_name"
fi
exit "$rc"
