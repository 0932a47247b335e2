#include "auth_query.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

namespace pgshim::proxy {

AuthQuery::AuthQuery(std::string conninfo, std::string query, std::chrono::seconds ttl)
    : conninfo_(std::move(conninfo)), query_(std::move(query)), ttl_(ttl) {}

AuthQuery::~AuthQuery() {
  pool_.join();
  if (conn_) PQfinish(conn_);
}

std::shared_ptr<const auth::UserSecret> AuthQuery::cached(const std::string& user) {
  std::lock_guard lock(mutex_);
  const auto it = cache_.find(user);
  if (it == cache_.end() || std::chrono::steady_clock::now() - it->second.at > ttl_) return nullptr;
  return it->second.secret;
}

awaitable<std::shared_ptr<const auth::UserSecret>> AuthQuery::lookup(std::string user) {
  std::shared_ptr<const auth::UserSecret> secret = cached(user);
  if (secret) co_return secret;
  // The blocking libpq call runs in a coroutine spawned on the worker thread;
  // this one resumes on its own session's executor when it is done. (A member
  // coroutine, not a capturing lambda, and no temporaries in the co_await
  // expression: GCC 12 mishandles both.)
  auto on_worker = run_on_worker(user);
  secret = co_await asio::co_spawn(pool_, std::move(on_worker), asio::use_awaitable);
  co_return secret;
}

awaitable<std::shared_ptr<const auth::UserSecret>> AuthQuery::run_on_worker(std::string user) {
  std::shared_ptr<const auth::UserSecret> secret = query_blocking(user);
  co_return secret;
}

std::shared_ptr<const auth::UserSecret> AuthQuery::query_blocking(const std::string& user) {
  if (auto hit = cached(user)) return hit;  // another session asked meanwhile
  std::lock_guard lock(mutex_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      if (conn_) PQfinish(conn_);
      const char* keys[] = {"dbname", "application_name", "connect_timeout", "options", nullptr};
      const char* values[] = {conninfo_.c_str(), "pgshim-auth-query", "5", "-c statement_timeout=5000", nullptr};
      conn_ = PQconnectdbParams(keys, values, 1);
      if (PQstatus(conn_) != CONNECTION_OK) {
        spdlog::warn("auth query: cannot connect to the database: {}", PQerrorMessage(conn_));
        continue;
      }
    }
    const char* params[] = {user.c_str()};
    PGresult* result = PQexecParams(conn_, query_.c_str(), 1, nullptr, params, nullptr, nullptr, 0);
    const auto status = PQresultStatus(result);
    std::shared_ptr<const auth::UserSecret> secret;
    bool ok = status == PGRES_TUPLES_OK;
    if (!ok) {
      spdlog::warn("auth query failed: {}", PQresultErrorMessage(result));
    } else if (PQntuples(result) > 0 && PQnfields(result) > 0 && !PQgetisnull(result, 0, PQnfields(result) - 1)) {
      // The secret's syntax is the auth file's: parse it the same way.
      std::string stored = PQgetvalue(result, 0, PQnfields(result) - 1);
      std::string quoted;
      for (char c : stored) {
        if (c == '"') quoted.push_back('"');  // the auth file's escape for a quote
        quoted.push_back(c);
      }
      const std::string line = "\"x\" \"" + quoted + "\"\n";
      auth::AuthFile one;
      auth::AuthFileError error;
      if (auth::AuthFile::parse(line, "auth query", one, error)) {
        if (const auth::UserSecret* s = one.find("x")) secret = std::make_shared<const auth::UserSecret>(*s);
      } else {
        spdlog::warn("auth query: the secret returned for a user is not one pgshim understands: {}", error.message);
      }
    }
    PQclear(result);
    if (!ok && PQstatus(conn_) != CONNECTION_OK) continue;  // reconnect once
    cache_[user] = Cached{std::chrono::steady_clock::now(), secret};
    return secret;
  }
  return nullptr;
}

}  // namespace pgshim::proxy
