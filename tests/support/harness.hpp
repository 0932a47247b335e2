#pragma once
// Test support for integration tests: the `pg` fixture's PostgreSQL (read from
// the env file CTest points PGSANDBOX_ENV at), a fresh pgshim process per test
// (port 0, discovered through --ready-file), raw sockets for byte-level protocol
// checks, and RAII libpq handles. Every wait here has a deadline.
#include <libpq-fe.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgshim::test {

// The throwaway cluster started by scripts/pg-sandbox.sh.
struct Sandbox {
  std::string host;
  int port = 0;
  std::string database;
  std::string ca_file;
  std::string proxy_cert;
  std::string proxy_key;
  std::string socket_dir;
  std::string bin_dir;

  // Loads $PGSANDBOX_ENV; fails the test (throws) when it is missing.
  static const Sandbox& get();
  // postgres://HOST:PORT/DB?sslmode=MODE (no credentials).
  [[nodiscard]] std::string upstream_url(const std::string& sslmode = "prefer") const;
};

// A pgshim child process. Started with --listen 127.0.0.1:0 and --ready-file;
// stopped with SIGTERM (then SIGKILL after a bound) when destroyed.
class Pgshim {
 public:
  // `args` are added after the listen and ready-file flags. When `upstream` is
  // empty no --upstream is given (the caller passes one in args or a config).
  explicit Pgshim(std::vector<std::string> args, bool add_default_upstream = true);
  ~Pgshim();
  Pgshim(const Pgshim&) = delete;
  Pgshim& operator=(const Pgshim&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  // libpq conninfo for this pgshim: host, port and the given extra keywords.
  [[nodiscard]] std::string conninfo(const std::string& extra) const;
  // Everything pgshim logged so far.
  [[nodiscard]] std::string log() const;
  // Sends a signal.
  void signal(int signo) const;
  // Waits up to `limit` for the process to exit; its exit status, or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds limit);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::optional<int> status_;
};

// A blocking TCP connection with a receive deadline, for byte-level tests.
class RawConnection {
 public:
  RawConnection(const std::string& host, int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes);
  // Reads until `n` bytes arrived, the peer closed, or the deadline passed.
  [[nodiscard]] std::string receive(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Reads until the peer closes (or the deadline passes: then `closed` is false).
  [[nodiscard]] std::string receive_until_close(std::chrono::milliseconds limit, bool* closed = nullptr);
  void close();

 private:
  int fd_ = -1;
};

struct PGconnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct PGresultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Connection = std::unique_ptr<PGconn, PGconnDeleter>;
using Result = std::unique_ptr<PGresult, PGresultDeleter>;

// PQconnectdb with connect_timeout=10 added.
[[nodiscard]] Connection connect(const std::string& conninfo);
// Runs `sql`; the first value of the first row, or the error's SQLSTATE
// prefixed with "ERROR " when it fails.
[[nodiscard]] std::string query_value(PGconn* conn, const std::string& sql);

// A database of its own for one test, holding the incident's schema
// (config/incident-schema.sql); dropped (WITH FORCE) when destroyed.
class IncidentDatabase {
 public:
  explicit IncidentDatabase(const std::string& prefix);
  ~IncidentDatabase();
  IncidentDatabase(const IncidentDatabase&) = delete;
  IncidentDatabase& operator=(const IncidentDatabase&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // postgres://pgshim_scram:scram-pass@HOST:PORT/NAME?sslmode=disable
  [[nodiscard]] std::string url_with_credentials(const std::string& password = "scram-pass") const;
  // A direct connection (not through pgshim) as pgshim_scram.
  [[nodiscard]] Connection direct() const;

 private:
  std::string name_;
};

// A StartupMessage for protocol 3.0 with these parameters.
[[nodiscard]] std::string startup_message(const std::vector<std::pair<std::string, std::string>>& params);

// The SQLSTATE ('C' field) of the first ErrorResponse in `bytes`, or "".
[[nodiscard]] std::string first_error_sqlstate(const std::string& bytes);
// The message ('M' field) of the first ErrorResponse in `bytes`, or "".
[[nodiscard]] std::string first_error_message(const std::string& bytes);

// Resident set size of a process in KiB (from /proc).
[[nodiscard]] long rss_kib(pid_t pid);

}  // namespace pgshim::test
