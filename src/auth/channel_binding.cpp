#include "pgshim/auth/channel_binding.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// RFC 5929 section 4.1, as PostgreSQL's be_tls_get_certificate_hash does it.
std::error_code end_point_hash(X509* cert, std::string& out) {
  int algo_nid = NID_undef;
  if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &algo_nid, nullptr)) return Errc::BadCertificate;
  const EVP_MD* md = nullptr;
  switch (algo_nid) {
    case NID_md5:
    case NID_sha1:
      md = EVP_sha256();
      break;
    default:
      md = EVP_get_digestbynid(algo_nid);
      break;
  }
  if (md == nullptr) return Errc::BadCertificate;
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, md, hash, &len) != 1) return Errc::BadCertificate;
  out.assign(reinterpret_cast<const char*>(hash), len);
  return {};
}

}  // namespace

std::error_code tls_server_end_point_from_der(std::string_view der, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Errc::BadCertificate;
  return end_point_hash(cert.get(), out);
}

std::error_code tls_server_end_point_from_pem(std::string_view pem, std::string& out) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Errc::CryptoFailure;
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Errc::BadCertificate;
  return end_point_hash(cert.get(), out);
}

}  // namespace pgshim::auth
