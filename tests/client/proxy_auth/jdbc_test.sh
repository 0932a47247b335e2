#!/usr/bin/env bash
# JDBC through pgshim in auth mode proxy, TLS on both legs (run by
# tests/client/proxy_auth/run.sh): compiles jdbc/ProxyAuthJdbc.java against
# Debian's pgjdbc (libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) and
# runs it with sslmode=verify-full and the sandbox CA; see the Java file for
# what it asserts. Needs javac/java 17 (default-jdk-headless) and
# libpostgresql-jdbc-java (scripts/install-deps.sh installs both).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${TARGET_PORT:?run this test through tests/client/proxy_auth/run.sh}"
jar=/usr/share/java/postgresql.jar
[[ -f $jar ]] || { echo "client_proxy_auth_jdbc: $jar is missing (apt-get install libpostgresql-jdbc-java, or scripts/install-deps.sh)" >&2; exit 1; }
command -v javac >/dev/null || { echo "client_proxy_auth_jdbc: no javac (apt-get install default-jdk-headless)" >&2; exit 1; }

out=$(mktemp -d "${TMPDIR:-/tmp}/proxy-auth-jdbc.XXXXXX")
trap 'rm -rf "$out"' EXIT
timeout -k 5 120 javac -cp "$jar" -d "$out" "$here/jdbc/ProxyAuthJdbc.java"
# IPv4 first: pgshim listens on 127.0.0.1, the certificate names localhost.
# Small heap and one GC thread: the machine's two cores are shared.
timeout -k 5 120 java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
  -cp "$jar:$out" ProxyAuthJdbc "$TARGET_PORT" "${PGSANDBOX_DB:-app}" "$PGSANDBOX_CA"
