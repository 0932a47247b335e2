// Unit tests of the config module (include/pgshim/config/config.hpp): upstream
// and listen parsing, the YAML file with file:line errors, the command line,
// PGSHIM_UPSTREAM, validate() and reload().
#include "pgshim/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace pgshim::config {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScopedEnv;
using testing::TempDir;

// gtest parameter names: the case's `name` field.
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

// gtest shows a failing case by its name rather than its bytes.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// The ConfigError text a callable throws; fails the test if it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

// Every test starts without PGSHIM_UPSTREAM, whatever the caller's shell has.
class ConfigTest : public ::testing::Test {
 protected:
  ScopedEnv no_env_upstream_{"PGSHIM_UPSTREAM", std::nullopt};
  TempDir dir_;
};

// ---- parse_upstream ----------------------------------------------------------------

struct UpstreamCase {
  std::string name;
  std::string input;
  std::string host;
  std::uint16_t port;
  std::string dbname;
  std::string user;
  std::string password;
  SslMode sslmode;
  std::chrono::seconds connect_timeout;
  std::string display;
};

class UpstreamAccepted : public ::testing::TestWithParam<UpstreamCase> {};

// A valid URL or conninfo yields each field as libpq reads it, and the display form.
TEST_P(UpstreamAccepted, Fields) {
  const UpstreamCase& c = GetParam();
  const Upstream up = parse_upstream(c.input);
  EXPECT_EQ(up.host, c.host);
  EXPECT_EQ(up.port, c.port);
  EXPECT_EQ(up.dbname, c.dbname);
  EXPECT_EQ(up.user, c.user);
  EXPECT_EQ(up.password, c.password);
  EXPECT_EQ(up.sslmode, c.sslmode) << to_string(up.sslmode);
  EXPECT_EQ(up.connect_timeout, c.connect_timeout);
  EXPECT_EQ(up.display, c.display);
}

INSTANTIATE_TEST_SUITE_P(
    Config, UpstreamAccepted,
    ::testing::Values(
        UpstreamCase{"UrlEverything", "postgres://app:s3cret@db.internal:5433/shop?sslmode=require&connect_timeout=7",
                     "db.internal", 5433, "shop", "app", "s3cret", SslMode::Require, 7s,
                     "postgres://app@db.internal:5433/shop?sslmode=require"},
        UpstreamCase{"UrlPostgresqlSchemeDefaults", "postgresql://db/app", "db", 5432, "app", "", "", SslMode::Prefer,
                     10s, "postgres://db:5432/app?sslmode=prefer"},
        UpstreamCase{"UrlIpv6Host", "postgres://[::1]:6000/app", "::1", 6000, "app", "", "", SslMode::Prefer, 10s,
                     "postgres://[::1]:6000/app?sslmode=prefer"},
        UpstreamCase{"UrlPercentEncodedPassword", "postgres://u:p%40ss@h/d", "h", 5432, "d", "u", "p@ss",
                     SslMode::Prefer, 10s, "postgres://u@h:5432/d?sslmode=prefer"},
        UpstreamCase{"UrlSocketDirectoryInQuery", "postgres:///app?host=/var/run/postgresql", "/var/run/postgresql",
                     5432, "app", "", "", SslMode::Prefer, 10s,
                     "postgres:///var/run/postgresql:5432/app?sslmode=prefer"},
        UpstreamCase{"KeyValue", "host=db port=5434 dbname=app user=u password=pw sslmode=disable", "db", 5434, "app",
                     "u", "pw", SslMode::Disable, 10s, "postgres://u@db:5434/app?sslmode=disable"},
        UpstreamCase{"KeyValueQuotedPassword", "host=db password='a b\\'c' dbname=app", "db", 5432, "app", "", "a b'c",
                     SslMode::Prefer, 10s, "postgres://db:5432/app?sslmode=prefer"},
        UpstreamCase{"EmptyIsLocalhost", "", "localhost", 5432, "", "", "", SslMode::Prefer, 10s,
                     "postgres://localhost:5432?sslmode=prefer"},
        UpstreamCase{"SslmodeDisable", "host=h sslmode=disable", "h", 5432, "", "", "", SslMode::Disable, 10s,
                     "postgres://h:5432?sslmode=disable"},
        UpstreamCase{"SslmodeAllow", "host=h sslmode=allow", "h", 5432, "", "", "", SslMode::Allow, 10s,
                     "postgres://h:5432?sslmode=allow"},
        UpstreamCase{"SslmodePrefer", "host=h sslmode=prefer", "h", 5432, "", "", "", SslMode::Prefer, 10s,
                     "postgres://h:5432?sslmode=prefer"},
        UpstreamCase{"SslmodeRequire", "host=h sslmode=require", "h", 5432, "", "", "", SslMode::Require, 10s,
                     "postgres://h:5432?sslmode=require"},
        UpstreamCase{"SslmodeVerifyCaWithRoot", "host=h sslmode=verify-ca sslrootcert=/ca.pem", "h", 5432, "", "", "",
                     SslMode::VerifyCa, 10s, "postgres://h:5432?sslmode=verify-ca"},
        UpstreamCase{"SslmodeVerifyFullWithRoot", "postgres://h/d?sslmode=verify-full&sslrootcert=/ca.pem", "h", 5432,
                     "d", "", "", SslMode::VerifyFull, 10s, "postgres://h:5432/d?sslmode=verify-full"},
        UpstreamCase{"PortOne", "host=h port=1", "h", 1, "", "", "", SslMode::Prefer, 10s,
                     "postgres://h:1?sslmode=prefer"},
        UpstreamCase{"PortMax", "postgres://h:65535", "h", 65535, "", "", "", SslMode::Prefer, 10s,
                     "postgres://h:65535?sslmode=prefer"},
        UpstreamCase{"ConnectTimeoutSeconds", "host=h connect_timeout=30", "h", 5432, "", "", "", SslMode::Prefer, 30s,
                     "postgres://h:5432?sslmode=prefer"},
        // libpq rounds 1 up to 2 seconds; pgshim follows it.
        UpstreamCase{"ConnectTimeoutOneIsTwo", "host=h connect_timeout=1", "h", 5432, "", "", "", SslMode::Prefer, 2s,
                     "postgres://h:5432?sslmode=prefer"},
        // libpq's 0 means "wait forever"; a proxy keeps its default instead.
        UpstreamCase{"ConnectTimeoutZeroKeepsDefault", "host=h connect_timeout=0", "h", 5432, "", "", "",
                     SslMode::Prefer, 10s, "postgres://h:5432?sslmode=prefer"}),
    case_name<UpstreamCase>);

