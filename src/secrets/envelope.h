// AES-256-GCM envelope for secrets stored at rest (connection passwords, connection strings).
//
// Sealed text format, version 1:
//   "fxs1." + base64url_nopad(nonce[12] || ciphertext[len(plaintext)] || tag[16])
// ASCII only (no '=', no quotes), so it sits in a TEXT column or a JSON string unchanged. The
// prefix names the format version and is itself authenticated. The AES key is not the master key
// but DeriveKey(master, kKeyPurposeSecrets). The nonce is 12 fresh random bytes per Seal; with a
// random nonce one key may seal about 2^32 values before the collision risk matters, far beyond
// the number of secrets a deployment holds.
//
// Associated data (AAD) is authenticated but not stored: Open must be given the same bytes that
// Seal got. Callers bind a secret to its place with it (e.g.
// "connection/<id>/auth.params.password"), so a sealed value copied into another row or field does
// not open.
//
// Callers: the metastore / model layers that persist connection secrets. Nothing here does I/O.
// Thread-safe: all functions are pure apart from drawing random nonces.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "secrets/master_key.h"

namespace fluxo {

// The prefix every version-1 sealed value starts with.
inline constexpr std::string_view kSealedPrefix = "fxs1.";

// Encrypts and authenticates `plaintext` (any bytes, any length, may be empty) bound to
// `associated_data`. Never fails on any input; aborts the process only if OpenSSL itself is
// unusable (e.g. out of memory or a broken provider configuration).
std::string Seal(const MasterKey& key, std::string_view plaintext,
                 std::string_view associated_data);

// True when `text` looks like a sealed value (has a known version prefix). Does not authenticate.
bool IsSealed(std::string_view text);

// Decrypts a value made by Seal with the same key and associated data.
// Errors (never retryable, never partial plaintext):
//   InvalidArgument     `sealed` is not a sealed value: unknown prefix, not canonical base64url,
//                       or too short.
//   FailedPrecondition  authentication failed: the value was altered, the key differs (e.g. the
//                       master key file was replaced) or the associated data differs. These cases
//                       cannot be told apart, by design.
Result<std::string> Open(const MasterKey& key, std::string_view sealed,
                         std::string_view associated_data);

}  // namespace fluxo
