#pragma once
// The command that lands a tool's pending migrations, for `pgshim check` to
// print next to what is pending (pure: no I/O).
//
// Each is the tool's own deploy command as its documentation spells it, with
// the directory pgshim read and, when it is not the tool's default, the history
// table (the same option that history_table_error describes). The database is
// always `"$DATABASE_URL"`: pgshim never echoes the URL it was given, which may
// hold a password. Tools that read the directory and database from their own
// configuration file (Prisma's schema.prisma, drizzle.config, Liquibase's
// liquibase.properties) get their plain command.
#include <string>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

//   prisma          prisma migrate deploy
//   flyway          flyway -locations=filesystem:DIR migrate
//   golang-migrate  migrate -path DIR -database "$DATABASE_URL" up
//   goose           goose -dir DIR postgres "$DATABASE_URL" up
//   dbmate          dbmate --migrations-dir DIR up
//   drizzle         drizzle-kit migrate
//   liquibase       liquibase update
//   atlas           atlas migrate apply --dir file://DIR --url "$DATABASE_URL"
//   sqitch          sqitch -C DIR deploy
// DIR is single-quoted for the shell when it holds anything but
// [A-Za-z0-9_./:@%+=-].
[[nodiscard]] std::string apply_command(Tool tool, const std::string& dir, const std::string& history_table = {});

}  // namespace pgshim::migrations
