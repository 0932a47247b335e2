-- SQLAlchemy 2.x (psycopg) shapes: table-qualified unquoted names, `AS tbl_col`
-- labels, anon_1 subqueries for joined eager loading with LIMIT, RETURNING.

-- case: sqla-get-by-pk
-- args: env_1
SELECT environments.id AS environments_id, environments.name AS environments_name, environments.last_error AS environments_last_error, environments.status AS environments_status FROM environments WHERE environments.id = $1
-- expect:
SELECT environments.id AS environments_id, environments.name AS environments_name, NULL::text AS environments_last_error, environments.status AS environments_status FROM environments WHERE environments.id = $1

-- case: sqla-select-columns-unlabelled
SELECT environments.id, environments.last_error FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, NULL::text AS "last_error" FROM environments ORDER BY environments.id

-- case: sqla-filter-by
-- args: boom
SELECT environments.id, environments.name FROM environments WHERE environments.last_error = $1
-- expect:
SELECT environments.id, environments.name FROM environments WHERE (NULL::text) = $1

-- case: sqla-filter-is-not
SELECT environments.id FROM environments WHERE environments.last_error IS NOT NULL
-- expect:
SELECT environments.id FROM environments WHERE (NULL::text) IS NOT NULL

-- case: sqla-insert-returning
-- args: e_s|S|user_1|oops
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, $3, $4) RETURNING environments.id, environments.last_error
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, $3) RETURNING environments.id, NULL::text AS "last_error"
-- params: 4:text

-- case: sqla-insert-literals
INSERT INTO environments (id, name, user_id, last_error) VALUES ('e_l', 'L', 'user_1', 'it broke')
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ('e_l', 'L', 'user_1')

-- case: sqla-insertmanyvalues
-- args: e_1|A|user_1|x|e_2|B|user_2|y|e_3|C|user_1|z
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8), ($9, $10, $11, $12) RETURNING environments.id
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, $3), ($5, $6, $7), ($9, $10, $11) RETURNING environments.id
-- params: 4:text 8:text 12:text

-- case: sqla-update-by-pk
-- args: oops|env_1
UPDATE environments SET last_error=$1 WHERE environments.id = $2
-- expect:
UPDATE environments SET "id" = "environments"."id" WHERE environments.id = $2
-- params: 1:text

-- case: sqla-update-two
-- args: oops|2025-01-02|env_1
UPDATE environments SET last_error=$1, updated_at=$2 WHERE environments.id = $3
-- expect:
UPDATE environments SET updated_at=$2 WHERE environments.id = $3
-- params: 1:text

-- case: sqla-delete
-- args: env_3
DELETE FROM environments WHERE environments.id = $1 AND environments.last_error IS NULL
-- expect:
DELETE FROM environments WHERE environments.id = $1 AND (NULL::text) IS NULL

-- case: sqla-joinedload-anon
-- args: 2
SELECT anon_1.users_id AS anon_1_users_id, anon_1.users_email AS anon_1_users_email, environments_1.id AS environments_1_id, environments_1.last_error AS environments_1_last_error FROM (SELECT users.id AS users_id, users.email AS users_email FROM users ORDER BY users.id LIMIT $1) AS anon_1 LEFT OUTER JOIN environments AS environments_1 ON anon_1.users_id = environments_1.user_id ORDER BY anon_1.users_id, environments_1.id
-- expect:
SELECT anon_1.users_id AS anon_1_users_id, anon_1.users_email AS anon_1_users_email, environments_1.id AS environments_1_id, NULL::text AS environments_1_last_error FROM (SELECT users.id AS users_id, users.email AS users_email FROM users ORDER BY users.id LIMIT $1) AS anon_1 LEFT OUTER JOIN environments AS environments_1 ON anon_1.users_id = environments_1.user_id ORDER BY anon_1.users_id, environments_1.id

-- case: sqla-selectinload
-- args: user_1|user_2
SELECT environments.user_id AS environments_user_id, environments.id AS environments_id, environments.last_error AS environments_last_error FROM environments WHERE environments.user_id IN ($1, $2)
-- expect:
SELECT environments.user_id AS environments_user_id, environments.id AS environments_id, NULL::text AS environments_last_error FROM environments WHERE environments.user_id IN ($1, $2)

-- case: sqla-subqueryload
SELECT environments.id AS environments_id, environments.last_error AS environments_last_error, anon_1.users_id AS anon_1_users_id FROM (SELECT users.id AS users_id FROM users) AS anon_1 JOIN environments ON anon_1.users_id = environments.user_id ORDER BY anon_1.users_id
-- expect:
SELECT environments.id AS environments_id, NULL::text AS environments_last_error, anon_1.users_id AS anon_1_users_id FROM (SELECT users.id AS users_id FROM users) AS anon_1 JOIN environments ON anon_1.users_id = environments.user_id ORDER BY anon_1.users_id

