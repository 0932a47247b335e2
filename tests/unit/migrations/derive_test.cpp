// derive_pending over migration SQL in Prisma's own output style: exact
// columns, types and defaults, and what is listed as not mitigated, and why.
#include "pgshim/migrations/derive.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pgshim/migrations/load.hpp"
#include "pgshim/sql/missing_set.hpp"

namespace pgshim::migrations {
namespace {

constexpr const char* kMigration = "20250804020810_test";

struct ExpectedColumn {
  std::string schema;
  std::string table;
  std::string column;
  std::string type;
  std::string default_expr;
};

struct ExpectedNote {
  Impact impact;
  std::string reason_contains;
  std::string statement;  // exact statement text
};

struct Case {
  std::string name;
  std::string sql;
  std::vector<ExpectedColumn> columns;
  std::vector<ExpectedNote> notes;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"IncidentAddLastError",
       "-- AlterTable\nALTER TABLE \"environments\" ADD COLUMN     \"last_error\" TEXT;\n",
       {{"public", "environments", "last_error", "TEXT", ""}},
       {}},
      {"QualifiedNotNullDefault",
       "-- AlterTable\nALTER TABLE \"public\".\"environments\" ADD COLUMN     \"retries\" INTEGER NOT NULL DEFAULT 0;\n",
       {{"public", "environments", "retries", "INTEGER", "0"}},
       {}},
      {"SeveralAddColumnsInOneAlter",
       "-- AlterTable\n"
       "ALTER TABLE \"environments\" ADD COLUMN     \"tags\" TEXT[],\n"
       "ADD COLUMN     \"ports\" INTEGER[] DEFAULT ARRAY[]::INTEGER[],\n"
       "ADD COLUMN     \"started_at\" TIMESTAMP(3),\n"
       "ADD COLUMN     \"cost\" DECIMAL(65,30) NOT NULL DEFAULT 0.0,\n"
       "ADD COLUMN     \"updated\" TIMESTAMPTZ(6) DEFAULT CURRENT_TIMESTAMP;\n",
       {{"public", "environments", "tags", "TEXT[]", ""},
        {"public", "environments", "ports", "INTEGER[]", "ARRAY[]::INTEGER[]"},
        {"public", "environments", "started_at", "TIMESTAMP(3)", ""},
        {"public", "environments", "cost", "DECIMAL(65,30)", "0.0"},
        {"public", "environments", "updated", "TIMESTAMPTZ(6)", "CURRENT_TIMESTAMP"}},
       {}},
      {"EnumCreatedInTheSameMigrationReadsAsText",
       "-- CreateEnum\nCREATE TYPE \"Visibility\" AS ENUM ('PUBLIC', 'PRIVATE');\n\n"
       "-- AlterTable\nALTER TABLE \"templates\" ADD COLUMN     \"visibility\" \"Visibility\" NOT NULL DEFAULT 'PRIVATE',\n"
       "ADD COLUMN     \"also\" \"public\".\"Visibility\"[];\n",
       {{"public", "templates", "visibility", "text", "'PRIVATE'"}, {"public", "templates", "also", "text[]", ""}},
       {{Impact::Harmless, "creates enum type public.\"Visibility\"",
         "CREATE TYPE \"Visibility\" AS ENUM ('PUBLIC', 'PRIVATE')"}}},
      {"ExistingEnumKeepsItsDeclaredName",
       "ALTER TABLE \"environments\" ADD COLUMN \"previous_status\" \"public\".\"EnvironmentStatus\";",
       {{"public", "environments", "previous_status", "\"public\".\"EnvironmentStatus\"", ""}},
       {}},
      {"NotNullWithoutDefaultIsPartial",
       "ALTER TABLE \"users\" ADD COLUMN \"plan\" TEXT NOT NULL;",
       {{"public", "users", "plan", "TEXT", ""}},
       {{Impact::Partial, "NOT NULL without a DEFAULT", "ALTER TABLE \"users\" ADD COLUMN \"plan\" TEXT NOT NULL"}}},
      {"IfExistsOnlyIfNotExistsCollateCommentFolding",
       "ALTER TABLE IF EXISTS ONLY Public.Environments\n"
       "  ADD IF NOT EXISTS Region varchar(32) COLLATE \"C\" DEFAULT 'eu' /* default region */ NOT NULL;",
       {{"public", "environments", "region", "varchar(32)", "'eu'"}},
       {}},
      {"DefaultNullIsNoDefaultAndFunctionDefaultsKeepTheirText",
       "ALTER TABLE \"jobs\" ADD COLUMN \"note\" TEXT DEFAULT NULL, ADD COLUMN \"uid\" TEXT NOT NULL DEFAULT "
       "gen_random_uuid()::text, ADD COLUMN \"score\" DOUBLE PRECISION DEFAULT (1 + 2) * -3;",
       {{"public", "jobs", "note", "TEXT", ""},
        {"public", "jobs", "uid", "TEXT", "gen_random_uuid()::text"},
        {"public", "jobs", "score", "DOUBLE PRECISION", "(1 + 2) * -3"}},
       {}},
      {"ExistingDomain",
       "ALTER TABLE users ADD COLUMN contact email_address;",
       {{"public", "users", "contact", "email_address", ""}},
       {}},
      {"DomainCreatedInTheSameMigrationReadsAsItsBaseType",
       "CREATE DOMAIN \"Email\" AS VARCHAR(320) CHECK (VALUE ~ '@');\n"
       "ALTER TABLE \"users\" ADD COLUMN \"backup_email\" \"Email\";",
       {{"public", "users", "backup_email", "VARCHAR(320)", ""}},
       {{Impact::Harmless, "creates domain public.\"Email\"", "CREATE DOMAIN \"Email\" AS VARCHAR(320) CHECK (VALUE ~ '@')"}}},
      {"RenameColumn",
       "-- AlterTable\nALTER TABLE \"jobs\" RENAME COLUMN \"last_error\" TO \"error_message\";",
       {},
       {{Impact::Breaking, "renames column public.jobs.last_error to error_message",
         "ALTER TABLE \"jobs\" RENAME COLUMN \"last_error\" TO \"error_message\""}}},
      {"DropColumn",
       "/*\n  Warnings:\n\n  - You are about to drop the column `legacy` on the `environments` table.\n*/\n"
       "-- AlterTable\nALTER TABLE \"environments\" DROP COLUMN \"legacy\";",
       {},
       {{Impact::Breaking, "drops column public.environments.legacy",
         "ALTER TABLE \"environments\" DROP COLUMN \"legacy\""}}},
      {"TypeChange",
       "-- AlterTable\nALTER TABLE \"environments\" ALTER COLUMN \"name\" SET DATA TYPE VARCHAR(255);",
       {},
       {{Impact::Breaking, "changes the type of column public.environments.name",
         "ALTER TABLE \"environments\" ALTER COLUMN \"name\" SET DATA TYPE VARCHAR(255)"}}},
      {"NewTableWithItsIndexAndForeignKey",
       "-- CreateTable\nCREATE TABLE \"deployments\" (\n    \"id\" TEXT NOT NULL,\n    \"environment_id\" TEXT NOT NULL,\n"
       "    CONSTRAINT \"deployments_pkey\" PRIMARY KEY (\"id\")\n);\n\n"
       "-- CreateIndex\nCREATE INDEX \"deployments_environment_id_idx\" ON \"deployments\"(\"environment_id\");\n\n"
       "-- AddForeignKey\nALTER TABLE \"deployments\" ADD CONSTRAINT \"deployments_environment_id_fkey\" FOREIGN KEY "
       "(\"environment_id\") REFERENCES \"environments\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;\n",
       {},
       {{Impact::Breaking, "creates table public.deployments",
         "CREATE TABLE \"deployments\" (\n    \"id\" TEXT NOT NULL,\n    \"environment_id\" TEXT NOT NULL,\n"
         "    CONSTRAINT \"deployments_pkey\" PRIMARY KEY (\"id\")\n)"},
        {Impact::Harmless, "belongs to table public.deployments",
         "CREATE INDEX \"deployments_environment_id_idx\" ON \"deployments\"(\"environment_id\")"},
        {Impact::Harmless, "belongs to table public.deployments",
         "ALTER TABLE \"deployments\" ADD CONSTRAINT \"deployments_environment_id_fkey\" FOREIGN KEY "
         "(\"environment_id\") REFERENCES \"environments\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE"}}},
      {"IndexesAndConstraintsOnExistingTables",
       "CREATE UNIQUE INDEX \"users_name_key\" ON \"users\"(\"name\");\n"
       "CREATE INDEX \"jobs_created_at_idx\" ON \"jobs\"(\"created_at\");\n"
       "ALTER TABLE \"jobs\" ADD CONSTRAINT \"jobs_env_fkey\" FOREIGN KEY (\"environment_id\") REFERENCES "
       "\"environments\"(\"id\");",
       {},
       {{Impact::Breaking, "creates unique index users_name_key on public.users",
         "CREATE UNIQUE INDEX \"users_name_key\" ON \"users\"(\"name\")"},
        {Impact::Harmless, "creates index jobs_created_at_idx on public.jobs",
         "CREATE INDEX \"jobs_created_at_idx\" ON \"jobs\"(\"created_at\")"},
        {Impact::Harmless, "adds constraint jobs_env_fkey on public.jobs",
         "ALTER TABLE \"jobs\" ADD CONSTRAINT \"jobs_env_fkey\" FOREIGN KEY (\"environment_id\") REFERENCES "
         "\"environments\"(\"id\")"}}},
      {"EnumValueAdded",
       "-- AlterEnum\nALTER TYPE \"EnvironmentStatus\" ADD VALUE 'ARCHIVED';",
       {},
       {{Impact::Breaking, "adds value 'ARCHIVED' to enum type public.\"EnvironmentStatus\"",
         "ALTER TYPE \"EnvironmentStatus\" ADD VALUE 'ARCHIVED'"}}},
      {"IdentityAndGeneratedColumnsAreNotMitigated",
       "ALTER TABLE \"jobs\" ADD COLUMN \"seq\" INTEGER GENERATED ALWAYS AS IDENTITY;\n"
       "ALTER TABLE \"users\" ADD COLUMN \"email_lower\" TEXT GENERATED ALWAYS AS (lower(\"email\")) STORED;",
       {},
       {{Impact::Breaking, "adds column public.jobs.seq, which pgshim cannot mitigate: it is an identity column",
         "ALTER TABLE \"jobs\" ADD COLUMN \"seq\" INTEGER GENERATED ALWAYS AS IDENTITY"},
        {Impact::Breaking, "it is a generated column",
         "ALTER TABLE \"users\" ADD COLUMN \"email_lower\" TEXT GENERATED ALWAYS AS (lower(\"email\")) STORED"}}},
      {"MixedAlterKeepsTheColumnAndListsTheRest",
       "ALTER TABLE \"environments\" ADD COLUMN \"region\" TEXT, ALTER COLUMN \"name\" DROP NOT NULL;",
       {{"public", "environments", "region", "TEXT", ""}},
       {{Impact::Breaking, "drops NOT NULL on public.environments.name",
         "ALTER TABLE \"environments\" ADD COLUMN \"region\" TEXT, ALTER COLUMN \"name\" DROP NOT NULL"}}},
      {"UniqueColumnConstraintIsListed",
       "ALTER TABLE \"users\" ADD COLUMN \"handle\" TEXT UNIQUE;",
       {{"public", "users", "handle", "TEXT", ""}},
       {{Impact::Breaking, "ON CONFLICT", "ALTER TABLE \"users\" ADD COLUMN \"handle\" TEXT UNIQUE"}}},
      {"TransactionFramingAndCommentsOnly",
       "-- This is an empty migration.\nBEGIN;\n/* nothing */\nCOMMIT;\n",
       {},
       {}},
      {"DataChangeIsHarmless",
       "UPDATE \"environments\" SET \"name\" = lower(\"name\");",
       {},
       {{Impact::Harmless, "data change", "UPDATE \"environments\" SET \"name\" = lower(\"name\")"}}},
      {"UninterpretedStatementIsBreaking",
       "CREATE VIEW \"active\" AS SELECT * FROM \"environments\";",
       {},
       {{Impact::Breaking, "view_stmt", "CREATE VIEW \"active\" AS SELECT * FROM \"environments\""}}},
  };
  return kCases;
}

