#include "auth/client_secret.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "base/ids.h"

namespace fluxo {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;

std::string Pbkdf2(std::string_view secret, const std::string& salt, int iterations) {
  std::string out(kHashSize, '\0');
  if (PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    std::fprintf(stderr, "fluxo: fatal: OpenSSL PBKDF2-HMAC-SHA256 failed: %s\n",
                 ERR_error_string(ERR_get_error(), nullptr));
    std::abort();
  }
  return out;
}

// Canonical base64url only, so a stored hash has exactly one spelling.
bool DecodeCanonical(std::string_view in, std::string* out) {
  std::string s(in);
  return Base64UrlDecode(s, out) && Base64UrlEncode(*out) == s;
}

}  // namespace

std::string NewClientId() { return RandomHex(16); }

std::string NewClientSecret() {
  std::string random = RandomBytes(24);
  std::string secret = std::string(kClientSecretPrefix) + Base64UrlEncode(random);
  OPENSSL_cleanse(random.data(), random.size());
  return secret;
}

std::string HashClientSecret(std::string_view secret, int iterations) {
  iterations = std::clamp(iterations, 1, kMaxPbkdf2Iterations);
  std::string salt = RandomBytes(kSaltSize);
  std::string hash = Pbkdf2(secret, salt, iterations);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + Base64UrlEncode(salt) +
         "$" + Base64UrlEncode(hash);
}

bool VerifyClientSecret(std::string_view secret, std::string_view stored) {
  if (secret.size() > kMaxClientSecretSize) return false;
  // scheme$iterations$salt$hash
  size_t a = stored.find('$');
  if (a == std::string_view::npos || stored.substr(0, a) != kScheme) return false;
  size_t b = stored.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  size_t c = stored.find('$', b + 1);
  if (c == std::string_view::npos || stored.find('$', c + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view iter_text = stored.substr(a + 1, b - a - 1);
  int iterations = 0;
  auto [end, ec] =
      std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(), iterations);
  if (ec != std::errc() || end != iter_text.data() + iter_text.size() || iterations < 1 ||
      iterations > kMaxPbkdf2Iterations) {
    return false;
  }
  std::string salt, hash;
  if (!DecodeCanonical(stored.substr(b + 1, c - b - 1), &salt) || salt.size() != kSaltSize ||
      !DecodeCanonical(stored.substr(c + 1), &hash) || hash.size() != kHashSize) {
    return false;
  }
  std::string computed = Pbkdf2(secret, salt, iterations);
  bool match = CRYPTO_memcmp(computed.data(), hash.data(), kHashSize) == 0;
  OPENSSL_cleanse(computed.data(), computed.size());
  return match;
}

}  // namespace fluxo
