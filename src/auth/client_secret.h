// API client credentials: ids, secrets and the salted hash under which a secret is stored.
//
// A client id is 32 lower-case hex characters (16 random bytes), the shape of an AEP API key; it
// is sent as `x-api-key` and is not secret. A client secret is "p8e-" followed by 32 base64url
// characters (24 random bytes, 192 bits), the shape of an Adobe Developer Console secret; it is
// shown once at creation and only its hash is stored.
//
// Stored hash: "pbkdf2-sha256$ITERATIONS$SALT$HASH" with SALT 16 random bytes and HASH the 32-byte
// PBKDF2-HMAC-SHA256 output, both base64url without padding. The string names its algorithm and
// iteration count, so the default can be raised later without invalidating stored hashes.
//
// Iterations, kDefaultPbkdf2Iterations = 4096: a fluxo secret is 192 random bits, so no number of
// guesses per second makes brute force feasible and key stretching adds nothing for it; the hash
// only has to be one-way and salted. Stretching matters only for a low-entropy secret, which fluxo
// never generates. 4096 iterations (the PBKDF2 count WPA2 uses) cost about 0.8 ms on one core of
// the project's machine (measured by ClientSecret.DefaultVerificationIsCheap), which keeps a token
// request well under 5 ms while still slowing an offline attack on a leaked table of hashes should
// a weak secret ever be stored. 100k+ (OWASP's figure for human passwords) would cost ~20 ms of CPU
// per token request for no gain on 192-bit secrets.
//
// Pure functions, no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fluxo {

inline constexpr int kDefaultPbkdf2Iterations = 4096;
// Verification refuses stored hashes outside [1, kMaxPbkdf2Iterations] (a corrupted row must not
// make one request spin for minutes).
inline constexpr int kMaxPbkdf2Iterations = 10'000'000;
inline constexpr std::string_view kClientSecretPrefix = "p8e-";
// Presented secrets longer than this never verify (bounds the work one request can cause), bytes.
inline constexpr size_t kMaxClientSecretSize = 1024;

// 32 random lower-case hex characters.
std::string NewClientId();
// "p8e-" + 32 random base64url characters.
std::string NewClientSecret();

// The self-describing salted hash of `secret` (fresh salt each call, so two hashes of one secret
// differ). `iterations` must be in [1, kMaxPbkdf2Iterations]; it is clamped into that range.
// Aborts the process only if OpenSSL itself is unusable.
std::string HashClientSecret(std::string_view secret, int iterations = kDefaultPbkdf2Iterations);

// True when `secret` matches `stored` (a value from HashClientSecret). The final comparison is
// constant-time. A `secret` longer than kMaxClientSecretSize, or a malformed `stored` (unknown
// scheme, bad iteration count, bad salt or hash encoding) yields false.
bool VerifyClientSecret(std::string_view secret, std::string_view stored);

}  // namespace fluxo
