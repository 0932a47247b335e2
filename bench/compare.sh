#!/usr/bin/env bash
# Side-by-side benchmark: pgbench -S through (a) PostgreSQL directly, (b) PgBouncer
# in session mode, (c) pgshim, interleaved row by row in one run, plus a
# connection storm (-C) and the resident memory of PgBouncer and pgshim holding
# idle client connections. Prints a markdown table (see bench/README.md).
#
#   bench/compare.sh [options]
#     --duration S        seconds per pgbench run (default 5)
#     --clients "1 8 32"  client counts
#     --modes "simple extended prepared"
#     --storm-clients N   clients of the -C connection storm (default 8; 0 skips it)
#     --scale N           pgbench scale factor (default 10)
#     --idle N            idle connections for the memory figures (default 1000; 0 skips)
#     --rounds N          repeat every row N times, report the median tps (default 1)
#     --pgshim BIN        pgshim binary (default $PGSHIM_BIN, else build*/src/app/pgshim)
#     --no-pgshim         run the direct and PgBouncer columns only
#     --out FILE          also write the markdown report to FILE
#   (--modes "" --storm-clients 0 measures only the idle-connection memory)
#
# Everything runs on 127.0.0.1 and is started and stopped here, by PID: a
# throwaway PostgreSQL 15 (scripts/pg-sandbox.sh, max_connections raised so that
# 1:1 pgshim can hold the idle connections), PgBouncer 1.18 and pgshim. All three
# paths use the trust role pgshim_trust and plain TCP, so that neither password
# hashing nor TLS dominates the connection storm; every figure is the proxy path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PY=/usr/bin/python3

duration=5
clients="1 8 32"
modes="simple extended prepared"
storm_clients=8
scale=10
idle=1000
rounds=1
pgshim_bin=${PGSHIM_BIN:-}
use_pgshim=1
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift ;;
    --clients) clients=$2; shift ;;
    --modes) modes=$2; shift ;;
    --storm-clients) storm_clients=$2; shift ;;
    --scale) scale=$2; shift ;;
    --idle) idle=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --pgshim) pgshim_bin=$2; shift ;;
    --no-pgshim) use_pgshim=0 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[compare $(date +%T)] $*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ $use_pgshim -eq 1 && -z $pgshim_bin ]]; then
  for candidate in "$root/build/src/app/pgshim" "$root/build-client/src/app/pgshim"; do
    [[ -x $candidate ]] && { pgshim_bin=$candidate; break; }
  done
fi
if [[ $use_pgshim -eq 1 && ! -x ${pgshim_bin:-/nonexistent} ]]; then
  log "no pgshim binary found (--pgshim BIN or PGSHIM_BIN); running direct and PgBouncer only"
  use_pgshim=0
fi
pgshim_label="not run"
if [[ $use_pgshim -eq 1 ]]; then
  pgshim_bin=$(realpath "$pgshim_bin")
  pgshim_label="$("$pgshim_bin" --version 2>/dev/null | head -1) ($pgshim_bin)"
fi
command -v pgbouncer >/dev/null || die "pgbouncer is not installed (scripts/install-deps.sh)"

# The idle connections need file descriptors: 2 per connection in pgshim, 1-2 in
# PgBouncer, 1 in the holder.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if ((idle > 0 && $(ulimit -n) < 2 * idle + 100)); then
  log "ulimit -n is $(ulimit -n): lowering --idle to $(( ($(ulimit -n) - 100) / 2 ))"
  idle=$(( ($(ulimit -n) - 100) / 2 ))
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pgshim-bench.XXXXXX")
chmod 755 "$work"
sandbox=$work/sandbox
bouncer_pid=""
pgshim_pid=""
holder_pid=""

