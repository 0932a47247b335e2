-- Statement shapes beyond plain DML (issue: every statement shape): cursors,
-- EXPLAIN, PREPARE, COPY, MERGE, and `*` expanded as if migrated (ADD COLUMN
-- appends, so the pending column ends the table's `*`), and both directions of
-- drift: renamed cases pretend a migration renamed `title` to `name` (the test
-- schema has the new name, old code still says `title`), retired ones that a
-- migration dropped a column old code still uses.

-- case: shape-declare-cursor-select
DECLARE c1 CURSOR FOR SELECT id, last_error FROM environments ORDER BY id
-- expect:
DECLARE c1 CURSOR FOR SELECT id, NULL::text AS "last_error" FROM environments ORDER BY id

-- case: shape-declare-cursor-options
-- compare: runs
DECLARE "c2" BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT e.id, e.last_error FROM environments e WHERE e.last_error IS NULL
-- expect:
DECLARE "c2" BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT e.id, NULL::text AS "last_error" FROM environments e WHERE (NULL::text) IS NULL

-- case: shape-declare-cursor-star
DECLARE c3 SCROLL CURSOR WITHOUT HOLD FOR SELECT * FROM environments
-- expect:
DECLARE c3 SCROLL CURSOR WITHOUT HOLD FOR SELECT *, NULL::text AS "last_error" FROM environments

-- case: shape-explain-select
-- compare: shape
EXPLAIN SELECT id, last_error FROM environments WHERE last_error IS NOT NULL
-- expect:
EXPLAIN SELECT id, NULL::text AS "last_error" FROM environments WHERE (NULL::text) IS NOT NULL

-- case: shape-explain-options
-- compare: shape
EXPLAIN (VERBOSE, COSTS off, FORMAT json) SELECT * FROM environments
-- expect: untouched no-pending-reference

-- case: shape-explain-analyze-update
-- compare: shape
EXPLAIN (ANALYZE, COSTS off, TIMING off, SUMMARY off) UPDATE environments SET last_error = 'boom', status = 'FAILED' WHERE id = 'env_1'
-- expect:
EXPLAIN (ANALYZE, COSTS off, TIMING off, SUMMARY off) UPDATE environments SET status = 'FAILED' WHERE id = 'env_1'

-- case: shape-explain-analyze-insert
-- compare: shape
-- args: env_9|new|boom
EXPLAIN ANALYZE INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, 'user_1', $3)
-- expect:
EXPLAIN ANALYZE INSERT INTO environments (id, name, user_id) VALUES ($1, $2, 'user_1')
-- params: 3:text

-- case: shape-prepare-select
-- compare: runs
PREPARE shape_p1(text) AS SELECT id, last_error FROM environments WHERE id = $1
-- expect:
PREPARE shape_p1(text) AS SELECT id, NULL::text AS "last_error" FROM environments WHERE id = $1

-- case: shape-prepare-insert-untyped
-- compare: runs
PREPARE shape_p2 AS INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, 'user_1', $3) RETURNING id, last_error
-- expect:
PREPARE shape_p2(unknown, unknown, text) AS INSERT INTO environments (id, name, user_id) VALUES ($1, $2, 'user_1') RETURNING id, NULL::text AS "last_error"

-- case: shape-prepare-insert-partly-typed
-- compare: runs
PREPARE shape_p3 (text) AS INSERT INTO environments (id, last_error, name, user_id) VALUES ($1, $2::varchar, $3, 'user_1')
-- expect:
PREPARE shape_p3 (text, pg_catalog.varchar) AS INSERT INTO environments (id, name, user_id) VALUES ($1, $3, 'user_1')

-- case: shape-prepare-insert-typed
-- compare: runs
PREPARE shape_p4(text, text, text) AS INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, 'user_1', $3)
-- expect:
PREPARE shape_p4(text, text, text) AS INSERT INTO environments (id, name, user_id) VALUES ($1, $2, 'user_1')

-- case: shape-copy-query-to
-- exec: no
COPY (SELECT id, last_error FROM environments ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)
-- expect:
COPY (SELECT id, NULL::text AS "last_error" FROM environments ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)

-- case: shape-copy-returning-to
-- exec: no
COPY (UPDATE environments SET last_error = 'x', name = name WHERE id = 'env_1' RETURNING id, last_error) TO STDOUT
-- expect:
COPY (UPDATE environments SET name = name WHERE id = 'env_1' RETURNING id, NULL::text AS "last_error") TO STDOUT

-- case: shape-copy-table-columns-to
-- exec: no
COPY public.environments (id, "last_error", name) TO STDOUT (FORMAT csv)
-- expect:
COPY (SELECT id, NULL::text AS "last_error", name FROM public.environments) TO STDOUT (FORMAT csv)

