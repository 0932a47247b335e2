"""Statement shapes beyond plain DML, through pgshim with environments.last_error
missing, from real clients (issue: every statement shape):

  - psycopg 3 named (server-side) cursors: DECLARE ... CURSOR [WITH HOLD], FETCH;
  - SQLAlchemy 1.4 `stream_results` / `yield_per` (server-side cursors of the ORM);
  - SQL-level PREPARE / EXECUTE (simple Query);
  - EXPLAIN, and EXPLAIN ANALYZE of an INSERT: the row is written, last_error dropped;
  - COPY (SELECT ...) TO STDOUT and COPY table (cols) TO STDOUT through psycopg's copy();
  - COPY environments (..., last_error) FROM STDIN through psycopg's copy() (text
    and CSV with HEADER, rows spanning writes) and psql's \\copy: the rows land
    without last_error and its values are journaled; a row of the wrong width
    fails the COPY with 22P04 and writes nothing;
  - MERGE (PostgreSQL 15) with WHEN MATCHED UPDATE / WHEN NOT MATCHED INSERT;
  - UPDATE ... SET (a, last_error) = (...) multi-column assignment;
  - `SELECT *`, `e.*` and `RETURNING *`: the column comes last, typed text, NULL.

Each result is compared with what the migrated database would give: the same
rows and names, with last_error NULL (the values are checked directly on the
server, never through pgshim).
"""
import subprocess

import psycopg
from sqlalchemy import Column, DateTime, String, Text, create_engine, select
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.base import PGDialect, PGExecutionContext
from sqlalchemy.orm import declarative_base, sessionmaker

from common import (DB, HOST, PASSWORD, PORT, SHIM, USER, check, check_eq, direct_rows, finish,
                    has_last_error_column, journal_lines)

TEXT_OID = 25


def cur_copy(conn, statement):
    return conn.cursor().copy(statement)


