-- Prisma query engine / driver adapter / relationJoins shapes against the incident
-- schema. Fully qualified "schema"."table"."column", $n parameters, t0/t1 aliases.

-- case: prisma-create-insert-returning
-- args: env_new|Env|user_1|tpl_1|RUNNING|boom|2025-01-01|2025-01-01
INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","last_error","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$6,$7,$8) RETURNING "public"."environments"."id"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$7,$8) RETURNING "public"."environments"."id"
-- params: 6:text

-- case: prisma-find-unique-read-back
-- args: env_1|1|0
SELECT "public"."environments"."id", "public"."environments"."name", "public"."environments"."user_id", "public"."environments"."template_id", "public"."environments"."status"::text, "public"."environments"."last_error", "public"."environments"."created_at", "public"."environments"."updated_at" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", "public"."environments"."name", "public"."environments"."user_id", "public"."environments"."template_id", "public"."environments"."status"::text, NULL::text AS "last_error", "public"."environments"."created_at", "public"."environments"."updated_at" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-find-many-filter-is-null
-- args: user_1|0
SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND "public"."environments"."last_error" IS NULL) ORDER BY "public"."environments"."created_at" DESC OFFSET $2
-- expect:
SELECT "public"."environments"."id", NULL::text AS "last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND (NULL::text) IS NULL) ORDER BY "public"."environments"."created_at" DESC OFFSET $2

-- case: prisma-find-many-filter-not-null
-- args: user_1|0
SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND "public"."environments"."last_error" IS NOT NULL) OFFSET $2
-- expect:
SELECT "public"."environments"."id", NULL::text AS "last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND (NULL::text) IS NOT NULL) OFFSET $2

-- case: prisma-update-only-pending
-- args: boom|env_1
UPDATE "public"."environments" SET "last_error" = $1 WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."status"::text, "public"."environments"."last_error"
-- expect:
UPDATE "public"."environments" SET "id" = "environments"."id" WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."status"::text, NULL::text AS "last_error"
-- params: 1:text