class DeriveCases : public ::testing::TestWithParam<Case> {};

TEST_P(DeriveCases, ExactColumnsAndNotes) {
  // Proves each migration text yields exactly the expected columns and notes.
  const Case& c = GetParam();
  const Derived d = derive_pending(kMigration, c.sql);
  ASSERT_EQ(d.columns.size(), c.columns.size());
  for (std::size_t i = 0; i < c.columns.size(); ++i) {
    SCOPED_TRACE("column " + std::to_string(i));
    EXPECT_EQ(d.columns[i].schema, c.columns[i].schema);
    EXPECT_EQ(d.columns[i].table, c.columns[i].table);
    EXPECT_EQ(d.columns[i].column, c.columns[i].column);
    EXPECT_EQ(d.columns[i].type, c.columns[i].type);
    EXPECT_EQ(d.columns[i].default_expr, c.columns[i].default_expr);
    EXPECT_EQ(d.columns[i].migration, kMigration);
  }
  ASSERT_EQ(d.not_mitigated.size(), c.notes.size());
  for (std::size_t i = 0; i < c.notes.size(); ++i) {
    SCOPED_TRACE("note " + std::to_string(i) + ": " + d.not_mitigated[i].reason);
    EXPECT_EQ(d.not_mitigated[i].impact, c.notes[i].impact);
    EXPECT_NE(d.not_mitigated[i].reason.find(c.notes[i].reason_contains), std::string::npos);
    EXPECT_EQ(d.not_mitigated[i].statement, c.notes[i].statement);
    EXPECT_EQ(d.not_mitigated[i].migration, kMigration);
  }
  // What derive_pending produces must be accepted where it is used.
  EXPECT_NO_THROW(sql::MissingSet(d.columns, 1));
}

