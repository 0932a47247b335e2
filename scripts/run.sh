#!/usr/bin/env bash
# Installs what is missing, builds pgshim (Release) and runs it.
#
#   scripts/run.sh --upstream postgres://db.internal:5432/app?sslmode=require [pgshim options]
#   scripts/run.sh --config config/pgshim.yaml
#   scripts/run.sh                    # demo: an embedded throwaway PostgreSQL
#
# With no upstream given (no --upstream/-u, no --config, no PGSHIM_UPSTREAM) it
# starts a throwaway PostgreSQL 15 holding the incident's schema
# (config/incident-schema.sql: `environments` without `last_error`), points
# pgshim at it, and prints the DATABASE_URL to use. Everything stops on Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --runtime
build_dir=${BUILD_DIR:-build-release}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPGSHIM_BUILD_TESTS=OFF -DPGSHIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target pgshim >/dev/null
pgshim=$build_dir/src/app/pgshim

args=("$@")
have_upstream=0
have_listen=0
for a in "${args[@]}"; do
  case $a in
    -u|--upstream|--upstream=*|-c|--config|--config=*) have_upstream=1 ;;
    -l|--listen|--listen=*) have_listen=1 ;;
    -h|--help|-V|--version) exec "$pgshim" "${args[@]}" ;;
  esac
done
[[ -n ${PGSHIM_UPSTREAM:-} ]] && have_upstream=1
[[ $have_listen -eq 0 ]] && args+=(--listen 127.0.0.1:6432)

sandbox=""
cleanup() {
  if [[ -n $sandbox ]]; then
    scripts/pg-sandbox.sh stop "$sandbox" || true
    rm -rf "$sandbox"
  fi
}
trap cleanup EXIT

if [[ $have_upstream -eq 0 ]]; then
  sandbox=$(mktemp -d "${TMPDIR:-/tmp}/pgshim-demo.XXXXXX")
  scripts/pg-sandbox.sh start "$sandbox" --schema config/incident-schema.sql
  # shellcheck disable=SC1091
  source "$sandbox/env"
  # The monitor login (schema watcher) comes from the upstream URL's credentials.
  args+=(--upstream "postgres://pgshim_scram:scram-pass@127.0.0.1:$PGSANDBOX_PORT/app?sslmode=disable")
  have_pending=0
  have_metrics=0
  have_journal=0
  for a in "${args[@]}"; do
    [[ $a == --pending* ]] && have_pending=1
    [[ $a == --metrics-listen* ]] && have_metrics=1
    [[ $a == --journal* ]] && have_journal=1
  done
  [[ $have_pending -eq 0 ]] && args+=(--pending environments.last_error:text:20250804020810_add_last_error_to_environments)
  [[ $have_metrics -eq 0 ]] && args+=(--metrics-listen 127.0.0.1:9930)
  # The demo journals the dropped values and puts them back once the column
  # exists (`pgshim backfill` does the same by hand).
  if [[ $have_journal -eq 0 ]]; then
    mkdir -p "$sandbox/journal"
    args+=(--journal "$sandbox/journal/demo.jsonl" --auto-backfill)
  fi
  listen=127.0.0.1:6432
  for ((i = 0; i < ${#args[@]}; i++)); do
    [[ ${args[$i]} == --listen || ${args[$i]} == -l ]] && listen=${args[$((i + 1))]}
  done
  cat <<MSG

  Embedded PostgreSQL 15 (throwaway) on 127.0.0.1:$PGSANDBOX_PORT, database "app",
  holding the incident's schema: "environments" has no "last_error" column yet.

  Point the application at pgshim:
    DATABASE_URL=postgresql://pgshim_scram:scram-pass@$listen/app

  pgshim treats environments.last_error (migration 20250804020810_add_last_error_to_environments)
  as pending. Try:
    psql 'postgresql://pgshim_scram:scram-pass@$listen/app' \\
      -c "insert into environments (id, name, user_id, last_error) values ('env_9', 'demo', 'user_1', 'boom') returning id, last_error"
    curl -s http://127.0.0.1:9930/status
  Apply the migration and watch pgshim step aside, then put back what it dropped:
    psql 'postgresql://pgshim_scram:scram-pass@127.0.0.1:$PGSANDBOX_PORT/app' -c 'alter table environments add column last_error text'
    psql 'postgresql://pgshim_scram:scram-pass@$listen/app' -c "select id, last_error from environments where id = 'env_9'"
  (the journal of dropped values is in $sandbox/journal; --auto-backfill applied it,
   and "pgshim backfill --journal $sandbox/journal --upstream URL" does the same by hand)
  Ctrl-C stops pgshim and the embedded server.

MSG
fi

"$pgshim" "${args[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
wait $pid || status=$?
wait $pid 2>/dev/null || true
exit ${status:-0}
