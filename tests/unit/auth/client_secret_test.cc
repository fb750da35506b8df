#include "auth/client_secret.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "base/ids.h"

namespace fluxo {
namespace {

TEST(ClientId, ShapeAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewClientId();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(ClientSecret, ShapeAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = NewClientSecret();
    ASSERT_EQ(s.size(), 36u);
    EXPECT_EQ(s.substr(0, 4), "p8e-");
    for (char c : s.substr(4)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << s;
    }
    EXPECT_TRUE(seen.insert(s).second);
  }
}

TEST(ClientSecret, HashFormat) {
  std::string hash = HashClientSecret("p8e-secret", 1000);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  size_t salt_start = std::string("pbkdf2-sha256$1000$").size();
  size_t salt_end = hash.find('$', salt_start);
  ASSERT_NE(salt_end, std::string::npos);
  EXPECT_EQ(salt_end - salt_start, 22u);       // 16 bytes base64url
  EXPECT_EQ(hash.size() - salt_end - 1, 43u);  // 32 bytes base64url
  EXPECT_EQ(HashClientSecret("x").rfind(
                "pbkdf2-sha256$" + std::to_string(kDefaultPbkdf2Iterations) + "$", 0),
            0u);
}

TEST(ClientSecret, VerifyTrueAndFalse) {
  std::string secret = NewClientSecret();
  std::string stored = HashClientSecret(secret);
  EXPECT_TRUE(VerifyClientSecret(secret, stored));
  EXPECT_FALSE(VerifyClientSecret(secret + "x", stored));
  EXPECT_FALSE(VerifyClientSecret(secret.substr(0, secret.size() - 1), stored));
  EXPECT_FALSE(VerifyClientSecret("", stored));
  EXPECT_FALSE(VerifyClientSecret(NewClientSecret(), stored));
  EXPECT_NE(stored, HashClientSecret(secret)) << "salt must be fresh";
  EXPECT_TRUE(VerifyClientSecret(secret, HashClientSecret(secret, 1)));
  EXPECT_TRUE(VerifyClientSecret("", HashClientSecret("")));
}

// An independently computed PBKDF2-HMAC-SHA256 (Python hashlib) pins the algorithm.
TEST(ClientSecret, VerifiesAKnownHash) {
  std::string salt = Base64UrlEncode("0123456789abcdef");
  std::string stored =
      "pbkdf2-sha256$1000$" + salt + "$FFTPH_wPPasLOn92H_mxwz_-Zl7i2dpzRjizecJKPzc";
  EXPECT_TRUE(VerifyClientSecret("p8e-known-secret", stored));
  EXPECT_FALSE(VerifyClientSecret("p8e-known-secreT", stored));
}

TEST(ClientSecret, MalformedStoredHashIsFalse) {
  std::string secret = "p8e-abc";
  std::string good = HashClientSecret(secret, 10);
  ASSERT_TRUE(VerifyClientSecret(secret, good));
  std::string rest = good.substr(std::string("pbkdf2-sha256$10$").size());
  for (const std::string& bad :
       {std::string(), std::string("p8e-abc"), "pbkdf2-sha1$10$" + rest, "pbkdf2-sha256$$" + rest,
        "pbkdf2-sha256$0$" + rest, "pbkdf2-sha256$-10$" + rest, "pbkdf2-sha256$10x$" + rest,
        "pbkdf2-sha256$99999999999$" + rest, "pbkdf2-sha256$10000001$" + rest,
        "pbkdf2-sha256$10$" + rest + "$", "pbkdf2-sha256$10$" + rest.substr(1),
        "pbkdf2-sha256$10$" + rest.substr(0, rest.size() - 1),
        "pbkdf2-sha256$10$*" + rest.substr(1), good.substr(0, good.find_last_of('$'))}) {
    EXPECT_FALSE(VerifyClientSecret(secret, bad)) << bad;
  }
  // Every single-character change of the stored value fails.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyClientSecret(secret, bad)) << i;
  }
  EXPECT_FALSE(VerifyClientSecret(std::string(kMaxClientSecretSize + 1, 'a'),
                                  HashClientSecret(std::string(kMaxClientSecretSize + 1, 'a'), 1)));
}

// The default iteration count must keep one verification well inside a token request's budget
// (< 5 ms); a generous bound so the test is not flaky on a loaded machine.
TEST(ClientSecret, DefaultVerificationIsCheap) {
  std::string secret = NewClientSecret();
  std::string stored = HashClientSecret(secret);
  auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(VerifyClientSecret(secret, stored));
  auto per_call = (std::chrono::steady_clock::now() - start) / kRounds;
  EXPECT_LT(per_call, std::chrono::milliseconds(20));
  std::printf("verify with %d iterations: %.3f ms\n", kDefaultPbkdf2Iterations,
              std::chrono::duration<double, std::milli>(per_call).count());
}

}  // namespace
}  // namespace fluxo
