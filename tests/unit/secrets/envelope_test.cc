#include "secrets/envelope.h"

#include <gtest/gtest.h>

#include <string>

#include "base/ids.h"

namespace fluxo {
namespace {

MasterKey KeyOf(char c) { return *MasterKey::FromBytes(std::string(MasterKey::kSize, c)); }

const char kAad[] = "connection/7b0c3a5e/auth.params.password";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

TEST(Envelope, RoundTrips) {
  MasterKey key = MasterKey::Generate();
  for (const std::string& plain :
       {std::string(), std::string("p"), std::string("s3cr3t-password"),
        std::string("\0\xff\x80 binary\n", 11), std::string(100000, 'x')}) {
    std::string sealed = Seal(key, plain, kAad);
    EXPECT_TRUE(IsSealed(sealed));
    EXPECT_EQ(sealed.find('='), std::string::npos);
    for (char c : sealed) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
          << sealed;
    }
    // prefix + base64url(12 + n + 16)
    EXPECT_EQ(sealed.size(),
              kSealedPrefix.size() + Base64UrlEncode(std::string(28 + plain.size(), 'a')).size());
    Result<std::string> opened = Open(key, sealed, kAad);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plain);
  }
}

TEST(Envelope, EmptyAadRoundTripsButIsNotInterchangeable) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "pw", "");
  EXPECT_EQ(*Open(key, sealed, ""), "pw");
  EXPECT_FALSE(Open(key, sealed, "x").ok());
}

TEST(Envelope, FreshNonceEveryTime) {
  MasterKey key = MasterKey::Generate();
  std::string a = Seal(key, "same", kAad), b = Seal(key, "same", kAad);
  EXPECT_NE(a, b);
  EXPECT_EQ(*Open(key, a, kAad), *Open(key, b, kAad));
}

TEST(Envelope, PlaintextDoesNotAppear) {
  MasterKey key = MasterKey::Generate();
  std::string plain = "hunter2hunter2hunter2";
  std::string sealed = Seal(key, plain, kAad);
  EXPECT_EQ(sealed.find(plain), std::string::npos);
  EXPECT_EQ(sealed.find(Base64UrlEncode(plain).substr(0, 8)), std::string::npos);
}

TEST(Envelope, WrongKeyFails) {
  std::string sealed = Seal(KeyOf('a'), "secret", kAad);
  Result<std::string> r = Open(KeyOf('b'), sealed, kAad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(r.status().retryable());
}

TEST(Envelope, WrongAadFails) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "secret", kAad);
  for (std::string_view aad :
       {std::string_view(""), std::string_view("connection/other/auth.params.password"),
        std::string_view(kAad, sizeof(kAad) - 2)}) {
    Result<std::string> r = Open(key, sealed, aad);
    ASSERT_FALSE(r.ok()) << aad;
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  }
}

TEST(Envelope, TamperingAnyCharacterOfTheTextFails) {
  MasterKey key = MasterKey::Generate();
  // 5 plaintext bytes: 33 body bytes, so the text has no unused trailing bits; 6 bytes: 34 body
  // bytes, whose last character carries 2 unused bits that a lax decoder would ignore.
  for (std::string plain : {"12345", "123456", "1234567"}) {
    std::string sealed = Seal(key, plain, kAad);
    for (size_t i = 0; i < sealed.size(); ++i) {
      std::string replacements = ".=*";
      size_t value = kBase64Url.find(sealed[i]);
      if (value != std::string_view::npos) {
        // Each of the character's 6 bits in turn, including bits a lax decoder ignores.
        for (int bit = 0; bit < 6; ++bit) replacements.push_back(kBase64Url[value ^ (1u << bit)]);
      }
      for (char replacement : replacements) {
        if (sealed[i] == replacement) continue;
        std::string bad = sealed;
        bad[i] = replacement;
        EXPECT_FALSE(Open(key, bad, kAad).ok()) << "position " << i << " -> " << replacement;
      }
    }
  }
}

TEST(Envelope, TamperingAnyBitOfTheBodyFails) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "a secret value", kAad);
  std::string body;
  ASSERT_TRUE(Base64UrlDecode(sealed.substr(kSealedPrefix.size()), &body));
  for (size_t i = 0; i < body.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = body;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Result<std::string> r = Open(key, std::string(kSealedPrefix) + Base64UrlEncode(bad), kAad);
      ASSERT_FALSE(r.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    }
  }
}

TEST(Envelope, TruncationAndExtensionFail) {
  MasterKey key = MasterKey::Generate();
  std::string sealed = Seal(key, "a secret value", kAad);
  std::string body;
  ASSERT_TRUE(Base64UrlDecode(sealed.substr(kSealedPrefix.size()), &body));
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(
        Open(key, std::string(kSealedPrefix) + Base64UrlEncode(body.substr(0, n)), kAad).ok())
        << n;
  }
  EXPECT_FALSE(Open(key, std::string(kSealedPrefix) + Base64UrlEncode(body + "x"), kAad).ok());
  EXPECT_FALSE(Open(key, sealed + "A", kAad).ok());
}

TEST(Envelope, MalformedInputIsInvalidArgument) {
  MasterKey key = MasterKey::Generate();
  for (std::string_view bad :
       {std::string_view(""), std::string_view("plain text"), std::string_view("fxs1."),
        std::string_view("fxs2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        std::string_view("fxs1.not*base64"), std::string_view("fxs1.AAAA")}) {
    Result<std::string> r = Open(key, bad, kAad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(IsSealed("hunter2"));
}

// A value sealed by this version must open in every later one (stored secrets outlive binaries).
// Made independently with Python's `cryptography` (AESGCM) and hmac-based HKDF-SHA256: nonce
// 00..0b, key HKDF(32 x 'k', info "fluxo/secrets/aes-256-gcm/v1"), AAD "fxs1." + kAad.
TEST(Envelope, OpensAPinnedValue) {
  const char kPinned[] = "fxs1.AAECAwQFBgcICQoLmbuiZMhkr9D5mvEbXZUjo4-I7kQHG44C9csuWYA";
  Result<std::string> r = Open(KeyOf('k'), kPinned, kAad);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "pinned secret");
}

}  // namespace
}  // namespace fluxo
