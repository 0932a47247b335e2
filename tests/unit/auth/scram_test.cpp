// SCRAM-SHA-256(-PLUS): RFC 7677's vector through both sides, the ClientKey
// relay (server side recovers, client side logs in upstream with it), and
// every failure path of both state machines.
#include "pgshim/auth/scram.hpp"

#include <gtest/gtest.h>

#include <set>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

// RFC 7677 section 3.
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

std::string rfc_salt() {
  std::string salt;
  EXPECT_TRUE(base64_decode(kSalt, salt));
  return salt;
}

ScramVerifier pencil_verifier() {
  ScramVerifier v;
  EXPECT_FALSE(make_scram_verifier("pencil", rfc_salt(), 4096, v));
  return v;
}

ScramKey pencil_client_key() {
  ScramKeys keys;
  EXPECT_FALSE(derive_scram_keys("pencil", rfc_salt(), 4096, keys));
  return keys.client_key;
}

ScramServer rfc_server(std::optional<std::string> cb = std::nullopt) {
  return ScramServer(pencil_verifier(), std::move(cb), ScramServer::Options{std::string(kServerNonce)});
}

ScramClient::Options rfc_client_options() { return {std::string(kClientNonce), "user"}; }

// The server side produces RFC 7677's server-first and server-final and recovers the ClientKey.
TEST(ScramServerRfc7677, ExactMessages) {
  ScramServer server = rfc_server();
  EXPECT_EQ(server.mechanisms(), std::vector<std::string_view>{kScramSha256});
  std::string server_first, server_final;
  ASSERT_FALSE(server.on_client_first(kScramSha256, kClientFirst, server_first));
  EXPECT_EQ(server_first, kServerFirst);
  EXPECT_EQ(server.state(), ScramServer::State::AwaitClientFinal);
  ASSERT_FALSE(server.on_client_final(kClientFinal, server_final));
  EXPECT_EQ(server_final, kServerFinal);
  EXPECT_EQ(server.state(), ScramServer::State::Succeeded);
  EXPECT_EQ(server.client_key(), pencil_client_key());
  EXPECT_FALSE(server.channel_bound());
}

// The client side with the password produces RFC 7677's client messages and accepts its server-final.
TEST(ScramClientRfc7677, WithPassword) {
  ScramClient client("pencil", ChannelBinding{}, rfc_client_options());
  EXPECT_EQ(client.mechanism(), kScramSha256);
  std::string first, final_msg;
  ASSERT_FALSE(client.client_first(first));
  EXPECT_EQ(first, kClientFirst);
  ASSERT_FALSE(client.on_server_first(kServerFirst, final_msg));
  EXPECT_EQ(final_msg, kClientFinal);
  ASSERT_FALSE(client.on_server_final(kServerFinal));
  EXPECT_EQ(client.state(), ScramClient::State::Succeeded);
}

// The client side with only the ClientKey and the verifier produces the same messages.
TEST(ScramClientRfc7677, WithClientKey) {
  ScramClient client(pencil_client_key(), pencil_verifier(), ChannelBinding{}, rfc_client_options());
  std::string first, final_msg;
  ASSERT_FALSE(client.client_first(first));
  EXPECT_EQ(first, kClientFirst);
  ASSERT_FALSE(client.on_server_first(kServerFirst, final_msg));
  EXPECT_EQ(final_msg, kClientFinal);
  ASSERT_FALSE(client.on_server_final(kServerFinal));
  EXPECT_EQ(client.state(), ScramClient::State::Succeeded);
}

// Runs client against server to the end; the first error of either side, or success.
std::error_code run_exchange(ScramClient& client, ScramServer& server, std::string* server_final_out = nullptr) {
  std::string first, server_first, final_msg, server_final;
  if (auto ec = client.client_first(first)) return ec;
  if (auto ec = server.on_client_first(client.mechanism(), first, server_first)) return ec;
  if (auto ec = client.on_server_first(server_first, final_msg)) return ec;
  if (auto ec = server.on_client_final(final_msg, server_final)) return ec;
  if (server_final_out) *server_final_out = server_final;
  return client.on_server_final(server_final);
}

