// derive_pending over migration SQL in Prisma's own output style: exact
// columns, types and defaults, and what is listed as not mitigated, and why.
#include "pgshim/migrations/derive.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

}  // namespace
}  // namespace pgshim::migrations
