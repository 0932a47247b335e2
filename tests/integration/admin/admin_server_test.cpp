// Integration tests of the admin HTTP endpoint over real sockets: routes,
// status codes, limits, keep-alive, and a real Prometheus scraping /metrics.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <future>
#include <memory>
#include <thread>

#include "integration/alert/obs_support.hpp"
#include "pgshim/admin/admin_server.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::admin {
namespace {

using namespace std::chrono_literals;
using obs_test::http_get;
using obs_test::http_request;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

// An AdminServer on 127.0.0.1:0 serving a real PgshimMetrics registry.
class AdminRig {
 public:
  explicit AdminRig(AdminLimits limits = {}) : metrics_(registry_, sources()) {
    Handlers handlers;
    handlers.metrics = [this] { return registry_.render(); };
    handlers.status = [] { return std::string(R"({"pending_columns":[],"upstream_reachable":true})"); };
    server_ = std::make_unique<AdminServer>(ioc_, "127.0.0.1", 0, std::move(handlers), limits);
    port_ = server_->start();
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(ioc_);
      ioc_.run();
    });
  }
  ~AdminRig() {
    std::promise<void> done;
    boost::asio::post(ioc_, [&] {
      server_->stop();
      done.set_value();
    });
    done.get_future().wait_for(5s);
    ioc_.stop();
    thread_.join();
    server_.reset();
  }
  [[nodiscard]] int port() const { return port_; }
  metrics::PgshimMetrics& metrics() { return metrics_; }

 private:
  static metrics::ConnectionSources sources() {
    metrics::ConnectionSources s;
    s.clients_current = [] { return 2.0; };
    return s;
  }
  boost::asio::io_context ioc_;
  metrics::Registry registry_;
  metrics::PgshimMetrics metrics_;
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  int port_ = 0;
};

// /metrics serves the registry in the 0.0.4 text format with its content type.
TEST(AdminServerTest, ServesMetrics) {
  AdminRig rig;
  rig.metrics().rewrite_cache_hits.get().inc(3);
  const auto res = http_get(rig.port(), "/metrics");
  ASSERT_EQ(res.status, 200) << res.head;
  EXPECT_NE(res.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << res.head;
  EXPECT_NE(res.body.find("pgshim_rewrite_cache_hits_total 3\n"), std::string::npos);
  EXPECT_NE(res.body.find("pgshim_client_connections 2\n"), std::string::npos);
}

// /healthz says ok, /status is the app's JSON, unknown paths 404, non-GET 405.
TEST(AdminServerTest, RoutesAndStatusCodes) {
  AdminRig rig;
  const auto health = http_get(rig.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");
  const auto status = http_get(rig.port(), "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_NE(status.head.find("Content-Type: application/json"), std::string::npos);
  EXPECT_EQ(boost::json::parse(status.body).at("upstream_reachable"), true);
  EXPECT_EQ(http_get(rig.port(), "/nope").status, 404);
  EXPECT_EQ(http_get(rig.port(), "/metrics?x=1").status, 200);
  const auto post = http_request(rig.port(), "POST", "/metrics", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD"), std::string::npos);
  const auto head = http_request(rig.port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

// Two requests on one connection are both answered (keep-alive).
TEST(AdminServerTest, KeepAlive) {
  AdminRig rig;
  const int fd = obs_test::connect_loopback(rig.port(), 3s);
  ASSERT_GE(fd, 0);
  const std::string reqs =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ::send(fd, reqs.data(), reqs.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::size_t count = 0;
  for (auto pos = raw.find("HTTP/1.1 200"); pos != std::string::npos; pos = raw.find("HTTP/1.1 200", pos + 1)) ++count;
  EXPECT_EQ(count, 2U) << raw;
}

// An oversized request is refused with 413; a silent client is dropped after the read timeout.
TEST(AdminServerTest, RequestLimits) {
  AdminLimits limits;
  limits.max_request_bytes = 1024;
  limits.read_timeout = 300ms;
  AdminRig rig(limits);
  const auto big = http_get(rig.port(), "/metrics?" + std::string(4096, 'a'));
  EXPECT_EQ(big.status, 413);

  const int fd = obs_test::connect_loopback(rig.port(), 3s);
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  char c = 0;
  const auto n = ::recv(fd, &c, 1, 0);  // the server closes: EOF, well before our 3 s timeout
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(n, 0);
  EXPECT_LT(waited, 2s);
  // Still serving afterwards.
  EXPECT_EQ(http_get(rig.port(), "/healthz").status, 200);
}

// A real Prometheus scrapes /metrics: up{job="pgshim"} becomes 1 and a pgshim series is stored.
TEST(AdminServerTest, RealPrometheusScrapes) {
  if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << kPrometheus << " not installed (Debian package prometheus)";
  AdminRig rig;
  obs_test::TempDir dir;
  dir.write("prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                              "scrape_configs:\n  - job_name: pgshim\n    static_configs:\n"
                              "      - targets: ['127.0.0.1:" +
                                  std::to_string(rig.port()) + "']\n");
  const int port = obs_test::free_port();
  obs_test::Child prom({kPrometheus, "--config.file=" + dir.path() + "/prometheus.yml",
                        "--storage.tsdb.path=" + dir.path() + "/data",
                        "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                       dir.path() + "/prometheus.log");
  const auto query = [&](const std::string& encoded) -> std::string {
    const auto res = http_get(port, "/api/v1/query?query=" + encoded);
    if (res.status != 200) return {};
    boost::system::error_code ec;
    const auto doc = boost::json::parse(res.body, ec);
    if (ec) return {};
    const auto& result = doc.at("data").at("result").as_array();
    if (result.empty()) return {};
    return std::string(result.at(0).at("value").as_array().at(1).as_string());
  };
  // up{job="pgshim"}, URL-encoded.
  const bool up = obs_test::wait_until([&] { return query("up%7Bjob%3D%22pgshim%22%7D") == "1"; }, 30s);
  ASSERT_TRUE(up) << "Prometheus never scraped pgshim successfully:\n" << prom.log();
  EXPECT_EQ(query("pgshim_client_connections"), "2");
}

}  // namespace
}  // namespace pgshim::admin
