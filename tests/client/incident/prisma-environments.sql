-- Copied verbatim from shared/fixtures/prisma-environments.sql for the incident client tests (node/test/incident.test.mjs reads it block by block).
-- Prisma-shaped statements against the incident's schema. The `environments` table is
-- missing "last_error" (TEXT, nullable) until migration 20250804020810_add_last_error_to_environments.
-- Shapes follow Prisma's generated SQL: fully qualified "schema"."table"."column" references,
-- $n placeholders, RETURNING on writes, "AND 1=1" on unique filters, OFFSET $n even without skip,
-- t0/t1... aliases and JSONB_BUILD_OBJECT for relationJoins. One statement per block, blank-line separated.
-- These are examples to start from, not the whole corpus: real applications write many more shapes.

-- create (Rust engine: INSERT ... RETURNING key, then a read-back)
INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","last_error","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$6,$7,$8) RETURNING "public"."environments"."id"

-- read-back / findUnique
SELECT "public"."environments"."id", "public"."environments"."name", "public"."environments"."user_id", "public"."environments"."template_id", "public"."environments"."status"::text, "public"."environments"."last_error", "public"."environments"."created_at", "public"."environments"."updated_at" FROM "public"."environments" WHERE ("public"."environments"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- findMany with a filter on the pending column
SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND "public"."environments"."last_error" IS NULL) ORDER BY "public"."environments"."created_at" DESC OFFSET $2

-- update of the pending column alone (its value is the only SET)
UPDATE "public"."environments" SET "last_error" = $1 WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."status"::text, "public"."environments"."last_error"

-- update together with other columns
UPDATE "public"."environments" SET "status" = CAST($1::text AS "public"."EnvironmentStatus"), "last_error" = $2, "updated_at" = $3 WHERE ("public"."environments"."id" = $4 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error"

-- createMany (multi-row VALUES)
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5), ($6,$7,$8,$9,$10)

-- native upsert
INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5) ON CONFLICT ("id") DO UPDATE SET "last_error" = $6, "updated_at" = $7 WHERE ("public"."environments"."id" = $8 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."last_error"

-- delete returning the whole record
DELETE FROM "public"."environments" WHERE "public"."environments"."id" = $1 RETURNING "public"."environments"."id", "public"."environments"."name", "public"."environments"."last_error"

-- relationJoins: user with environments (query compiler, aliases from t0)
SELECT "t0"."id", "t0"."email", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT "t3"."__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'name', "t2"."name", 'lastError', "t2"."last_error") AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id" /* root select */) AS "t2" /* inner select */) AS "t3" /* middle select */) AS "t4" /* outer select */) AS "User_environments" ON true WHERE "t0"."id" = $1

-- a same-named column on another table must never be touched
SELECT "public"."jobs"."id", "public"."jobs"."last_error" FROM "public"."jobs" WHERE "public"."jobs"."last_error" IS NOT NULL

-- hand-written SQL, unqualified, mixed case, with alias (users has no last_error column;
-- jobs above does, and a query joining environments with jobs on an unqualified last_error
-- would mean jobs.last_error to PostgreSQL)
select e.id, E.Last_Error as err from environments e join users u on u.id = e.user_id where last_error is null

-- several statements in one simple Query
BEGIN; UPDATE environments SET last_error = 'boom', status = 'FAILED' WHERE id = 'env_1'; COMMIT
