#!/usr/bin/python3
"""Proves that psycopg 3 (libpq underneath) works through the target: pipeline
mode with results in order and an error aborting only the rest of its pipeline,
a named server-side cursor fetched in batches, binary parameters and results
(bytea of every byte value, numeric, timestamptz, uuid, jsonb, arrays), binary
COPY, libpq's own PQcancel (psycopg's Connection.cancel), a Prisma-engine-like
Parse / Describe / Execute sequence driven through psycopg.pq.PGconn, ParameterStatus
after SET, and every ErrorResponse/NoticeResponse field intact.

Run with Debian's /usr/bin/python3 (python3-psycopg), through
tests/support/with-pgshim.sh [--direct] -- tests/client/psycopg_test.py.
"""
import datetime
import decimal
import os
import sys
import threading
import time
import uuid

import psycopg
from psycopg import errors, pq
from psycopg.types.json import Jsonb

NAME = "client_psycopg"
HOST = os.environ.get("TARGET_HOST")
PORT = os.environ.get("TARGET_PORT")
DIRECT_PORT = os.environ.get("DIRECT_PORT")
if not (HOST and PORT and DIRECT_PORT):
    sys.exit(f"{NAME}: run through tests/support/with-pgshim.sh (TARGET_HOST/TARGET_PORT/DIRECT_PORT unset)")
KIND = os.environ.get("TARGET_KIND", "unknown")
# Channel binding cannot span a TLS-terminating pgshim (see client-common.sh).
CHANNEL_BINDING = "disable" if os.environ.get("TARGET_TLS") == "1" and KIND == "pgshim" else "prefer"


def conninfo(dbname, port=PORT, **extra):
    params = dict(host=HOST, port=port, dbname=dbname, user="pgshim_scram", password="scram-pass",
                  connect_timeout=10, application_name=NAME, channel_binding=CHANNEL_BINDING)
    params.update(extra)
    return psycopg.conninfo.make_conninfo(**params)


class Failure(Exception):
    pass


def check(what, expected, actual):
    if expected != actual:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


def expect_error(what, sqlstate, fn):
    try:
        fn()
    except psycopg.Error as e:
        check(f"{what} SQLSTATE", sqlstate, e.sqlstate)
        return e
    raise Failure(f"{what}: expected an error {sqlstate}, got none")


def test_pipeline(db):
    with psycopg.connect(conninfo(db), autocommit=True) as conn:
        # sslmode=prefer: TLS whenever the target offers it (pgshim only with --tls).
        offers_tls = os.environ.get("TARGET_TLS") == "1" or (KIND == "direct" and os.environ.get("PGSANDBOX_TLS") == "1")
        check("TLS on the client leg", offers_tls, bool(conn.pgconn.ssl_in_use))
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, label text)")
        with conn.pipeline() as p:
            curs = [conn.cursor() for _ in range(6)]
            curs[0].execute("SELECT 'first'")
            curs[1].execute("INSERT INTO items VALUES (%s, %s), (%s, %s) RETURNING id", (1, "one", 2, "two"))
            curs[2].execute("SELECT generate_series(1, %s)", (5,))
            curs[3].execute("UPDATE items SET label = upper(label) WHERE id = %s", (2,))
            curs[4].execute("SELECT label FROM items ORDER BY id")
            curs[5].execute("SELECT %s::text || %s::text", ("pipe", "line"))
            p.sync()
            check("pipeline result 0", [("first",)], curs[0].fetchall())
            check("pipeline result 1", [(1,), (2,)], curs[1].fetchall())
            check("pipeline result 2", [(i,) for i in range(1, 6)], curs[2].fetchall())
            check("pipeline result 3 rowcount", 1, curs[3].rowcount)
            check("pipeline result 4", [("one",), ("TWO",)], curs[4].fetchall())
            check("pipeline result 5", [("pipeline",)], curs[5].fetchall())

        # An error aborts the rest of its pipeline up to the next Sync (the statements
        # since the last Sync form one implicit transaction) and nothing before it.
        before, failing, after = conn.cursor(), conn.cursor(), conn.cursor()
        try:
            with conn.pipeline() as p:
                before.execute("INSERT INTO items VALUES (3, 'three')")
                p.sync()
                failing.execute("INSERT INTO items VALUES (1, 'duplicate')")
                after.execute("INSERT INTO items VALUES (4, 'four')")
        except errors.UniqueViolation:
            pass
        else:
            raise Failure("a duplicate key inside a pipeline did not raise UniqueViolation")
        check("rows after the aborted pipeline", [(1,), (2,), (3,)],
              conn.execute("SELECT id FROM items ORDER BY id").fetchall())

        # Many statements in flight at once, then all results.
        with conn.pipeline():
            cs = [conn.execute("SELECT %s::int * 3", (i,)) for i in range(200)]
        check("200 pipelined results", [i * 3 for i in range(200)], [c.fetchone()[0] for c in cs])


