#pragma once
// Where and how often pgshim tells people that a pending column is missing.
// Plain structs: the config module fills them from YAML / the command line.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pgshim::alert {

// TLS for https:// receivers. The peer is always verified (certificate chain and
// host name); `ca_file` replaces OpenSSL's default trust store when set.
struct TlsClientConfig {
  std::string ca_file;  // PEM bundle; empty = OpenSSL default paths
};

// Delivery limits for one HTTP POST (each attempt, then bounded retries with
// doubling backoff). Connection errors, 5xx and 429 are retried; other 4xx are not.
struct DeliveryConfig {
  std::chrono::milliseconds request_timeout{5000};  // connect + TLS + write + read, per attempt
  int max_attempts = 3;
  std::chrono::milliseconds initial_backoff{500};
  // Deliveries in flight per receiver; a notification beyond it fails at once
  // (counted) instead of queueing without bound behind a dead receiver.
  int max_in_flight = 4;
};

struct AlertConfig {
  // Alertmanager base URLs (`http://host:9093`, optionally with a path prefix);
  // pgshim POSTs to `<url>/api/v2/alerts` on each. Empty = off.
  std::vector<std::string> alertmanager_urls;
  // A generic JSON webhook: the full URL pgshim POSTs to. Empty = off.
  std::string webhook_url;
  // Re-sent every interval while a column is missing (and the app's WARN line
  // repeats with it). Tests use a few hundred milliseconds.
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
  std::string severity = "critical";
  // A retired column's alert resolves once no statement used it for this long.
  std::chrono::milliseconds retired_quiet{std::chrono::minutes(15)};
  // Added to every alert's labels (e.g. `instance`, `env`); cannot override
  // alertname/table/column/schema/migration/severity.
  std::map<std::string, std::string> extra_labels;
  // Optional `generatorURL` for Alertmanager (e.g. pgshim's /status).
  std::string generator_url;
  TlsClientConfig tls;
  DeliveryConfig delivery;
};

}  // namespace pgshim::alert
