#include "support/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <variant>

#include "pgshim/wire/messages.hpp"
#include "pgshim/wire/startup.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (is the pg fixture running?)");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string make_temp_dir() {
  std::string pattern = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/pgshim-test.XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

const wire::ErrorFields* first_error(const std::string& bytes, wire::ErrorFields& fields) {
  std::string_view rest(bytes);
  while (!rest.empty()) {
    const auto decoded = wire::decode_message(rest);
    const auto* done = std::get_if<wire::Complete<wire::MessageView>>(&decoded);
    if (!done) return nullptr;
    if (done->value.type == 'E') {
      if (wire::parse_error_fields(done->value.body, fields)) return nullptr;
      return &fields;
    }
    rest.remove_prefix(done->consumed);
  }
  return nullptr;
}

}  // namespace

const Sandbox& Sandbox::get() {
  static const Sandbox sandbox = [] {
    const char* path = std::getenv("PGSANDBOX_ENV");
    if (!path) throw std::runtime_error("PGSANDBOX_ENV is not set: run through ctest (the pg fixture)");
    auto env = read_env_file(path);
    Sandbox s;
    s.host = env["PGSANDBOX_HOST"];
    s.port = std::stoi(env["PGSANDBOX_PORT"]);
    s.database = env["PGSANDBOX_DB"];
    s.ca_file = env["PGSANDBOX_CA"];
    s.proxy_cert = env["PGSANDBOX_PROXY_CERT"];
    s.proxy_key = env["PGSANDBOX_PROXY_KEY"];
    s.socket_dir = env["PGSANDBOX_SOCKET_DIR"];
    s.bin_dir = env["PGSANDBOX_BIN"];
    return s;
  }();
  return sandbox;
}

std::string Sandbox::upstream_url(const std::string& sslmode) const {
  return "postgres://" + host + ":" + std::to_string(port) + "/" + database + "?sslmode=" + sslmode;
}

Pgshim::Pgshim(std::vector<std::string> args, bool add_default_upstream) {
  const char* bin = std::getenv("PGSHIM_BIN");
  if (!bin) throw std::runtime_error("PGSHIM_BIN is not set");
  dir_ = make_temp_dir();
  const std::string ready = dir_ + "/ready";
  const std::string log = dir_ + "/pgshim.log";

  std::vector<std::string> argv_storage{bin, "--listen", "127.0.0.1:0", "--ready-file", ready, "--threads", "2"};
  if (add_default_upstream) {
    argv_storage.push_back("--upstream");
    argv_storage.push_back(Sandbox::get().upstream_url());
  }
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    ::unsetenv("PGSHIM_UPSTREAM");
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_file(ready);
    if (!text.empty() && text.back() == '\n') {
      port_ = std::stoi(text.substr(text.rfind(':') + 1));
      return;
    }
    if (wait_exit(0ms)) break;
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("pgshim did not become ready; log:\n" + this->log());
}

Pgshim::~Pgshim() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(5s)) {
      ::kill(pid_, SIGKILL);
      wait_exit(5s);
    }
  }
  std::string cmd = "rm -rf '" + dir_ + "'";
  if (std::system(cmd.c_str()) != 0) {
    // Leaving a temp dir behind is not worth failing a test over.
  }
}

std::string Pgshim::conninfo(const std::string& extra) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + Sandbox::get().database + " " + extra;
}

std::string Pgshim::log() const { return read_file(dir_ + "/pgshim.log"); }

void Pgshim::signal(int signo) const { ::kill(pid_, signo); }

std::optional<int> Pgshim::wait_exit(std::chrono::milliseconds limit) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  do {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (limit.count() > 0) std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

RawConnection::RawConnection(const std::string& host, int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + " failed: " + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() { close(); }

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

std::string RawConnection::receive(std::size_t n, std::chrono::milliseconds limit) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    const ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

std::string RawConnection::receive_until_close(std::chrono::milliseconds limit, bool* closed) {
  std::string out;
  if (closed) *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
    char buf[65536];
    const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
    if (r <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(r));
  }
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Connection connect(const std::string& conninfo) {
  return Connection(PQconnectdb((conninfo + " connect_timeout=10").c_str()));
}

std::string query_value(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status == PGRES_TUPLES_OK) return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  if (status == PGRES_COMMAND_OK) return "";
  const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
  return std::string("ERROR ") + (state ? state : "?");
}

IncidentDatabase::IncidentDatabase(const std::string& prefix) {
  static int counter = 0;
  name_ = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  const auto& sb = Sandbox::get();
  auto admin = connect("host=" + sb.host + " port=" + std::to_string(sb.port) +
                       " dbname=postgres user=pgshim_scram password=scram-pass");
  if (PQstatus(admin.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(admin.get()));
  if (query_value(admin.get(), "create database \"" + name_ + "\"").rfind("ERROR", 0) == 0) {
    throw std::runtime_error("cannot create database " + name_);
  }
  const char* source = std::getenv("PGSHIM_SOURCE_DIR");
  const std::string schema = read_file(std::string(source ? source : ".") + "/config/incident-schema.sql");
  if (schema.empty()) throw std::runtime_error("cannot read config/incident-schema.sql");
  auto db = direct();
  Result r(PQexec(db.get(), schema.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw std::runtime_error(PQresultErrorMessage(r.get()));
}

IncidentDatabase::~IncidentDatabase() {
  const auto& sb = Sandbox::get();
  auto admin = connect("host=" + sb.host + " port=" + std::to_string(sb.port) +
                       " dbname=postgres user=pgshim_scram password=scram-pass");
  (void)query_value(admin.get(), "drop database if exists \"" + name_ + "\" with (force)");
}

std::string IncidentDatabase::url_with_credentials(const std::string& password) const {
  const auto& sb = Sandbox::get();
  return "postgres://pgshim_scram:" + password + "@" + sb.host + ":" + std::to_string(sb.port) + "/" + name_ +
         "?sslmode=disable";
}

Connection IncidentDatabase::direct() const {
  const auto& sb = Sandbox::get();
  return connect("host=" + sb.host + " port=" + std::to_string(sb.port) + " dbname=" + name_ +
                 " user=pgshim_scram password=scram-pass");
}

std::string startup_message(const std::vector<std::pair<std::string, std::string>>& params) {
  return wire::build_startup(params);
}

std::string first_error_sqlstate(const std::string& bytes) {
  wire::ErrorFields fields;
  const auto* e = first_error(bytes, fields);
  return e ? std::string(e->sqlstate()) : "";
}

std::string first_error_message(const std::string& bytes) {
  wire::ErrorFields fields;
  const auto* e = first_error(bytes, fields);
  return e ? std::string(e->message()) : "";
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace pgshim::test