def test_server_side_cursor(db):
    with psycopg.connect(conninfo(db)) as conn:
        with conn.cursor(name="batches") as cur:
            cur.itersize = 500
            cur.execute("SELECT i, md5(i::text) FROM generate_series(1, 10000) i ORDER BY i")
            check("open portals", [("batches",)],
                  conn.execute("SELECT name FROM pg_cursors WHERE name = 'batches'").fetchall())
            total, batches = 0, 0
            while True:
                rows = cur.fetchmany(1000)
                if not rows:
                    break
                batches += 1
                check(f"batch {batches} first id", (batches - 1) * 1000 + 1, rows[0][0])
                total += sum(r[0] for r in rows)
            check("batches fetched", 10, batches)
            check("sum of ids", 10000 * 10001 // 2, total)
            cur.scroll(0, mode="absolute")
            check("scroll back", (1, "c4ca4238a0b923820dcc509a6f75849b"), cur.fetchone())
        # Iteration with itersize: several FETCH round trips.
        with conn.cursor(name="iter") as cur:
            cur.itersize = 128
            cur.execute("SELECT i FROM generate_series(1, 1000) i")
            check("iterated rows", list(range(1, 1001)), [r[0] for r in cur])
        conn.rollback()


def test_binary(db):
    every_byte = bytes(range(256)) * 4096  # 1 MiB with every byte value, NULs included
    values = (every_byte, 2 ** 62, decimal.Decimal("-12345678901234567890.000123"),
              datetime.datetime(2025, 8, 4, 2, 8, 10, 123456, tzinfo=datetime.timezone.utc),
              uuid.UUID("12345678-1234-5678-1234-567812345678"), Jsonb({"a": [1, "ü", None]}),
              [1, None, 3], "ünï 🐘", None)
    with psycopg.connect(conninfo(db), autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT %b::bytea, %b::int8, %b::numeric, %b::timestamptz, %b::uuid, %b::jsonb, "
                    "%b::int4[], %b::text, %b::text", values, binary=True)
        row = cur.fetchone()
        check("binary result formats", [1] * 9, [cur.pgresult.fformat(i) for i in range(9)])
        check("binary bytea", every_byte, row[0])
        check("binary values", (2 ** 62, values[2], values[3], values[4], {"a": [1, "ü", None]},
                                [1, None, 3], "ünï 🐘", None), row[1:])
        cur.execute("CREATE TABLE blobs (id int, b bytea)")
        cur.execute("INSERT INTO blobs VALUES (%b, %b)", (1, every_byte))
        check("bytea stored from a binary parameter", (len(every_byte), True),
              cur.execute("SELECT length(b), b = decode(repeat(%s, 4096), 'hex') FROM blobs WHERE id = 1",
                          (bytes(range(256)).hex(),)).fetchone())
        check("bytea read back as text", every_byte,
              cur.execute("SELECT b FROM blobs WHERE id = 1", binary=False).fetchone()[0])
        # Binary COPY both ways.
        rows = [(i, bytes([i % 256]) * (i % 50)) for i in range(2000)]
        cur.execute("CREATE TABLE copied (id int, b bytea)")
        with cur.copy("COPY copied (id, b) FROM STDIN (FORMAT binary)") as copy:
            copy.set_types(["int4", "bytea"])
            for r in rows:
                copy.write_row(r)
        with cur.copy("COPY (SELECT id, b FROM copied ORDER BY id) TO STDOUT (FORMAT binary)") as copy:
            copy.set_types(["int4", "bytea"])
            back = [(i, bytes(b)) for i, b in copy.rows()]
        check("binary COPY row count", len(rows), len(back))
        check("binary COPY round trip", rows, back)


def test_pqcancel(db):
    with psycopg.connect(conninfo(db), autocommit=True) as conn, \
            psycopg.connect(conninfo(db), autocommit=True) as observer:
        pid = conn.info.backend_pid
        outcome = {}

        def run():
            try:
                conn.execute("SELECT pg_sleep(30)")
                outcome["result"] = "completed"
            except psycopg.Error as e:
                outcome["result"] = e.sqlstate

        t = threading.Thread(target=run, daemon=True)
        started = time.monotonic()
        t.start()
        deadline = time.monotonic() + 10
        while observer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state = 'active' "
                               "AND query LIKE 'SELECT pg_sleep%%'", (pid,)).fetchone()[0] != 1:
            if time.monotonic() > deadline:
                raise Failure("pg_sleep did not start within 10 s")
            time.sleep(0.05)
        conn.cancel()  # libpq PQcancel: a CancelRequest on a new connection to the target
        t.join(15)
        if t.is_alive():
            raise Failure("the query was not cancelled within 15 s")
        check("PQcancel outcome", "57014", outcome.get("result"))
        if time.monotonic() - started > 10:
            raise Failure("the query was not cancelled promptly")
        check("session after cancel", (1,), conn.execute("SELECT 1").fetchone())