// The TLS file fields of the upstream are kept as given.
TEST(ConfigUpstream, KeepsTlsFiles) {
  const Upstream up =
      parse_upstream("host=h sslmode=verify-full sslrootcert=/etc/ca.pem sslcert=/etc/c.pem sslkey=/etc/c.key");
  EXPECT_EQ(up.sslrootcert, "/etc/ca.pem");
  EXPECT_EQ(up.sslcert, "/etc/c.pem");
  EXPECT_EQ(up.sslkey, "/etc/c.key");
}

struct RefusedCase {
  std::string name;
  std::string input;
  std::string message;  // a substring of the ConfigError text
};

class UpstreamRefused : public ::testing::TestWithParam<RefusedCase> {};

// A malformed or unsupported upstream is a ConfigError that says what is wrong.
TEST_P(UpstreamRefused, Message) {
  const std::string error = error_of([&] { (void)parse_upstream(GetParam().input); });
  EXPECT_THAT(error, HasSubstr("invalid upstream: "));
  EXPECT_THAT(error, HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Config, UpstreamRefused,
    ::testing::Values(
        RefusedCase{"SslmodeUnknown", "host=h sslmode=sometimes", "bad sslmode \"sometimes\""},
        RefusedCase{"SslmodeUnknownInUrl", "postgres://h/d?sslmode=REQUIRE", "bad sslmode \"REQUIRE\""},
        RefusedCase{"VerifyFullWithoutRootCert", "postgres://h/d?sslmode=verify-full",
                    "sslmode=verify-full needs sslrootcert"},
        RefusedCase{"VerifyCaWithoutRootCert", "host=h sslmode=verify-ca", "sslmode=verify-ca needs sslrootcert"},
        RefusedCase{"SeveralHostsUrl", "postgres://a:5432,b:5433/d", "several hosts"},
        RefusedCase{"SeveralHostsKeyValue", "host=a,b", "several hosts"},
        RefusedCase{"SeveralPorts", "host=a port=5432,5433", "several ports"},
        RefusedCase{"PortZero", "host=h port=0", "bad port \"0\""},
        RefusedCase{"PortTooLarge", "postgres://h:65536/d", "bad port \"65536\""},
        RefusedCase{"PortNotANumber", "host=h port=pg", "bad port \"pg\""},
        RefusedCase{"PortNegative", "host=h port=-1", "bad port \"-1\""},
        RefusedCase{"PortEmpty", "host=h port=''", "bad port \"\""},
        RefusedCase{"ConnectTimeoutNotANumber", "host=h connect_timeout=10s", "bad connect_timeout"},
        RefusedCase{"ConnectTimeoutNegative", "host=h connect_timeout=-5", "bad connect_timeout"},
        RefusedCase{"UnknownKeyword", "host=h colour=blue", "colour"},
        RefusedCase{"UnknownUrlParameter", "postgres://h/d?colour=blue", "colour"},
        RefusedCase{"UnterminatedIpv6", "postgres://[::1/d", "IPv6"},
        RefusedCase{"UnterminatedQuote", "host='h", "unterminated quoted string"}),
    case_name<RefusedCase>);

struct SecretCase {
  std::string name;
  std::string input;  // contains kSecret as the password
};
constexpr const char* kSecret = "Sup3rS3cret";

class UpstreamPasswordHidden : public ::testing::TestWithParam<SecretCase> {};

// The password never shows in `display` nor in an error message about the upstream.
TEST_P(UpstreamPasswordHidden, NotInDisplayOrError) {
  std::string shown;
  try {
    const Upstream up = parse_upstream(GetParam().input);
    EXPECT_EQ(up.password, kSecret);
    shown = up.display;
  } catch (const ConfigError& e) {
    shown = e.what();
  }
  EXPECT_FALSE(shown.empty());
  EXPECT_THAT(shown, Not(HasSubstr(kSecret)));
}

INSTANTIATE_TEST_SUITE_P(
    Config, UpstreamPasswordHidden,
    ::testing::Values(SecretCase{"Url", "postgres://u:Sup3rS3cret@h:5432/d?sslmode=require"},
                      SecretCase{"UrlWithoutUser", "postgres://:Sup3rS3cret@h/d"},
                      SecretCase{"UrlPasswordParameter", "postgres://u@h/d?password=Sup3rS3cret"},
                      SecretCase{"KeyValue", "host=h user=u password=Sup3rS3cret"},
                      // libpq quotes the whole URI in these errors.
                      SecretCase{"UrlErrorUnterminatedIpv6", "postgres://u:Sup3rS3cret@[::1/d"},
                      SecretCase{"UrlErrorBadPercentEncoding", "postgres://u:Sup3rS3cret@h/d%zz"},
                      SecretCase{"UrlErrorEmptyIpv6", "postgres://u:Sup3rS3cret@[]/d"},
                      SecretCase{"UrlErrorBadSslmode", "postgres://u:Sup3rS3cret@h/d?sslmode=x"},
                      SecretCase{"UrlErrorSeveralHosts", "postgres://u:Sup3rS3cret@a,b/d"},
                      SecretCase{"KeyValueErrorBadPort", "host=h password=Sup3rS3cret port=x"}),
    case_name<SecretCase>);

// ---- parse_listen --------------------------------------------------------------------

struct ListenCase {
  std::string name;
  std::string input;
  std::string host;
  std::uint16_t port;
};

class ListenAccepted : public ::testing::TestWithParam<ListenCase> {};

// HOST:PORT, [V6]:PORT, :PORT and a bare PORT give the host and port meant.
TEST_P(ListenAccepted, HostAndPort) {
  const ListenAddress address = parse_listen(GetParam().input);
  EXPECT_EQ(address.host, GetParam().host);
  EXPECT_EQ(address.port, GetParam().port);
}

INSTANTIATE_TEST_SUITE_P(Config, ListenAccepted,
                         ::testing::Values(ListenCase{"Ipv4", "127.0.0.1:6432", "127.0.0.1", 6432},
                                           ListenCase{"AllIpv4", "0.0.0.0:5000", "0.0.0.0", 5000},
                                           ListenCase{"HostName", "localhost:1", "localhost", 1},
                                           ListenCase{"PortMax", "db.example:65535", "db.example", 65535},
                                           ListenCase{"Ipv6Loopback", "[::1]:6432", "::1", 6432},
                                           ListenCase{"Ipv6Any", "[::]:0", "::", 0},
                                           ListenCase{"BarePortIsLoopback", "6432", "127.0.0.1", 6432},
                                           ListenCase{"BarePortZero", "0", "127.0.0.1", 0},
                                           ListenCase{"EmptyHostIsAllIpv4", ":7000", "0.0.0.0", 7000}),
                         case_name<ListenCase>);

class ListenRefused : public ::testing::TestWithParam<RefusedCase> {};

// A listen address without a usable port, or an IPv6 address without brackets, is refused.
TEST_P(ListenRefused, Message) {
  EXPECT_THAT(error_of([&] { (void)parse_listen(GetParam().input); }), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Config, ListenRefused,
    ::testing::Values(RefusedCase{"Empty", "", "expected HOST:PORT"},
                      RefusedCase{"NoPort", "localhost:", "expected HOST:PORT"},
                      RefusedCase{"PortTooLarge", "localhost:65536", "expected HOST:PORT"},
                      RefusedCase{"PortNegative", "localhost:-1", "expected HOST:PORT"},
                      RefusedCase{"PortNotANumber", "localhost:pg", "expected HOST:PORT"},
                      RefusedCase{"PortWithSpace", "localhost: 6432", "expected HOST:PORT"},
                      RefusedCase{"PortTrailingSpace", "localhost:6432 ", "expected HOST:PORT"},
                      RefusedCase{"HostOnly", "localhost", "expected HOST:PORT"},
                      RefusedCase{"Ipv6WithoutPort", "[::1]", "expected [ADDRESS]:PORT"},
                      RefusedCase{"Ipv6MissingColon", "[::1]6432", "expected [ADDRESS]:PORT"},
                      RefusedCase{"Ipv6Unterminated", "[::1:6432", "expected [ADDRESS]:PORT"},
                      RefusedCase{"Ipv6EmptyBrackets", "[]:6432", "expected [ADDRESS]:PORT"},
                      RefusedCase{"Ipv6WithoutBrackets", "::1:6432", "needs brackets"},
                      RefusedCase{"TooManyColons", "1:2:3", "needs brackets"}),
    case_name<RefusedCase>);

// ---- YAML file -----------------------------------------------------------------------

// Every option the loader accepts lands in its Config field.
TEST_F(ConfigTest, YamlEveryOption) {
  const std::string file = dir_.write("all.yaml", R"(# every option
listen: "[::1]:7432"
upstream: postgres://u:pw@db:5433/app?sslmode=require&connect_timeout=5
tls:
  cert: /etc/pgshim/server.crt
  key: /etc/pgshim/server.key
threads: 3
log:
  level: debug
  format: json
timeouts:
  startup: 250ms
  drain: 2m
limits:
  max_message_length: 65536
ready_file: /run/pgshim.ready
)");
  const CommandLine cli = parse_command_line({"--config", file});
  const Config& c = cli.config;
  EXPECT_EQ(cli.command, Command::Run);
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 7432);
  ASSERT_TRUE(c.upstream);
  EXPECT_EQ(c.upstream->host, "db");
  EXPECT_EQ(c.upstream->port, 5433);
  EXPECT_EQ(c.upstream->sslmode, SslMode::Require);
  EXPECT_EQ(c.upstream->connect_timeout, 5s);
  EXPECT_EQ(c.tls_cert_file, "/etc/pgshim/server.crt");
  EXPECT_EQ(c.tls_key_file, "/etc/pgshim/server.key");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, LogFormat::Json);
  EXPECT_EQ(c.startup_timeout, 250ms);
  EXPECT_EQ(c.drain_timeout, 2min);
  EXPECT_EQ(c.max_message_length, 65536u);
  EXPECT_EQ(c.ready_file, "/run/pgshim.ready");
  EXPECT_EQ(c.config_file, file);
}