INSTANTIATE_TEST_SUITE_P(Migrations, DeriveCases, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

TEST(Derive, ParseErrorNamesMigrationLineAndColumn) {
  // Proves a migration that does not parse is an error that points at the spot.
  try {
    (void)derive_pending("20250101000000_broken", "-- AlterTable\nALTER TABLE \"x\" ADD COLUMN;\n");
    FAIL() << "expected MigrationParseError";
  } catch (const MigrationParseError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("20250101000000_broken"), std::string::npos) << what;
    EXPECT_NE(what.find("line 2"), std::string::npos) << what;
  }
}

TEST(Derive, TypesAndTablesCarryAcrossMigrations) {
  // Proves an enum or table created by an earlier unapplied migration is known to a later one.
  const std::vector<Migration> unapplied = {
      {"20250901000000_enum", "CREATE TYPE \"Tier\" AS ENUM ('FREE', 'PRO');", ""},
      {"20250902000000_table", "CREATE TABLE \"audit\" (\"id\" TEXT PRIMARY KEY);", ""},
      {"20250903000000_columns",
       "ALTER TABLE \"users\" ADD COLUMN \"tier\" \"Tier\" NOT NULL DEFAULT 'FREE';\n"
       "ALTER TABLE \"audit\" ADD COLUMN \"note\" TEXT;",
       ""},
      {"20250904000000_again", "ALTER TABLE \"users\" ADD COLUMN \"tier\" TEXT;", ""},
  };
  const Derived d = derive_pending(unapplied);
  ASSERT_EQ(d.columns.size(), 1u);
  EXPECT_EQ(d.columns[0].column, "tier");
  EXPECT_EQ(d.columns[0].type, "text");
  EXPECT_EQ(d.columns[0].default_expr, "'FREE'");
  EXPECT_EQ(d.columns[0].migration, "20250903000000_columns");
  ASSERT_EQ(d.not_mitigated.size(), 4u);
  EXPECT_EQ(d.not_mitigated[2].migration, "20250903000000_columns");
  EXPECT_NE(d.not_mitigated[2].reason.find("pending migration 20250902000000_table creates"), std::string::npos);
  EXPECT_EQ(d.not_mitigated[3].migration, "20250904000000_again");
  EXPECT_NE(d.not_mitigated[3].reason.find("already pending from migration 20250903000000_columns"),
            std::string::npos);
}

