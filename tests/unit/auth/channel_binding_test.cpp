// tls-server-end-point data (RFC 5929 section 4.1) for certificates made here
// with the openssl CLI: the signature's hash, SHA-256 in place of SHA-1, and
// refusal of signatures without a hash (Ed25519).
#include "pgshim/auth/channel_binding.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

class ChannelBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pgshim-cb-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Makes a self-signed certificate; returns {PEM, DER}.
  std::pair<std::string, std::string> make_cert(const std::string& name, const std::string& key_opts,
                                                const std::string& digest_opt) {
    const std::string base = dir_ + "/" + name;
    const std::string cmd = "openssl req -x509 -newkey " + key_opts + " -nodes -subj /CN=pgshim-cb-test -days 1 " +
                            digest_opt + " -keyout " + base + ".key -out " + base + ".pem 2>/dev/null && " +
                            "openssl x509 -in " + base + ".pem -outform DER -out " + base + ".der";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return {read_file(base + ".pem"), read_file(base + ".der")};
  }

  std::string dir_;
};

// Each signature hash maps to the hash RFC 5929 asks for, from PEM and DER alike.
TEST_F(ChannelBindingTest, HashFollowsSignatureAlgorithm) {
  struct Case {
    const char* name;
    const char* key;
    const char* digest_opt;
    const EVP_MD* expected;
  };
  const Case cases[] = {
      {"rsa-sha256", "rsa:2048", "-sha256", EVP_sha256()},
      {"rsa-sha384", "rsa:2048", "-sha384", EVP_sha384()},
      {"rsa-sha1", "rsa:2048", "-sha1", EVP_sha256()},  // SHA-1 is replaced by SHA-256
      {"ec-sha512", "ec -pkeyopt ec_paramgen_curve:P-256", "-sha512", EVP_sha512()},
  };
  for (const auto& c : cases) {
    const auto [pem, der] = make_cert(c.name, c.key, c.digest_opt);
    ASSERT_FALSE(der.empty()) << c.name;
    std::string from_pem, from_der;
    ASSERT_FALSE(tls_server_end_point_from_pem(pem, from_pem)) << c.name;
    ASSERT_FALSE(tls_server_end_point_from_der(der, from_der)) << c.name;
    EXPECT_EQ(from_pem, digest(c.expected, der)) << c.name;
    EXPECT_EQ(from_der, from_pem) << c.name;
    EXPECT_EQ(from_der.size(), static_cast<std::size_t>(EVP_MD_get_size(c.expected))) << c.name;
  }
}

// Ed25519 signatures have no separate hash: PostgreSQL cannot bind to them either.
TEST_F(ChannelBindingTest, Ed25519IsRefused) {
  const auto [pem, der] = make_cert("ed25519", "ed25519", "");
  ASSERT_FALSE(der.empty());
  std::string out;
  EXPECT_EQ(tls_server_end_point_from_der(der, out), Errc::BadCertificate);
}

// Bytes that are not a certificate are BadCertificate.
TEST_F(ChannelBindingTest, GarbageIsRefused) {
  std::string out;
  EXPECT_EQ(tls_server_end_point_from_der("", out), Errc::BadCertificate);
  EXPECT_EQ(tls_server_end_point_from_der("\x30\x03\x02\x01\x01", out), Errc::BadCertificate);
  EXPECT_EQ(tls_server_end_point_from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", out),
            Errc::BadCertificate);
  EXPECT_EQ(tls_server_end_point_from_pem("", out), Errc::BadCertificate);
}

}  // namespace
}  // namespace pgshim::auth