-- case: prisma-update-with-others
-- args: FAILED|boom|2025-01-02|env_1
UPDATE "public"."environments" SET "status" = CAST($1::text AS "public"."EnvironmentStatus"), "last_error" = $2, "updated_at" = $3 WHERE ("public"."environments"."id" = $4 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error"
-- expect:
UPDATE "public"."environments" SET "status" = CAST($1::text AS "public"."EnvironmentStatus"), "updated_at" = $3 WHERE ("public"."environments"."id" = $4 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."name", NULL::text AS "last_error"
-- params: 2:text

-- case: prisma-update-pending-first
-- args: boom|2025-01-02|env_2
UPDATE "public"."environments" SET "last_error" = $1, "updated_at" = $2 WHERE ("public"."environments"."id" = $3 AND 1=1) RETURNING "public"."environments"."id"
-- expect:
UPDATE "public"."environments" SET "updated_at" = $2 WHERE ("public"."environments"."id" = $3 AND 1=1) RETURNING "public"."environments"."id"
-- params: 1:text

-- case: prisma-update-pending-last
-- args: 2025-01-02|boom|env_2
UPDATE "public"."environments" SET "updated_at" = $1, "last_error" = $2 WHERE ("public"."environments"."id" = $3 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."updated_at"
-- expect:
UPDATE "public"."environments" SET "updated_at" = $1 WHERE ("public"."environments"."id" = $3 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."updated_at"
-- params: 2:text

-- case: prisma-update-set-null
-- args: env_3
UPDATE "public"."environments" SET "last_error" = NULL WHERE ("public"."environments"."id" = $1 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."last_error"
-- expect:
UPDATE "public"."environments" SET "id" = "environments"."id" WHERE ("public"."environments"."id" = $1 AND 1=1) RETURNING "public"."environments"."id", NULL::text AS "last_error"

-- case: prisma-create-many
-- args: e_a|A|user_1|tpl_1|x|e_b|B|user_2|tpl_2|y
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5), ($6,$7,$8,$9,$10)
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$4), ($6,$7,$8,$9)
-- params: 5:text 10:text

-- case: prisma-create-many-skip-duplicates
-- args: env_1|A|user_1|tpl_1|x
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING
-- params: 5:text

-- case: prisma-native-upsert
-- args: env_1|A|user_1|tpl_1|x|y|2025-01-03|env_1
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5) ON CONFLICT ("id") DO UPDATE SET "last_error" = $6, "updated_at" = $7 WHERE ("public"."environments"."id" = $8 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."last_error"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$4) ON CONFLICT ("id") DO UPDATE SET "updated_at" = $7 WHERE ("public"."environments"."id" = $8 AND 1=1) RETURNING "public"."environments"."id", NULL::text AS "last_error"
-- params: 5:text 6:text

-- case: prisma-native-upsert-only-pending
-- args: env_1|A|user_1|tpl_1|x|y|env_1
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5) ON CONFLICT ("id") DO UPDATE SET "last_error" = $6 WHERE ("public"."environments"."id" = $7 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$4) ON CONFLICT ("id") DO UPDATE SET "id" = "environments"."id" WHERE ("public"."environments"."id" = $7 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."name", NULL::text AS "last_error"
-- params: 5:text 6:text

-- case: prisma-delete-returning
-- args: env_3
DELETE FROM "public"."environments" WHERE "public"."environments"."id" = $1 RETURNING "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error"
-- expect:
DELETE FROM "public"."environments" WHERE "public"."environments"."id" = $1 RETURNING "public"."environments"."id", "public"."environments"."name", NULL::text AS "last_error"

-- case: prisma-delete-many-filter
-- args: nothing
DELETE FROM "public"."environments" WHERE ("public"."environments"."last_error" = $1 AND 1=1)
-- expect:
DELETE FROM "public"."environments" WHERE ((NULL::text) = $1 AND 1=1)

-- case: prisma-update-many-filter
-- args: STOPPED|boom
UPDATE "public"."environments" SET "status" = CAST($1::text AS "public"."EnvironmentStatus") WHERE "public"."environments"."last_error" = $2
-- expect:
UPDATE "public"."environments" SET "status" = CAST($1::text AS "public"."EnvironmentStatus") WHERE (NULL::text) = $2

-- case: prisma-count-filter
-- args: 0
SELECT COUNT(*) FROM (SELECT "public"."environments"."id" FROM "public"."environments" WHERE "public"."environments"."last_error" IS NULL OFFSET $1) AS "sub"
-- expect:
SELECT COUNT(*) FROM (SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NULL::text) IS NULL OFFSET $1) AS "sub"

-- case: prisma-aggregate-count-field
-- args: 0
SELECT COUNT("sub"."last_error") AS "_count$lastError" FROM (SELECT "public"."environments"."last_error" FROM "public"."environments" WHERE 1=1 OFFSET $1) AS "sub"
-- expect:
SELECT COUNT("sub"."last_error") AS "_count$lastError" FROM (SELECT NULL::text AS "last_error" FROM "public"."environments" WHERE 1=1 OFFSET $1) AS "sub"

-- case: prisma-group-by
-- args: 0
SELECT "public"."environments"."last_error", COUNT("public"."environments"."id") AS "_count$id" FROM "public"."environments" WHERE 1=1 GROUP BY "public"."environments"."last_error" OFFSET $1
-- expect:
SELECT NULL::text AS "last_error", COUNT("public"."environments"."id") AS "_count$id" FROM "public"."environments" WHERE 1=1 GROUP BY (NULL::text) OFFSET $1

-- case: prisma-order-by-pending
-- args: 10|0
SELECT "public"."environments"."id", "public"."environments"."name" FROM "public"."environments" WHERE 1=1 ORDER BY "public"."environments"."last_error" ASC NULLS FIRST, "public"."environments"."id" ASC LIMIT $1 OFFSET $2
-- expect:
SELECT "public"."environments"."id", "public"."environments"."name" FROM "public"."environments" WHERE 1=1 ORDER BY (NULL::text) ASC NULLS FIRST, "public"."environments"."id" ASC LIMIT $1 OFFSET $2

-- case: prisma-filter-contains
-- args: %pull%|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE "public"."environments"."last_error"::text LIKE $1 OFFSET $2
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NULL::text)::text LIKE $1 OFFSET $2

