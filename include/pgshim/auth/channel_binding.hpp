#pragma once
// Channel binding data for SCRAM-SHA-256-PLUS: the tls-server-end-point type
// of RFC 5929 section 4.1, the only one PostgreSQL implements. The data is a
// hash of the TLS server's certificate (the first one of its chain):
//   - with the hash function of the certificate's signature algorithm,
//   - except that MD5 and SHA-1 are replaced by SHA-256.
// A signature algorithm without a separate digest (Ed25519, Ed448) has no
// defined hash, and PostgreSQL refuses it too: Errc::BadCertificate.
//
// On the client leg the certificate is pgshim's own; on the upstream leg it is
// the server's as received in the handshake (SSL_get1_peer_certificate). The
// functions take encoded certificates so that this module needs no TLS object.
#include <string>
#include <string_view>
#include <system_error>

namespace pgshim::auth {

inline constexpr std::string_view kTlsServerEndPoint = "tls-server-end-point";

// From a DER-encoded certificate (i2d_X509). `out` receives the raw hash bytes.
[[nodiscard]] std::error_code tls_server_end_point_from_der(std::string_view der, std::string& out);
// From PEM text (a certificate file's contents; the first certificate is used).
[[nodiscard]] std::error_code tls_server_end_point_from_pem(std::string_view pem, std::string& out);

}  // namespace pgshim::auth
