// PgDatabase: blocking libpq for start-up and `pgshim check` (see pg_database.hpp).
#include "pgshim/migrations/pg_database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace pgshim::migrations {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

struct ConninfoDeleter {
  void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};

// libpq messages end with a newline and may span lines; one line reads better.
[[nodiscard]] std::string one_line(const char* message) {
  std::string out = message != nullptr ? message : "";
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

void PgDatabase::Finish::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }

PgDatabase::PgDatabase(const std::string& conninfo, std::chrono::milliseconds timeout,
                       const std::string& application_name) {
  // Parse first so that the caller's own settings win and ours only fill gaps;
  // the parse error never echoes the conninfo (it may hold a password).
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> parsed(PQconninfoParse(conninfo.c_str(), &error));
  if (!parsed) {
    std::string message = one_line(error);
    if (error != nullptr) PQfreemem(error);
    throw MigrationError("invalid connection string: " + message);
  }
  const auto seconds = std::to_string(std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
  const auto millis = std::to_string(timeout.count());
  std::vector<std::string> keys;
  std::vector<std::string> values;
  bool has_connect_timeout = false;
  bool has_user_timeout = false;
  bool has_application_name = false;
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    has_connect_timeout |= key == "connect_timeout";
    has_user_timeout |= key == "tcp_user_timeout";
    has_application_name |= key == "application_name";
    keys.push_back(key);
    values.emplace_back(o->val);
  }
  auto fill = [&](bool present, const char* key, const std::string& value) {
    if (present) return;
    keys.emplace_back(key);
    values.push_back(value);
  };
  fill(has_connect_timeout, "connect_timeout", seconds);
  // A peer that vanishes mid-query would otherwise block PQexec for the
  // kernel's retransmission time (~15 minutes).
  fill(has_user_timeout, "tcp_user_timeout", millis);
  fill(has_application_name, "application_name", application_name);
  std::vector<const char*> kp;
  std::vector<const char*> vp;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    kp.push_back(keys[i].c_str());
    vp.push_back(values[i].c_str());
  }
  kp.push_back(nullptr);
  vp.push_back(nullptr);
  conn_.reset(PQconnectdbParams(kp.data(), vp.data(), 0));
  if (!conn_) throw MigrationError("cannot connect: out of memory");
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw MigrationError("cannot connect to the database: " + one_line(PQerrorMessage(conn_.get())));
  }
  // The server side of the bound: no query of ours may run longer.
  (void)query("SELECT set_config('statement_timeout', $1, false)", {millis});
}

PgDatabase::~PgDatabase() = default;

std::vector<Row> PgDatabase::query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<Param> typed;
  typed.reserve(params.size());
  for (const auto& v : params) typed.push_back(Param{v, 0, false});
  return query(sql, typed);
}

std::vector<Row> PgDatabase::query(const std::string& sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<Oid> types;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const auto& p : params) {
    values.push_back(p.value ? p.value->data() : nullptr);
    types.push_back(p.type);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  const int n_params = static_cast<int>(params.size());
  ResultHandle result(PQexecParams(conn_.get(), sql.c_str(), n_params, params.empty() ? nullptr : types.data(),
                                   params.empty() ? nullptr : values.data(), params.empty() ? nullptr : lengths.data(),
                                   params.empty() ? nullptr : formats.data(), 0));
  if (!result) throw MigrationError("query failed: " + one_line(PQerrorMessage(conn_.get())));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw MigrationError("query failed: " + one_line(PQresultErrorMessage(result.get())));
  }
  std::vector<Row> rows;
  const int n = PQntuples(result.get());
  const int f = PQnfields(result.get());
  rows.reserve(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    Row row;
    for (int c = 0; c < f; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c), static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace pgshim::migrations