-- case: prisma-filter-insensitive
-- args: %PULL%|0
SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE "public"."environments"."last_error"::text ILIKE $1 OFFSET $2
-- expect:
SELECT "public"."environments"."id", NULL::text AS "last_error" FROM "public"."environments" WHERE (NULL::text)::text ILIKE $1 OFFSET $2

-- case: prisma-filter-in-list
-- args: a|b|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE "public"."environments"."last_error" IN ($1,$2) OFFSET $3
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NULL::text) IN ($1,$2) OFFSET $3

-- case: prisma-filter-or
-- args: boom|RUNNING|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE ("public"."environments"."last_error" = $1 OR "public"."environments"."status" = CAST($2::text AS "public"."EnvironmentStatus")) OFFSET $3
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE ((NULL::text) = $1 OR "public"."environments"."status" = CAST($2::text AS "public"."EnvironmentStatus")) OFFSET $3

-- case: prisma-filter-not
-- args: boom|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NOT "public"."environments"."last_error" = $1) OFFSET $2
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NOT (NULL::text) = $1) OFFSET $2

-- case: prisma-distinct
-- args: 0
SELECT DISTINCT ON ("public"."environments"."last_error") "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE 1=1 ORDER BY "public"."environments"."last_error", "public"."environments"."id" OFFSET $1
-- expect:
SELECT DISTINCT ON ((NULL::text)) "public"."environments"."id", NULL::text AS "last_error" FROM "public"."environments" WHERE 1=1 ORDER BY (NULL::text), "public"."environments"."id" OFFSET $1

-- case: prisma-cursor-pagination
-- args: env_1|10|0
SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE "public"."environments"."id" >= (SELECT "public"."environments"."id" FROM "public"."environments" WHERE ("public"."environments"."id") = ($1)) ORDER BY "public"."environments"."id" ASC LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", NULL::text AS "last_error" FROM "public"."environments" WHERE "public"."environments"."id" >= (SELECT "public"."environments"."id" FROM "public"."environments" WHERE ("public"."environments"."id") = ($1)) ORDER BY "public"."environments"."id" ASC LIMIT $2 OFFSET $3

-- case: prisma-relation-load-in
-- args: user_1|user_2|0
SELECT "public"."environments"."id", "public"."environments"."user_id", "public"."environments"."last_error" FROM "public"."environments" WHERE "public"."environments"."user_id" IN ($1,$2) OFFSET $3
-- expect:
SELECT "public"."environments"."id", "public"."environments"."user_id", NULL::text AS "last_error" FROM "public"."environments" WHERE "public"."environments"."user_id" IN ($1,$2) OFFSET $3

-- case: prisma-relation-filter-some
-- args: 0
SELECT "public"."users"."id" FROM "public"."users" WHERE ("public"."users"."id") IN (SELECT "t1"."user_id" FROM "public"."environments" AS "t1" WHERE ("t1"."last_error" IS NOT NULL AND "t1"."user_id" IS NOT NULL)) OFFSET $1
-- expect:
SELECT "public"."users"."id" FROM "public"."users" WHERE ("public"."users"."id") IN (SELECT "t1"."user_id" FROM "public"."environments" AS "t1" WHERE ((NULL::text) IS NOT NULL AND "t1"."user_id" IS NOT NULL)) OFFSET $1

-- case: prisma-relation-filter-none
-- args: 0
SELECT "public"."users"."id", "public"."users"."email" FROM "public"."users" WHERE ("public"."users"."id") NOT IN (SELECT "t1"."user_id" FROM "public"."environments" AS "t1" WHERE ("t1"."last_error" = 'x' AND "t1"."user_id" IS NOT NULL)) OFFSET $1
-- expect:
SELECT "public"."users"."id", "public"."users"."email" FROM "public"."users" WHERE ("public"."users"."id") NOT IN (SELECT "t1"."user_id" FROM "public"."environments" AS "t1" WHERE ((NULL::text) = 'x' AND "t1"."user_id" IS NOT NULL)) OFFSET $1

