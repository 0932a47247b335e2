#!/usr/bin/env bash
# Connect cost with real authentication (issue 5): `pgbench -C -S` (a new
# connection, TLS handshake and SCRAM login per transaction) as the SCRAM role
# pgshim_scram with sslmode=require, through
#   direct       PostgreSQL itself (TLS, scram-sha-256), the baseline
#   pgbouncer    PgBouncer 1.18, session pool: auth_type scram-sha-256 from an
#                auth_file with the server's verifiers, client_tls_sslmode=require
#                (pgshim's certificate and key), server_tls_sslmode=require; it
#                keeps its server connections, so a client login costs no backend
#   pgbouncer_1to1  the same PgBouncer settings with server_lifetime = 0: every
#                server connection is used once, so each client login also logs
#                in upstream (with the ClientKey from the client's SCRAM exchange,
#                as pgshim does), the like-for-like comparison for pgshim
#   pgshim       --auth-mode proxy with the same auth file, the same certificate
#                and an upstream URL with sslmode=require
# interleaved (every round runs each target back to back, the order rotating
# from round to round), and prints a markdown table: median tps (= connections
# per second) and its range over the rounds, median pgbench latency average,
# the server sessions opened per client connection, and pgshim's tps ratios.
#
#   bench/connect_auth.sh [options]
#     --duration S      seconds per pgbench run (default 5)
#     --rounds N        rounds (default 3)
#     --clients "1 4"   client counts, one row each (default "4"; -j min(c,2))
#     --pgshim BIN      pgshim binary (default $PGSHIM_BIN, else build*/src/app/pgshim)
#     --out FILE        also write the report to FILE
#
# Needs root (PostgreSQL and PgBouncer run as `postgres`), pgbouncer, PostgreSQL 15.
# Everything runs on 127.0.0.1 and is started and stopped here, by PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PY=/usr/bin/python3

duration=5
rounds=3
clients="4"
pgshim_bin=${PGSHIM_BIN:-}
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --clients) clients=$2; shift ;;
    --pgshim) pgshim_bin=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "connect_auth.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[connect_auth $(date +%T)] $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -z $pgshim_bin ]]; then
  for candidate in "$root"/build/src/app/pgshim "$root"/build-*/src/app/pgshim; do
    [[ -x $candidate ]] && "$candidate" --help 2>&1 | grep -q -- --auth-mode && { pgshim_bin=$candidate; break; }
  done
fi
[[ -x ${pgshim_bin:-/nonexistent} ]] || die "no pgshim binary with --auth-mode found (--pgshim BIN or PGSHIM_BIN)"
pgshim_bin=$(realpath "$pgshim_bin")
command -v pgbouncer >/dev/null || die "pgbouncer is not installed (scripts/install-deps.sh)"
[[ $(id -u) -eq 0 ]] || die "run as root (PostgreSQL and PgBouncer run as the postgres user)"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgshim-connect-auth.XXXXXX")
chmod 755 "$work"
sandbox=$work/sandbox
declare -A pids=()

stop_pid() { # stop_pid PID NAME: SIGTERM, bounded wait, then SIGKILL
  local pid=$1 name=$2 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  log "$name (pid $pid) did not stop after SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local name
  for name in "${!pids[@]}"; do stop_pid "${pids[$name]}" "$name"; done
  "$root/scripts/pg-sandbox.sh" stop "$sandbox" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port PORT WHAT: bounded wait until PORT accepts connections
  local i
  for ((i = 0; i < 300; i++)); do
    $PY -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.05
  done
  die "$2 did not accept connections on port $1"
}

# ---------------------------------------------------------------- PostgreSQL
log "starting PostgreSQL 15 with TLS"
"$root/scripts/pg-sandbox.sh" start "$sandbox" --tls --db bench >/dev/null 2>"$work/sandbox.log" \
  || { cat "$work/sandbox.log" >&2; die "the sandbox did not start"; }
# shellcheck disable=SC1091
source "$sandbox/env"
pg_port=$PGSANDBOX_PORT
as_pg() { runuser -u postgres -- "$@"; }
psql_su() { as_pg "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGSANDBOX_SOCKET_DIR" -p "$pg_port" -U postgres "$@"; }
psql_su -d postgres -c "ALTER SYSTEM SET log_min_messages = 'fatal'" -c "SELECT pg_reload_conf()" >/dev/null