stop_pid() { # stop_pid PID NAME: SIGTERM, bounded wait, then SIGKILL
  local pid=$1 name=$2 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  log "$name (pid $pid) did not stop after SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$holder_pid" "idle-connection holder"
  stop_pid "$pgshim_pid" pgshim
  stop_pid "$bouncer_pid" pgbouncer
  "$root/scripts/pg-sandbox.sh" stop "$sandbox" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
wait_port() { # wait_port PORT WHAT: bounded wait until PORT accepts connections
  local i
  for ((i = 0; i < 300; i++)); do
    $PY -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.05
  done
  die "$2 did not accept connections on port $1"
}

# ---------------------------------------------------------------- PostgreSQL
max_conn=$((idle + 300))
log "starting PostgreSQL 15 (max_connections $max_conn)"
"$root/scripts/pg-sandbox.sh" start "$sandbox" --db bench >/dev/null 2>"$work/sandbox.log" \
  || { cat "$work/sandbox.log" >&2; die "the sandbox did not start"; }
# shellcheck disable=SC1091
source "$sandbox/env"
pg_port=$PGSANDBOX_PORT
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PG_BIN/psql" -X -q -h "$PGSANDBOX_SOCKET_DIR" -p "$pg_port" -U postgres -d postgres \
  -c "ALTER SYSTEM SET max_connections = $max_conn" -c "ALTER SYSTEM SET log_min_messages = 'fatal'"
as_pg "$PG_BIN/pg_ctl" -D "$PGSANDBOX_DATA" -w -t 60 restart -m fast -l "$PGSANDBOX_ROOT/server.log" >/dev/null \
  || die "PostgreSQL did not restart with max_connections $max_conn"
export PGUSER=pgshim_trust PGDATABASE=bench PGHOST=127.0.0.1 PGSSLMODE=disable PGCONNECT_TIMEOUT=10
unset PGPASSWORD PGOPTIONS PGSERVICE
log "pgbench -i -s $scale"
"$PG_BIN/pgbench" -i -q -s "$scale" -p "$pg_port" >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; die "pgbench -i failed"; }

# ---------------------------------------------------------------- PgBouncer
bouncer_dir=$work/pgbouncer
mkdir -p "$bouncer_dir"
bouncer_port=$(free_port)
echo '"pgshim_trust" ""' >"$bouncer_dir/userlist.txt"
cat >"$bouncer_dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer_dir/userlist.txt
pool_mode = session
max_client_conn = $((idle + 500))
default_pool_size = $((idle + 100))
max_db_connections = 0
server_tls_sslmode = disable
client_tls_sslmode = disable
ignore_startup_parameters = extra_float_digits
logfile = $bouncer_dir/pgbouncer.log
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
stats_period = 3600
INI
chown -R postgres: "$bouncer_dir"
# PgBouncer refuses to run as root; setpriv execs it directly, so $! is its PID.
setpriv --reuid=postgres --regid=postgres --init-groups pgbouncer "$bouncer_dir/pgbouncer.ini" \
  >"$bouncer_dir/stdout.log" 2>&1 &
bouncer_pid=$!
wait_port "$bouncer_port" PgBouncer
bouncer_version=$(pgbouncer --version | head -1)
bouncer_rss_fresh=$(rss_kb "$bouncer_pid")
log "PgBouncer (pid $bouncer_pid) on 127.0.0.1:$bouncer_port"

# ---------------------------------------------------------------- pgshim
if [[ $use_pgshim -eq 1 ]]; then
  ready=$work/pgshim.ready
  "$pgshim_bin" --listen 127.0.0.1:0 --upstream "postgres://127.0.0.1:$pg_port/bench?sslmode=disable" \
    --ready-file "$ready" --log-level "${PGSHIM_LOG_LEVEL:-warn}" >"$work/pgshim.log" 2>&1 &
  pgshim_pid=$!
  for ((i = 0; i < 300; i++)); do
    [[ -s $ready ]] && [[ $(head -1 "$ready") =~ :([0-9]+)$ ]] && break
    kill -0 "$pgshim_pid" 2>/dev/null || { cat "$work/pgshim.log" >&2; die "pgshim exited before it was ready"; }
    sleep 0.05
  done
  [[ -s $ready ]] || { cat "$work/pgshim.log" >&2; die "pgshim wrote no ready file within 15 s"; }
  pgshim_port=${BASH_REMATCH[1]}
  pgshim_rss_fresh=$(rss_kb "$pgshim_pid")
  log "pgshim (pid $pgshim_pid) on 127.0.0.1:$pgshim_port ($pgshim_bin)"
