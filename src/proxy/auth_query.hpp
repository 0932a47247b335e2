#pragma once
// auth mode proxy without (or beyond) an auth file: the secret of a user is
// looked up in the database itself through pgshim's own monitoring login, as
// PgBouncer's auth_query does. The query runs on a worker thread (libpq
// blocks), never on a session's thread; answers are cached briefly so that a
// connection storm costs one lookup per user.
#include <libpq-fe.h>

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "asio.hpp"
#include "pgshim/auth/auth_file.hpp"

namespace pgshim::proxy {

class AuthQuery {
 public:
  // `query` takes the user name as $1 and returns one row whose last column
  // is the stored secret (e.g. `SELECT usename, passwd FROM pgshim.user_secret($1)`).
  AuthQuery(std::string conninfo, std::string query, std::chrono::seconds ttl);
  ~AuthQuery();
  AuthQuery(const AuthQuery&) = delete;
  AuthQuery& operator=(const AuthQuery&) = delete;

  // The user's secret, or null when the query found none or failed (the
  // failure is logged; the login then fails like an unknown user's).
  [[nodiscard]] awaitable<std::shared_ptr<const auth::UserSecret>> lookup(std::string user);

 private:
  struct Cached {
    std::chrono::steady_clock::time_point at;
    std::shared_ptr<const auth::UserSecret> secret;
  };
  [[nodiscard]] awaitable<std::shared_ptr<const auth::UserSecret>> run_on_worker(std::string user);
  [[nodiscard]] std::shared_ptr<const auth::UserSecret> query_blocking(const std::string& user);
  [[nodiscard]] std::shared_ptr<const auth::UserSecret> cached(const std::string& user);

  const std::string conninfo_;
  const std::string query_;
  const std::chrono::seconds ttl_;
  asio::thread_pool pool_{1};
  std::mutex mutex_;  // guards cache_ and conn_
  std::map<std::string, Cached, std::less<>> cache_;
  PGconn* conn_ = nullptr;
};

}  // namespace pgshim::proxy
