// The pgshim binary's command-line contract, run as a child process: --help and
// --version exit 0, --check-config reports OK or the error, and configuration
// errors exit with status 2 naming file:line and the option.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>

#include "temp_dir.hpp"

namespace pgshim::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScopedEnv;
using testing::TempDir;

struct Outcome {
  int status = -1;  // the exit status; -1 if it did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs pgshim with `args` (already shell-quoted where needed) and waits for it.
// A configuration wrongly accepted would start the proxy and never exit:
// `timeout` ends it after 20 s (exit status 124, so the test fails, not hangs).
Outcome run_pgshim(const std::string& args) {
  const char* override_bin = std::getenv("PGSHIM_BIN");
  const std::string bin = override_bin && *override_bin ? override_bin : PGSHIM_BIN_PATH;
  const std::string command = "timeout 20 '" + bin + "' " + args + " 2>&1 </dev/null";
  Outcome run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return run;
  }
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  const int wait_status = ::pclose(pipe);
  if (wait_status != -1 && WIFEXITED(wait_status)) run.status = WEXITSTATUS(wait_status);
  return run;
}

class PgshimBinary : public ::testing::Test {
 protected:
  ScopedEnv no_env_upstream_{"PGSHIM_UPSTREAM", std::nullopt};
  TempDir dir_;
};

// --help prints the usage and exits 0.
TEST_F(PgshimBinary, HelpExitsZero) {
  const Outcome run = run_pgshim("--help");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Usage:"));
  EXPECT_THAT(run.output, HasSubstr("--check-config"));
}

// --version prints "pgshim VERSION" (the CMake project version) and exits 0.
TEST_F(PgshimBinary, VersionExitsZero) {
  const Outcome run = run_pgshim("--version");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output, std::string("pgshim ") + PGSHIM_EXPECTED_VERSION + "\n");
}

// --check-config with a bad file exits 2 and names FILE:LINE and the option.
TEST_F(PgshimBinary, CheckConfigBadFileExitsTwo) {
  const std::string file = dir_.write("bad.yaml", "upstream: host=db\nlisten: 6432\nthreads: lots\n");
  const Outcome run = run_pgshim("--check-config --config " + file);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr(file + ":3: threads: expected a number"));
}

// --check-config with a good configuration exits 0 and shows the upstream without its password.
TEST_F(PgshimBinary, CheckConfigGoodFileExitsZero) {
  const std::string file = dir_.write("good.yaml", "upstream: postgres://u:Sup3rS3cret@db:5433/app\n");
  const Outcome run = run_pgshim("--check-config --config " + file);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("configuration OK (upstream postgres://u@db:5433/app?sslmode=prefer)"));
  EXPECT_THAT(run.output, Not(HasSubstr("Sup3rS3cret")));
}

// The shipped example configuration passes --check-config.
TEST_F(PgshimBinary, CheckConfigExampleFile) {
  const Outcome run = run_pgshim(std::string("--check-config --config '") + PGSHIM_EXAMPLE_CONFIG + "'");
  EXPECT_EQ(run.status, 0) << run.output;
}

// PGSHIM_UPSTREAM reaches the binary: --check-config passes on it alone.
TEST_F(PgshimBinary, CheckConfigFromEnvironment) {
  ScopedEnv env("PGSHIM_UPSTREAM", "postgres://env-db/app?sslmode=disable");
  const Outcome run = run_pgshim("--check-config");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("env-db"));
}

struct FailureCase {
  std::string name;
  std::string args;     // file names are relative to the test's directory: {dir} is replaced
  std::string message;  // in the output
};

void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.name; }

class PgshimBinaryFails : public PgshimBinary, public ::testing::WithParamInterface<FailureCase> {};

// Configuration and usage errors exit 2 with "pgshim: <what is wrong>", never a crash or a run.
TEST_P(PgshimBinaryFails, ExitsTwo) {
  dir_.write("nonscalar.yaml", "? [a]\n: 1\n");
  dir_.write("dupe.yaml", "upstream: host=db\nupstream: host=db2\n");
  std::string args = GetParam().args;
  for (auto pos = args.find("{dir}"); pos != std::string::npos; pos = args.find("{dir}")) {
    args.replace(pos, 5, dir_.path());
  }
  const Outcome run = run_pgshim(args);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("pgshim: "));
  EXPECT_THAT(run.output, HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Config, PgshimBinaryFails,
    ::testing::Values(FailureCase{"NoUpstream", "--check-config", "no upstream"},
                      FailureCase{"NoUpstreamRun", "--listen 127.0.0.1:0", "no upstream"},
                      FailureCase{"UnknownFlag", "--bogus", "--bogus: unknown option"},
                      FailureCase{"MissingValue", "--upstream", "--upstream: needs a value"},
                      FailureCase{"MissingFile", "--config {dir}/missing.yaml", "cannot read the configuration file"},
                      FailureCase{"DirectoryAsFile", "--config {dir}", "not a regular file"},
                      FailureCase{"NonScalarKey", "--config {dir}/nonscalar.yaml", "nonscalar.yaml:1: (top level)"},
                      FailureCase{"DuplicateKey", "--config {dir}/dupe.yaml", "dupe.yaml:2: upstream: given twice"},
                      FailureCase{"CertWithoutKey", "-u host=db --tls-cert {dir}/x.crt", "given together"},
                      FailureCase{"UnreadableCert", "-u host=db --tls-cert {dir}/x.crt --tls-key {dir}/x.key",
                                  "tls: cannot read"}),
    [](const ::testing::TestParamInfo<FailureCase>& param) { return param.param.name; });

}  // namespace
}  // namespace pgshim::config