export PGUSER=pgshim_scram PGPASSWORD=scram-pass PGDATABASE=bench PGHOST=127.0.0.1 PGSSLMODE=require PGCONNECT_TIMEOUT=10
unset PGOPTIONS PGSERVICE PGCHANNELBINDING PGSSLROOTCERT
log "pgbench -i -s 1"
"$PG_BIN/pgbench" -i -q -s 1 -p "$pg_port" >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; die "pgbench -i failed"; }

# The same auth file for PgBouncer and pgshim: the server's own verifier.
verifier=$(psql_su -d postgres -c "SELECT rolpassword FROM pg_authid WHERE rolname = 'pgshim_scram'")
[[ $verifier == SCRAM-SHA-256\$* ]] || die "pgshim_scram has no SCRAM verifier"

# ---------------------------------------------------------------- PgBouncer x2
# start_bouncer NAME EXTRA_INI_LINE: PgBouncer as postgres in $work/NAME.
start_bouncer() {
  local name=$1 extra=$2 dir=$work/$1 port
  mkdir -p "$dir"
  port=$(free_port)
  printf '"pgshim_scram" "%s"\n' "$verifier" >"$dir/userlist.txt"
  cp "$PGSANDBOX_PROXY_CERT" "$dir/proxy.crt"
  cp "$PGSANDBOX_PROXY_KEY" "$dir/proxy.key"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
bench = host=127.0.0.1 port=$pg_port dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 50
client_tls_sslmode = require
client_tls_cert_file = $dir/proxy.crt
client_tls_key_file = $dir/proxy.key
server_tls_sslmode = require
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
stats_period = 3600
$extra
INI
  chown -R postgres: "$dir"
  chmod 600 "$dir/userlist.txt" "$dir/proxy.key"
  # PgBouncer refuses to run as root; setpriv execs it directly, so $! is its PID.
  setpriv --reuid=postgres --regid=postgres --init-groups pgbouncer "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
  pids[$name]=$!
  wait_port "$port" "$name"
  ports[$name]=$port
  log "$name (pid ${pids[$name]}) on 127.0.0.1:$port"
}
declare -A ports=([direct]=$pg_port)
start_bouncer pgbouncer ""
start_bouncer pgbouncer_1to1 "server_lifetime = 0"

# ---------------------------------------------------------------- pgshim
shim_dir=$work/pgshim
mkdir -p "$shim_dir"
(umask 077; printf '"pgshim_scram" "%s"\n' "$verifier" >"$shim_dir/userlist.txt")
"$pgshim_bin" --listen 127.0.0.1:0 --ready-file "$shim_dir/ready" \
  --upstream "postgres://127.0.0.1:$pg_port/bench?sslmode=require" \
  --tls-cert "$PGSANDBOX_PROXY_CERT" --tls-key "$PGSANDBOX_PROXY_KEY" \
  --auth-mode proxy --auth-file "$shim_dir/userlist.txt" --log-level warn >"$shim_dir/pgshim.log" 2>&1 &
pids[pgshim]=$!
for ((i = 0; i < 300; i++)); do
  [[ -s $shim_dir/ready ]] && [[ $(head -1 "$shim_dir/ready") =~ :([0-9]+)$ ]] && break
  kill -0 "${pids[pgshim]}" 2>/dev/null || { cat "$shim_dir/pgshim.log" >&2; die "pgshim exited before it was ready"; }
  sleep 0.05
done
[[ -s $shim_dir/ready ]] || { cat "$shim_dir/pgshim.log" >&2; die "pgshim wrote no ready file within 15 s"; }
ports[pgshim]=${BASH_REMATCH[1]}
log "pgshim (pid ${pids[pgshim]}) on 127.0.0.1:${ports[pgshim]} ($pgshim_bin)"

targets=(direct pgbouncer pgbouncer_1to1 pgshim)

