// Identifiers and random bytes. Thread-safe; randomness comes from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fluxo {

// `n` cryptographically random bytes.
std::string RandomBytes(size_t n);
// A random RFC 4122 version-4 UUID in lower-case canonical form.
std::string NewUuid();
// `n_bytes` random bytes as lower-case hex (2 * n_bytes characters).
std::string RandomHex(size_t n_bytes);
// A fresh entity tag: a quoted opaque string shaped like AEP's
// ("\"1100c53e-0000-0200-0000-627138980000\""), unique per call.
std::string NewEtag(int64_t now_ms);
// Catalog ids are 24 hex characters.
inline std::string NewCatalogId() { return RandomHex(12); }

std::string HexEncode(const std::string& bytes);
// Base64url without padding (RFC 4648 section 5), as used by JWTs and continuation tokens.
std::string Base64UrlEncode(const std::string& bytes);
// Returns false when `in` is not valid base64url.
bool Base64UrlDecode(const std::string& in, std::string* out);

}  // namespace fluxo
