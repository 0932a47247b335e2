#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for scripts/run.sh's embedded
# upstream and for the test suites. Nothing here touches a system cluster.
#
#   scripts/pg-sandbox.sh start DIR [--tls] [--schema FILE] [--db NAME]
#   scripts/pg-sandbox.sh stop DIR
#
# start: initdb in a fresh temporary directory (as the `postgres` user when run as
# root: initdb and pg_ctl refuse root), a free port probed on 127.0.0.1, then:
#   roles   postgres       superuser, password "postgres"   (scram-sha-256 over TCP)
#           pgshim_scram   superuser, password "scram-pass" (scram-sha-256)
#           pgshim_md5     superuser, password "md5-pass"   (md5)
#           pgshim_trust   superuser, no password           (trust)
#           pgshim_password superuser, password "clear-pass" (cleartext `password`)
#   db      NAME (default "app"), loaded with --schema FILE when given
#   --tls   a CA, a server certificate for the cluster and one for pgshim
#           (both for localhost / 127.0.0.1); the server then accepts TLS.
# and writes DIR/env, a shell-sourceable file with PGSANDBOX_* variables.
# stop: stops the cluster recorded in DIR/env and removes its data directory.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() { echo "pg-sandbox: $*" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  # Ask the kernel for a free port; the cluster binds it a moment later.
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

make_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=pgshim-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  for name in server proxy; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
      -CAcreateserial -days 30 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
    chmod 600 "$d/$name.key"
  done
}

cmd_start() {
  local dir=$1; shift
  local tls=0 schema="" db=app
  while [[ $# -gt 0 ]]; do
    case $1 in
      --tls) tls=1 ;;
      --schema) schema=$2; shift ;;
      --db) db=$2; shift ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  [[ -x $PG_BIN/initdb ]] || die "no PostgreSQL 15 at $PG_BIN (run scripts/install-deps.sh)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ -f $dir/env ]]; then
    # A previous run left a cluster behind: stop it before starting anew.
    cmd_stop "$dir" || true
  fi

  local root; root=$(mktemp -d "${TMPDIR:-/tmp}/pgshim-pg.XXXXXX")
  chmod 755 "$root"
  local data=$root/data sock=$root/run certs=$root/certs
  mkdir -p "$sock"
  if [[ $tls -eq 1 ]]; then make_certs "$certs"; fi
  if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$root"; fi

  local pwfile=$root/pw
  echo postgres >"$pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pwfile"
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" -A trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 \
    || { cat "$root/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"

  cat >"$data/pg_hba.conf" <<HBA
local all all trust
host  all pgshim_trust 127.0.0.1/32 trust
host  all pgshim_md5   127.0.0.1/32 md5
host  all pgshim_password 127.0.0.1/32 password
host  all all          127.0.0.1/32 scram-sha-256
HBA
  local port; port=$(free_port)
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$sock'"
    echo "max_connections = 300"
    echo "shared_buffers = 64MB"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    echo "log_min_messages = warning"
    if [[ $tls -eq 1 ]]; then
      echo "ssl = on"
      echo "ssl_cert_file = '$certs/server.crt'"
      echo "ssl_key_file = '$certs/server.key'"
      echo "ssl_ca_file = '$certs/ca.crt'"
    fi
  } >>"$data/postgresql.conf"

  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 start >/dev/null \
    || { cat "$root/server.log" >&2; die "the server did not start"; }

  local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres)
  as_pg "${psql[@]}" -d postgres >/dev/null <<SQL
SET password_encryption = 'scram-sha-256';
CREATE ROLE pgshim_scram LOGIN SUPERUSER PASSWORD 'scram-pass';
CREATE ROLE pgshim_trust LOGIN SUPERUSER;
CREATE ROLE pgshim_password LOGIN SUPERUSER PASSWORD 'clear-pass';
SET password_encryption = 'md5';
CREATE ROLE pgshim_md5 LOGIN SUPERUSER PASSWORD 'md5-pass';
CREATE DATABASE "$db" OWNER pgshim_scram;
SQL
  if [[ -n $schema ]]; then
    as_pg "${psql[@]}" -d "$db" -U pgshim_scram -f - >/dev/null <"$schema"
  fi

  cat >"$dir/env" <<ENV
PGSANDBOX_ROOT=$root
PGSANDBOX_DATA=$data
PGSANDBOX_BIN=$PG_BIN
PGSANDBOX_HOST=127.0.0.1
PGSANDBOX_PORT=$port
PGSANDBOX_SOCKET_DIR=$sock
PGSANDBOX_DB=$db
PGSANDBOX_TLS=$tls
PGSANDBOX_CA=$([[ $tls -eq 1 ]] && echo "$certs/ca.crt")
PGSANDBOX_PROXY_CERT=$([[ $tls -eq 1 ]] && echo "$certs/proxy.crt")
PGSANDBOX_PROXY_KEY=$([[ $tls -eq 1 ]] && echo "$certs/proxy.key")
ENV
  # pgshim runs as the invoking user and must read its own key.
  if [[ $tls -eq 1 && $(id -u) -eq 0 ]]; then chown root: "$certs/proxy.key"; fi
  echo "pg-sandbox: PostgreSQL 15 on 127.0.0.1:$port (data in $data)" >&2
}

cmd_stop() {
  local dir=$1
  [[ -f $dir/env ]] || return 0
  # shellcheck disable=SC1091
  source "$dir/env"
  if [[ -d ${PGSANDBOX_DATA:-} ]]; then
    as_pg "$PGSANDBOX_BIN/pg_ctl" -D "$PGSANDBOX_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  [[ -n ${PGSANDBOX_ROOT:-} && $PGSANDBOX_ROOT == */pgshim-pg.* ]] && rm -rf "$PGSANDBOX_ROOT"
  rm -f "$dir/env"
}

case ${1:-} in
  start) shift; [[ $# -ge 1 ]] || die "usage: pg-sandbox.sh start DIR [--tls] [--schema FILE] [--db NAME]"; cmd_start "$@" ;;
  stop) shift; [[ $# -eq 1 ]] || die "usage: pg-sandbox.sh stop DIR"; cmd_stop "$1" ;;
  *) die "usage: pg-sandbox.sh start|stop DIR ..." ;;
esac
