-- The incident's schema, as the application's database has it while migration
-- 20250804020810_add_last_error_to_environments is still pending: the Prisma
-- model has `lastError String? @map("last_error")`, the table has no such column.
-- Loaded into the embedded throwaway server of scripts/run.sh and into the tests'.

CREATE TYPE "public"."EnvironmentStatus" AS ENUM ('PENDING', 'RUNNING', 'FAILED', 'STOPPED');

CREATE TABLE "public"."users" (
    "id"         TEXT PRIMARY KEY,
    "email"      TEXT NOT NULL UNIQUE,
    "name"       TEXT,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE "public"."templates" (
    "id"         TEXT PRIMARY KEY,
    "name"       TEXT NOT NULL,
    "image"      TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE "public"."environments" (
    "id"          TEXT PRIMARY KEY,
    "name"        TEXT NOT NULL,
    "user_id"     TEXT NOT NULL REFERENCES "public"."users"("id") ON DELETE CASCADE,
    "template_id" TEXT REFERENCES "public"."templates"("id") ON DELETE SET NULL,
    "status"      "public"."EnvironmentStatus" NOT NULL DEFAULT 'PENDING',
    -- "last_error" TEXT   <- added by the pending migration
    "created_at"  TIMESTAMPTZ NOT NULL DEFAULT now(),
    "updated_at"  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX "environments_user_id_idx" ON "public"."environments"("user_id");

-- Another table that really has a column named last_error: references to it
-- must never be rewritten.
CREATE TABLE "public"."jobs" (
    "id"             TEXT PRIMARY KEY,
    "environment_id" TEXT REFERENCES "public"."environments"("id") ON DELETE CASCADE,
    "last_error"     TEXT,
    "created_at"     TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO "public"."users" ("id", "email", "name") VALUES
    ('user_1', 'ada@example.com', 'Ada'),
    ('user_2', 'grace@example.com', 'Grace');
INSERT INTO "public"."templates" ("id", "name", "image") VALUES
    ('tpl_1', 'node', 'node:20'),
    ('tpl_2', 'python', 'python:3.11');
INSERT INTO "public"."environments" ("id", "name", "user_id", "template_id", "status") VALUES
    ('env_1', 'staging', 'user_1', 'tpl_1', 'RUNNING'),
    ('env_2', 'preview', 'user_1', 'tpl_2', 'PENDING'),
    ('env_3', 'prod',    'user_2', 'tpl_1', 'RUNNING');
INSERT INTO "public"."jobs" ("id", "environment_id", "last_error") VALUES
    ('job_1', 'env_1', NULL),
    ('job_2', 'env_2', 'image pull failed');