// The relay: pgshim's server side recovers the ClientKey from a password client
// over a bound (-PLUS) leg; its client side then logs in to an "upstream"
// holding the same secret, bound to the upstream's own certificate hash.
TEST(ScramRelay, ClientKeyLogsInUpstream) {
  ScramVerifier verifier;
  ASSERT_FALSE(make_scram_verifier("s3cret", verifier));
  const std::string proxy_cert_hash(32, '\x11'), upstream_cert_hash(48, '\x22');

  ScramServer proxy_server(verifier, proxy_cert_hash);
  EXPECT_EQ(proxy_server.mechanisms(), (std::vector<std::string_view>{kScramSha256Plus, kScramSha256}));
  const ChannelBinding client_binding = choose_channel_binding(proxy_server.mechanisms(), proxy_cert_hash);
  EXPECT_EQ(client_binding.flag, CbindFlag::TlsServerEndPoint);
  ScramClient app("s3cret", client_binding);
  ASSERT_FALSE(run_exchange(app, proxy_server));
  EXPECT_TRUE(proxy_server.channel_bound());
  ScramKeys keys;
  ASSERT_FALSE(derive_scram_keys("s3cret", verifier.salt, verifier.iterations, keys));
  EXPECT_EQ(proxy_server.client_key(), keys.client_key);

  ScramServer upstream(verifier, upstream_cert_hash);
  ScramClient proxy_client(proxy_server.client_key(), verifier,
                           choose_channel_binding(upstream.mechanisms(), upstream_cert_hash));
  EXPECT_EQ(proxy_client.mechanism(), kScramSha256Plus);
  ASSERT_FALSE(run_exchange(proxy_client, upstream));
  EXPECT_EQ(proxy_client.state(), ScramClient::State::Succeeded);
  EXPECT_TRUE(upstream.channel_bound());
}

// Random nonces: 18 bytes base64 from each side, different every time.
TEST(ScramNonce, RandomPerExchange) {
  ScramServer a(pencil_verifier(), std::nullopt), b(pencil_verifier(), std::nullopt);
  std::string fa, fb;
  ASSERT_FALSE(a.on_client_first(kScramSha256, "n,,n=,r=abc", fa));
  ASSERT_FALSE(b.on_client_first(kScramSha256, "n,,n=,r=abc", fb));
  EXPECT_NE(fa, fb);
  EXPECT_EQ(fa.find(','), 2 + 3 + 24u);  // "r=" + "abc" + 24 base64 characters
  ScramClient c("pencil", {});
  std::string first;
  ASSERT_FALSE(c.client_first(first));
  EXPECT_EQ(first.size(), std::string("n,,n=,r=").size() + 24);
}

// ---- Server-side failures ----------------------------------------------------

struct FirstCase {
  const char* name;
  bool tls;
  std::string_view mechanism;
  std::string client_first;
  std::error_code expected;  // {} = accepted
};