# Every path must really log in with SCRAM over TLS before anything is measured.
for t in "${targets[@]}"; do
  got=$(timeout -k 5 30 "$PG_BIN/psql" -X -A -t -p "${ports[$t]}" \
    -c "SELECT current_user || ':' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1) \
    || die "a SCRAM login through $t failed: $got"
  [[ $got == pgshim_scram:true ]] || die "$t: expected pgshim_scram over an upstream TLS session, got '$got'"
done

# sessions: client sessions PostgreSQL has started in database bench so far.
sessions() { psql_su -d postgres -c "SELECT sessions FROM pg_stat_database WHERE datname = 'bench'"; }

# run_pgbench TARGET ARG...: prints "tps latency_ms failed transactions server_sessions".
run_pgbench() {
  local target=$1; shift
  local out before after
  before=$(sessions)
  out=$(timeout -k 5 $((duration + 120)) "$PG_BIN/pgbench" -n -p "${ports[$target]}" "$@" 2>&1) || {
    log "pgbench $* against $target failed: $(tail -3 <<<"$out")"
    echo "0 0 fail 0 0"; return
  }
  sleep 0.2 # pg_stat_database is updated when a backend exits
  after=$(sessions)
  local tps lat failed tx
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\) .*/\1/p' <<<"$out")
  tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\)$/\1/p' <<<"$out")
  echo "${tps:-0} ${lat:-0} ${failed:-?} ${tx:-0} $((after - before))"
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), a / (b > 0 ? b : 1)}'; }

table=$work/table.md
{
  echo "| clients | target | tps (connections/s) | tps min-max | latency avg ms | server sessions per connection | pgshim/this |"
  echo "|---:|---|---:|---:|---:|---:|---:|"
} >"$table"

for c in $clients; do
  j=$((c < 2 ? c : 2))
  declare -A tps_runs=() lat_runs=() fails=() tx_sum=() sess_sum=()
  for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#targets[@]}; k++)); do # interleaved, the order rotating per round
      t=${targets[$(((k + r) % ${#targets[@]}))]}
      log "pgbench -C -S -c $c -j $j -T $duration -> $t (round $((r + 1))/$rounds)"
      read -r tps lat failed tx sess < <(run_pgbench "$t" -C -S -c "$c" -j "$j" -T "$duration")
      log "  $t: $tps tps, latency $lat ms, failed $failed, $sess server sessions for $tx connections"
      tps_runs[$t]+="$tps "
      lat_runs[$t]+="$lat "
      tx_sum[$t]=$((${tx_sum[$t]:-0} + tx))
      sess_sum[$t]=$((${sess_sum[$t]:-0} + sess))
      [[ $failed == 0 ]] || fails[$t]="!"
    done
  done
  declare -A med=()
  for t in "${targets[@]}"; do med[$t]=$(echo "${tps_runs[$t]}" | median); done
  for t in "${targets[@]}"; do
    lat_med=$(echo "${lat_runs[$t]}" | median)
    per=$(awk -v s="${sess_sum[$t]}" -v n="${tx_sum[$t]}" 'BEGIN {printf (n > 0 ? "%.2f" : "n/a"), s / (n > 0 ? n : 1)}')
    rel=$([[ $t == pgshim ]] && echo "" || ratio "${med[pgshim]}" "${med[$t]}")
    range=$(echo "${tps_runs[$t]}" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}')
    printf '| %s | %s | %.1f%s | %s | %.2f | %s | %s |\n' "$c" "$t" "${med[$t]}" "${fails[$t]:-}" "$range" "$lat_med" "$per" "$rel" >>"$table"
  done
  unset tps_runs lat_runs fails tx_sum sess_sum med
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
report=$work/report.md
{
  echo "### pgbench -C -S as a SCRAM user over TLS: median of $rounds interleaved rounds, $duration s per run, -j min(c,2)"
  echo
  echo "Machine: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr);"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $(pgbouncer --version | head -1), $("$pgshim_bin" --version 2>/dev/null | head -1) ($pgshim_bin); $(date -u +%F)."
  echo "pgbench, the proxies and PostgreSQL share the machine; all on 127.0.0.1; sslmode=require on every client leg"
  echo "(libpq's default channel_binding=prefer), TLS to the server from every proxy. \`!\` marks failed transactions."
  echo
  cat "$table"
} >"$report"
cat "$report"
[[ -z $out ]] || cp "$report" "$out"
if ! kill -0 "${pids[pgshim]}" 2>/dev/null; then
  log "pgshim died during the benchmark; its log:"; tail -50 "$shim_dir/pgshim.log" >&2; exit 1
fi