-- case: prisma-relation-joins-user-environments
-- args: user_1
SELECT "t0"."id", "t0"."email", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'name', "t2"."name", 'lastError', "t2"."last_error") AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id" /* root select */) AS "t2" /* inner select */) AS "t3" /* middle select */) AS "t4" /* outer select */) AS "User_environments" ON true WHERE "t0"."id" = $1
-- expect:
SELECT "t0"."id", "t0"."email", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'name', "t2"."name", 'lastError', (NULL::text)) AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id" /* root select */) AS "t2" /* inner select */) AS "t3" /* middle select */) AS "t4" /* outer select */) AS "User_environments" ON true WHERE "t0"."id" = $1

-- case: prisma-relation-joins-environment-user
-- args: env_1|1
SELECT "t0"."id", "t0"."name", "t0"."last_error", "Environment_user"."__prisma_data__" AS "user" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT JSONB_BUILD_OBJECT('id', "t1"."id", 'email', "t1"."email") AS "__prisma_data__" FROM "public"."users" AS "t1" WHERE "t0"."user_id" = "t1"."id" LIMIT 1) AS "Environment_user" ON true WHERE "t0"."id" = $1 LIMIT $2
-- expect:
SELECT "t0"."id", "t0"."name", NULL::text AS "last_error", "Environment_user"."__prisma_data__" AS "user" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT JSONB_BUILD_OBJECT('id', "t1"."id", 'email', "t1"."email") AS "__prisma_data__" FROM "public"."users" AS "t1" WHERE "t0"."user_id" = "t1"."id" LIMIT 1) AS "Environment_user" ON true WHERE "t0"."id" = $1 LIMIT $2

-- case: prisma-relation-joins-filtered-nested
-- args: user_1
SELECT "t0"."id", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'lastError', "t2"."last_error") AS "__prisma_data__", "t2"."last_error" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id" AND "t1"."last_error" IS NULL) AS "t2" ORDER BY "t2"."last_error" ASC) AS "t3") AS "t4") AS "User_environments" ON true WHERE "t0"."id" = $1
-- expect:
SELECT "t0"."id", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'lastError', (NULL::text)) AS "__prisma_data__", NULL::text AS "last_error" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id" AND (NULL::text) IS NULL) AS "t2" ORDER BY (NULL::text) ASC) AS "t3") AS "t4") AS "User_environments" ON true WHERE "t0"."id" = $1

-- case: prisma-relation-joins-jobs-same-name
-- args: env_1
SELECT "t0"."id", "t0"."last_error", "Environment_jobs"."__prisma_data__" AS "jobs" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t1"."id", 'lastError', "t1"."last_error") AS "__prisma_data__" FROM "public"."jobs" AS "t1" WHERE "t0"."id" = "t1"."environment_id") AS "t2") AS "Environment_jobs" ON true WHERE "t0"."id" = $1
-- expect:
SELECT "t0"."id", NULL::text AS "last_error", "Environment_jobs"."__prisma_data__" AS "jobs" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t1"."id", 'lastError', "t1"."last_error") AS "__prisma_data__" FROM "public"."jobs" AS "t1" WHERE "t0"."id" = "t1"."environment_id") AS "t2") AS "Environment_jobs" ON true WHERE "t0"."id" = $1

-- case: prisma-relation-joins-count
-- args: env_1
SELECT "t0"."id", "Environment__count"."__prisma_data__" AS "_count" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT JSONB_BUILD_OBJECT('jobs', (SELECT COUNT(*) FROM "public"."jobs" AS "t1" WHERE "t0"."id" = "t1"."environment_id" AND "t1"."last_error" IS NOT NULL)) AS "__prisma_data__") AS "Environment__count" ON true WHERE "t0"."id" = $1
-- expect: untouched no-pending-reference

-- case: prisma-jobs-untouched
SELECT "public"."jobs"."id", "public"."jobs"."last_error" FROM "public"."jobs" WHERE "public"."jobs"."last_error" IS NOT NULL
-- expect: untouched no-pending-reference