// Every field of client-first and every mechanism/flag combination, with and without TLS.
TEST(ScramServerFirst, Table) {
  const std::string plus_p = "p=tls-server-end-point,,n=,r=abc";
  const FirstCase cases[] = {
      {"plain n", false, kScramSha256, "n,,n=,r=abc", {}},
      {"plain y without TLS", false, kScramSha256, "y,,n=,r=abc", {}},
      {"user name is ignored", false, kScramSha256, "n,,n=someone,r=abc", {}},
      {"extension ignored", false, kScramSha256, "n,,n=,r=abc,x=ext", {}},
      {"unknown mechanism", false, "SCRAM-SHA-1", "n,,n=,r=abc", Errc::UnsupportedMechanism},
      {"empty mechanism", false, "", "n,,n=,r=abc", Errc::UnsupportedMechanism},
      {"PLUS without TLS", false, kScramSha256Plus, plus_p, Errc::UnsupportedMechanism},
      {"p without TLS", false, kScramSha256, plus_p, Errc::ChannelBindingUnsupported},
      {"empty message", false, kScramSha256, "", Errc::MalformedMessage},
      {"flag only", false, kScramSha256, "n", Errc::MalformedMessage},
      {"header only", false, kScramSha256, "n,,", Errc::MalformedMessage},
      {"no nonce", false, kScramSha256, "n,,n=", Errc::MalformedMessage},
      {"bad flag", false, kScramSha256, "x,,n=,r=abc", Errc::MalformedMessage},
      {"long flag", false, kScramSha256, "nn,,n=,r=abc", Errc::MalformedMessage},
      {"authzid", false, kScramSha256, "n,a=admin,n=,r=abc", Errc::AuthzidUnsupported},
      {"junk authzid", false, kScramSha256, "n,x,n=,r=abc", Errc::MalformedMessage},
      {"mandatory extension", false, kScramSha256, "n,,m=ext,n=,r=abc", Errc::ExtensionUnsupported},
      {"nonce before user", false, kScramSha256, "n,,r=abc,n=", Errc::MalformedMessage},
      {"user not n", false, kScramSha256, "n,,u=,r=abc", Errc::MalformedMessage},
      {"user without =", false, kScramSha256, "n,,n,r=abc", Errc::MalformedMessage},
      {"nonce not r", false, kScramSha256, "n,,n=,s=abc", Errc::MalformedMessage},
      {"empty nonce", false, kScramSha256, "n,,n=,r=", Errc::InvalidNonce},
      {"control in nonce", false, kScramSha256, "n,,n=,r=ab\x01", Errc::InvalidNonce},
      {"space in nonce", false, kScramSha256, "n,,n=,r=a c", Errc::InvalidNonce},
      {"high byte in nonce", false, kScramSha256, "n,,n=,r=ab\xc3\xa4", Errc::InvalidNonce},
      {"trailing comma", false, kScramSha256, "n,,n=,r=abc,", Errc::MalformedMessage},
      {"bad extension", false, kScramSha256, "n,,n=,r=abc,junk", Errc::MalformedMessage},
      {"TLS: plain n accepted", true, kScramSha256, "n,,n=,r=abc", {}},
      {"TLS: y is a downgrade", true, kScramSha256, "y,,n=,r=abc", Errc::ChannelBindingDowngrade},
      {"TLS: PLUS with p", true, kScramSha256Plus, plus_p, {}},
      {"TLS: PLUS with n", true, kScramSha256Plus, "n,,n=,r=abc", Errc::ChannelBindingRequired},
      {"TLS: PLUS with y", true, kScramSha256Plus, "y,,n=,r=abc", Errc::ChannelBindingRequired},
      {"TLS: plain with p", true, kScramSha256, plus_p, Errc::ChannelBindingRequired},
      {"TLS: tls-unique", true, kScramSha256Plus, "p=tls-unique,,n=,r=abc", Errc::ChannelBindingUnsupported},
      {"TLS: empty cb type", true, kScramSha256Plus, "p=,,n=,r=abc", Errc::ChannelBindingUnsupported},
  };
  for (const auto& c : cases) {
    ScramServer server(pencil_verifier(), c.tls ? std::optional<std::string>(std::string(32, 'h')) : std::nullopt);
    std::string out;
    EXPECT_EQ(server.on_client_first(c.mechanism, c.client_first, out), c.expected) << c.name;
    EXPECT_EQ(server.state(),
              c.expected ? ScramServer::State::Failed : ScramServer::State::AwaitClientFinal) << c.name;
    if (c.expected) {
      EXPECT_TRUE(out.empty()) << c.name;
    }
  }
}

// Every field of client-final: after RFC 7677's client-first, each broken variant fails as expected.
TEST(ScramServerFinal, Table) {
  const std::string nonce = std::string(kClientNonce) + std::string(kServerNonce);
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string wrong_proof = "p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const std::pair<const char*, std::string> bad[] = {
      {"empty", ""},
      {"two fields", "c=biws,r=" + nonce},
      {"no c", "r=" + nonce + "," + proof},
      {"order", "r=" + nonce + ",c=biws," + proof},
      {"c not base64", "c=biws!,r=" + nonce + "," + proof},
      {"r missing", "c=biws,x=" + nonce + "," + proof},
      {"proof not last", "c=biws,r=" + nonce + "," + proof + ",x=1"},
      {"two proofs", "c=biws,r=" + nonce + "," + proof + "," + proof},
      {"proof not base64", "c=biws,r=" + nonce + ",p=dHzb!"},
      {"short proof", "c=biws,r=" + nonce + ",p=AAAA"},
      {"empty proof", "c=biws,r=" + nonce + ",p="},
      {"trailing comma", "c=biws,r=" + nonce + "," + proof + ","},
      {"bad extension", "c=biws,r=" + nonce + ",junk," + proof},
  };
  for (const auto& [name, msg] : bad) {
    ScramServer server = rfc_server();
    std::string out;
    ASSERT_FALSE(server.on_client_first(kScramSha256, kClientFirst, out));
    EXPECT_EQ(server.on_client_final(msg, out), Errc::MalformedMessage) << name;
    EXPECT_EQ(server.state(), ScramServer::State::Failed);
  }
  const std::pair<const char*, std::pair<std::string, std::error_code>> failing[] = {
      {"wrong proof", {"c=biws,r=" + nonce + "," + wrong_proof, Errc::WrongPassword}},
      {"extension changes AuthMessage", {"c=biws,r=" + nonce + ",x=1," + proof, Errc::WrongPassword}},
      {"y binding for n header", {"c=eSws,r=" + nonce + "," + proof, Errc::ChannelBindingMismatch}},
      {"binding data for n header", {"c=" + base64_encode(std::string_view("n,,xyz")) + ",r=" + nonce + "," + proof,
                                     Errc::ChannelBindingMismatch}},
      {"client nonce only", {"c=biws,r=" + std::string(kClientNonce) + "," + proof, Errc::NonceMismatch}},
      {"altered nonce", {"c=biws,r=" + nonce + "x," + proof, Errc::NonceMismatch}},
      {"empty nonce", {"c=biws,r=," + proof, Errc::NonceMismatch}},
  };
  for (const auto& [name, c] : failing) {
    ScramServer server = rfc_server();
    std::string out;
    ASSERT_FALSE(server.on_client_first(kScramSha256, kClientFirst, out));
    EXPECT_EQ(server.on_client_final(c.first, out), c.second) << name;
    EXPECT_EQ(server.state(), ScramServer::State::Failed) << name;
  }
}