def test_prisma_like(db):
    """What Prisma's Rust engine (tokio-postgres) does: Parse with no parameter
    types, Describe the statement to learn the parameters and columns, then
    Bind/Execute it, with unnamed and named statements."""
    conn = pq.PGconn.connect(conninfo(db).encode())
    try:
        check("libpq connection status", pq.ConnStatus.OK, conn.status)
        res = conn.exec_(b"CREATE TABLE environments (id text PRIMARY KEY, name text NOT NULL, n int)")
        check("create table", pq.ExecStatus.COMMAND_OK, res.status)
        for stmt in (b"", b"s0"):
            label = stmt.decode() or "<unnamed>"
            res = conn.prepare(stmt, b"INSERT INTO environments (id, name, n) VALUES ($1, $2, $3) "
                                     b"ON CONFLICT (id) DO UPDATE SET n = environments.n + 1 RETURNING id, n",
                               None)
            check(f"{label} prepare", pq.ExecStatus.COMMAND_OK, res.status)
            desc = conn.describe_prepared(stmt)
            check(f"{label} describe status", pq.ExecStatus.COMMAND_OK, desc.status)
            check(f"{label} nparams", 3, desc.nparams)
            check(f"{label} param types (text, text, int4)", [25, 25, 23], [desc.param_type(i) for i in range(3)])
            check(f"{label} result columns", [b"id", b"n"], [desc.fname(i) for i in range(desc.nfields)])
            for attempt in (1, 2):
                res = conn.exec_prepared(stmt, [b"env_" + stmt, b"prisma", b"1"], param_formats=[0, 0, 0],
                                         result_format=0)
                check(f"{label} execute {attempt}", pq.ExecStatus.TUPLES_OK, res.status)
                check(f"{label} execute {attempt} row", (b"env_" + stmt, str(attempt).encode()),
                      (res.get_value(0, 0), res.get_value(0, 1)))
        # Binary result format and a NULL parameter on a described statement.
        res = conn.prepare(b"s1", b"SELECT $1::int4 + 1, $2::text IS NULL", None)
        check("s1 prepare", pq.ExecStatus.COMMAND_OK, res.status)
        res = conn.exec_prepared(b"s1", [(41).to_bytes(4, "big"), None], param_formats=[1, 0], result_format=1)
        check("s1 binary result", ((42).to_bytes(4, "big"), b"\x01"), (res.get_value(0, 0), res.get_value(0, 1)))
        # An error in Parse (missing column, the incident's shape) comes back with its SQLSTATE.
        res = conn.prepare(b"s2", b"SELECT last_error FROM environments WHERE id = $1", None)
        check("missing column status", pq.ExecStatus.FATAL_ERROR, res.status)
        check("missing column SQLSTATE", b"42703", res.error_field(pq.DiagnosticField.SQLSTATE))
        res = conn.describe_prepared(b"s2")
        check("describe of a failed statement", b"26000", res.error_field(pq.DiagnosticField.SQLSTATE))
        res = conn.exec_(b"SELECT count(*) FROM environments")
        check("session after errors", b"2", res.get_value(0, 0))
    finally:
        conn.finish()