def main():
    check("the database lacks environments.last_error", not has_last_error_column())
    ids = [r[0] for r in direct_rows("SELECT id FROM environments ORDER BY id")]
    base_columns = [r[0] for r in direct_rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'environments'"
        " ORDER BY ordinal_position")]

    with psycopg.connect(SHIM) as conn:
        # Named cursors: psycopg sends DECLARE "name" CURSOR [WITH HOLD] FOR ...
        with conn.transaction():
            with conn.cursor(name="envs") as cur:
                cur.execute("SELECT id, last_error FROM environments WHERE last_error IS NULL ORDER BY id")
                check_eq("named cursor: column names", ["id", "last_error"], [d.name for d in cur.description])
                check_eq("named cursor: last_error is text", TEXT_OID, cur.description[1].type_code)
                check_eq("named cursor: rows", [(i, None) for i in ids], cur.fetchall())
        with conn.cursor(name="held", withhold=True) as cur:
            cur.execute("SELECT e.* FROM environments e ORDER BY e.id")
            rows = cur.fetchmany(2) + cur.fetchall()
            names = [d.name for d in cur.description]
            check_eq("WITH HOLD cursor over e.*: the column comes last", base_columns + ["last_error"], names)
            check_eq("WITH HOLD cursor: every row, last_error NULL", [(i, None) for i in ids],
                     [(r[0], r[-1]) for r in rows])
        conn.commit()

        # SQL-level PREPARE / EXECUTE, one simple Query each.
        conn.execute("PREPARE env_by_id(text) AS SELECT id, last_error FROM environments WHERE id = $1")
        check_eq("PREPARE/EXECUTE", [(ids[0], None)], conn.execute(f"EXECUTE env_by_id('{ids[0]}')").fetchall())
        conn.execute("PREPARE env_ins AS INSERT INTO environments (id, name, user_id, last_error)"
                     " VALUES ($1, $2, 'user_1', $3) RETURNING id, last_error")
        check_eq("PREPARE without types, EXECUTE of an INSERT naming last_error",
                 [("env_prep", None)], conn.execute("EXECUTE env_ins('env_prep', 'prepared', 'boom')").fetchall())
        conn.execute("DEALLOCATE ALL")
        conn.commit()
        check_eq("the PREPAREd INSERT stored the row", [("prepared",)],
                 direct_rows("SELECT name FROM environments WHERE id = 'env_prep'"))

        # EXPLAIN shows a plan; EXPLAIN ANALYZE of a write writes, without last_error.
        plan = conn.execute("EXPLAIN SELECT id, last_error FROM environments WHERE last_error IS NOT NULL").fetchall()
        check("EXPLAIN of a statement naming last_error returns a plan", len(plan) > 0)
        conn.execute("EXPLAIN (ANALYZE, COSTS off) INSERT INTO environments (id, name, user_id, last_error)"
                     " VALUES ('env_explained', 'explained', 'user_1', 'boom')")
        conn.commit()
        check_eq("EXPLAIN ANALYZE INSERT stored the row", [("explained",)],
                 direct_rows("SELECT name FROM environments WHERE id = 'env_explained'"))

        # COPY ... TO through psycopg's copy().
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT id, last_error FROM environments WHERE id = ANY(%s) ORDER BY id) TO STDOUT",
                          (ids,)) as copy:
                got = [tuple(r) for r in copy.rows()]
            check_eq("COPY (SELECT ... last_error) TO STDOUT", [(i, None) for i in ids], got)
            with cur.copy("COPY environments (id, last_error) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                text = b"".join(bytes(b) for b in copy).decode()
            lines = text.splitlines()
            check_eq("COPY environments (id, last_error) TO STDOUT CSV: header", "id,last_error", lines[0])
            check("COPY ... CSV: every row, last_error empty (NULL)",
                  sorted(lines[1:]) == sorted(f"{i}," for i in ids + ["env_explained", "env_prep"]), str(lines))
        conn.commit()

        # COPY ... FROM STDIN naming last_error: psycopg sends the rows in
        # chunks of its own; write() calls split rows on purpose.
        with cur_copy(conn, "COPY environments (id, name, user_id, last_error) FROM STDIN") as copy:
            copy.write_row(("env_copy1", "copied 1", "user_1", "boom\ttab"))
            copy.write_row(("env_copy2", "copied 2", "user_1", None))
        with cur_copy(conn, "COPY environments (id, last_error, name, user_id) FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            copy.write('id,last_error,name,user_id\nenv_copy3,"multi\nline, quoted",cop')
            copy.write('ied 3,user_1\nenv_copy4,,copied 4,user_1\n')
        conn.commit()
        check_eq("COPY FROM STDIN naming last_error stored the rows",
                 [("env_copy1", "copied 1"), ("env_copy2", "copied 2"), ("env_copy3", "copied 3"), ("env_copy4", "copied 4")],
                 direct_rows("SELECT id, name FROM environments WHERE id LIKE 'env_copy%' ORDER BY id"))
        journaled = {(j.get("key", {}).get("id"), j.get("value")) for j in journal_lines() if j.get("column") == "last_error"}
        check("COPY FROM: the text row's last_error is journaled", ("env_copy1", "boom\ttab") in journaled, str(journaled))
        check("COPY FROM: the CSV row's quoted multi-line value is journaled",
              ("env_copy3", "multi\nline, quoted") in journaled, str(journaled))
        try:
            with cur_copy(conn, "COPY environments (id, name, user_id, last_error) FROM STDIN") as copy:
                copy.write("env_bad\tonly three\tuser_1\n")
            check("a COPY row of the wrong width fails", False)
        except psycopg.Error as e:
            check_eq("a COPY row of the wrong width fails with 22P04", "22P04", e.sqlstate)
        conn.rollback()
        check_eq("the failed COPY wrote nothing", [], direct_rows("SELECT id FROM environments WHERE id = 'env_bad'"))
        psql_copy = subprocess.run(
            ["/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", "-c",
             "\\copy environments (id, name, user_id, last_error) FROM STDIN WITH (FORMAT csv)", SHIM],
            input="env_psql,from psql,user_1,psql value\n", capture_output=True, text=True, timeout=60)
        check_eq("psql \\copy naming last_error: exit status", 0, psql_copy.returncode)
        check_eq("psql \\copy: the row is there", [("from psql",)],
                 direct_rows("SELECT name FROM environments WHERE id = 'env_psql'"))

        # MERGE: an update of last_error alone (kept as a no-op so MERGE counts the
        # row) and an insert naming it.
        cur = conn.execute(
            "MERGE INTO environments t USING (VALUES (%s, 'boom'), ('env_merged', 'new')) AS s(id, err)"
            " ON t.id = s.id"
            " WHEN MATCHED THEN UPDATE SET last_error = s.err"
            " WHEN NOT MATCHED THEN INSERT (id, name, user_id, last_error) VALUES (s.id, 'merged', 'user_1', s.err)",
            (ids[0],))
        check_eq("MERGE: both source rows counted", 2, cur.rowcount)
        conn.commit()
        check_eq("MERGE inserted the new row", [("merged",)],
                 direct_rows("SELECT name FROM environments WHERE id = 'env_merged'"))

        # Multi-column assignment with server-side parameters.
        cur = conn.execute("UPDATE environments SET (name, last_error) = (%s, %s) WHERE id = %s",
                           ("renamed", "boom", ids[1]))
        check_eq("UPDATE SET (name, last_error) = (...): one row", 1, cur.rowcount)
        conn.commit()
        check_eq("the multi-column UPDATE stored name", [("renamed",)],
                 direct_rows("SELECT name FROM environments WHERE id = %s", (ids[1],)))

        # `*`: as if migrated.
        cur = conn.execute("SELECT * FROM environments WHERE id = %s", (ids[0],))
        check_eq("SELECT *: the column comes last", base_columns + ["last_error"], [d.name for d in cur.description])
        check_eq("SELECT *: last_error is text and NULL", (TEXT_OID, None), (cur.description[-1].type_code, cur.fetchone()[-1]))
        cur = conn.execute("INSERT INTO environments (id, name, user_id, last_error) VALUES (%s, %s, 'user_1', %s)"
                           " RETURNING *", ("env_star", "star", "boom"))
        row = cur.fetchone()
        check_eq("INSERT ... RETURNING *: names", base_columns + ["last_error"], [d.name for d in cur.description])
        check_eq("INSERT ... RETURNING *: id and last_error", ("env_star", None), (row[0], row[-1]))
        conn.commit()

    sqlalchemy_streaming(ids)
    finish("shapes")


# ---- SQLAlchemy 1.4 over psycopg 3, with server-side cursors ------------------

class _Context(PGExecutionContext):
    def create_server_side_cursor(self):
        # What SQLAlchemy's psycopg dialects do: a named cursor (DECLARE ... CURSOR).
        return self._dbapi_connection.cursor(name=f"sa_{id(self):x}")


class _Dialect(PGDialect):
    driver = "psycopg3ss"
    default_paramstyle = "pyformat"
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = _Context

    @classmethod
    def dbapi(cls):
        return psycopg

    def create_connect_args(self, url):
        opts = url.translate_connect_args(username="user", database="dbname")
        opts.setdefault("connect_timeout", 10)
        return [], opts


registry.register("postgresql.psycopg3ss", __name__, "_Dialect")
Base = declarative_base()


class Environment(Base):
    __tablename__ = "environments"
    id = Column(String, primary_key=True)
    name = Column(String, nullable=False)
    user_id = Column(String, nullable=False)
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True))


def sqlalchemy_streaming(ids):
    engine = create_engine(f"postgresql+psycopg3ss://{USER}:{PASSWORD}@{HOST}:{PORT}/{DB}", future=True)
    with sessionmaker(engine, future=True)() as session:
        stmt = select(Environment).where(Environment.id.in_(ids)).order_by(Environment.id)
        streamed = session.execute(stmt.execution_options(yield_per=1)).scalars().all()
        check_eq("SQLAlchemy yield_per (server-side cursor): every row", ids, [e.id for e in streamed])
        check("SQLAlchemy yield_per: last_error reads None", all(e.last_error is None for e in streamed))
        result = session.connection().execution_options(stream_results=True).execute(
            select(Environment.id, Environment.last_error).where(Environment.id.in_(ids)).order_by(Environment.id))
        got = [tuple(r) for r in next(result.partitions(2))]
        result.close()
        check_eq("SQLAlchemy stream_results: first partition", [(ids[0], None), (ids[1], None)], got)
    engine.dispose()


if __name__ == "__main__":
    main()
