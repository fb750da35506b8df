#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <functional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/json.h"

namespace fluxo {
namespace {

const std::string kKey(32, 'k');
constexpr int64_t kNow = 1'700'000'000;

TokenClaims Claims() {
  TokenClaims c;
  c.client_id = "0123456789abcdef0123456789abcdef";
  c.org = "ACME@AdobeOrg";
  c.issued_at = kNow;
  c.expires_at = kNow + 86400;
  c.token_id = "6f1d3c2e-1b7a-4c55-9d2a-0e6c1f9a8b7c";
  return c;
}

std::vector<std::string> Split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string B64(const std::string& s) { return Base64UrlEncode(s); }

// A token with arbitrary header and payload JSON, correctly HS256-signed with `key`; written out
// independently of jwt.cc (checked against jwt.io's example below).
std::string Forge(const std::string& key, const std::string& header, const std::string& payload) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

std::string DefaultPayload(const TokenClaims& c) {
  json::object p;
  p["iss"] = "fluxo";
  p["type"] = "access_token";
  p["sub"] = c.client_id;
  p["client_id"] = c.client_id;
  p["org"] = c.org;
  p["iat"] = c.issued_at;
  p["exp"] = c.expires_at;
  p["jti"] = c.token_id;
  return json::serialize(p);
}

const char kHeader[] = R"({"alg":"HS256","typ":"JWT"})";

void ExpectRejected(const std::string& token, int64_t now = kNow, const std::string& key = kKey) {
  Result<TokenClaims> r = VerifyToken(key, token, now);
  ASSERT_FALSE(r.ok()) << token;
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << token;
  EXPECT_FALSE(r.status().retryable());
}

TEST(Jwt, SignAndVerifyRoundTrip) {
  std::string token = SignToken(kKey, Claims());
  EXPECT_EQ(Split(token).size(), 3u);
  EXPECT_EQ(token.find('='), std::string::npos);
  Result<TokenClaims> r = VerifyToken(kKey, token, kNow + 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Claims());
}

TEST(Jwt, HeaderAndPayloadAreStandard) {
  std::vector<std::string> parts = Split(SignToken(kKey, Claims()));
  std::string header, payload;
  ASSERT_TRUE(Base64UrlDecode(parts[0], &header));
  ASSERT_TRUE(Base64UrlDecode(parts[1], &payload));
  EXPECT_EQ(header, kHeader);
  Result<json::value> p = ParseJson(payload);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("sub"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p->at("client_id"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p->at("iss"), "fluxo");
  EXPECT_EQ(p->at("type"), "access_token");
  EXPECT_EQ(p->at("iat").as_int64(), kNow);
  EXPECT_EQ(p->at("exp").as_int64(), kNow + 86400);
}

TEST(Jwt, ForgeHelperMatchesTheJwtIoExample) {
  EXPECT_EQ(Forge("your-256-bit-secret", kHeader,
                  R"({"sub":"1234567890","name":"John Doe","iat":1516239022})"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
}

TEST(Jwt, MatchesIndependentHs256) {
  TokenClaims c = Claims();
  EXPECT_EQ(SignToken(kKey, c), Forge(kKey, kHeader, DefaultPayload(c)));
}

TEST(Jwt, Expiry) {
  std::string token = SignToken(kKey, Claims());
  EXPECT_TRUE(VerifyToken(kKey, token, kNow + 86399).ok());
  ExpectRejected(token, kNow + 86400);  // valid while now < exp
  ExpectRejected(token, kNow + 10 * 86400);
}

TEST(Jwt, IssuedInTheFutureBeyondSkew) {
  std::string token = SignToken(kKey, Claims());
  EXPECT_TRUE(VerifyToken(kKey, token, kNow - kTokenMaxClockSkewSeconds).ok());
  ExpectRejected(token, kNow - kTokenMaxClockSkewSeconds - 1);
}

TEST(Jwt, IssuedAfterExpiry) {
  TokenClaims c = Claims();
  c.expires_at = c.issued_at;
  ExpectRejected(SignToken(kKey, c), kNow - 100);
}

TEST(Jwt, WrongKey) {
  std::string token = SignToken(kKey, Claims());
  ExpectRejected(token, kNow, std::string(32, 'K'));
  ExpectRejected(token, kNow, kKey.substr(1));
  Result<TokenClaims> r = VerifyToken("", token, kNow);
  EXPECT_FALSE(r.ok());
}

TEST(Jwt, BadSignature) {
  std::string token = SignToken(kKey, Claims());
  std::vector<std::string> parts = Split(token);
  std::string sig;
  ASSERT_TRUE(Base64UrlDecode(parts[2], &sig));
  for (size_t i = 0; i < sig.size(); ++i) {
    std::string bad = sig;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    ExpectRejected(parts[0] + "." + parts[1] + "." + B64(bad));
  }
  ExpectRejected(parts[0] + "." + parts[1] + "." + B64(sig.substr(0, 31)));
  ExpectRejected(parts[0] + "." + parts[1] + "." + B64(sig + "x"));
}

TEST(Jwt, TamperingAnyCharacterFails) {
  std::string token = SignToken(kKey, Claims());
  constexpr std::string_view kBase64Url =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < token.size(); ++i) {
    std::string replacements = ".=*";
    size_t value = kBase64Url.find(token[i]);
    if (value != std::string_view::npos) {
      // Each of the character's 6 bits in turn, including bits a lax decoder ignores.
      for (int bit = 0; bit < 6; ++bit) replacements.push_back(kBase64Url[value ^ (1u << bit)]);
    }
    for (char replacement : replacements) {
      if (token[i] == replacement) continue;
      std::string bad = token;
      bad[i] = replacement;
      ExpectRejected(bad);
    }
  }
}

TEST(Jwt, PayloadTamperingWithOriginalSignatureFails) {
  TokenClaims c = Claims();
  std::vector<std::string> parts = Split(SignToken(kKey, c));
  TokenClaims other = c;
  other.org = "EVIL@AdobeOrg";
  std::string evil_payload = B64(DefaultPayload(other));
  ExpectRejected(parts[0] + "." + evil_payload + "." + parts[2]);
  other = c;
  other.expires_at = c.expires_at + 365 * 86400;
  ExpectRejected(parts[0] + "." + B64(DefaultPayload(other)) + "." + parts[2], c.expires_at + 1);
}

TEST(Jwt, AlgNoneAndOtherHeadersAreRefused) {
  std::string payload = DefaultPayload(Claims());
  // Unsigned "none" tokens, with and without a trailing signature part.
  ExpectRejected(B64(R"({"alg":"none","typ":"JWT"})") + "." + B64(payload) + ".");
  ExpectRejected(B64(R"({"alg":"none","typ":"JWT"})") + "." + B64(payload));
  ExpectRejected(B64(R"({"alg":"none"})") + "." + B64(payload) + "." +
                 Split(SignToken(kKey, Claims()))[2]);
  // Correctly HMAC-signed, but with a header fluxo never writes.
  for (const char* header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"NONE","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"HS256"})", R"({"typ":"JWT"})",
        R"({"alg":"HS256","typ":"JWS"})", R"({"alg":"HS256","typ":"JWT","kid":"1"})",
        R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", R"({"alg":["HS256"],"typ":"JWT"})",
        R"(["HS256"])", R"(null)", R"({"alg":"HS256","typ":"JWT")", ""}) {
    ExpectRejected(Forge(kKey, header, payload));
  }
  // Member order is free.
  EXPECT_TRUE(VerifyToken(kKey, Forge(kKey, R"({"typ":"JWT","alg":"HS256"})", payload), kNow).ok());
}

TEST(Jwt, MalformedParts) {
  std::string token = SignToken(kKey, Claims());
  std::vector<std::string> p = Split(token);
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("..."), p[0],
        p[0] + "." + p[1], p[0] + "." + p[1] + ".", "." + p[1] + "." + p[2], p[0] + ".." + p[2],
        token + ".", token + "." + p[2], "." + token, p[0] + "." + p[1] + "." + p[2] + "=",
        p[0] + "=." + p[1] + "." + p[2], p[0] + "." + p[1] + "*." + p[2],
        std::string("not a token at all"), std::string(kTokenMaxSize + 1, 'a')}) {
    ExpectRejected(bad);
  }
}

TEST(Jwt, ClaimsMustBeExactlyFluxos) {
  TokenClaims c = Claims();
  auto with = [&](const std::function<void(json::object&)>& edit) {
    json::object p = ParseJson(DefaultPayload(c))->as_object();
    edit(p);
    return Forge(kKey, kHeader, json::serialize(p));
  };
  EXPECT_TRUE(VerifyToken(kKey, with([](json::object&) {}), kNow).ok());
  ExpectRejected(with([](json::object& p) { p["iss"] = "adobe"; }));
  ExpectRejected(with([](json::object& p) { p["type"] = "refresh_token"; }));
  ExpectRejected(with([](json::object& p) { p["client_id"] = "someone-else"; }));
  ExpectRejected(with([](json::object& p) {
    p["sub"] = "";
    p["client_id"] = "";
  }));
  ExpectRejected(with([](json::object& p) { p["org"] = ""; }));
  ExpectRejected(with([](json::object& p) { p["jti"] = ""; }));
  ExpectRejected(with([](json::object& p) { p["exp"] = std::to_string(kNow + 100); }));
  ExpectRejected(with([](json::object& p) { p["exp"] = static_cast<double>(kNow + 100); }));
  ExpectRejected(with([](json::object& p) { p["iat"] = nullptr; }));
  ExpectRejected(with([](json::object& p) { p["org"] = 5; }));
  ExpectRejected(with([](json::object& p) { p.erase("jti"); }));
  ExpectRejected(with([](json::object& p) { p["admin"] = true; }));
  ExpectRejected(Forge(kKey, kHeader, "[]"));
  ExpectRejected(Forge(kKey, kHeader, "{"));
  ExpectRejected(Forge(kKey, kHeader, ""));
}

TEST(Jwt, ExtremeTimesDoNotOverflow) {
  TokenClaims c = Claims();
  c.issued_at = INT64_MAX - 1;
  c.expires_at = INT64_MAX;
  ExpectRejected(SignToken(kKey, c), INT64_MIN);
  c.issued_at = INT64_MIN;
  c.expires_at = INT64_MIN + 1;
  ExpectRejected(SignToken(kKey, c), INT64_MAX);
}

}  // namespace
}  // namespace fluxo