def test_session_state(db):
    """ParameterStatus messages (at start-up and after SET) and every field of
    ErrorResponse/NoticeResponse reach the client unchanged."""
    with psycopg.connect(conninfo(db), autocommit=True) as conn:
        check("application_name at start-up", NAME, conn.info.parameter_status("application_name"))
        check("server_version", True, conn.info.parameter_status("server_version").startswith("15."))
        conn.execute("SET TimeZone = 'Asia/Tokyo'")
        check("TimeZone after SET", "Asia/Tokyo", conn.info.parameter_status("TimeZone"))
        conn.execute("SET application_name = 'renamed by SET'")
        check("application_name after SET", "renamed by SET", conn.info.parameter_status("application_name"))
        check("timestamptz rendered in the new zone", "2025-08-04 11:08:10+09",
              conn.execute("SELECT '2025-08-04 02:08:10+00'::timestamptz::text").fetchone()[0])

        conn.execute("CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL CONSTRAINT uq_name UNIQUE)")
        conn.execute("INSERT INTO people VALUES (1, 'ada')")
        e = expect_error("unique violation", "23505",
                         lambda: conn.execute("INSERT INTO people VALUES (2, 'ada')"))
        check("unique violation fields", ("public", "people", "uq_name", "Key (name)=(ada) already exists."),
              (e.diag.schema_name, e.diag.table_name, e.diag.constraint_name, e.diag.message_detail))
        e = expect_error("not-null violation", "23502", lambda: conn.execute("INSERT INTO people VALUES (3, NULL)"))
        check("not-null violation column", "name", e.diag.column_name)
        e = expect_error("syntax error", "42601", lambda: conn.execute("SELECT * FRM people"))
        check("syntax error position", "10", e.diag.statement_position)
        e = expect_error("custom exception", "P0042", lambda: conn.execute(
            "DO $$ BEGIN RAISE EXCEPTION 'custom % ü', 42 USING DETAIL = 'the detail', HINT = 'the hint', "
            "ERRCODE = 'P0042'; END $$"))
        check("custom exception fields", ("ERROR", "custom 42 ü", "the detail", "the hint"),
              (e.diag.severity_nonlocalized, e.diag.message_primary, e.diag.message_detail, e.diag.message_hint))
        notices = []
        conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.sqlstate, d.message_primary,
                                                          d.message_detail)))
        conn.execute("DO $$ BEGIN RAISE NOTICE 'heads up' USING DETAIL = 'more'; RAISE WARNING 'careful'; END $$")
        check("notices", [("NOTICE", "00000", "heads up", "more"), ("WARNING", "01000", "careful", None)], notices)


def test_auth():
    for user, password in (("pgshim_scram", "wrong-pass"), ("pgshim_md5", "wrong-pass")):
        try:
            psycopg.connect(conninfo("app", user=user, password=password)).close()
        except psycopg.OperationalError as e:
            if f'password authentication failed for user "{user}"' not in str(e):
                raise Failure(f"wrong password for {user}: unexpected error {e}")
        else:
            raise Failure(f"a wrong password for {user} was accepted")
    with psycopg.connect(conninfo("app", user="pgshim_md5", password="md5-pass")) as conn:
        check("md5 login", ("pgshim_md5", "Grace"),
              conn.execute("SELECT current_user, name FROM users WHERE id = %s", ("user_2",)).fetchone())


def main():
    db = f"client_psycopg_{os.getpid()}"
    admin_direct = conninfo("postgres", port=DIRECT_PORT, channel_binding="prefer")
    failures = []
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    try:
        for test in (test_pipeline, test_server_side_cursor, test_binary, test_pqcancel, test_prisma_like,
                     test_session_state):
            try:
                test(db)
                print(f"ok   [{NAME}] {test.__name__}")
            except Exception as e:  # report every test, then fail
                failures.append(test.__name__)
                print(f"FAIL [{NAME}] {test.__name__}: {type(e).__name__}: {e}", file=sys.stderr)
        try:
            test_auth()
            print(f"ok   [{NAME}] test_auth")
        except Exception as e:
            failures.append("test_auth")
            print(f"FAIL [{NAME}] test_auth: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        with psycopg.connect(admin_direct, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    if failures:
        print(f"FAIL [{NAME}] against {KIND} ({HOST}:{PORT}): {', '.join(failures)}", file=sys.stderr)
        return 1
    print(f"PASS [{NAME}] against {KIND} ({HOST}:{PORT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