-- case: prisma-jobs-update-untouched
-- args: oops|job_1
UPDATE "public"."jobs" SET "last_error" = $1 WHERE ("public"."jobs"."id" = $2 AND 1=1) RETURNING "public"."jobs"."id", "public"."jobs"."last_error"
-- expect: untouched no-pending-reference

-- case: prisma-jobs-with-environment-include
-- args: 0
SELECT "public"."jobs"."id", "public"."jobs"."environment_id", "public"."jobs"."last_error" FROM "public"."jobs" WHERE "public"."jobs"."environment_id" IN (SELECT "public"."environments"."id" FROM "public"."environments" WHERE "public"."environments"."last_error" IS NULL) OFFSET $1
-- expect:
SELECT "public"."jobs"."id", "public"."jobs"."environment_id", "public"."jobs"."last_error" FROM "public"."jobs" WHERE "public"."jobs"."environment_id" IN (SELECT "public"."environments"."id" FROM "public"."environments" WHERE (NULL::text) IS NULL) OFFSET $1

-- case: prisma-nested-create-environment-in-user
-- args: user_9|u9@example.com|U9|2025-01-01
INSERT INTO "public"."users" ("id","email","name","created_at") VALUES ($1,$2,$3,$4) RETURNING "public"."users"."id"
-- expect: untouched prefilter-miss

-- case: prisma-select-only-pending
-- args: env_2|1|0
SELECT "public"."environments"."last_error" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT NULL::text AS "last_error" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-driver-adapter-find-first
-- args: RUNNING|1|0
SELECT "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error" FROM "public"."environments" WHERE "public"."environments"."status" = CAST($1::text AS "public"."EnvironmentStatus") ORDER BY "public"."environments"."id" ASC LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", "public"."environments"."name", NULL::text AS "last_error" FROM "public"."environments" WHERE "public"."environments"."status" = CAST($1::text AS "public"."EnvironmentStatus") ORDER BY "public"."environments"."id" ASC LIMIT $2 OFFSET $3

-- case: prisma-create-required-default
-- pending: environments.retries:integer
-- default: 0
-- args: env_r|R|user_1|tpl_1|3
INSERT INTO "public"."environments" ("id","name","user_id","template_id","retries") VALUES ($1,$2,$3,$4,$5) RETURNING "public"."environments"."id", "public"."environments"."retries"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$4) RETURNING "public"."environments"."id", (0)::integer AS "retries"
-- params: 5:integer

-- case: prisma-read-required-default
-- pending: environments.retries:integer
-- default: 0
-- args: env_1|1|0
SELECT "public"."environments"."id", "public"."environments"."retries" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", (0)::integer AS "retries" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-filter-required-default
-- pending: environments.retries:integer
-- default: 0
-- args: 0|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE "public"."environments"."retries" = $1 OFFSET $2
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE ((0)::integer) = $1 OFFSET $2

-- case: prisma-increment-pending
-- pending: environments.retries:integer
-- default: 0
-- args: 1|env_1
UPDATE "public"."environments" SET "retries" = ("public"."environments"."retries" + $1) WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."retries"
-- expect:
UPDATE "public"."environments" SET "id" = "environments"."id" WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", (0)::integer AS "retries"
-- params: 1:integer

-- case: prisma-two-pending-columns
-- pending: environments.last_error:text
-- pending: environments.finished_at:timestamp with time zone
-- args: env_1|1|0
SELECT "public"."environments"."id", "public"."environments"."last_error", "public"."environments"."finished_at" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", NULL::text AS "last_error", NULL::timestamp with time zone AS "finished_at" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-insert-two-pending-adjacent
-- pending: environments.last_error:text
-- pending: environments.finished_at:timestamp with time zone
-- args: e_x|X|user_1|oops|2025-01-01T00:00:00Z|tpl_1
INSERT INTO "public"."environments" ("id","name","user_id","last_error","finished_at","template_id") VALUES ($1,$2,$3,$4,$5,$6) RETURNING "public"."environments"."id", "public"."environments"."finished_at"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id","template_id") VALUES ($1,$2,$3,$6) RETURNING "public"."environments"."id", NULL::timestamp with time zone AS "finished_at"
-- params: 4:text 5:timestamp with time zone