TEST(Derive, CompositeTypeCreatedPendingHasNoStandIn) {
  // Proves a column of a composite type that does not exist yet is not mitigated.
  const Derived d = derive_pending("m", "CREATE TYPE \"pair\" AS (a int, b int);\n"
                                        "ALTER TABLE \"jobs\" ADD COLUMN \"p\" \"pair\";");
  EXPECT_TRUE(d.columns.empty());
  ASSERT_EQ(d.not_mitigated.size(), 2u);
  EXPECT_EQ(d.not_mitigated[1].impact, Impact::Breaking);
  EXPECT_NE(d.not_mitigated[1].reason.find("no stand-in"), std::string::npos);
}

TEST(Derive, EachItemCarriesItsStatementAndTheLineItStartsOn) {
  // Proves lines count from the file's first line, skip leading comments and blank lines, and follow a statement
  // that spans lines; a column's statement is kept in step with the column.
  const std::string sql =
      "-- AlterTable\n"                                                    // 1
      "ALTER TABLE \"environments\" ADD COLUMN \"last_error\" TEXT;\n"     // 2
      "\n"                                                                 // 3
      "/* a block\n   comment */\n"                                        // 4-5
      "CREATE TABLE \"deployments\" (\n"                                   // 6
      "    \"id\" TEXT PRIMARY KEY\n"                                      // 7
      ");\n"                                                               // 8
      "ALTER TABLE \"environments\" ADD COLUMN \"retries\" INTEGER NOT NULL DEFAULT 0, "
      "ADD COLUMN \"done\" BOOLEAN NOT NULL;\n";                          // 9
  const Derived d = derive_pending("m", sql);
  ASSERT_EQ(d.columns.size(), 3u);
  ASSERT_EQ(d.column_statements.size(), d.columns.size());
  EXPECT_EQ(d.column_statements[0].line, 2u);
  EXPECT_EQ(d.column_statements[0].statement, "ALTER TABLE \"environments\" ADD COLUMN \"last_error\" TEXT");
  EXPECT_EQ(d.column_statements[1].line, 9u);
  EXPECT_EQ(d.column_statements[2].line, 9u);
  EXPECT_EQ(d.column_statements[2].statement.rfind("ALTER TABLE \"environments\" ADD COLUMN \"retries\"", 0), 0u);
  ASSERT_EQ(d.not_mitigated.size(), 2u);
  EXPECT_EQ(d.not_mitigated[0].line, 6u);  // CREATE TABLE, after the comments
  EXPECT_EQ(d.not_mitigated[0].statement.rfind("CREATE TABLE", 0), 0u);
  EXPECT_EQ(d.not_mitigated[1].line, 9u);  // NOT NULL without DEFAULT
  EXPECT_EQ(d.not_mitigated[1].impact, Impact::Partial);
}