// With y (no TLS), c= must be base64("y,,") exactly.
TEST(ScramServerFinal, YFlagBinding) {
  ScramServer server(pencil_verifier(), std::nullopt);
  ScramClient client("pencil", ChannelBinding{CbindFlag::ClientOnly, {}});
  ASSERT_FALSE(run_exchange(client, server));
  ScramServer server2(pencil_verifier(), std::nullopt, {"XYZ"});
  std::string out;
  ASSERT_FALSE(server2.on_client_first(kScramSha256, "y,,n=,r=abc", out));
  EXPECT_EQ(server2.on_client_final("c=biws,r=abcXYZ,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", out),
            Errc::ChannelBindingMismatch);
}

// -PLUS: the client's c= must carry the hash of pgshim's certificate, not another's.
TEST(ScramServerFinal, PlusBindingMismatch) {
  const std::string ours(32, 'o'), theirs(32, 't');
  {
    ScramServer server(pencil_verifier(), ours);
    ScramClient client("pencil", ChannelBinding{CbindFlag::TlsServerEndPoint, ours});
    EXPECT_FALSE(run_exchange(client, server));
    EXPECT_TRUE(server.channel_bound());
  }
  {
    // A man in the middle terminates TLS with its own certificate: the hashes differ.
    ScramServer server(pencil_verifier(), ours);
    ScramClient client("pencil", ChannelBinding{CbindFlag::TlsServerEndPoint, theirs});
    EXPECT_EQ(run_exchange(client, server), Errc::ChannelBindingMismatch);
  }
  {
    // p= header but c= without the data.
    ScramServer server(pencil_verifier(), ours, {"XYZ"});
    std::string out;
    ASSERT_FALSE(server.on_client_first(kScramSha256Plus, "p=tls-server-end-point,,n=,r=abc", out));
    const std::string c = base64_encode(std::string_view("p=tls-server-end-point,,"));
    EXPECT_EQ(server.on_client_final("c=" + c + ",r=abcXYZ,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", out),
              Errc::ChannelBindingMismatch);
  }
}

// A wrong password and a mock verifier both fail only at client-final, identically.
TEST(ScramServerFinal, WrongPasswordAndMockUser) {
  ScramServer server(pencil_verifier(), std::nullopt);
  ScramClient client("pencil!", {});
  EXPECT_EQ(run_exchange(client, server), Errc::WrongPassword);
  ScramVerifier mock;
  ASSERT_FALSE(make_mock_verifier("ghost", "per-process-secret", mock));
  ScramServer mock_server(mock, std::nullopt);
  ScramClient client2("pencil", {});
  EXPECT_EQ(run_exchange(client2, mock_server), Errc::WrongPassword);
}

// Steps out of order are UnexpectedMessage, and a failed exchange stays failed.
TEST(ScramServerState, OutOfOrder) {
  std::string out;
  ScramServer server = rfc_server();
  EXPECT_EQ(server.on_client_final(kClientFinal, out), Errc::UnexpectedMessage);
  EXPECT_EQ(server.on_client_first(kScramSha256, kClientFirst, out), Errc::UnexpectedMessage);

  ScramServer twice = rfc_server();
  ASSERT_FALSE(twice.on_client_first(kScramSha256, kClientFirst, out));
  EXPECT_EQ(twice.on_client_first(kScramSha256, kClientFirst, out), Errc::UnexpectedMessage);

  ScramServer done = rfc_server();
  ASSERT_FALSE(done.on_client_first(kScramSha256, kClientFirst, out));
  ASSERT_FALSE(done.on_client_final(kClientFinal, out));
  EXPECT_EQ(done.on_client_final(kClientFinal, out), Errc::UnexpectedMessage);
}