-- case: sqla-count-subquery
SELECT count(*) AS count_1 FROM (SELECT environments.id AS environments_id, environments.last_error AS environments_last_error FROM environments WHERE environments.last_error IS NULL) AS anon_1
-- expect:
SELECT count(*) AS count_1 FROM (SELECT environments.id AS environments_id, NULL::text AS environments_last_error FROM environments WHERE (NULL::text) IS NULL) AS anon_1

-- case: sqla-func-coalesce
SELECT environments.id, coalesce(environments.last_error, 'ok') AS coalesce_1 FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, coalesce((NULL::text), 'ok') AS coalesce_1 FROM environments ORDER BY environments.id

-- case: sqla-func-coalesce-unlabelled
SELECT environments.id, coalesce(environments.last_error, 'ok') FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, coalesce((NULL::text), 'ok') FROM environments ORDER BY environments.id

-- case: sqla-case
SELECT environments.id, CASE WHEN (environments.last_error IS NULL) THEN 'ok' ELSE environments.last_error END AS anon_1 FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, CASE WHEN ((NULL::text) IS NULL) THEN 'ok' ELSE (NULL::text) END AS anon_1 FROM environments ORDER BY environments.id

-- case: sqla-case-else-name
SELECT environments.id, CASE WHEN environments.status = 'FAILED' THEN 'failed' ELSE environments.last_error END FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, CASE WHEN environments.status = 'FAILED' THEN 'failed' ELSE (NULL::text) END AS "last_error" FROM environments ORDER BY environments.id

-- case: sqla-cast-label-kept
SELECT environments.id, CAST(environments.last_error AS VARCHAR) FROM environments ORDER BY environments.id
-- expect:
SELECT environments.id, CAST((NULL::text) AS VARCHAR) AS "last_error" FROM environments ORDER BY environments.id

-- case: sqla-postgres-on-conflict-excluded
-- args: env_1|A|user_1|oops
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error, name = excluded.name
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name
-- params: 4:text

-- case: sqla-postgres-on-conflict-excluded-in-expression
-- args: env_1|A|user_1|oops
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.last_error, excluded.name)
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = coalesce((NULL::text), excluded.name)
-- params: 4:text

-- case: sqla-postgres-on-conflict-where-excluded
-- compare: runs
-- args: env_1|A|user_1|oops
INSERT INTO environments (id, name, user_id, last_error) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE excluded.last_error IS DISTINCT FROM environments.last_error RETURNING environments.id
-- expect:
INSERT INTO environments (id, name, user_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE (NULL::text) IS DISTINCT FROM (NULL::text) RETURNING environments.id
-- params: 4:text

-- case: sqla-exists
SELECT users.id FROM users WHERE EXISTS (SELECT 1 FROM environments WHERE environments.user_id = users.id AND environments.last_error IS NOT NULL) ORDER BY users.id
-- expect:
SELECT users.id FROM users WHERE EXISTS (SELECT 1 FROM environments WHERE environments.user_id = users.id AND (NULL::text) IS NOT NULL) ORDER BY users.id

-- case: sqla-union
SELECT environments.id, environments.last_error FROM environments WHERE environments.status = 'RUNNING' UNION ALL SELECT jobs.id, jobs.last_error FROM jobs
-- expect:
SELECT environments.id, NULL::text AS "last_error" FROM environments WHERE environments.status = 'RUNNING' UNION ALL SELECT jobs.id, jobs.last_error FROM jobs

-- case: sqla-window
SELECT environments.id, row_number() OVER (PARTITION BY environments.last_error ORDER BY environments.created_at) AS anon_1 FROM environments
-- expect:
SELECT environments.id, row_number() OVER (PARTITION BY (NULL::text) ORDER BY environments.created_at) AS anon_1 FROM environments

-- case: sqla-insert-from-select
INSERT INTO environments (id, name, user_id, last_error) SELECT users.id || '_env', users.name, users.id, 'copied' FROM users WHERE users.name IS NOT NULL
-- expect:
INSERT INTO environments (id, name, user_id) SELECT users.id || '_env', users.name, users.id FROM users WHERE users.name IS NOT NULL

-- case: sqla-insert-from-select-aliased-last
INSERT INTO environments (id, name, user_id, last_error) SELECT users.id || '_env2', 'n', users.id, users.email AS err FROM users
-- expect:
INSERT INTO environments (id, name, user_id) SELECT users.id || '_env2', 'n', users.id FROM users
