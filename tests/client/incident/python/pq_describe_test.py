"""The Prisma Rust query engine's protocol, replayed with libpq through psycopg's
`psycopg.pq` layer (issue 4: "named prepared statements, Describe before Bind").

The Rust engine (tokio-postgres) sends Parse of a named statement with NO parameter
types, then Describe statement, and encodes every Bind value from the types the
ParameterDescription reported, in binary. pgshim rewrites the statements that use
the missing `environments.last_error`, which leaves their `$n` unreferenced, so it
must declare them: for every Prisma-shaped statement of prisma-environments.sql,
  - PQprepare with no types succeeds through pgshim,
  - PQdescribePrepared reports nparams == the highest $n written in the SQL and the
    RETURNING/SELECT columns as written (last_error included, as text),
  - PQexecPrepared with binary values encoded from the described types works, the
    rows are there (checked directly) and last_error reads NULL.
"""
import datetime
import struct
import sys

import psycopg
from psycopg import pq

from common import (SHIM, check, check_eq, check_observability, direct_rows, finish, fixture,
                    has_last_error_column, written_params)

OID_TEXT, OID_VARCHAR, OID_UNKNOWN, OID_INT8, OID_INT4, OID_TIMESTAMPTZ = 25, 1043, 705, 20, 23, 1184
PG_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def encode(oid, value):
    """A Bind value in binary format for the described type, as tokio-postgres sends it."""
    if value is None:
        return None
    if oid in (OID_TEXT, OID_VARCHAR, OID_UNKNOWN):
        return str(value).encode()
    if oid == OID_INT8:
        return struct.pack("!q", value)
    if oid == OID_INT4:
        return struct.pack("!i", value)
    if oid == OID_TIMESTAMPTZ:
        delta = value - PG_EPOCH
        return struct.pack("!q", (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    raise AssertionError(f"no binary encoder for type oid {oid}")


def main():
    check("the database lacks environments.last_error", not has_last_error_column())
    conn = pq.PGconn.connect(SHIM.encode())
    if conn.status != pq.ConnStatus.OK:
        sys.exit(f"cannot connect through pgshim: {conn.error_message.decode(errors='replace')}")

    def run(name, sql, values, expect_fields, expect_rows=None, pending=()):
        """Prepare (no types), describe, execute in binary; returns the decoded rows.
        pending: the $n that carry last_error (unreferenced after the rewrite, so
        pgshim must declare them: as the configured type, text)."""
        bname = name.encode()
        res = conn.prepare(bname, sql.encode(), None)
        check_eq(f"{name}: PQprepare status", pq.ExecStatus.COMMAND_OK, res.status)
        if res.status != pq.ExecStatus.COMMAND_OK:
            print(f"  error: {res.error_message.decode(errors='replace')}", file=sys.stderr)
            return None
        d = conn.describe_prepared(bname)
        check_eq(f"{name}: describe status", pq.ExecStatus.COMMAND_OK, d.status)
        want = written_params(sql)
        check_eq(f"{name}: PQnparams equals the {want} parameters written", want, d.nparams)
        types = [d.param_type(i) for i in range(d.nparams)]
        fields = [d.fname(i).decode() for i in range(d.nfields)]
        check_eq(f"{name}: described result columns", expect_fields, fields)
        if "last_error" in fields:
            check_eq(f"{name}: last_error is described as text", OID_TEXT, d.ftype(fields.index("last_error")))
        print(f"  {name}: parameter types {types}")
        for n in pending:
            if n <= len(types):
                check_eq(f"{name}: ${n} (last_error) declared as text", OID_TEXT, types[n - 1])
        if d.nparams != len(values):
            return None
        try:
            args = [encode(t, v) for t, v in zip(types, values)]
        except AssertionError as e:
            check(f"{name}: encodable parameter types", False, str(e))
            return None
        # Bind twice: the statement is reused, as the engine reuses s0, s1, ...
        rows = None
        for attempt in (1, 2):
            r = conn.exec_prepared(bname, args, [1] * len(args), 0)
            ok = r.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
            check(f"{name}: PQexecPrepared #{attempt}", ok, r.error_message.decode(errors="replace"))
            if not ok:
                return None
            got = [[None if r.get_value(i, j) is None else r.get_value(i, j).decode() for j in range(r.nfields)]
                   for i in range(r.ntuples)]
            if attempt == 1:
                rows = got
            if expect_rows is not None and attempt == 1:
                check_eq(f"{name}: rows", expect_rows, got)
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE")):
                break  # writes that cannot run twice
        return rows

    t1 = datetime.datetime(2025, 8, 4, 2, 8, 10, tzinfo=datetime.timezone.utc)

    # create: 8 parameters, $6 is last_error.
    run("s0", fixture("create ("), ["env_pq1", "rust engine", "user_1", "tpl_2", "RUNNING", "engine error", t1, t1],
        ["id"], [["env_pq1"]], pending=(6,))
    check_eq("s0: the row exists with every other value",
             [("rust engine", "user_1", "tpl_2", "RUNNING", t1, t1)],
             direct_rows("SELECT name, user_id, template_id, status::text, created_at, updated_at"
                         " FROM environments WHERE id = 'env_pq1'"))

    # findUnique: 3 parameters, last_error in the select list.
    rows = run("s1", fixture("read-back / findUnique"), ["env_pq1", 1, 0],
               ["id", "name", "user_id", "template_id", "status", "last_error", "created_at", "updated_at"])
    check("s1: one row, last_error NULL", rows is not None and len(rows) == 1 and rows[0][5] is None, repr(rows))

    # update with other columns: 4 parameters, $2 is last_error.
    run("s2", fixture("update together with other columns"), ["FAILED", "boom", t1, "env_pq1"],
        ["id", "name", "last_error"], [["env_pq1", "rust engine", None]], pending=(2,))
    check_eq("s2: status stored", [("FAILED",)], direct_rows("SELECT status::text FROM environments WHERE id = 'env_pq1'"))

    # update of last_error alone: 2 parameters, $1 is last_error.
    run("s3", fixture("update of the pending column alone"), ["oops", "env_pq1"],
        ["id", "status", "last_error"], [["env_pq1", "FAILED", None]], pending=(1,))

    # findMany with the IS NULL filter: 2 parameters.
    rows = run("s4", fixture("findMany with a filter"), ["user_1", 0], ["id", "last_error"])
    check_eq("s4: every environment of user_1", ["env_1", "env_2", "env_pq1"], sorted(r[0] for r in rows or []))

    # createMany: 10 parameters, $5 and $10 are last_error.
    run("s5", fixture("createMany"), ["env_pq2", "a", "user_2", None, "x", "env_pq3", "b", "user_2", "tpl_1", None], [], pending=(5, 10))
    check_eq("s5: both rows", [("env_pq2", "a"), ("env_pq3", "b")],
             direct_rows("SELECT id, name FROM environments WHERE id IN ('env_pq2', 'env_pq3') ORDER BY id"))

    # upsert: 8 parameters, $5 and $6 are last_error.
    run("s6", fixture("native upsert"), ["env_pq2", "a", "user_2", None, "x", "y", t1, "env_pq2"],
        ["id", "last_error"], [["env_pq2", None]], pending=(5, 6))
    check_eq("s6: the conflict path updated updated_at", [(t1,)],
             direct_rows("SELECT updated_at FROM environments WHERE id = 'env_pq2'"))

    # delete: 1 parameter.
    run("s7", fixture("delete returning"), ["env_pq3"], ["id", "name", "last_error"], [["env_pq3", "b", None]])
    check_eq("s7: deleted", [], direct_rows("SELECT id FROM environments WHERE id = 'env_pq3'"))

    # The unnamed statement, the same way (Parse "" / Describe "" / Bind).
    run("", fixture("create ("), ["env_pq4", "unnamed", "user_2", None, "PENDING", None, t1, t1], ["id"], [["env_pq4"]])

    # Deallocate and re-prepare under the same name.
    r = conn.exec_(b"DEALLOCATE s0")
    check_eq("DEALLOCATE s0", pq.ExecStatus.COMMAND_OK, r.status)
    run("s0", fixture("create ("), ["env_pq5", "again", "user_1", None, "PENDING", "z", t1, t1], ["id"], [["env_pq5"]])

    conn.finish()
    check_observability("missing")
    finish("client_incident_pq")


if __name__ == "__main__":
    main()
