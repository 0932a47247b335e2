#!/usr/bin/python3
"""psycopg 3 (libpq underneath) through pgshim in auth mode proxy, TLS on both
legs (run by tests/client/proxy_auth/run.sh):

* sslmode=verify-full against pgshim's certificate (host localhost, the sandbox
  CA) with channel_binding require, prefer and disable: the login works, the
  session runs as pgshim_scram, pg_stat_ssl says the upstream session is TLS,
  libpq says the client leg is TLS, and with `require` libpq itself insists on
  SCRAM-SHA-256-PLUS (it refuses to finish a login without channel binding);
* a wrong password, and an unknown user, get psycopg.OperationalError with
  PostgreSQL's text `password authentication failed for user "..."`, and
  pgshim's log shows the refusal with nothing sent upstream (bytes_in=0);
* the md5 user (pgshim_md5) logs in and runs queries; its wrong password is
  refused alike;
* no password appears in pgshim's log.

Run with Debian's /usr/bin/python3 (python3-psycopg).
"""
import os
import re
import time
import sys

import psycopg

NAME = "client_proxy_auth_psycopg"
env = os.environ
for var in ("TARGET_HOST", "TARGET_PORT", "PGSANDBOX_CA", "PROXY_AUTH_LOG"):
    if not env.get(var):
        sys.exit(f"{NAME}: {var} is not set: run through tests/client/proxy_auth/run.sh")
PORT = env["TARGET_PORT"]
DB = env.get("PGSANDBOX_DB", "app")


class Failure(Exception):
    pass


def check(what, expected, actual):
    if expected != actual:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")
    print(f"ok   [{NAME}] {what}: {actual!r}")


def conninfo(user, password, channel_binding="prefer", sslmode="verify-full"):
    return psycopg.conninfo.make_conninfo(
        host="localhost", hostaddr="127.0.0.1", port=PORT, dbname=DB, user=user, password=password,
        sslmode=sslmode, sslrootcert=env["PGSANDBOX_CA"], channel_binding=channel_binding,
        connect_timeout=10, application_name=NAME)


def session_facts(conn):
    row = conn.execute(
        "SELECT current_user, s.ssl, s.version IS NOT NULL"
        " FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()").fetchone()
    return row


def log_text():
    with open(env["PROXY_AUTH_LOG"], encoding="utf-8", errors="replace") as f:
        return f.read()


def expect_refused(what, user, password):
    try:
        conn = psycopg.connect(conninfo(user, password))
    except psycopg.OperationalError as e:
        text = str(e)
        needle = f'password authentication failed for user "{user}"'
        if needle not in text:
            raise Failure(f"{what}: error text lacks {needle!r}: {text!r}")
        print(f"ok   [{NAME}] {what}: refused: {text.strip().splitlines()[-1]}")
        return
    conn.close()
    raise Failure(f"{what}: login with a wrong password succeeded")


def main():
    # 1. SCRAM, verified TLS to pgshim, every channel-binding setting.
    for cb in ("require", "prefer", "disable"):
        with psycopg.connect(conninfo("pgshim_scram", "scram-pass", cb)) as conn:
            check(f"channel_binding={cb}: client leg TLS (libpq)", True, conn.pgconn.ssl_in_use)
            check(f"channel_binding={cb}: user, upstream TLS", ("pgshim_scram", True, True), session_facts(conn))
            # Some real queries, with parameters and a transaction.
            with conn.transaction():
                conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, v text)")
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO t VALUES (%s, %s)", [(i, f"v{i}") for i in range(50)])
            check(f"channel_binding={cb}: queries", (50, 49),
                  conn.execute("SELECT count(*), max(id) FROM t WHERE v LIKE %s", ("v%",)).fetchone())

    # 2. Wrong passwords and an unknown user: PostgreSQL's 28P01 text, from pgshim.
    expect_refused("scram user, wrong password", "pgshim_scram", "wrong-pass")
    expect_refused("unknown user", "no_such_user", "scram-pass")
    expect_refused("md5 user, wrong password", "pgshim_md5", "wrong-pass")
    # The client sees the refusal before pgshim has written its "closed" line,
    # so wait (bounded) for each line rather than reading the log once.
    for user in ("pgshim_scram", "no_such_user", "pgshim_md5"):
        pattern = re.compile(rf'user={user} .*bytes_in=0 bytes_out=0 reason="authentication failed"')
        deadline = time.monotonic() + 10
        while not pattern.search(log := log_text()):
            if time.monotonic() > deadline:
                raise Failure(f"pgshim's log shows no refusal without upstream traffic for {user}:\n{log}")
            time.sleep(0.05)
    print(f"ok   [{NAME}] pgshim refused the wrong passwords itself (bytes_in=0 upstream)")

    # 3. The md5 user: pgshim checks the stored hash and answers the server's md5.
    with psycopg.connect(conninfo("pgshim_md5", "md5-pass")) as conn:
        check("md5 user: user, upstream TLS", ("pgshim_md5", True, True), session_facts(conn))
        check("md5 user: a query", [(1, "one"), (2, "two")],
              conn.execute("SELECT * FROM (VALUES (1, 'one'), (2, 'two')) v ORDER BY 1").fetchall())

    # 4. Nothing secret in the log.
    log = log_text()
    for secret in ("scram-pass", "md5-pass", "wrong-pass"):
        if secret in log:
            raise Failure(f"pgshim's log contains the password {secret!r}")
    connected = len(re.findall(r"connected: user=pgshim_(scram|md5) database=\S+ tls=true", log))
    check("logins pgshim logged as TLS on the client leg", 4, connected)


if __name__ == "__main__":
    try:
        main()
    except (Failure, psycopg.Error) as e:
        print(f"FAIL [{NAME}]: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS [{NAME}]")
