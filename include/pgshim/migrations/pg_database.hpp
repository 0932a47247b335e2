#pragma once
// Database over one blocking libpq connection, for start-up and `pgshim check`
// (never the data plane). Every wait has a bound: connect_timeout (10 s unless
// the conninfo sets one), tcp_user_timeout for a peer that vanishes mid-query,
// and a statement_timeout set on the session.
#include <chrono>
#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

struct pg_conn;  // libpq's PGconn, kept out of this header

namespace pgshim::migrations {

class PgDatabase final : public Database {
 public:
  // Connects with `conninfo` (a postgres:// URL or key=value conninfo). Throws
  // MigrationError with libpq's message (password redacted) when it cannot.
  // `application_name` is what pg_stat_activity shows unless the conninfo sets one.
  explicit PgDatabase(const std::string& conninfo,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10),
                      const std::string& application_name = "pgshim-migrations");
  ~PgDatabase() override;
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  [[nodiscard]] std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params) override;

  // A parameter with its type (0: let the server infer it) and format, for
  // values that are not text (`pgshim backfill` sends clients' binary values).
  struct Param {
    std::optional<std::string> value;  // nullopt: SQL NULL
    std::uint32_t type = 0;
    bool binary = false;
  };
  [[nodiscard]] std::vector<Row> query(const std::string& sql, const std::vector<Param>& params);

 private:
  struct Finish {
    void operator()(pg_conn* conn) const noexcept;
  };
  std::unique_ptr<pg_conn, Finish> conn_;
};

}  // namespace pgshim::migrations