-- case: prisma-insert-two-pending-leading
-- pending: environments.last_error:text
-- pending: environments.finished_at:timestamp with time zone
-- args: oops|2025-01-01T00:00:00Z|e_y|Y|user_1
INSERT INTO "public"."environments" ("last_error","finished_at","id","name","user_id") VALUES ($1,$2,$3,$4,$5)
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id") VALUES ($3,$4,$5)
-- params: 1:text 2:timestamp with time zone

-- case: prisma-users-pending-avatar
-- pending: users.avatar_url:text
-- args: user_1|1|0
SELECT "public"."users"."id", "public"."users"."email", "public"."users"."avatar_url" FROM "public"."users" WHERE ("public"."users"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."users"."id", "public"."users"."email", NULL::text AS "avatar_url" FROM "public"."users" WHERE ("public"."users"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-array-column
-- pending: environments.tags:text[]
-- args: env_1|1|0
SELECT "public"."environments"."id", "public"."environments"."tags" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", NULL::text[] AS "tags" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-array-has-filter
-- pending: environments.tags:text[]
-- args: gpu|0
SELECT "public"."environments"."id" FROM "public"."environments" WHERE $1 = ANY("public"."environments"."tags") OFFSET $2
-- expect:
SELECT "public"."environments"."id" FROM "public"."environments" WHERE $1 = ANY((NULL::text[])) OFFSET $2

-- case: prisma-numeric-column-insert
-- pending: environments.cost:numeric(10,2)
-- args: e_c|C|user_1|1.50
INSERT INTO "public"."environments" ("id","name","user_id","cost") VALUES ($1,$2,$3,$4) RETURNING "public"."environments"."id", "public"."environments"."cost"
-- expect:
INSERT INTO "public"."environments" ("id","name","user_id") VALUES ($1,$2,$3) RETURNING "public"."environments"."id", NULL::numeric(10,2) AS "cost"
-- params: 4:numeric(10,2)

-- case: prisma-jsonb-default
-- pending: environments.meta:jsonb
-- default: '{}'
-- args: env_1|1|0
SELECT "public"."environments"."id", "public"."environments"."meta" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- expect:
SELECT "public"."environments"."id", ('{}')::jsonb AS "meta" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- case: prisma-relation-joins-two-pending-tables
-- pending: environments.last_error:text
-- pending: users.avatar_url:text
-- args: env_1
SELECT "t0"."id", "t0"."last_error", "Environment_user"."__prisma_data__" AS "user" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'avatarUrl', "t2"."avatar_url") AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."users" AS "t1" WHERE "t0"."user_id" = "t1"."id" LIMIT 1) AS "t2") AS "Environment_user" ON true WHERE "t0"."id" = $1
-- expect:
SELECT "t0"."id", NULL::text AS "last_error", "Environment_user"."__prisma_data__" AS "user" FROM "public"."environments" AS "t0" LEFT JOIN LATERAL (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'avatarUrl', (NULL::text)) AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."users" AS "t1" WHERE "t0"."user_id" = "t1"."id" LIMIT 1) AS "t2") AS "Environment_user" ON true WHERE "t0"."id" = $1

-- case: prisma-raw-select-star
SELECT * FROM "public"."environments" WHERE "last_error" IS NULL
-- expect:
SELECT *, NULL::text AS "last_error" FROM "public"."environments" WHERE (NULL::text) IS NULL

-- case: prisma-returning-star
-- args: boom|env_1
UPDATE "public"."environments" SET "last_error" = $1 WHERE "id" = $2 RETURNING *
-- expect:
UPDATE "public"."environments" SET "id" = "environments"."id" WHERE "id" = $2 RETURNING *, NULL::text AS "last_error"
-- params: 1:text

-- case: prisma-migration-ddl-untouched
-- exec: no
ALTER TABLE "public"."environments" ADD COLUMN "last_error" TEXT
-- expect: untouched utility

-- case: prisma-multi-row-only-pending-untouched
-- args: a|b
INSERT INTO "public"."environments" ("last_error") VALUES ($1), ($2)
-- expect: untouched unsupported
