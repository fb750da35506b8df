// HS256 JSON Web Tokens (RFC 7519) for fluxo's access tokens.
//
// A token is base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256(key, first two)),
// with the header always {"alg":"HS256","typ":"JWT"} and the payload
//   {"iss":"fluxo","type":"access_token","sub":CLIENT_ID,"client_id":CLIENT_ID,"org":ORG,
//    "iat":SECONDS,"exp":SECONDS,"jti":ID}
// ("client_id" repeats "sub" because AEP's IMS tokens carry it). Only tokens that fluxo itself
// signed are ever verified, so verification is strict: anything fluxo would not have written is
// rejected rather than interpreted.
//
// The key is DeriveKey(master, kKeyPurposeTokenSigning) (secrets/master_key.h): 32 bytes. Pure
// functions, no I/O, no clock of their own; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace fluxo {

inline constexpr std::string_view kTokenIssuer = "fluxo";
inline constexpr std::string_view kTokenType = "access_token";
// How far in the future "iat" may be (clocks of several fluxo nodes differ a little), seconds.
inline constexpr int64_t kTokenMaxClockSkewSeconds = 60;
// Tokens longer than this are rejected before any parsing, bytes.
inline constexpr size_t kTokenMaxSize = 8192;

struct TokenClaims {
  std::string client_id;  // "sub" (and "client_id"): the API client the token was issued to
  std::string org;        // "org": the IMS org id the client belongs to
  int64_t issued_at = 0;  // "iat", seconds since the Unix epoch
  int64_t expires_at =
      0;                 // "exp", seconds since the Unix epoch; the token is valid while now < exp
  std::string token_id;  // "jti": unique per token (e.g. NewUuid()), for logs and revocation

  bool operator==(const TokenClaims&) const = default;
};

// Signs `claims` with `key` (must be non-empty; use the 32-byte derived key). Never fails on any
// claims; aborts the process only if OpenSSL itself is unusable.
std::string SignToken(std::string_view key, const TokenClaims& claims);

// Verifies `token` against `key` at time `now_seconds` (seconds since the Unix epoch) and returns
// its claims. Checks, in order: size and exactly three non-empty dot-separated parts of canonical
// base64url; header exactly {"alg":"HS256","typ":"JWT"} (so "none", other algorithms, "kid", "crit"
// and the like are refused); the signature (constant-time compare); a payload object with exactly
// the claims above of the right JSON types, iss "fluxo", type "access_token", client_id == sub;
// now < exp; iat <= now + kTokenMaxClockSkewSeconds; iat < exp.
// Every failure is Unauthenticated (not retryable); the message says which check failed, for logs
// only; an API answer should not echo it.
Result<TokenClaims> VerifyToken(std::string_view key, std::string_view token, int64_t now_seconds);

}  // namespace fluxo