fi

targets=(direct pgbouncer)
[[ $use_pgshim -eq 1 ]] && targets+=(pgshim)
port_of() { case $1 in direct) echo "$pg_port" ;; pgbouncer) echo "$bouncer_port" ;; pgshim) echo "$pgshim_port" ;; esac; }

# run_pgbench TARGET ARG...: prints "tps latency_ms failed" of one pgbench run.
run_pgbench() {
  local target=$1; shift
  local out
  out=$(timeout -k 5 $((duration + 120)) "$PG_BIN/pgbench" -n -p "$(port_of "$target")" "$@" 2>&1) || {
    log "pgbench $* against $target failed: $(tail -3 <<<"$out")"
    echo "0 0 fail"; return
  }
  local tps lat failed
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\) .*/\1/p' <<<"$out")
  echo "${tps:-0} ${lat:-0} ${failed:-?}"
}

median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

rows=()
for mode in $modes; do
  for c in $clients; do rows+=("-S -M $mode -c $c"); done
done
((storm_clients > 0)) && rows+=("-S -C -M simple -c $storm_clients")

table=$work/table.md
{
  printf '| workload |'
  for t in "${targets[@]}"; do printf ' %s tps | %s lat ms |' "$t" "$t"; done
  [[ $use_pgshim -eq 1 ]] && printf ' pgshim/direct | pgshim/PgBouncer |'
  printf '\n|---|'
  for _ in "${targets[@]}"; do printf -- '---:|---:|'; done
  [[ $use_pgshim -eq 1 ]] && printf -- '---:|---:|'
  printf '\n'
} >"$table"

for row in "${rows[@]}"; do
  read -r -a args <<<"$row"
  c=${args[-1]}
  j=$((c < 2 ? c : 2))
  declare -A tps_runs=() lat_runs=() fails=()
  for ((r = 1; r <= rounds; r++)); do
    for t in "${targets[@]}"; do # interleaved: every target back to back per row
      log "pgbench $row -j $j -T $duration -> $t (round $r/$rounds)"
      read -r tps lat failed < <(run_pgbench "$t" "${args[@]}" -j "$j" -T "$duration")
      tps_runs[$t]+="$tps "
      lat_runs[$t]+="$lat "
      [[ $failed == 0 ]] || fails[$t]="!"
    done
  done
  line="| \`$row\` |"
  declare -A med=()
  for t in "${targets[@]}"; do
    med[$t]=$(echo "${tps_runs[$t]}" | xargs | median)
    lat_med=$(echo "${lat_runs[$t]}" | xargs | median)
    line+=" $(printf '%.0f' "${med[$t]}")${fails[$t]:-} | $(printf '%.3f' "$lat_med") |"
  done
  if [[ $use_pgshim -eq 1 ]]; then
    line+=" $(awk -v a="${med[pgshim]}" -v b="${med[direct]}" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), a / (b > 0 ? b : 1)}') |"
    line+=" $(awk -v a="${med[pgshim]}" -v b="${med[pgbouncer]}" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), a / (b > 0 ? b : 1)}') |"
  fi
  echo "$line" >>"$table"
  unset tps_runs lat_runs fails med
done