-- case: shape-copy-table-to-no-list
-- exec: no
COPY environments TO STDOUT
-- expect: untouched prefilter-miss

-- case: shape-copy-from-csv
-- exec: no
COPY environments (id, name, last_error) FROM STDIN WITH (FORMAT csv)
-- expect:
COPY environments (id, name) FROM STDIN WITH (FORMAT csv)

-- case: shape-copy-from-middle-legacy-options
-- exec: no
copy public.environments (id, "last_error", name, user_id) from stdin csv header
-- expect:
copy public.environments (id, name, user_id) from stdin csv header

-- case: shape-copy-from-binary-untouched
-- exec: no
COPY environments (id, last_error) FROM STDIN (FORMAT binary)
-- expect: untouched copy

-- case: shape-copy-from-file-untouched
-- exec: no
COPY environments (id, last_error) FROM '/tmp/environments.csv'
-- expect: untouched copy

-- case: shape-merge-update-insert
-- compare: shape
MERGE INTO environments t USING (VALUES ('env_1', 'boom'), ('env_8', 'new')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET last_error = s.err WHEN NOT MATCHED THEN INSERT (id, name, user_id, last_error) VALUES (s.id, 'n', 'user_1', s.err)
-- expect:
MERGE INTO environments t USING (VALUES ('env_1', 'boom'), ('env_8', 'new')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET "id" = "t"."id" WHEN NOT MATCHED THEN INSERT (id, name, user_id) VALUES (s.id, 'n', 'user_1')

-- case: shape-merge-conditions-and-delete
-- compare: shape
MERGE INTO environments AS t USING jobs j ON t.id = j.environment_id WHEN MATCHED AND t.last_error IS NULL AND j.last_error IS NOT NULL THEN UPDATE SET last_error = j.last_error, status = 'FAILED' WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN DO NOTHING
-- expect:
MERGE INTO environments AS t USING jobs j ON t.id = j.environment_id WHEN MATCHED AND (NULL::text) IS NULL AND j.last_error IS NOT NULL THEN UPDATE SET status = 'FAILED' WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN DO NOTHING

-- case: shape-merge-source-pending
-- compare: shape
MERGE INTO jobs j USING environments e ON j.environment_id = e.id WHEN MATCHED THEN UPDATE SET last_error = e.last_error WHEN NOT MATCHED THEN INSERT (id, environment_id, last_error) VALUES (e.id || '_job', e.id, e.last_error)
-- expect:
MERGE INTO jobs j USING environments e ON j.environment_id = e.id WHEN MATCHED THEN UPDATE SET last_error = (NULL::text) WHEN NOT MATCHED THEN INSERT (id, environment_id, last_error) VALUES (e.id || '_job', e.id, (NULL::text))

-- case: shape-merge-insert-only-pending
-- compare: shape
MERGE INTO environments t USING (SELECT 'env_1' AS id, 'boom' AS err) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (last_error) VALUES (s.err) WHEN MATCHED THEN UPDATE SET last_error = s.err, name = t.name
-- expect:
MERGE INTO environments t USING (SELECT 'env_1' AS id, 'boom' AS err) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES WHEN MATCHED THEN UPDATE SET name = t.name

-- case: shape-merge-case-when-in-set
-- compare: shape
MERGE INTO environments t USING (VALUES ('env_2', 'x')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = CASE WHEN s.err IS NULL THEN t.name ELSE 'errored' END, last_error = s.err
-- expect:
MERGE INTO environments t USING (VALUES ('env_2', 'x')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = CASE WHEN s.err IS NULL THEN t.name ELSE 'errored' END

-- case: shape-star-select
SELECT * FROM environments ORDER BY id
-- expect:
SELECT *, NULL::text AS "last_error" FROM environments ORDER BY id

-- case: shape-star-qualified
SELECT e.*, u.email FROM environments e JOIN users u ON u.id = e.user_id
-- expect:
SELECT e.*, NULL::text AS "last_error", u.email FROM environments e JOIN users u ON u.id = e.user_id

-- case: shape-star-join-first
SELECT * FROM environments e JOIN users u ON u.id = e.user_id
-- expect:
SELECT "e".*, NULL::text AS "last_error", "u".* FROM environments e JOIN users u ON u.id = e.user_id

-- case: shape-star-join-last
SELECT * FROM users u LEFT JOIN environments e ON u.id = e.user_id
-- expect:
SELECT *, NULL::text AS "last_error" FROM users u LEFT JOIN environments e ON u.id = e.user_id

-- case: shape-star-using-last
SELECT * FROM templates t JOIN environments e ON e.template_id = t.id JOIN users USING (id)
-- expect: untouched select-star

-- case: shape-star-using-pending-last
SELECT * FROM users JOIN environments e ON e.user_id = users.id
-- expect:
SELECT *, NULL::text AS "last_error" FROM users JOIN environments e ON e.user_id = users.id

-- case: shape-star-subquery-untouched
SELECT s.* FROM (SELECT * FROM environments) s
-- expect: untouched select-star

-- case: shape-star-inner-not-visible
SELECT s.id FROM (SELECT * FROM environments) s ORDER BY 1
-- expect: untouched no-pending-reference

-- case: shape-star-returning-insert
-- compare: shape
-- args: env_7|n
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, 'user_1', 'boom') RETURNING *
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, 'user_1') RETURNING *, NULL::text AS "last_error"

-- case: shape-star-returning-delete
DELETE FROM environments WHERE id = 'env_2' RETURNING *
-- expect:
DELETE FROM environments WHERE id = 'env_2' RETURNING *, NULL::text AS "last_error"

-- case: shape-star-insert-select-returning
-- compare: shape
INSERT INTO environments (id, name, user_id, last_error) SELECT id || '_copy', name, user_id, 'copied' FROM environments WHERE id = 'env_1' RETURNING *
-- expect:
INSERT INTO environments (id, name, user_id) SELECT id || '_copy', name, user_id FROM environments WHERE id = 'env_1' RETURNING *, NULL::text AS "last_error"

-- case: shape-star-default
-- pending: environments.retry_count:integer
-- default: 0
SELECT * FROM environments WHERE id = 'env_1'
-- expect:
SELECT *, (0)::integer AS "retry_count" FROM environments WHERE id = 'env_1'

-- case: shape-star-two-pending-in-order
-- pending: environments.last_error:text
-- pending: environments.retry_count:integer
-- default: 0
SELECT * FROM environments WHERE id = 'env_1'
-- expect:
SELECT *, NULL::text AS "last_error", (0)::integer AS "retry_count" FROM environments WHERE id = 'env_1'

-- case: shape-whole-row-json
SELECT row_to_json(e) FROM environments e WHERE e.id = 'env_1'
-- expect:
SELECT row_to_json((SELECT pgshim_migrated FROM (SELECT e.*, NULL::text AS "last_error") AS pgshim_migrated)) FROM environments e WHERE e.id = 'env_1'

-- case: shape-whole-row-jsonb-agg-default
-- pending: environments.last_error:text
-- pending: environments.retry_count:integer
-- default: 0
SELECT jsonb_agg(environments ORDER BY id) FROM environments
-- expect:
SELECT jsonb_agg((SELECT pgshim_migrated FROM (SELECT environments.*, NULL::text AS "last_error", (0)::integer AS "retry_count") AS pgshim_migrated) ORDER BY id) FROM environments

-- case: shape-whole-row-to-json-in-where
SELECT id FROM environments t WHERE to_json(t)::text LIKE '%"last_error":null%' ORDER BY id
-- expect:
SELECT id FROM environments t WHERE to_json((SELECT pgshim_migrated FROM (SELECT t.*, NULL::text AS "last_error") AS pgshim_migrated))::text LIKE '%"last_error":null%' ORDER BY id

-- case: shape-whole-row-other-table-untouched
SELECT e.id, row_to_json(j) FROM environments e JOIN jobs j ON j.environment_id = e.id
-- expect: untouched no-pending-reference

-- case: shape-star-count-untouched
SELECT count(*) FROM environments
-- expect: untouched no-pending-reference

-- case: shape-multi-assign-params
-- args: renamed|boom|env_1
UPDATE environments SET (name, last_error) = ($1, $2) WHERE id = $3 RETURNING id, name
-- expect:
UPDATE environments SET (name) = ROW($1) WHERE id = $3 RETURNING id, name
-- params: 2:text

-- case: shape-multi-assign-row-keeps-two
-- compare: shape
-- args: user_2|boom|renamed|env_1
UPDATE environments SET (user_id, last_error, name) = ROW($1, $2, $3) WHERE id = $4 RETURNING *
-- expect:
UPDATE environments SET (user_id, name) = ROW($1, $3) WHERE id = $4 RETURNING *, NULL::text AS "last_error"
-- params: 2:text

-- case: shape-multi-assign-subselect
UPDATE environments e SET (last_error, name) = (SELECT j.last_error, 'from ' || j.id FROM jobs j WHERE j.environment_id = e.id) WHERE e.id = 'env_2' RETURNING e.id, e.name
-- expect:
UPDATE environments e SET (name) = (SELECT 'from ' || j.id FROM jobs j WHERE j.environment_id = e.id) WHERE e.id = 'env_2' RETURNING e.id, e.name

-- case: shape-multi-assign-on-conflict
-- compare: shape
INSERT INTO environments (id, name, user_id) VALUES ('env_1', 'b', 'user_1') ON CONFLICT (id) DO UPDATE SET (name, last_error) = (EXCLUDED.name, 'x') RETURNING id, name
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ('env_1', 'b', 'user_1') ON CONFLICT (id) DO UPDATE SET (name) = ROW(EXCLUDED.name) RETURNING id, name

-- case: shape-merge-multi-assign
-- compare: shape
MERGE INTO environments t USING (VALUES ('env_1', 'boom')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET (last_error, status) = (s.err, 'FAILED')
-- expect:
MERGE INTO environments t USING (VALUES ('env_1', 'boom')) AS s(id, err) ON t.id = s.id WHEN MATCHED THEN UPDATE SET (status) = ROW('FAILED')

-- case: renamed-select-where-order
-- renamed: environments.title:name
SELECT id, title FROM environments WHERE title <> 'x' ORDER BY title
-- expect:
SELECT id, "name" AS "title" FROM environments WHERE "name" <> 'x' ORDER BY title

-- case: renamed-qualified-expression
-- renamed: environments.title:name
SELECT e.title AS t, upper(e.title), e.title::varchar FROM environments e ORDER BY 1
-- expect:
SELECT e."name" AS t, upper(e."name"), e."name"::varchar AS "title" FROM environments e ORDER BY 1

-- case: renamed-insert-returning
-- renamed: environments.title:name
-- args: env_r|renamed
INSERT INTO environments (id, title, user_id) VALUES ($1, $2, 'user_1') RETURNING id, title
-- expect:
INSERT INTO environments (id, "name", user_id) VALUES ($1, $2, 'user_1') RETURNING id, "name" AS "title"

-- case: renamed-update-set
-- renamed: environments.title:name
-- args: new title|env_1
UPDATE environments SET title = $1 WHERE id = $2 RETURNING title
-- expect:
UPDATE environments SET "name" = $1 WHERE id = $2 RETURNING "name" AS "title"

-- case: renamed-upsert-excluded
-- renamed: environments.title:name
INSERT INTO environments (id, title, user_id) VALUES ('env_1', 'up', 'user_1') ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title RETURNING id, title
-- expect:
INSERT INTO environments (id, "name", user_id) VALUES ('env_1', 'up', 'user_1') ON CONFLICT (id) DO UPDATE SET "name" = EXCLUDED."name" RETURNING id, "name" AS "title"

-- case: renamed-star-subquery
-- renamed: environments.title:name
SELECT s.title FROM (SELECT * FROM environments) s ORDER BY 1
-- expect:
SELECT s."name" AS "title" FROM (SELECT * FROM environments) s ORDER BY 1

-- case: renamed-copy-from
-- renamed: environments.title:name
-- exec: no
COPY environments (id, title, user_id) FROM STDIN
-- expect:
COPY environments (id, "name", user_id) FROM STDIN

-- case: renamed-copy-to-keeps-header
-- renamed: environments.title:name
-- exec: no
COPY environments (id, title) TO STDOUT WITH (FORMAT csv, HEADER)
-- expect:
COPY (SELECT id, "name" AS "title" FROM environments) TO STDOUT WITH (FORMAT csv, HEADER)

-- case: renamed-merge
-- renamed: environments.title:name
-- compare: shape
MERGE INTO environments t USING (VALUES ('env_1', 'm')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET title = s.v WHEN NOT MATCHED THEN INSERT (id, title, user_id) VALUES (s.id, s.v, 'user_1')
-- expect:
MERGE INTO environments t USING (VALUES ('env_1', 'm')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET "name" = s.v WHEN NOT MATCHED THEN INSERT (id, "name", user_id) VALUES (s.id, s.v, 'user_1')

-- case: renamed-other-table-untouched
-- renamed: environments.title:name
SELECT t.id FROM templates t WHERE t.name = 'node' AND t.id IN (SELECT template_id FROM environments)
-- expect: untouched prefilter-miss

-- case: retired-select-insert
-- retired: environments.legacy_flag:boolean
-- args: env_q|q
INSERT INTO environments (id, name, user_id, legacy_flag) VALUES ($1, $2, 'user_1', true) RETURNING id, legacy_flag
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, 'user_1') RETURNING id, NULL::boolean AS "legacy_flag"
