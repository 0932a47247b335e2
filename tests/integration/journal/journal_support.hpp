#pragma once
// Shared by the journal integration tests: the incident's Prisma-shaped
// statements, a pgshim replica that journals, running the real binary, and
// reading backfill's JSON summary.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "integration/alert/obs_support.hpp"
#include "integration/migrations/check_support.hpp"
#include "support/harness.hpp"

namespace pgshim::test::journal_support {

using migrations::check_support::Outcome;

inline constexpr const char* kPending =
    "environments.last_error:text:20250804020810_add_last_error_to_environments";
// The Prisma engine's create and update, as in the proxy tests.
inline constexpr const char* kInsert =
    R"(INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","last_error","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$6,$7,$8) RETURNING "public"."environments"."id")";
inline constexpr const char* kUpdate =
    R"(UPDATE "public"."environments" SET "last_error" = $1 WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id")";

inline bool wait_for_log(const Pgshim& shim, const std::string& needle,
                         std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  return obs_test::wait_until([&] { return shim.log().find(needle) != std::string::npos; }, limit);
}

// One pgshim replica with the pending column, journaling to `journal` (a
// file, or `postgres:`) as `id`.
struct Replica {
  Replica(const IncidentDatabase& db, const std::string& id, const std::string& journal,
          std::vector<std::string> extra = {})
      : shim(args(db, id, journal, std::move(extra)), false), db_name(db.name()) {}

  static std::vector<std::string> args(const IncidentDatabase& db, const std::string& id, const std::string& journal,
                                       std::vector<std::string> extra) {
    std::vector<std::string> a{"--upstream", db.url_with_credentials(), "--pending",    kPending,
                               "--schema-poll-interval", "200ms", "--journal", journal, "--replica-id", id};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  [[nodiscard]] Connection client() const {
    return connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db_name +
                   " user=pgshim_scram password=scram-pass sslmode=disable");
  }

  Pgshim shim;
  std::string db_name;
};

// Runs `sql` with text (or, per `formats`, binary) parameters; it must succeed.
inline void exec_params(PGconn* conn, const char* sql, std::vector<const char*> values,
                        std::vector<int> formats = {}) {
  std::vector<int> lengths;
  for (const char* v : values) lengths.push_back(static_cast<int>(std::strlen(v)));
  Result r(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), lengths.data(),
                        formats.empty() ? nullptr : formats.data(), 0));
  ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_TUPLES_OK || PQresultStatus(r.get()) == PGRES_COMMAND_OK)
      << PQresultErrorMessage(r.get()) << "\n" << sql;
}

// The real binary with `args`, stdout only.
inline Outcome pgshim_stdout(const std::vector<std::string>& args) {
  using migrations::check_support::shell_quote;
  const char* bin = std::getenv("PGSHIM_BIN");
  std::string command = shell_quote(bin != nullptr ? bin : "pgshim");
  for (const auto& a : args) command += " " + shell_quote(a);
  return migrations::check_support::run_shell(command + " 2>/dev/null");
}

// "applied=4 already=0 ..." from backfill's JSON summary.
inline std::string counts(const Outcome& json) {
  return migrations::check_support::python_on_json(
             json.out,
             "print(' '.join(f'{k}={d[k]}' for k in ('applied','already','superseded','newer','gone',"
             "'unrecoverable','torn','invalid','errors')), end='')")
      .out;
}

// The port of --metrics-listen 127.0.0.1:0, from the log; 0 when not there.
inline int metrics_port(const Pgshim& shim) {
  std::smatch m;
  static const std::regex kLine(R"(metrics and status on http://127\.0\.0\.1:(\d+)/metrics)");
  const std::string log = shim.log();
  return std::regex_search(log, m, kLine) ? std::stoi(m[1]) : 0;
}

}  // namespace pgshim::test::journal_support