// An empty file, or one with only comments, is the default configuration.
TEST_F(ConfigTest, YamlEmptyFileIsDefaults) {
  const Config defaults;
  for (const std::string text : {"", "# nothing here\n\n", "---\n"}) {
    SCOPED_TRACE(text);
    const Config c = parse_command_line({"--config", dir_.write("empty.yaml", text)}).config;
    EXPECT_EQ(c.listen.host, defaults.listen.host);
    EXPECT_EQ(c.listen.port, defaults.listen.port);
    EXPECT_FALSE(c.upstream);
    EXPECT_EQ(c.threads, defaults.threads);
    EXPECT_EQ(c.log_level, defaults.log_level);
    EXPECT_EQ(c.log_format, defaults.log_format);
    EXPECT_EQ(c.startup_timeout, defaults.startup_timeout);
    EXPECT_EQ(c.drain_timeout, defaults.drain_timeout);
    EXPECT_EQ(c.max_message_length, defaults.max_message_length);
  }
}

// The documented defaults are what Config starts with.
TEST(ConfigDefaults, AsDocumented) {
  const Config c;
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 6432);
  EXPECT_EQ(c.threads, 0u);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, LogFormat::Text);
  EXPECT_EQ(c.startup_timeout, 60s);
  EXPECT_EQ(c.drain_timeout, 30s);
  EXPECT_EQ(c.max_message_length, 1073741823u);
}

// config/pgshim.example.yaml loads and validates, and sets every option to its default.
TEST_F(ConfigTest, ExampleFileLoads) {
  const Config c = parse_command_line({"--config", PGSHIM_EXAMPLE_CONFIG}).config;
  EXPECT_NO_THROW(validate(c));
  const Config defaults;
  EXPECT_EQ(c.listen.host, defaults.listen.host);
  EXPECT_EQ(c.listen.port, defaults.listen.port);
  ASSERT_TRUE(c.upstream);
  EXPECT_EQ(c.upstream->sslmode, SslMode::Prefer);
  EXPECT_EQ(c.upstream->connect_timeout, 10s);
  EXPECT_EQ(c.tls_cert_file, "");
  EXPECT_EQ(c.threads, defaults.threads);
  EXPECT_EQ(c.log_level, defaults.log_level);
  EXPECT_EQ(c.log_format, defaults.log_format);
  EXPECT_EQ(c.startup_timeout, defaults.startup_timeout);
  EXPECT_EQ(c.drain_timeout, defaults.drain_timeout);
  EXPECT_EQ(c.max_message_length, defaults.max_message_length);
  EXPECT_EQ(c.ready_file, "");
  EXPECT_TRUE(c.pending_columns.empty());
  EXPECT_EQ(c.monitor_conninfo, defaults.monitor_conninfo);
  EXPECT_EQ(c.schema_poll_interval, defaults.schema_poll_interval);
  EXPECT_EQ(c.first_check_wait, defaults.first_check_wait);
  EXPECT_EQ(c.journal_file, "");
  EXPECT_EQ(c.notice_on_rewrite, defaults.notice_on_rewrite);
  EXPECT_EQ(c.rewrite_cache_entries, defaults.rewrite_cache_entries);
}

struct DurationCase {
  std::string name;
  std::string text;
  std::chrono::milliseconds value;
};

class YamlDuration : public ConfigTest, public ::testing::WithParamInterface<DurationCase> {};