TEST(Derive, LinesAreThoseOfTheMigrationsOwnText) {
  // Proves a reader's blanked-out lines (a down section, another changeset) still count: the line is the file's.
  const Derived d = derive_pending("m", "\n\n\n\nALTER TABLE t ADD COLUMN c TEXT;\n\n\n");
  ASSERT_EQ(d.column_statements.size(), 1u);
  EXPECT_EQ(d.column_statements[0].line, 5u);
}

// ---- Drift from applied migrations ----------------------------------------

constexpr const char* kInit = R"(-- CreateTable
CREATE TABLE "environments" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "legacy_note" VARCHAR(200) COLLATE "C" DEFAULT 'none',
    "status" "EnvironmentStatus" NOT NULL DEFAULT 'PENDING',
    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "app"."jobs" ("id" TEXT, "weight" DECIMAL(65,30));
)";

TEST(DeriveDrift, DropColumnTakesTheTypeAnEarlierMigrationDeclared) {
  // Proves an applied DROP COLUMN becomes a Retired column typed as the earlier CREATE TABLE declared it (COLLATE and
  // DEFAULT not part of it), with its statement, line and the migration that declared the type; a schema-qualified
  // table keeps its schema.
  DriftDeriver d;
  d.add("1_init", kInit, false);
  d.add("2_drop", "-- drop it\n\nALTER TABLE \"environments\" DROP COLUMN \"legacy_note\";\n"
                  "ALTER TABLE app.jobs DROP COLUMN IF EXISTS weight;\n",
        true);
  const auto drift = d.result();
  ASSERT_EQ(drift.size(), 2u);
  EXPECT_EQ(drift[0].column.kind, sql::ColumnKind::Retired);
  EXPECT_EQ(sql::qualified_name(drift[0].column), "public.environments.legacy_note");
  EXPECT_EQ(drift[0].column.type, "VARCHAR(200)");
  EXPECT_EQ(drift[0].column.migration, "2_drop");
  EXPECT_EQ(drift[0].column.default_expr, "");
  EXPECT_EQ(drift[0].type_from, "1_init");
  EXPECT_EQ(drift[0].type_note, "");
  EXPECT_EQ(drift[0].statement.statement, "ALTER TABLE \"environments\" DROP COLUMN \"legacy_note\"");
  EXPECT_EQ(drift[0].statement.line, 3u);
  EXPECT_EQ(sql::qualified_name(drift[1].column), "app.jobs.weight");
  EXPECT_EQ(drift[1].column.type, "DECIMAL(65,30)");
  EXPECT_EQ(drift[1].statement.line, 4u);
  // The derived set is one pgshim accepts.
  EXPECT_NO_THROW((void)sql::MissingSet(drift_columns(drift), 0));
}

