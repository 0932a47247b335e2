#pragma once
// One client connection and its upstream connection, 1:1, for their whole life:
//   start-up (SSLRequest / GSSENCRequest / CancelRequest / StartupMessage)
//   -> upstream connect (+ TLS per sslmode) -> authentication relay
//   -> two relay pumps raced together until either side ends.
// A session never throws on the data plane; its one catch is where it is spawned.
#include <chrono>
#include <memory>
#include <string>

#include "asio.hpp"
#include "cancel_registry.hpp"
#include "pgshim/config/config.hpp"
#include "pgshim/auth/auth_file.hpp"
#include "pgshim/auth/secret.hpp"
#include "pgshim/proxy/pending.hpp"
#include "pgshim/proxy/stats.hpp"
#include "pgshim/sql/cache.hpp"
#include "pgshim/wire/messages.hpp"
#include "stream.hpp"

namespace pgshim::proxy {

// What every session shares: read-only after start, or internally synchronized.
struct SessionContext {
  std::shared_ptr<const config::Config> config;  // the snapshot the session started with
  ssl::context* client_tls = nullptr;             // null: SSLRequest is answered 'N'
  ssl::context* upstream_tls = nullptr;
  CancelRegistry* cancels = nullptr;
  Stats* stats = nullptr;
  // Pending-column rewriting; all null when no pending column is configured.
  PendingSource* pending = nullptr;
  SessionObserver* observer = nullptr;
  sql::RewriteCache* cache = nullptr;  // the session's thread's cache
  // auth mode proxy: the users pgshim authenticates itself, and the
  // tls-server-end-point hash of pgshim's certificate (for SCRAM-SHA-256-PLUS).
  std::shared_ptr<const auth::AuthFile> auth_file;
  class AuthQuery* auth_query = nullptr;
  std::optional<std::string> tls_end_point;
};

class Session {
 public:
  Session(tcp::socket client, SessionContext context);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs the session to its end; closes both legs.
  [[nodiscard]] awaitable<void> run();

 private:
  enum class Outcome { Continue, Close };

  [[nodiscard]] awaitable<Outcome> establish();
  [[nodiscard]] awaitable<Outcome> read_startup();
  [[nodiscard]] awaitable<Outcome> connect_upstream();
  [[nodiscard]] awaitable<Outcome> relay_authentication();
  // auth mode proxy: pgshim runs SCRAM (or MD5) with the client itself.
  [[nodiscard]] awaitable<Outcome> authenticate_client();
  [[nodiscard]] awaitable<Outcome> fail_login(LoginFailure kind, std::string_view reason);
  // auth mode proxy: answers one authentication request of the server with
  // what the client proved; appends the answer to send upstream to `out`.
  // Empty string: ok; else the reason it cannot.
  [[nodiscard]] std::string answer_upstream(const wire::Authentication& request, std::string& out);
  [[nodiscard]] awaitable<void> relay();
  // The session's search_path, asked with SHOW before the relay starts;
  // nullopt when it cannot be read (then nothing unqualified is resolved).
  [[nodiscard]] awaitable<std::optional<std::string>> ask_search_path();
  [[nodiscard]] awaitable<void> forward_cancel(std::int32_t process_id, std::int32_t secret_key);

  // Sends an ErrorResponse of severity FATAL to the client (best effort).
  [[nodiscard]] awaitable<void> send_fatal(const char* sqlstate, std::string message, std::string detail = {},
                                           std::string hint = {});
  [[nodiscard]] bool proxy_auth() const noexcept { return context_.auth_file || context_.auth_query; }
  [[nodiscard]] const config::Upstream& upstream() const noexcept { return *context_.config->upstream; }
  void log_close(std::string_view reason) const;

  SessionContext context_;
  Stream client_;
  Stream upstream_;
  std::string client_address_;
  std::string application_name_;  // from the StartupMessage (alerts name it)
  std::string client_encoding_;   // from the login's ParameterStatus (COPY data splitting)
  int server_major_ = 0;          // server_version's major number
  std::chrono::steady_clock::time_point started_;

  // Bytes read from a leg during start-up and authentication that belong to
  // later messages; handed to the relay pumps.
  std::string client_buffer_;
  std::string upstream_buffer_;

  std::string startup_packet_;  // the client's StartupMessage, relayed as it came
  std::string user_;
  std::string database_;
  tcp::endpoint upstream_endpoint_;
  std::optional<wire::BackendKeyData> key_;

  // auth mode proxy: what the client proved, for the upstream login.
  const auth::UserSecret* secret_ = nullptr;
  std::shared_ptr<const auth::UserSecret> queried_secret_;  // from the auth query
  std::optional<auth::ScramVerifier> verifier_;
  auth::ScramKey client_key_{};
  struct UpstreamScram;
  std::shared_ptr<UpstreamScram> upstream_scram_;
  std::uint64_t bytes_in_ = 0;   // client -> server
  std::uint64_t bytes_out_ = 0;  // server -> client
};

}  // namespace pgshim::proxy