// ---- Client-side failures ----------------------------------------------------

// Every field of server-first, in both the password and the ClientKey modes.
TEST(ScramClientServerFirst, Table) {
  const std::string nonce = std::string(kClientNonce) + std::string(kServerNonce);
  const std::string rest = ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const std::pair<const char*, std::pair<std::string, std::error_code>> cases[] = {
      {"empty", {"", Errc::MalformedMessage}},
      {"mandatory extension", {"m=x,r=" + nonce + rest, Errc::ExtensionUnsupported}},
      {"no nonce", {"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Errc::MalformedMessage}},
      {"nonce not extended", {"r=" + std::string(kClientNonce) + rest, Errc::NonceMismatch}},
      {"foreign nonce", {"r=XOprNGfwEbeRWgbNEkqO%hvYD" + rest, Errc::NonceMismatch}},
      {"short nonce", {"r=rOpr" + rest, Errc::NonceMismatch}},
      {"control in server nonce", {"r=" + std::string(kClientNonce) + "ab\x7f" + rest, Errc::InvalidNonce}},
      {"no salt", {"r=" + nonce + ",i=4096", Errc::MalformedMessage}},
      {"salt not s", {"r=" + nonce + ",x=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Errc::MalformedMessage}},
      {"salt not base64", {"r=" + nonce + ",s=W22Z!,i=4096", Errc::MalformedMessage}},
      {"empty salt", {"r=" + nonce + ",s=,i=4096", Errc::MalformedMessage}},
      {"iterations not i", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,j=4096", Errc::MalformedMessage}},
      {"zero iterations", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", Errc::MalformedMessage}},
      {"negative iterations", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1", Errc::MalformedMessage}},
      {"text iterations", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=40x", Errc::MalformedMessage}},
      {"huge iterations", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999", Errc::MalformedMessage}},
      {"empty iterations", {"r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=", Errc::MalformedMessage}},
      {"trailing extension", {"r=" + nonce + rest + ",x=1", Errc::MalformedMessage}},
      {"trailing comma", {"r=" + nonce + rest + ",", Errc::MalformedMessage}},
  };
  for (const auto& [name, c] : cases) {
    ScramClient with_password("pencil", {}, rfc_client_options());
    ScramClient with_key(pencil_client_key(), pencil_verifier(), {}, rfc_client_options());
    for (ScramClient* client : {&with_password, &with_key}) {
      std::string first, out;
      ASSERT_FALSE(client->client_first(first));
      EXPECT_EQ(client->on_server_first(c.first, out), c.second) << name;
      EXPECT_EQ(client->state(), ScramClient::State::Failed) << name;
    }
  }
}

// The upstream's secret differs from pgshim's (another salt or iteration
// count): the ClientKey cannot answer, and the error says so distinctly.
TEST(ScramClientServerFirst, SecretDiffers) {
  const std::string nonce = std::string(kClientNonce) + std::string(kServerNonce);
  for (const std::string& server_first :
       {"r=" + nonce + ",s=QSXCR+Q6sek8bf92,i=4096", "r=" + nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4097"}) {
    ScramClient client(pencil_client_key(), pencil_verifier(), {}, rfc_client_options());
    std::string first, out;
    ASSERT_FALSE(client.client_first(first));
    EXPECT_EQ(client.on_server_first(server_first, out), Errc::SecretDiffers) << server_first;
  }
  // With a password the keys are simply derived for the new salt.
  ScramClient client("pencil", {}, rfc_client_options());
  std::string first, out;
  ASSERT_FALSE(client.client_first(first));
  EXPECT_FALSE(client.on_server_first("r=" + nonce + ",s=QSXCR+Q6sek8bf92,i=4096", out));
}

// Every shape of server-final: e=, a wrong signature, malformed, trailing data.
TEST(ScramClientServerFinal, Table) {
  const std::pair<const char*, std::pair<std::string, std::error_code>> cases[] = {
      {"server error", {"e=invalid-proof", Errc::ServerError}},
      {"non-canonical base64", {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", Errc::MalformedMessage}},
      {"other signature", {"v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", Errc::ServerSignatureMismatch}},
      {"short signature", {"v=AAAA", Errc::MalformedMessage}},
      {"not base64", {"v=6rri!", Errc::MalformedMessage}},
      {"empty", {"", Errc::MalformedMessage}},
      {"unknown attribute", {"x=1", Errc::MalformedMessage}},
      {"trailing extension", {std::string(kServerFinal) + ",x=1", Errc::MalformedMessage}},
      {"no value", {"v", Errc::MalformedMessage}},
  };
  for (const auto& [name, c] : cases) {
    ScramClient client(pencil_client_key(), pencil_verifier(), {}, rfc_client_options());
    std::string first, out;
    ASSERT_FALSE(client.client_first(first));
    ASSERT_FALSE(client.on_server_first(kServerFirst, out));
    EXPECT_EQ(client.on_server_final(c.first), c.second) << name;
    EXPECT_EQ(client.state(), ScramClient::State::Failed) << name;
  }
}

// A ClientKey that is not the verifier's is refused before anything is sent;
// a password needing NFKC is refused too; steps out of order fail.
TEST(ScramClientState, RefusalsAndOrder) {
  ScramKey wrong = pencil_client_key();
  wrong[5] ^= 0x40;
  ScramClient bad_key(wrong, pencil_verifier(), {});
  std::string out;
  EXPECT_EQ(bad_key.client_first(out), Errc::KeyMismatch);

  ScramClient bad_password("p\xc3\xa4ss", {});
  EXPECT_EQ(bad_password.client_first(out), Errc::UnsupportedPassword);

  ScramClient bad_nonce("pencil", {}, {"a,b", ""});
  EXPECT_EQ(bad_nonce.client_first(out), Errc::InvalidNonce);

  ScramClient early("pencil", {}, rfc_client_options());
  EXPECT_EQ(early.on_server_first(kServerFirst, out), Errc::UnexpectedMessage);
  ScramClient early_final("pencil", {}, rfc_client_options());
  ASSERT_FALSE(early_final.client_first(out));
  EXPECT_EQ(early_final.on_server_final(kServerFinal), Errc::UnexpectedMessage);
  ScramClient twice("pencil", {}, rfc_client_options());
  ASSERT_FALSE(twice.client_first(out));
  EXPECT_EQ(twice.client_first(out), Errc::UnexpectedMessage);
}

// saslname escaping of a user name in n= (RFC 5802 section 5.1).
TEST(ScramClientFirst, EscapesUserName) {
  ScramClient client("pencil", {}, {"abc", "a=b,c"});
  std::string first;
  ASSERT_FALSE(client.client_first(first));
  EXPECT_EQ(first, "n,,n=a=3Db=2Cc,r=abc");
  ScramClient plus("pencil", {CbindFlag::TlsServerEndPoint, "h"}, {"abc", ""});
  ASSERT_FALSE(plus.client_first(first));
  EXPECT_EQ(first, "p=tls-server-end-point,,n=,r=abc");
}

// libpq's channel-binding choice from the offer and the leg.
TEST(ChooseChannelBinding, PreferRules) {
  const std::vector<std::string_view> both{kScramSha256Plus, kScramSha256}, plain{kScramSha256};
  EXPECT_EQ(choose_channel_binding(both, std::nullopt).flag, CbindFlag::None);
  EXPECT_EQ(choose_channel_binding(plain, std::nullopt).flag, CbindFlag::None);
  EXPECT_EQ(choose_channel_binding(plain, std::string("h")).flag, CbindFlag::ClientOnly);
  const ChannelBinding b = choose_channel_binding(both, std::string("h"));
  EXPECT_EQ(b.flag, CbindFlag::TlsServerEndPoint);
  EXPECT_EQ(b.tls_server_end_point, "h");
}

// Every reason has a distinct text and metric label, none empty.
TEST(AuthErrc, TextsAndLabels) {
  std::set<std::string> texts, labels;
  for (int i = static_cast<int>(Errc::BadVerifier); i <= static_cast<int>(Errc::CryptoFailure); ++i) {
    const auto e = static_cast<Errc>(i);
    const std::error_code ec = e;
    EXPECT_FALSE(ec.message().empty());
    EXPECT_EQ(ec.category().name(), std::string("pgshim.auth"));
    EXPECT_TRUE(texts.insert(ec.message()).second) << ec.message();
    EXPECT_TRUE(labels.insert(std::string(errc_label(e))).second) << errc_label(e);
  }
}

}  // namespace
}  // namespace pgshim::auth
