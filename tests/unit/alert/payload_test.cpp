// Unit tests of the alert payloads: exact JSON for Alertmanager and the webhook,
// the remedy rule, identifier quoting, timestamps, the JSON writer and URL parsing.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "pgshim/alert/http_client.hpp"
#include "pgshim/alert/json_writer.hpp"
#include "pgshim/alert/payload.hpp"

namespace pgshim::alert {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

sql::PendingColumn last_error(std::string migration) {
  sql::PendingColumn c;
  c.table = "environments";
  c.column = "last_error";
  c.type = "text";
  c.migration = std::move(migration);
  return c;
}

system_clock::time_point at_ms(long long ms) { return system_clock::time_point(milliseconds(ms)); }

// A firing alert renders exactly the Alertmanager API v2 postableAlerts array.
TEST(PayloadTest, AlertmanagerFiringGolden) {
  AlertConfig config;
  config.extra_labels = {{"env", "prod"}, {"severity", "ignored: reserved"}};
  AlertEvent e;
  e.column = last_error("20240115103000_add_last_error");
  e.status = AlertStatus::Firing;
  e.starts_at = at_ms(1705314600123);
  e.ends_at = at_ms(1705315800000);
  e.rewrites = 12;
  e.dropped_writes = 3;
  const std::vector<AlertEvent> events{e};
  EXPECT_EQ(alertmanager_payload(events, config),
            R"j([{"labels":{"alertname":"PgshimPendingColumnMissing","severity":"critical","schema":"public",)j"
            R"j("table":"environments","column":"last_error","migration":"20240115103000_add_last_error","env":"prod"},)j"
            R"j("annotations":{"summary":"Pending column public.environments.last_error is missing from the database )j"
            R"j((migration 20240115103000_add_last_error)","description":"pgshim rewrites statements that reference )j"
            R"j(public.environments.last_error (reads give NULL or the configured default; writes of it are dropped) )j"
            R"j(until the migration is applied. Since the last notification: 12 statements rewritten, 3 written values )j"
            R"j(dropped.","remedy":"prisma migrate deploy"},"startsAt":"2024-01-15T10:30:00.123Z",)j"
            R"j("endsAt":"2024-01-15T10:50:00.000Z"}])j");
}

// The webhook wraps the same alert objects with a status; a resolved one ends now.
TEST(PayloadTest, WebhookResolvedGolden) {
  AlertConfig config;
  config.severity = "warning";
  config.generator_url = "http://pgshim:9930/status";
  AlertEvent e;
  e.column = last_error("");
  e.status = AlertStatus::Resolved;
  e.starts_at = at_ms(0);
  e.ends_at = at_ms(86400000);
  const std::vector<AlertEvent> events{e};
  EXPECT_EQ(webhook_payload(AlertStatus::Resolved, events, config),
            R"j({"status":"resolved","alerts":[{"labels":{"alertname":"PgshimPendingColumnMissing",)j"
            R"j("severity":"warning","schema":"public","table":"environments","column":"last_error"},)j"
            R"j("annotations":{"summary":"Pending column public.environments.last_error is present now",)j"
            R"j("description":"The column exists now; pgshim relays statements that reference it untouched. )j"
            R"j(Since the last notification: 0 statements rewritten, 0 written values dropped.",)j"
            R"j("remedy":"ALTER TABLE \"public\".\"environments\" ADD COLUMN \"last_error\" text;"},)j"
            R"j("startsAt":"1970-01-01T00:00:00.000Z","endsAt":"1970-01-02T00:00:00.000Z",)j"
            R"j("generatorURL":"http://pgshim:9930/status"}]})j");
}

// Only `<14 digits>_<name>` is a Prisma migration.
TEST(PayloadTest, PrismaMigrationNames) {
  EXPECT_TRUE(is_prisma_migration("20240115103000_add_last_error"));
  EXPECT_TRUE(is_prisma_migration("20240115103000_x"));
  EXPECT_FALSE(is_prisma_migration("20240115103000_"));
  EXPECT_FALSE(is_prisma_migration("2024011510300_add"));    // 13 digits
  EXPECT_FALSE(is_prisma_migration("202401151030001_add"));  // 15 digits
  EXPECT_FALSE(is_prisma_migration("V2__add_last_error"));   // Flyway
  EXPECT_FALSE(is_prisma_migration(""));
}

// The DDL remedy quotes identifiers (doubling quotes) and keeps the type as written.
TEST(PayloadTest, AlterTableRemedy) {
  sql::PendingColumn c;
  c.schema = "app";
  c.table = "My \"Table\"";
  c.column = "col";
  c.type = "numeric(10,2)";
  EXPECT_EQ(remedy(c), R"j(ALTER TABLE "app"."My ""Table""" ADD COLUMN "col" numeric(10,2);)j");
  EXPECT_EQ(quote_identifier(""), R"j("")j");
}

// RFC 3339 in UTC with milliseconds, including times before the epoch.
TEST(PayloadTest, Rfc3339) {
  EXPECT_EQ(format_rfc3339(at_ms(1705314600123)), "2024-01-15T10:30:00.123Z");
  EXPECT_EQ(format_rfc3339(at_ms(-1)), "1969-12-31T23:59:59.999Z");
}

// The writer places commas and escapes control characters per RFC 8259.
TEST(JsonWriterTest, NestingAndEscaping) {
  JsonWriter w;
  w.begin_object();
  w.member("s", "a\"b\\c\n\x01");
  w.key("a").begin_array().value(1).value(-2).value(true).null().value(0.5).end_array();
  w.key("o").begin_object().end_object();
  w.member("u", std::uint64_t{18446744073709551615ULL});
  w.end_object();
  EXPECT_EQ(w.str(), R"j({"s":"a\"b\\c\n\u0001","a":[1,-2,true,null,0.5],"o":{},"u":18446744073709551615})j");
}

struct UrlCase {
  const char* name;
  const char* text;
  bool ok;
  bool tls;
  const char* host;
  const char* port;
  const char* target;
};

// URLs: schemes, default ports, IPv6 literals, paths; bad ones are refused.
TEST(UrlTest, ParseTable) {
  const UrlCase cases[] = {
      {"plain", "http://127.0.0.1:9093", true, false, "127.0.0.1", "9093", "/"},
      {"path", "http://am.local/prefix/", true, false, "am.local", "80", "/prefix/"},
      {"https", "https://hooks.example.com/services/T0/B0?x=1", true, true, "hooks.example.com", "443",
       "/services/T0/B0?x=1"},
      {"ipv6", "http://[::1]:8080/hook", true, false, "::1", "8080", "/hook"},
      {"no_scheme", "127.0.0.1:9093", false, false, "", "", ""},
      {"ftp", "ftp://x", false, false, "", "", ""},
      {"no_host", "http://:80/", false, false, "", "", ""},
      {"bad_port", "http://h:99999/", false, false, "", "", ""},
      {"zero_port", "http://h:0/", false, false, "", "", ""},
      {"userinfo", "http://u:p@h/", false, false, "", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Url url;
    std::string error;
    ASSERT_EQ(parse_url(c.text, url, error), c.ok) << error;
    if (!c.ok) {
      EXPECT_FALSE(error.empty());
      continue;
    }
    EXPECT_EQ(url.tls, c.tls);
    EXPECT_EQ(url.host, c.host);
    EXPECT_EQ(url.port, c.port);
    EXPECT_EQ(url.target, c.target);
  }
}

}  // namespace
}  // namespace pgshim::alert
