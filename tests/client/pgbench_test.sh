#!/usr/bin/env bash
# Proves that pgbench runs through the target with no failed transaction: -i -s 1
# loads exactly 100000 accounts, then -S with -M simple / extended / prepared and
# 4 clients on 2 threads completes every transaction, as do a read-write run and
# a connection-per-transaction (-C) run.
export TEST_NAME=client_pgbench
# shellcheck source=../support/client-common.sh
source "$(dirname "$0")/../support/client-common.sh"

db=$(db_name bench)
create_db "$db"

step "pgbench -i -s 1"
out=$(timeout -k 5 120 "$PGBIN/pgbench" -i -s 1 -q "$db" 2>&1) || fail "pgbench -i failed: $out"
assert_contains "initialisation" "done in" "$out"
assert_eq "accounts loaded" "100000|1|10|0" \
  "$(q -d "$db" -c 'SELECT (SELECT count(*) FROM pgbench_accounts), (SELECT count(*) FROM pgbench_branches),
                           (SELECT count(*) FROM pgbench_tellers), (SELECT count(*) FROM pgbench_history)')"

# run_bench LABEL EXPECTED_TX PGBENCH_ARG...: runs pgbench, checks that exactly
# EXPECTED_TX transactions were processed and none failed.
run_bench() {
  local label=$1 expected=$2; shift 2
  local out
  out=$(timeout -k 5 120 "$PGBIN/pgbench" -n "$@" "$db" 2>&1) || fail "pgbench $label failed: $out"
  local processed failed tps
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\/[0-9]*\)$/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\) .*/\1/p' <<<"$out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
  assert_eq "pgbench $label: transactions processed" "$expected/$expected" "$processed"
  assert_eq "pgbench $label: failed transactions" "0" "$failed"
  [[ -n $tps ]] || fail "pgbench $label printed no tps: $out"
  pass "pgbench $label: $processed transactions, 0 failed, $tps tps"
}

for mode in simple extended prepared; do
  step "pgbench -S -M $mode -c 4 -j 2"
  run_bench "-S -M $mode" 4000 -S -M "$mode" -c 4 -j 2 -t 1000
done

step "pgbench read-write (TPC-B-like), -M prepared"
before=$(q -d "$db" -c 'SELECT sum(abalance) FROM pgbench_accounts')
run_bench "tpcb -M prepared" 400 -M prepared -c 4 -j 2 -t 100
# Every transaction adds its delta to one account and logs it in history.
assert_eq "history rows" "400" "$(q -d "$db" -c 'SELECT count(*) FROM pgbench_history')"
assert_eq "balances match history" "0" \
  "$(q -d "$db" -c "SELECT sum(abalance) - $before - (SELECT sum(delta) FROM pgbench_history) FROM pgbench_accounts")"

step "pgbench -S -C (a new connection per transaction)"
run_bench "-S -C -M extended" 200 -S -C -M extended -c 4 -j 2 -t 50
