#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "base/ids.h"
#include "base/json.h"

namespace fluxo {
namespace {

constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
constexpr size_t kSignatureSize = 32;

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "fluxo: fatal: %s: %s\n", what, ERR_error_string(ERR_get_error(), nullptr));
  std::abort();
}

// HMAC-SHA256 of `data` under `key` (non-empty).
std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &mac_len) == nullptr ||
      mac_len != kSignatureSize) {
    Fatal("OpenSSL HMAC-SHA256 failed");
  }
  std::string out(reinterpret_cast<const char*>(mac), mac_len);
  OPENSSL_cleanse(mac, sizeof(mac));
  return out;
}

Status Reject(const std::string& why) { return Status::Unauthenticated("invalid token: " + why); }

// Decodes one token part; only the canonical encoding (the one SignToken writes) is accepted, so
// that no two different strings verify as the same token.
bool DecodePart(std::string_view part, std::string* out) {
  std::string in(part);
  return Base64UrlDecode(in, out) && Base64UrlEncode(*out) == in;
}

std::optional<int64_t> GetInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

}  // namespace

std::string SignToken(std::string_view key, const TokenClaims& claims) {
  if (key.empty()) Fatal("SignToken called with an empty key");
  json::object payload;
  payload["iss"] = kTokenIssuer;
  payload["type"] = kTokenType;
  payload["sub"] = claims.client_id;
  payload["client_id"] = claims.client_id;
  payload["org"] = claims.org;
  payload["iat"] = claims.issued_at;
  payload["exp"] = claims.expires_at;
  payload["jti"] = claims.token_id;
  std::string signing_input =
      Base64UrlEncode(std::string(kHeaderJson)) + "." + Base64UrlEncode(json::serialize(payload));
  std::string signature = HmacSha256(key, signing_input);
  return signing_input + "." + Base64UrlEncode(signature);
}

Result<TokenClaims> VerifyToken(std::string_view key, std::string_view token, int64_t now_seconds) {
  if (key.empty()) return Reject("no signing key configured");
  if (token.size() > kTokenMaxSize) return Reject("too long");

  // Exactly three non-empty parts.
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Reject("expected three dot-separated parts");
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Reject("expected three dot-separated parts");
  }
  std::string_view header_part = token.substr(0, dot1);
  std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty() || signature_part.empty()) {
    return Reject("empty part");
  }

  // Header: exactly {"alg":"HS256","typ":"JWT"} (member order free, nothing else).
  std::string header_text;
  if (!DecodePart(header_part, &header_text)) return Reject("header is not base64url");
  Result<json::value> header = ParseJson(header_text);
  if (!header.ok() || !header->is_object()) return Reject("header is not a JSON object");
  const json::object& h = header->as_object();
  const json::value* alg = h.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") {
    return Reject("algorithm is not HS256");
  }
  const json::value* typ = h.if_contains("typ");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != "JWT" || h.size() != 2) {
    return Reject("header must be exactly {\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  }

  // Signature, before the payload is looked at.
  std::string signature;
  if (!DecodePart(signature_part, &signature) || signature.size() != kSignatureSize) {
    return Reject("malformed signature");
  }
  std::string expected = HmacSha256(key, token.substr(0, dot2));
  bool match = CRYPTO_memcmp(expected.data(), signature.data(), kSignatureSize) == 0;
  OPENSSL_cleanse(expected.data(), expected.size());
  if (!match) return Reject("bad signature");

  // Payload.
  std::string payload_text;
  if (!DecodePart(payload_part, &payload_text)) return Reject("payload is not base64url");
  Result<json::value> payload = ParseJson(payload_text);
  if (!payload.ok() || !payload->is_object()) return Reject("payload is not a JSON object");
  const json::object& p = payload->as_object();
  if (p.size() != 8) return Reject("unexpected set of claims");
  std::optional<std::string> iss = GetString(p, "iss");
  std::optional<std::string> type = GetString(p, "type");
  std::optional<std::string> sub = GetString(p, "sub");
  std::optional<std::string> client_id = GetString(p, "client_id");
  std::optional<std::string> org = GetString(p, "org");
  std::optional<std::string> jti = GetString(p, "jti");
  std::optional<int64_t> iat = GetInt(p, "iat");
  std::optional<int64_t> exp = GetInt(p, "exp");
  if (!iss || !type || !sub || !client_id || !org || !jti || !iat || !exp) {
    return Reject("missing or mistyped claim");
  }
  if (*iss != kTokenIssuer) return Reject("wrong issuer");
  if (*type != kTokenType) return Reject("wrong token type");
  if (sub->empty() || *sub != *client_id) return Reject("bad subject");
  if (org->empty()) return Reject("empty org");
  if (jti->empty()) return Reject("empty token id");

  // Time. Unsigned differences avoid overflow at the ends of the int64 range.
  if (*exp <= now_seconds) return Reject("expired");
  if (*iat >= *exp) return Reject("issued at or after its expiry");
  if (*iat > now_seconds && static_cast<uint64_t>(*iat) - static_cast<uint64_t>(now_seconds) >
                                static_cast<uint64_t>(kTokenMaxClockSkewSeconds)) {
    return Reject("issued in the future");
  }

  TokenClaims claims;
  claims.client_id = std::move(*sub);
  claims.org = std::move(*org);
  claims.issued_at = *iat;
  claims.expires_at = *exp;
  claims.token_id = std::move(*jti);
  return claims;
}

}  // namespace fluxo
