-- Django ORM (psycopg) shapes: "table"."column" everywhere, literal values
-- interpolated client-side, LIMIT 21 on get(), RETURNING on create().

-- case: django-get
SELECT "environments"."id", "environments"."name", "environments"."user_id", "environments"."last_error" FROM "environments" WHERE "environments"."id" = 'env_1' LIMIT 21
-- expect:
SELECT "environments"."id", "environments"."name", "environments"."user_id", NULL::text AS "last_error" FROM "environments" WHERE "environments"."id" = 'env_1' LIMIT 21

-- case: django-filter-isnull
SELECT "environments"."id", "environments"."last_error" FROM "environments" WHERE "environments"."last_error" IS NULL ORDER BY "environments"."id" ASC
-- expect:
SELECT "environments"."id", NULL::text AS "last_error" FROM "environments" WHERE (NULL::text) IS NULL ORDER BY "environments"."id" ASC

-- case: django-filter-icontains
SELECT "environments"."id" FROM "environments" WHERE UPPER("environments"."last_error"::text) LIKE UPPER('%boom%')
-- expect:
SELECT "environments"."id" FROM "environments" WHERE UPPER((NULL::text)::text) LIKE UPPER('%boom%')

-- case: django-create
INSERT INTO "environments" ("id", "name", "user_id", "template_id", "status", "last_error", "created_at", "updated_at") VALUES ('env_dj', 'dj', 'user_1', NULL, 'PENDING', NULL, '2025-01-01T00:00:00+00:00'::timestamptz, '2025-01-01T00:00:00+00:00'::timestamptz) RETURNING "environments"."id"
-- expect:
INSERT INTO "environments" ("id", "name", "user_id", "template_id", "status", "created_at", "updated_at") VALUES ('env_dj', 'dj', 'user_1', NULL, 'PENDING', '2025-01-01T00:00:00+00:00'::timestamptz, '2025-01-01T00:00:00+00:00'::timestamptz) RETURNING "environments"."id"

-- case: django-bulk-create
INSERT INTO "environments" ("id", "name", "user_id", "last_error") VALUES ('b1', 'b1', 'user_1', 'x'), ('b2', 'b2', 'user_2', NULL), ('b3', 'b3', 'user_1', 'z')
-- expect:
INSERT INTO "environments" ("id", "name", "user_id") VALUES ('b1', 'b1', 'user_1'), ('b2', 'b2', 'user_2'), ('b3', 'b3', 'user_1')

-- case: django-save-update
UPDATE "environments" SET "name" = 'staging', "user_id" = 'user_1', "template_id" = 'tpl_1', "status" = 'RUNNING', "last_error" = 'boom', "updated_at" = '2025-01-02T00:00:00+00:00'::timestamptz WHERE "environments"."id" = 'env_1'
-- expect:
UPDATE "environments" SET "name" = 'staging', "user_id" = 'user_1', "template_id" = 'tpl_1', "status" = 'RUNNING', "updated_at" = '2025-01-02T00:00:00+00:00'::timestamptz WHERE "environments"."id" = 'env_1'

-- case: django-update-fields-only-pending
UPDATE "environments" SET "last_error" = 'boom' WHERE "environments"."id" = 'env_1'
-- expect:
UPDATE "environments" SET "id" = "environments"."id" WHERE "environments"."id" = 'env_1'

-- case: django-queryset-update-filter
UPDATE "environments" SET "last_error" = NULL WHERE "environments"."last_error" IS NOT NULL
-- expect: untouched unsupported

-- case: django-select-related
SELECT "environments"."id", "environments"."last_error", "users"."id", "users"."email" FROM "environments" INNER JOIN "users" ON ("environments"."user_id" = "users"."id") WHERE "environments"."id" = 'env_1' LIMIT 21
-- expect:
SELECT "environments"."id", NULL::text AS "last_error", "users"."id", "users"."email" FROM "environments" INNER JOIN "users" ON ("environments"."user_id" = "users"."id") WHERE "environments"."id" = 'env_1' LIMIT 21

-- case: django-select-related-jobs
SELECT "jobs"."id", "jobs"."last_error", "environments"."id", "environments"."last_error" FROM "jobs" INNER JOIN "environments" ON ("jobs"."environment_id" = "environments"."id") ORDER BY "jobs"."id"
-- expect:
SELECT "jobs"."id", "jobs"."last_error", "environments"."id", NULL::text AS "last_error" FROM "jobs" INNER JOIN "environments" ON ("jobs"."environment_id" = "environments"."id") ORDER BY "jobs"."id"

-- case: django-exists
SELECT 1 AS "a" FROM "environments" WHERE "environments"."last_error" IS NOT NULL LIMIT 1
-- expect:
SELECT 1 AS "a" FROM "environments" WHERE (NULL::text) IS NOT NULL LIMIT 1

-- case: django-count
SELECT COUNT(*) AS "__count" FROM "environments" WHERE "environments"."last_error" IS NULL
-- expect:
SELECT COUNT(*) AS "__count" FROM "environments" WHERE (NULL::text) IS NULL

-- case: django-values-list
SELECT "environments"."last_error" FROM "environments" ORDER BY "environments"."id"
-- expect:
SELECT NULL::text AS "last_error" FROM "environments" ORDER BY "environments"."id"

