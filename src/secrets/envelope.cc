#include "secrets/envelope.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "base/ids.h"

namespace fluxo {
namespace {

constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
// EVP update calls take an int length; longer inputs are fed in chunks of this size.
constexpr size_t kChunk = size_t{1} << 30;

[[noreturn]] void CryptoFailure(const char* what) {
  std::fprintf(stderr, "fluxo: fatal: OpenSSL %s failed: %s\n", what,
               ERR_error_string(ERR_get_error(), nullptr));
  std::abort();
}

// The AES key for secrets, wiped when it goes out of scope.
class SecretsKey {
 public:
  explicit SecretsKey(const MasterKey& master) : key_(DeriveKey(master, kKeyPurposeSecrets)) {}
  SecretsKey(const SecretsKey&) = delete;
  SecretsKey& operator=(const SecretsKey&) = delete;
  ~SecretsKey() { OPENSSL_cleanse(key_.data(), key_.size()); }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(key_.data()); }

 private:
  std::string key_;
};

class CipherCtx {
 public:
  CipherCtx() : ctx_(EVP_CIPHER_CTX_new()) {
    if (ctx_ == nullptr) CryptoFailure("EVP_CIPHER_CTX_new");
  }
  CipherCtx(const CipherCtx&) = delete;
  CipherCtx& operator=(const CipherCtx&) = delete;
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx_); }
  EVP_CIPHER_CTX* get() const { return ctx_; }

 private:
  EVP_CIPHER_CTX* ctx_;
};

// Feeds the version prefix and the caller's AAD to the GCM context (encrypt or decrypt).
bool FeedAad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  int len = 0;
  if (EVP_CipherUpdate(ctx, nullptr, &len,
                       reinterpret_cast<const unsigned char*>(kSealedPrefix.data()),
                       static_cast<int>(kSealedPrefix.size())) != 1) {
    return false;
  }
  for (size_t off = 0; off < aad.size(); off += kChunk) {
    size_t n = std::min(kChunk, aad.size() - off);
    if (EVP_CipherUpdate(ctx, nullptr, &len,
                         reinterpret_cast<const unsigned char*>(aad.data() + off),
                         static_cast<int>(n)) != 1) {
      return false;
    }
  }
  return true;
}

// Runs `in` through the cipher into `out` (same size; GCM is a stream mode).
bool Transform(EVP_CIPHER_CTX* ctx, const char* in, size_t size, char* out) {
  for (size_t off = 0; off < size; off += kChunk) {
    size_t n = std::min(kChunk, size - off);
    int len = 0;
    if (EVP_CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out + off), &len,
                         reinterpret_cast<const unsigned char*>(in + off),
                         static_cast<int>(n)) != 1 ||
        static_cast<size_t>(len) != n) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Seal(const MasterKey& key, std::string_view plaintext,
                 std::string_view associated_data) {
  SecretsKey aes_key(key);
  std::string nonce = RandomBytes(kNonceSize);
  // nonce || ciphertext || tag
  std::string body(kNonceSize + plaintext.size() + kTagSize, '\0');
  std::copy(nonce.begin(), nonce.end(), body.begin());

  CipherCtx ctx;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, aes_key.data(),
                         reinterpret_cast<const unsigned char*>(nonce.data())) != 1) {
    CryptoFailure("AES-256-GCM encrypt init");
  }
  if (!FeedAad(ctx.get(), associated_data)) CryptoFailure("AES-256-GCM AAD");
  if (!Transform(ctx.get(), plaintext.data(), plaintext.size(), body.data() + kNonceSize)) {
    CryptoFailure("AES-256-GCM encrypt");
  }
  unsigned char final_block[16];  // GCM writes nothing here; the API wants a buffer
  int len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), final_block, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          body.data() + kNonceSize + plaintext.size()) != 1) {
    CryptoFailure("AES-256-GCM finish");
  }
  return std::string(kSealedPrefix) + Base64UrlEncode(body);
}

bool IsSealed(std::string_view text) {
  return text.substr(0, kSealedPrefix.size()) == kSealedPrefix;
}

Result<std::string> Open(const MasterKey& key, std::string_view sealed,
                         std::string_view associated_data) {
  if (!IsSealed(sealed)) {
    return Status::InvalidArgument("not a sealed value (expected the prefix \"" +
                                   std::string(kSealedPrefix) + "\")");
  }
  std::string encoded(sealed.substr(kSealedPrefix.size()));
  std::string body;
  // Only the canonical encoding is accepted: base64url's last character may carry unused bits,
  // and a value that differs from what Seal wrote must not open.
  if (!Base64UrlDecode(encoded, &body) || Base64UrlEncode(body) != encoded) {
    return Status::InvalidArgument("sealed value is not canonical base64url");
  }
  if (body.size() < kNonceSize + kTagSize) {
    return Status::InvalidArgument("sealed value is too short");
  }
  const size_t text_size = body.size() - kNonceSize - kTagSize;
  const char* nonce = body.data();
  const char* ciphertext = body.data() + kNonceSize;
  char* tag = body.data() + kNonceSize + text_size;

  SecretsKey aes_key(key);
  CipherCtx ctx;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, aes_key.data(),
                         reinterpret_cast<const unsigned char*>(nonce)) != 1) {
    CryptoFailure("AES-256-GCM decrypt init");
  }
  if (!FeedAad(ctx.get(), associated_data)) CryptoFailure("AES-256-GCM AAD");
  std::string plaintext(text_size, '\0');
  if (!Transform(ctx.get(), ciphertext, text_size, plaintext.data())) {
    CryptoFailure("AES-256-GCM decrypt");
  }
  unsigned char final_block[16];  // GCM writes nothing here; the API wants a buffer
  int len = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) != 1) {
    CryptoFailure("AES-256-GCM set tag");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return Status::FailedPrecondition(
        "sealed value does not authenticate: it was altered, or the master key or the associated "
        "data differs from when it was sealed");
  }
  return plaintext;
}

}  // namespace fluxo