TEST(DeriveDrift, UnknownTypeReadsAsTextAndSaysSo) {
  // Proves a drop of a column no earlier migration declares is Retired as text, with the reason in type_note.
  const auto drift = derive_drift("2_drop", "ALTER TABLE environments DROP COLUMN mystery;");
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].column.type, "text");
  EXPECT_EQ(drift[0].type_from, "");
  EXPECT_NE(drift[0].type_note.find("no earlier migration"), std::string::npos);
}

TEST(DeriveDrift, RenameColumnBecomesRenamed) {
  // Proves RENAME COLUMN (and RENAME without COLUMN) becomes Renamed old -> new without a type, names folded.
  const auto drift = derive_drift("3_rename", "ALTER TABLE \"environments\" RENAME COLUMN \"title\" TO \"name\";\n"
                                              "ALTER TABLE Users RENAME Full_Name TO display_name;");
  ASSERT_EQ(drift.size(), 2u);
  EXPECT_EQ(drift[0].column.kind, sql::ColumnKind::Renamed);
  EXPECT_EQ(sql::qualified_name(drift[0].column), "public.environments.title");
  EXPECT_EQ(drift[0].column.renamed_to, "name");
  EXPECT_EQ(drift[0].column.type, "");
  EXPECT_EQ(drift[0].column.migration, "3_rename");
  EXPECT_EQ(sql::qualified_name(drift[1].column), "public.users.full_name");
  EXPECT_EQ(drift[1].column.renamed_to, "display_name");
  EXPECT_EQ(drift[1].statement.line, 2u);
}