-- case: django-values-list-flat-distinct
SELECT DISTINCT "environments"."last_error" FROM "environments"
-- expect:
SELECT DISTINCT NULL::text AS "last_error" FROM "environments"

-- case: django-order-by-desc
SELECT "environments"."id" FROM "environments" ORDER BY "environments"."last_error" DESC, "environments"."id" ASC
-- expect:
SELECT "environments"."id" FROM "environments" ORDER BY (NULL::text) DESC, "environments"."id" ASC

-- case: django-annotate-count
SELECT "users"."id", COUNT("environments"."last_error") AS "errors" FROM "users" LEFT OUTER JOIN "environments" ON ("users"."id" = "environments"."user_id") GROUP BY "users"."id" ORDER BY "users"."id"
-- expect:
SELECT "users"."id", COUNT((NULL::text)) AS "errors" FROM "users" LEFT OUTER JOIN "environments" ON ("users"."id" = "environments"."user_id") GROUP BY "users"."id" ORDER BY "users"."id"

-- case: django-q-or
SELECT "environments"."id" FROM "environments" WHERE ("environments"."last_error" = 'x' OR "environments"."status" = 'RUNNING') ORDER BY "environments"."id"
-- expect:
SELECT "environments"."id" FROM "environments" WHERE ((NULL::text) = 'x' OR "environments"."status" = 'RUNNING') ORDER BY "environments"."id"

-- case: django-subquery-in
SELECT "users"."id" FROM "users" WHERE "users"."id" IN (SELECT U0."user_id" FROM "environments" U0 WHERE U0."last_error" IS NULL) ORDER BY "users"."id"
-- expect:
SELECT "users"."id" FROM "users" WHERE "users"."id" IN (SELECT U0."user_id" FROM "environments" U0 WHERE (NULL::text) IS NULL) ORDER BY "users"."id"

-- case: django-outerref-exists
SELECT "users"."id", EXISTS(SELECT 1 AS "a" FROM "environments" U0 WHERE (U0."last_error" IS NOT NULL AND U0."user_id" = ("users"."id")) LIMIT 1) AS "has_errors" FROM "users" ORDER BY "users"."id"
-- expect:
SELECT "users"."id", EXISTS(SELECT 1 AS "a" FROM "environments" U0 WHERE ((NULL::text) IS NOT NULL AND U0."user_id" = ("users"."id")) LIMIT 1) AS "has_errors" FROM "users" ORDER BY "users"."id"

-- case: django-subquery-annotation
SELECT "users"."id", (SELECT U0."last_error" FROM "environments" U0 WHERE U0."user_id" = ("users"."id") ORDER BY U0."created_at" DESC LIMIT 1) AS "latest_error" FROM "users" ORDER BY "users"."id"
-- expect:
SELECT "users"."id", (SELECT NULL::text AS "last_error" FROM "environments" U0 WHERE U0."user_id" = ("users"."id") ORDER BY U0."created_at" DESC LIMIT 1) AS "latest_error" FROM "users" ORDER BY "users"."id"

-- case: django-subquery-annotation-unaliased
SELECT "users"."id", (SELECT U0."last_error" FROM "environments" U0 WHERE U0."user_id" = ("users"."id") LIMIT 1) FROM "users" ORDER BY "users"."id"
-- expect:
SELECT "users"."id", (SELECT NULL::text AS "last_error" FROM "environments" U0 WHERE U0."user_id" = ("users"."id") LIMIT 1) FROM "users" ORDER BY "users"."id"

-- case: django-delete
DELETE FROM "environments" WHERE "environments"."last_error" = 'x'
-- expect:
DELETE FROM "environments" WHERE (NULL::text) = 'x'

-- case: django-coalesce-annotation
SELECT "environments"."id", COALESCE("environments"."last_error", '') AS "err" FROM "environments" ORDER BY "environments"."id"
-- expect:
SELECT "environments"."id", COALESCE((NULL::text), '') AS "err" FROM "environments" ORDER BY "environments"."id"

-- case: django-in-bulk
SELECT "environments"."id", "environments"."last_error" FROM "environments" WHERE "environments"."id" IN ('env_1', 'env_2')
-- expect:
SELECT "environments"."id", NULL::text AS "last_error" FROM "environments" WHERE "environments"."id" IN ('env_1', 'env_2')

-- case: django-savepoint-multi
-- exec: no
SAVEPOINT "s1"; UPDATE "environments" SET "last_error" = 'x' WHERE "environments"."id" = 'env_2'; RELEASE SAVEPOINT "s1"
-- expect:
SAVEPOINT "s1"; UPDATE "environments" SET "id" = "environments"."id" WHERE "environments"."id" = 'env_2'; RELEASE SAVEPOINT "s1"

-- case: django-distinct-order-by
SELECT DISTINCT "environments"."last_error" FROM "environments" ORDER BY "environments"."last_error" ASC
-- expect:
SELECT DISTINCT NULL::text AS "last_error" FROM "environments" ORDER BY (NULL::text) ASC

-- case: django-aggregate-max
SELECT MAX("environments"."last_error") AS "last_error__max" FROM "environments"
-- expect:
SELECT MAX((NULL::text)) AS "last_error__max" FROM "environments"