# ---------------------------------------------------------------- idle memory
# hold_idle PORT: opens $idle connections through PORT, each completing startup
# and one `SELECT 1` (so PgBouncer's session pool really links a server
# connection to every client, as pgshim does), then holds them until killed.
hold_idle() {
  local port=$1 readyfile=$work/holder.ready
  rm -f "$readyfile"
  $PY - "$port" "$idle" "$readyfile" <<'PY' >"$work/holder.log" 2>&1 &
import signal, sys, time
import psycopg
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
conns = []
for i in range(n):
    c = psycopg.connect(host="127.0.0.1", port=port, dbname="bench", user="pgshim_trust",
                        sslmode="disable", connect_timeout=10, autocommit=True)
    c.execute("SELECT 1")
    conns.append(c)
open(ready, "w").write(f"{len(conns)}\n")
time.sleep(600)
PY
  holder_pid=$!
  local i
  for ((i = 0; i < 1200; i++)); do
    [[ -s $readyfile ]] && return 0
    kill -0 "$holder_pid" 2>/dev/null || { cat "$work/holder.log" >&2; return 1; }
    sleep 0.1
  done
  log "the holder did not open $idle connections within 120 s"; return 1
}
release_idle() {
  stop_pid "$holder_pid" "idle-connection holder"
  wait "$holder_pid" 2>/dev/null || true
  holder_pid=""
}
backends() {
  as_pg "$PG_BIN/psql" -X -A -t -h "$PGSANDBOX_SOCKET_DIR" -p "$pg_port" -U postgres -d postgres \
    -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
}

mem=$work/memory.md
if ((idle > 0)); then
  {
    echo "| proxy | RSS fresh (KiB) | RSS before idle (KiB) | RSS with $idle idle (KiB) | per idle connection (KiB) |"
    echo "|---|---:|---:|---:|---:|"
  } >"$mem"
  mem_targets=(pgbouncer)
  [[ $use_pgshim -eq 1 ]] && mem_targets+=(pgshim)
  for t in "${mem_targets[@]}"; do
    pid=$([[ $t == pgshim ]] && echo "$pgshim_pid" || echo "$bouncer_pid")
    fresh=$([[ $t == pgshim ]] && echo "$pgshim_rss_fresh" || echo "$bouncer_rss_fresh")
    before=$(rss_kb "$pid")
    log "opening $idle idle connections through $t"
    if hold_idle "$(port_of "$t")"; then
      sleep 1
      with=$(rss_kb "$pid")
      log "$t: RSS $before -> $with KiB with $idle idle connections ($(backends) server backends)"
      echo "| $t | $fresh | $before | $with | $(awk -v a="$with" -v b="$before" -v n="$idle" 'BEGIN {printf "%.1f", (a - b) / n}') |" >>"$mem"
    else
      echo "| $t | $fresh | $before | failed (see log) | |" >>"$mem"
    fi
    release_idle
    if [[ $t == pgbouncer ]]; then
      # PgBouncer keeps its server connections pooled after the clients leave;
      # stop it so that pgshim's 1:1 upstream connections fit in max_connections.
      stop_pid "$bouncer_pid" pgbouncer; bouncer_pid=""
    fi
    for ((i = 0; i < 200; i++)); do (($(backends) < 50)) && break; sleep 0.1; done
  done
fi

# ---------------------------------------------------------------- report
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
report=$work/report.md
{
  echo "### pgbench -S: tps (median of $rounds) and average latency, $duration s per run, -j min(c,2), scale $scale"
  echo
  echo "Machine: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr);"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $bouncer_version (session mode), pgshim: $pgshim_label; $(date -u +%F)."
  echo "Client, proxies and server share the machine; all on 127.0.0.1, plain TCP, trust auth."
  echo "\`!\` marks a run with failed transactions."
  echo
  if ((${#rows[@]} > 0)); then cat "$table"; else echo "(no pgbench rows requested)"; fi
  if ((idle > 0)); then
    echo
    echo "### Resident memory with $idle idle client connections (each ran one SELECT 1)"
    echo
    cat "$mem"
  fi
} >"$report"
cat "$report"
[[ -z $out ]] || cp "$report" "$out"
if [[ $use_pgshim -eq 1 ]] && ! kill -0 "$pgshim_pid" 2>/dev/null; then
  log "pgshim died during the benchmark; its log:"; tail -50 "$work/pgshim.log" >&2; exit 1
fi