// Durations take ms, s, m, min, h or no unit (seconds), in both timeouts.
TEST_P(YamlDuration, Parsed) {
  const std::string file = dir_.write(
      "d.yaml", "timeouts:\n  startup: " + GetParam().text + "\n  drain: " + GetParam().text + "\n");
  const Config c = parse_command_line({"--config", file}).config;
  EXPECT_EQ(c.startup_timeout, GetParam().value);
  EXPECT_EQ(c.drain_timeout, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(Config, YamlDuration,
                         ::testing::Values(DurationCase{"Milliseconds", "250ms", 250ms},
                                           DurationCase{"Seconds", "10s", 10s}, DurationCase{"BareSeconds", "10", 10s},
                                           DurationCase{"Minutes", "5m", 5min}, DurationCase{"MinutesLong", "5min", 5min},
                                           DurationCase{"Hours", "1h", 1h}, DurationCase{"Zero", "0", 0ms}),
                         case_name<DurationCase>);

struct YamlErrorCase {
  std::string name;
  std::string text;
  int line;             // the 1-based line the error must name
  std::string option;   // the option it must name
  std::string message;  // a substring of the rest
};

class YamlError : public ConfigTest, public ::testing::WithParamInterface<YamlErrorCase> {};

// A bad file is a ConfigError reading "FILE:LINE: OPTION: message" with the right line.
TEST_P(YamlError, NamesFileLineAndOption) {
  const YamlErrorCase& c = GetParam();
  const std::string file = dir_.write("bad.yaml", c.text);
  const std::string error = error_of([&] { (void)parse_command_line({"--config", file}); });
  EXPECT_THAT(error, HasSubstr(file + ":" + std::to_string(c.line) + ": " + c.option + ": ")) << error;
  EXPECT_THAT(error, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Config, YamlError,
    ::testing::Values(
        // Unknown keys, top level and nested.
        YamlErrorCase{"UnknownTopLevel", "listen: 6432\n\nlisten_port: 5\n", 3, "listen_port", "unknown option"},
        YamlErrorCase{"UnknownTls", "threads: 1\ntls:\n  cert: a\n  chain: b\n", 4, "tls.chain", "unknown option"},
        YamlErrorCase{"UnknownLog", "log:\n  level: info\n  colour: true\n", 3, "log.colour", "unknown option"},
        YamlErrorCase{"UnknownTimeouts", "timeouts:\n  idle: 5s\n", 2, "timeouts.idle", "unknown option"},
        YamlErrorCase{"UnknownLimits", "\n\nlimits:\n  max_rows: 5\n", 4, "limits.max_rows", "unknown option"},
        YamlErrorCase{"UnknownAfterComments", "# a\n# b\n# c\nthreads: 1\nthred: 2\n", 5, "thred", "unknown option"},
        YamlErrorCase{"DuplicateTopLevel", "listen: 7000\nthreads: 1\nlisten: 7001\n", 3, "listen", "given twice"},
        YamlErrorCase{"DuplicateNested", "log:\n  level: info\n  level: warn\n", 3, "log.level", "given twice"},
        YamlErrorCase{"NonScalarKey", "threads: 1\n? [a, b]\n: 1\n", 2, "(top level)", "option names"},
        YamlErrorCase{"NonScalarNestedKey", "log:\n  ? {a: 1}\n  : 1\n", 2, "log", "option names"},
        // Bad types.
        YamlErrorCase{"TopLevelList", "- listen\n- 6432\n", 1, "(top level)", "expected a mapping of options"},
        YamlErrorCase{"TopLevelScalar", "\nhello\n", 2, "(top level)", "expected a mapping of options"},
        YamlErrorCase{"ThreadsList", "threads: [1, 2]\n", 1, "threads", "expected a single value"},
        YamlErrorCase{"ThreadsNull", "threads:\n", 1, "threads", "no value given"},
        YamlErrorCase{"ThreadsNullThenMore", "threads:\nlisten: 1\n", 1, "threads", "no value given"},
        YamlErrorCase{"UpstreamTilde", "upstream: ~\n", 1, "upstream", "no value given"},
        YamlErrorCase{"SectionEmpty", "log:\n\nthreads: 1\n", 1, "log", "no value given"},
        YamlErrorCase{"NestedNull", "timeouts:\n  drain:\n  startup: 1s\n", 2, "timeouts.drain", "no value given"},
        YamlErrorCase{"ThreadsText", "threads: many\n", 1, "threads", "expected a number from 0 to 1024"},
        YamlErrorCase{"ThreadsTooMany", "threads: 1025\n", 1, "threads", "expected a number from 0 to 1024"},
        YamlErrorCase{"ThreadsNegative", "threads: -1\n", 1, "threads", "expected a number from 0 to 1024"},
        YamlErrorCase{"TlsScalar", "tls: server.pem\n", 1, "tls", "expected a mapping"},
        YamlErrorCase{"TlsCertList", "tls:\n  cert: [a]\n", 2, "tls.cert", "expected a single value"},
        YamlErrorCase{"LogScalar", "log: debug\n", 1, "log", "expected a mapping"},
        YamlErrorCase{"LogLevelUnknown", "log:\n  format: json\n  level: loud\n", 3, "log.level",
                      "expected trace, debug"},
        YamlErrorCase{"LogFormatUnknown", "log:\n  format: xml\n", 2, "log.format", "expected text or json"},
        YamlErrorCase{"ListenMapping", "listen:\n  host: a\n  port: 1\n", 2, "listen", "expected a single value"},
        YamlErrorCase{"ListenBadPort", "listen: localhost:99999\n", 1, "listen", "expected HOST:PORT"},
        YamlErrorCase{"UpstreamMapping", "upstream:\n  host: db\n", 2, "upstream", "expected a single value"},
        YamlErrorCase{"UpstreamBadSslmode", "threads: 1\nupstream: postgres://db/app?sslmode=always\n", 2, "upstream",
                      "bad sslmode \"always\""},
        YamlErrorCase{"UpstreamSeveralHosts", "upstream: host=a,b\n", 1, "upstream", "several hosts"},
        YamlErrorCase{"LimitsScalar", "limits: 5\n", 1, "limits", "expected a mapping"},
        YamlErrorCase{"MaxMessageTooSmall", "limits:\n  max_message_length: 1023\n", 2, "limits.max_message_length",
                      "from 1024 to 1073741823"},
        YamlErrorCase{"MaxMessageTooLarge", "limits:\n  max_message_length: 1073741824\n", 2,
                      "limits.max_message_length", "from 1024 to 1073741823"},
        YamlErrorCase{"MaxMessageWithUnit", "limits:\n  max_message_length: 1MB\n", 2, "limits.max_message_length",
                      "from 1024 to 1073741823"},
        YamlErrorCase{"ReadyFileList", "ready_file: [a]\n", 1, "ready_file", "expected a single value"},
        // Bad durations.
        YamlErrorCase{"DurationSpace", "timeouts:\n  startup: 10 s\n", 2, "timeouts.startup", "expected a duration"},
        YamlErrorCase{"DurationNegative", "timeouts:\n  drain: -1s\n", 2, "timeouts.drain", "expected a duration"},
        YamlErrorCase{"DurationFraction", "timeouts:\n  drain: 1.5s\n", 2, "timeouts.drain", "expected a duration"},
        YamlErrorCase{"DurationDays", "timeouts:\n  drain: 2d\n", 2, "timeouts.drain", "expected a duration"},
        YamlErrorCase{"DurationUnitOnly", "timeouts:\n  startup: s\n", 2, "timeouts.startup", "expected a duration"},
        YamlErrorCase{"DurationEmpty", "timeouts:\n  startup: ''\n", 2, "timeouts.startup", "expected a duration"},
        YamlErrorCase{"DurationHuge", "timeouts:\n  startup: 10000001s\n", 2, "timeouts.startup",
                      "expected a duration"},
        YamlErrorCase{"DurationMapping", "timeouts:\n  startup:\n    s: 1\n", 3, "timeouts.startup",
                      "expected a single value"},
        YamlErrorCase{"TimeoutsScalar", "timeouts: 5s\n", 1, "timeouts", "expected a mapping"},
        YamlErrorCase{"PendingStarUnknown",
                      "pending_columns:\n  - table: environments\n    column: last_error\n    type: text\n    star: all\n", 5,
                      "pending_columns.star", "expected expand or leave"}),
    case_name<YamlErrorCase>);

// `star:` chooses per pending column whether `*` over its table shows it.
TEST_F(ConfigTest, PendingStarMode) {
  const std::string file = dir_.write("star.yaml",
                                      "upstream: postgres://db/app\npending_columns:\n"
                                      "  - {table: environments, column: last_error, type: text}\n"
                                      "  - {table: environments, column: retries, type: int, default: '0', star: leave}\n");
  const Config c = parse_command_line({"--config", file}).config;
  ASSERT_EQ(c.pending_columns.size(), 2U);
  EXPECT_EQ(c.pending_columns[0].star, sql::StarMode::Expand);
  EXPECT_EQ(c.pending_columns[1].star, sql::StarMode::Leave);
}

// Broken YAML syntax names the file and the line the parser stopped at.
TEST_F(ConfigTest, YamlSyntaxErrorNamesLine) {
  const std::string file = dir_.write("syntax.yaml", "threads: 1\nlisten: [6432\n");
  const std::string error = error_of([&] { (void)parse_command_line({"--config", file}); });
  EXPECT_THAT(error, ::testing::StartsWith(file + ":"));
  EXPECT_THAT(error, HasSubstr("invalid YAML"));
}

// A password in the file's upstream never reaches the error about it.
TEST_F(ConfigTest, YamlUpstreamErrorHidesPassword) {
  const std::string file = dir_.write("pw.yaml", "upstream: postgres://u:Sup3rS3cret@[::1/app\n");
  const std::string error = error_of([&] { (void)parse_command_line({"--config", file}); });
  EXPECT_THAT(error, HasSubstr(file + ":1: upstream: "));
  EXPECT_THAT(error, Not(HasSubstr(kSecret)));
}

// A missing file or a directory is a ConfigError naming the path (not a crash).
TEST_F(ConfigTest, YamlUnreadableFile) {
  for (const std::string& path : {dir_.path("missing.yaml"), dir_.path()}) {
    SCOPED_TRACE(path);
    const std::string error = error_of([&] { (void)parse_command_line({"--config", path}); });
    EXPECT_THAT(error, ::testing::StartsWith(path + ": cannot read the configuration file"));
  }
}

// ---- command line --------------------------------------------------------------------

struct FlagCase {
  std::string name;
  std::vector<std::string> args;  // appended after --config FILE
  std::function<void(const Config&)> check;
};

class FlagOverridesFile : public ConfigTest, public ::testing::WithParamInterface<FlagCase> {
 protected:
  // Every option set to something other than its flag's value in each case.
  std::string file_ = dir_.write("base.yaml", R"(listen: 10.0.0.1:1111
upstream: postgres://file-db:5432/file?sslmode=disable
tls:
  cert: /file.crt
  key: /file.key
threads: 2
log:
  level: warn
  format: json
timeouts:
  startup: 1s
  drain: 2s
limits:
  max_message_length: 2048
ready_file: /file.ready
)");
};

// A flag replaces the file's value for its option, whether it comes before or after --config.
TEST_P(FlagOverridesFile, FlagWins) {
  std::vector<std::string> after{"--config", file_};
  after.insert(after.end(), GetParam().args.begin(), GetParam().args.end());
  GetParam().check(parse_command_line(after).config);

  std::vector<std::string> before = GetParam().args;
  before.insert(before.end(), {"--config", file_});
  GetParam().check(parse_command_line(before).config);
}

INSTANTIATE_TEST_SUITE_P(
    Config, FlagOverridesFile,
    ::testing::Values(
        FlagCase{"Listen", {"--listen", "127.0.0.1:7000"},
                 [](const Config& c) {
                   EXPECT_EQ(c.listen.host, "127.0.0.1");
                   EXPECT_EQ(c.listen.port, 7000);
                   EXPECT_EQ(c.threads, 2u);  // the rest still from the file
                 }},
        FlagCase{"ListenShort", {"-l", "[::1]:7001"}, [](const Config& c) { EXPECT_EQ(c.listen.port, 7001); }},
        FlagCase{"ListenEquals", {"--listen=7002"}, [](const Config& c) { EXPECT_EQ(c.listen.port, 7002); }},
        FlagCase{"Upstream", {"--upstream", "postgres://flag-db/flag?sslmode=require"},
                 [](const Config& c) {
                   ASSERT_TRUE(c.upstream);
                   EXPECT_EQ(c.upstream->host, "flag-db");
                   EXPECT_EQ(c.upstream->sslmode, SslMode::Require);
                 }},
        FlagCase{"UpstreamShort", {"-u", "host=flag-db"}, [](const Config& c) { EXPECT_EQ(c.upstream->host, "flag-db"); }},
        FlagCase{"TlsCertAndKey", {"--tls-cert", "/flag.crt", "--tls-key", "/flag.key"},
                 [](const Config& c) {
                   EXPECT_EQ(c.tls_cert_file, "/flag.crt");
                   EXPECT_EQ(c.tls_key_file, "/flag.key");
                 }},
        FlagCase{"Threads", {"--threads", "7"}, [](const Config& c) { EXPECT_EQ(c.threads, 7u); }},
        FlagCase{"ThreadsZero", {"--threads", "0"}, [](const Config& c) { EXPECT_EQ(c.threads, 0u); }},
        FlagCase{"LogLevel", {"--log-level", "trace"}, [](const Config& c) { EXPECT_EQ(c.log_level, "trace"); }},
        FlagCase{"LogFormat", {"--log-format", "text"},
                 [](const Config& c) { EXPECT_EQ(c.log_format, LogFormat::Text); }},
        FlagCase{"StartupTimeout", {"--startup-timeout", "90s"},
                 [](const Config& c) { EXPECT_EQ(c.startup_timeout, 90s); }},
        FlagCase{"DrainTimeout", {"--drain-timeout", "500ms"},
                 [](const Config& c) { EXPECT_EQ(c.drain_timeout, 500ms); }},
        FlagCase{"MaxMessageLength", {"--max-message-length", "1024"},
                 [](const Config& c) { EXPECT_EQ(c.max_message_length, 1024u); }},
        FlagCase{"ReadyFile", {"--ready-file", "/flag.ready"},
                 [](const Config& c) { EXPECT_EQ(c.ready_file, "/flag.ready"); }},
        FlagCase{"LastFlagWins", {"--threads", "3", "--threads", "4"}, [](const Config& c) { EXPECT_EQ(c.threads, 4u); }}),
    case_name<FlagCase>);

// Without a file, the two flags of the issue are enough for a valid configuration.
TEST_F(ConfigTest, FlagsAloneAreEnough) {
  const CommandLine cli =
      parse_command_line({"--listen", "127.0.0.1:6432", "--upstream", "postgres://db.internal:5432/app?sslmode=require"});
  EXPECT_EQ(cli.command, Command::Run);
  EXPECT_TRUE(cli.config.config_file.empty());
  ASSERT_TRUE(cli.config.upstream);
  EXPECT_EQ(cli.config.upstream->host, "db.internal");
  EXPECT_NO_THROW(validate(cli.config));
}

struct FlagErrorCase {
  std::string name;
  std::vector<std::string> args;
  std::string message;  // substring: "command line: FLAG: ..."
};

class FlagError : public ConfigTest, public ::testing::WithParamInterface<FlagErrorCase> {};

// A bad command line is a ConfigError naming the flag as the user typed it.
TEST_P(FlagError, NamesTheFlag) {
  const std::string error = error_of([&] { (void)parse_command_line(GetParam().args); });
  EXPECT_THAT(error, HasSubstr(GetParam().message)) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Config, FlagError,
    ::testing::Values(
        FlagErrorCase{"UnknownLong", {"--upstream", "host=h", "--bogus"}, "command line: --bogus: unknown option"},
        FlagErrorCase{"UnknownLongWithValue", {"--colour=blue"}, "command line: --colour: unknown option"},
        FlagErrorCase{"UnknownShort", {"-x"}, "command line: -x: unknown option"},
        FlagErrorCase{"UnknownShortInCluster", {"--check-config", "-Vx"}, "command line: -x: unknown option"},
        FlagErrorCase{"MissingValueLong", {"--listen"}, "command line: --listen: needs a value"},
        FlagErrorCase{"MissingValueShort", {"-u"}, "command line: -u: needs a value"},
        FlagErrorCase{"MissingValueConfig", {"--threads", "2", "--config"}, "command line: --config: needs a value"},
        FlagErrorCase{"MissingValueTlsKey", {"--tls-key"}, "command line: --tls-key: needs a value"},
        FlagErrorCase{"StrayArgument", {"--threads", "2", "extra"}, "command line: extra: unexpected argument"},
        FlagErrorCase{"BadListen", {"--listen", "localhost:pg"}, "command line: --listen: expected HOST:PORT"},
        FlagErrorCase{"EmptyListen", {"--listen="}, "command line: --listen: expected HOST:PORT"},
        FlagErrorCase{"BadUpstream", {"-u", "host=h sslmode=x"}, "command line: --upstream: invalid upstream"},
        FlagErrorCase{"BadThreads", {"--threads", "lots"}, "command line: --threads: expected a number"},
        FlagErrorCase{"TooManyThreads", {"--threads", "5000"}, "command line: --threads: expected a number"},
        FlagErrorCase{"BadLogLevel", {"--log-level", "loud"}, "command line: --log-level: expected trace"},
        FlagErrorCase{"BadLogFormat", {"--log-format", "xml"}, "command line: --log-format: expected text or json"},
        FlagErrorCase{"BadStartupTimeout", {"--startup-timeout", "1d"}, "command line: --startup-timeout: expected a duration"},
        FlagErrorCase{"BadDrainTimeout", {"--drain-timeout", "-1"}, "command line: --drain-timeout: expected a duration"},
        FlagErrorCase{"BadMaxMessageLength", {"--max-message-length", "10"},
                      "command line: --max-message-length: expected a number of bytes"}),
    case_name<FlagErrorCase>);

// Flag errors are reported before the file is read: a typo is not hidden by a broken file.
TEST_F(ConfigTest, FlagErrorBeforeFileError) {
  const std::string file = dir_.write("bad.yaml", "nonsense: 1\n");
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--config", file, "--bogus"}); }), HasSubstr("--bogus"));
}

struct CommandCase {
  std::string name;
  std::vector<std::string> args;
  Command command;
};

class Commands : public ConfigTest, public ::testing::WithParamInterface<CommandCase> {};

// --help, --version and --check-config (long and short) select their command; nothing selects Run.
TEST_P(Commands, Selected) { EXPECT_EQ(parse_command_line(GetParam().args).command, GetParam().command); }

INSTANTIATE_TEST_SUITE_P(
    Config, Commands,
    ::testing::Values(CommandCase{"Nothing", {}, Command::Run}, CommandCase{"Help", {"--help"}, Command::Help},
                      CommandCase{"HelpShort", {"-h"}, Command::Help},
                      CommandCase{"Version", {"--version"}, Command::Version},
                      CommandCase{"VersionShort", {"-V"}, Command::Version},
                      CommandCase{"CheckConfig", {"--check-config", "-u", "host=h"}, Command::CheckConfig},
                      // --help and --version answer even when the rest could not be loaded.
                      CommandCase{"HelpIgnoresMissingFile", {"--config", "/nonexistent/pgshim.yaml", "--help"},
                                  Command::Help},
                      CommandCase{"VersionIgnoresBadValue", {"--threads", "lots", "--version"}, Command::Version}),
    case_name<CommandCase>);

// --check-config still loads the file, so a broken file is reported.
TEST_F(ConfigTest, CheckConfigLoadsTheFile) {
  const std::string file = dir_.write("bad.yaml", "threads: 1\nthreds: 2\n");
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--check-config", "--config", file}); }),
              HasSubstr(file + ":2: threds: unknown option"));
}

// The --help text documents every flag the parser accepts.
TEST(ConfigUsage, DocumentsEveryFlag) {
  const std::string text = usage();
  for (const char* flag : {"--upstream", "--listen", "--config", "--tls-cert", "--tls-key", "--threads",
                           "--log-level", "--log-format", "--startup-timeout", "--drain-timeout",
                           "--max-message-length", "--ready-file", "--check-config", "--help", "--version",
                           "PGSHIM_UPSTREAM"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
}

// ---- PGSHIM_UPSTREAM -----------------------------------------------------------------

// PGSHIM_UPSTREAM gives the upstream when neither the file nor a flag does.
TEST_F(ConfigTest, EnvUpstreamUsed) {
  ScopedEnv env("PGSHIM_UPSTREAM", "postgres://env-db:6000/envapp?sslmode=require");
  const Config c = parse_command_line({}).config;
  ASSERT_TRUE(c.upstream);
  EXPECT_EQ(c.upstream->host, "env-db");
  EXPECT_EQ(c.upstream->port, 6000);
  EXPECT_NO_THROW(validate(c));
}

// Without PGSHIM_UPSTREAM (unset or empty) there is no upstream, and validate() says so.
TEST_F(ConfigTest, EnvUpstreamUnsetOrEmpty) {
  for (const std::optional<std::string>& value : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
    ScopedEnv env("PGSHIM_UPSTREAM", value);
    const Config c = parse_command_line({}).config;
    EXPECT_FALSE(c.upstream);
    EXPECT_THAT(error_of([&] { validate(c); }), HasSubstr("no upstream"));
  }
}

// The --upstream flag and the file's upstream both override PGSHIM_UPSTREAM.
TEST_F(ConfigTest, EnvUpstreamOverridden) {
  ScopedEnv env("PGSHIM_UPSTREAM", "host=env-db");
  EXPECT_EQ(parse_command_line({"-u", "host=flag-db"}).config.upstream->host, "flag-db");
  const std::string file = dir_.write("up.yaml", "upstream: host=file-db\n");
  EXPECT_EQ(parse_command_line({"--config", file}).config.upstream->host, "file-db");
  EXPECT_EQ(parse_command_line({"--config", file, "-u", "host=flag-db"}).config.upstream->host, "flag-db");
  // A file without `upstream:` leaves the environment's in place.
  const std::string other = dir_.write("other.yaml", "threads: 1\n");
  EXPECT_EQ(parse_command_line({"--config", other}).config.upstream->host, "env-db");
}

// A bad PGSHIM_UPSTREAM is an error naming the variable, without the password.
TEST_F(ConfigTest, EnvUpstreamInvalid) {
  ScopedEnv env("PGSHIM_UPSTREAM", "postgres://u:Sup3rS3cret@db/app?sslmode=maybe");
  const std::string error = error_of([&] { (void)parse_command_line({}); });
  EXPECT_THAT(error, HasSubstr("environment: PGSHIM_UPSTREAM: invalid upstream: bad sslmode"));
  EXPECT_THAT(error, Not(HasSubstr(kSecret)));
}

// ---- validate() ----------------------------------------------------------------------

struct ValidateCase {
  std::string name;
  // Adjusts a valid configuration; file names are relative to the test's directory.
  std::function<void(Config&, const TempDir&)> change;
  std::string message;  // empty: valid
};

class Validate : public ConfigTest, public ::testing::WithParamInterface<ValidateCase> {
 protected:
  void SetUp() override {
    dir_.write("server.crt", "not checked here\n");
    dir_.write("server.key", "not checked here\n");
    dir_.write("ca.pem", "not checked here\n");
  }
};

// validate() accepts a complete configuration and names what is missing or unreadable.
TEST_P(Validate, Result) {
  Config c;
  c.upstream = parse_upstream("host=db");
  GetParam().change(c, dir_);
  if (GetParam().message.empty()) {
    EXPECT_NO_THROW(validate(c));
  } else {
    EXPECT_THAT(error_of([&] { validate(c); }), HasSubstr(GetParam().message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Config, Validate,
    ::testing::Values(
        ValidateCase{"UpstreamOnly", [](Config&, const TempDir&) {}, ""},
        ValidateCase{"NoUpstream", [](Config& c, const TempDir&) { c.upstream.reset(); }, "no upstream"},
        ValidateCase{"CertAndKey",
                     [](Config& c, const TempDir& d) {
                       c.tls_cert_file = d.path("server.crt");
                       c.tls_key_file = d.path("server.key");
                     },
                     ""},
        ValidateCase{"CertWithoutKey", [](Config& c, const TempDir& d) { c.tls_cert_file = d.path("server.crt"); },
                     "certificate and the key must be given together"},
        ValidateCase{"KeyWithoutCert", [](Config& c, const TempDir& d) { c.tls_key_file = d.path("server.key"); },
                     "certificate and the key must be given together"},
        ValidateCase{"CertUnreadable",
                     [](Config& c, const TempDir& d) {
                       c.tls_cert_file = d.path("missing.crt");
                       c.tls_key_file = d.path("server.key");
                     },
                     "tls: cannot read "},
        ValidateCase{"KeyUnreadable",
                     [](Config& c, const TempDir& d) {
                       c.tls_cert_file = d.path("server.crt");
                       c.tls_key_file = d.path("missing.key");
                     },
                     "missing.key"},
        ValidateCase{"RootCertReadable",
                     [](Config& c, const TempDir& d) {
                       c.upstream = parse_upstream("host=db sslmode=verify-full sslrootcert=" + d.path("ca.pem"));
                     },
                     ""},
        ValidateCase{"RootCertUnreadable",
                     [](Config& c, const TempDir& d) {
                       c.upstream = parse_upstream("host=db sslmode=verify-ca sslrootcert=" + d.path("missing.pem"));
                     },
                     "upstream: cannot read sslrootcert"}),
    case_name<ValidateCase>);

// ---- reload() ------------------------------------------------------------------------

// reload() re-reads the changed file and applies the same command-line overrides again.
TEST_F(ConfigTest, ReloadRereadsFile) {
  const std::string file = dir_.write("r.yaml", "upstream: host=old-db\nthreads: 2\nlog:\n  level: info\n");
  const std::vector<std::string> args{"--config", file, "--threads", "4"};
  const Config first = parse_command_line(args).config;
  EXPECT_EQ(first.upstream->host, "old-db");
  EXPECT_EQ(first.threads, 4u);
  EXPECT_EQ(first.log_level, "info");

  dir_.write("r.yaml", "upstream: host=new-db\nthreads: 8\nlog:\n  level: debug\n");
  const Config second = reload(args);
  EXPECT_EQ(second.upstream->host, "new-db");
  EXPECT_EQ(second.log_level, "debug");
  EXPECT_EQ(second.threads, 4u);  // the flag still wins
  EXPECT_EQ(second.config_file, file);
}

// reload() of a file that became invalid throws, naming file:line, and can succeed again once fixed.
TEST_F(ConfigTest, ReloadOfBrokenFileThrows) {
  const std::string file = dir_.write("r.yaml", "upstream: host=db\n");
  const std::vector<std::string> args{"--config", file};
  (void)parse_command_line(args);
  dir_.write("r.yaml", "upstream: host=db\nlog:\n  level: chatty\n");
  EXPECT_THAT(error_of([&] { (void)reload(args); }), HasSubstr(file + ":3: log.level: "));
  dir_.write("r.yaml", "upstream: host=db2\n");
  EXPECT_EQ(reload(args).upstream->host, "db2");
}

// reload() gives the same result as the first parse when nothing changed (getopt state is reset).
TEST_F(ConfigTest, ReloadIsRepeatable) {
  const std::string file = dir_.write("r.yaml", "upstream: host=db\n");
  const std::vector<std::string> args{"-c", file, "-l", "7000", "--drain-timeout", "5s"};
  for (int i = 0; i < 3; ++i) {
    const Config c = reload(args);
    EXPECT_EQ(c.listen.port, 7000);
    EXPECT_EQ(c.drain_timeout, 5s);
    EXPECT_EQ(c.upstream->host, "db");
  }
}

// ---- to_string -------------------------------------------------------------------------

// Every SslMode prints as libpq spells it, and parses back to itself.
TEST(ConfigSslMode, RoundTrips) {
  for (SslMode mode : {SslMode::Disable, SslMode::Allow, SslMode::Prefer, SslMode::Require, SslMode::VerifyCa,
                       SslMode::VerifyFull}) {
    const Upstream up = parse_upstream(std::string("host=h sslrootcert=/ca sslmode=") + to_string(mode));
    EXPECT_EQ(up.sslmode, mode) << to_string(mode);
  }
}

// ---- journal: postgres --------------------------------------------------------------

struct JournalBackendCase {
  std::string name;
  std::vector<std::string> args;  // "FILE" is replaced by a YAML file holding `yaml`
  std::string yaml;
  bool postgres = false;
  std::string schema;
  std::string file;
};

class JournalBackend : public ConfigTest, public ::testing::WithParamInterface<JournalBackendCase> {};

// The table is `journal: postgres`, `{backend: postgres, schema}` or
// `--journal postgres:[SCHEMA]`; anything else stays a file; the last one given wins.
TEST_P(JournalBackend, Parsed) {
  std::vector<std::string> args = GetParam().args;
  for (auto& a : args) {
    if (a == "FILE") a = dir_.write("j.yaml", "upstream: postgres://u@h/db\n" + GetParam().yaml);
  }
  const Config c = parse_command_line(args).config;
  EXPECT_EQ(c.journal_postgres, GetParam().postgres);
  EXPECT_EQ(c.journal_schema, GetParam().schema);
  EXPECT_EQ(c.journal_file, GetParam().file);
  EXPECT_EQ(c.journal_enabled(), GetParam().postgres || !GetParam().file.empty());
  EXPECT_NO_THROW(validate(c));
}

INSTANTIATE_TEST_SUITE_P(
    Config, JournalBackend,
    ::testing::Values(
        JournalBackendCase{"YamlBare", {"--config", "FILE"}, "journal: postgres\n", true, "pgshim", ""},
        JournalBackendCase{"YamlSchemaSuffix", {"--config", "FILE"}, "journal: postgres:audit\n", true, "audit", ""},
        JournalBackendCase{"YamlMap", {"--config", "FILE"}, "journal:\n  backend: postgres\n  schema: ops\n", true,
                           "ops", ""},
        JournalBackendCase{"YamlFileBackend", {"--config", "FILE"}, "journal:\n  backend: file\n  path: /tmp/j\n",
                           false, "pgshim", "/tmp/j"},
        JournalBackendCase{"YamlDotSlashIsAFile", {"--config", "FILE"}, "journal: ./postgres\n", false, "pgshim",
                           "./postgres"},
        JournalBackendCase{"FlagDefaultSchema", {"--upstream", "postgres://u@h/db", "--journal", "postgres:"}, "", true,
                           "pgshim", ""},
        JournalBackendCase{"FlagSchema", {"--upstream", "postgres://u@h/db", "--journal", "postgres:Audit Trail"}, "",
                           true, "Audit Trail", ""},
        JournalBackendCase{"FlagBareIsAFile", {"--upstream", "postgres://u@h/db", "--journal", "postgres"}, "", false,
                           "pgshim", "postgres"},
        JournalBackendCase{"FlagOverridesYamlFile", {"--config", "FILE", "--journal", "postgres:"},
                           "journal: /var/j.jsonl\n", true, "pgshim", ""},
        JournalBackendCase{"FlagFileOverridesYamlTable", {"--config", "FILE", "--journal", "/var/j.jsonl"},
                           "journal: postgres\n", false, "pgshim", "/var/j.jsonl"}),
    case_name<JournalBackendCase>);

TEST_F(ConfigTest, JournalBackendErrorsNameTheOption) {
  const std::string bad = dir_.write("b.yaml", "upstream: postgres://u@h/db\njournal:\n  backend: kafka\n");
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--config", bad}); }),
              AllOf(HasSubstr("b.yaml:3"), HasSubstr("journal.backend"), HasSubstr("expected file or postgres")));
  const std::string both =
      dir_.write("p.yaml", "upstream: postgres://u@h/db\njournal:\n  backend: postgres\n  path: /tmp/j\n");
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--config", both}); }),
              AllOf(HasSubstr("journal.path"), HasSubstr("a table, not a file")));
  const Config long_name =
      parse_command_line({"--upstream", "postgres://u@h/db", "--journal", "postgres:" + std::string(64, 's')}).config;
  EXPECT_THAT(error_of([&] { validate(long_name); }), HasSubstr("journal.schema"));
  // backfill: auto takes the table as its journal.
  const Config auto_table =
      parse_command_line({"--upstream", "postgres://u@h/db", "--journal", "postgres:", "--auto-backfill"}).config;
  EXPECT_NO_THROW(validate(auto_table));
}

}  // namespace
}  // namespace pgshim::config