TEST(DeriveDrift, TypesFollowAlterColumnTypeRenamesAndAddColumn) {
  // Proves the remembered type is the latest: ADD COLUMN, then ALTER COLUMN ... TYPE ... USING, and a column renamed
  // in an old migration keeps its type under the new name; a table renamed keeps its columns.
  DriftDeriver d;
  d.add("1", "CREATE TABLE t (a INT); ALTER TABLE t ADD COLUMN b SMALLINT;", false);
  d.add("2", "ALTER TABLE t ALTER COLUMN b TYPE BIGINT USING b::bigint, ALTER COLUMN a SET DATA TYPE TEXT;", false);
  d.add("3", "ALTER TABLE t RENAME COLUMN b TO c; ALTER TABLE t RENAME TO u;", false);
  d.add("4", "ALTER TABLE u DROP COLUMN c, DROP COLUMN a;", true);
  const auto drift = d.result();
  ASSERT_EQ(drift.size(), 2u);
  EXPECT_EQ(sql::qualified_name(drift[0].column), "public.u.c");
  EXPECT_EQ(drift[0].column.type, "BIGINT");
  EXPECT_EQ(drift[0].type_from, "2");
  EXPECT_EQ(sql::qualified_name(drift[1].column), "public.u.a");
  EXPECT_EQ(drift[1].column.type, "TEXT");
}

TEST(DeriveDrift, RenameChainsAndADropRetiresTheOldNames) {
  // Proves a -> b then b -> c gives a -> c and b -> c; a later drop of c retires a, b and c with c's type.
  DriftDeriver renamed;
  renamed.add("1", "CREATE TABLE t (a TEXT);", false);
  renamed.add("2", "ALTER TABLE t RENAME COLUMN a TO b;", true);
  renamed.add("3", "ALTER TABLE t RENAME COLUMN b TO c;", true);
  auto drift = renamed.result();
  ASSERT_EQ(drift.size(), 2u);
  EXPECT_EQ(drift[0].column.column + "->" + drift[0].column.renamed_to, "a->c");
  EXPECT_EQ(drift[1].column.column + "->" + drift[1].column.renamed_to, "b->c");
  renamed.add("4", "ALTER TABLE t DROP COLUMN c;", true);
  drift = renamed.result();
  ASSERT_EQ(drift.size(), 3u);
  for (const auto& c : drift) {
    EXPECT_EQ(c.column.kind, sql::ColumnKind::Retired) << c.column.column;
    EXPECT_EQ(c.column.type, "TEXT") << c.column.column;
    EXPECT_EQ(c.column.migration, "4") << c.column.column;
  }
}

TEST(DeriveDrift, OnlyDriftMigrationsProduceColumnsAndADroppedTypeReadsAsText) {
  // Proves an old migration's drop yields nothing (and forgets the column), and a column whose enum type a migration
  // dropped reads as text, since NULL::that_type would fail.
  DriftDeriver d;
  d.add("1_init", kInit, false);
  d.add("2_old", "ALTER TABLE environments DROP COLUMN title;", false);
  EXPECT_TRUE(d.result().empty());
  d.add("3_drop", "ALTER TABLE environments DROP COLUMN status; DROP TYPE \"EnvironmentStatus\";", true);
  const auto drift = d.result();
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].column.column, "status");
  EXPECT_EQ(drift[0].column.type, "text");
  EXPECT_NE(drift[0].type_note.find("\"EnvironmentStatus\""), std::string::npos) << drift[0].type_note;
  EXPECT_NE(drift[0].type_note.find("was dropped"), std::string::npos) << drift[0].type_note;
  // A dropped table's columns are forgotten: dropping one later is untyped.
  d.add("4", "DROP TABLE app.jobs; CREATE TABLE app.jobs (id TEXT);", false);
  d.add("5", "ALTER TABLE app.jobs DROP COLUMN weight;", true);
  EXPECT_EQ(d.result().back().column.type, "text");
}

TEST(DeriveDrift, SqlThatDoesNotParseThrows) {
  // Proves a broken migration is a MigrationParseError naming it, not a silently empty drift.
  DriftDeriver d;
  EXPECT_THROW(d.add("9_broken", "ALTER TABLE environments DROP COLUMN;", true), MigrationParseError);
}

}  // namespace
}  // namespace pgshim::migrations
