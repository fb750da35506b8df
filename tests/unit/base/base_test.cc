#include <gtest/gtest.h>

#include <cmath>

#include "base/ids.h"
#include "base/json.h"
#include "base/numeric.h"
#include "base/status.h"
#include "base/utf8.h"

namespace fluxo {
namespace {

TEST(Status, ResultCarriesValueOrError) {
  Result<int> ok = 5;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  Result<int> bad = Status::NotFound("x");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.status().ToString(), "NotFound: x");
  EXPECT_TRUE(Status::Unavailable("down").retryable());
  EXPECT_FALSE(Status::InvalidArgument("bad").retryable());
}

TEST(Ids, UuidShapeAndUniqueness) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
  EXPECT_EQ(NewCatalogId().size(), 24u);
}

TEST(Ids, Base64UrlRoundTrip) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    std::string enc = Base64UrlEncode(s), dec;
    EXPECT_EQ(enc.find('='), std::string::npos);
    ASSERT_TRUE(Base64UrlDecode(enc, &dec));
    EXPECT_EQ(dec, s);
  }
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("ab$d", &out));
  EXPECT_FALSE(Base64UrlDecode("a", &out));
}

TEST(Json, LenientNumbersAndBooleans) {
  EXPECT_EQ(AsInt64Lenient(json::value("16515859567")), 16515859567);
  EXPECT_EQ(AsInt64Lenient(json::value(15)), 15);
  EXPECT_FALSE(AsInt64Lenient(json::value("15x")).has_value());
  EXPECT_FALSE(AsInt64Lenient(json::value("")).has_value());
  // Doubles: whole numbers an int64 holds, nothing else (outside it the cast would be UB, which
  // the sanitize build reports).
  EXPECT_EQ(AsInt64Lenient(json::value(12.0)), 12);
  EXPECT_EQ(AsInt64Lenient(json::value(-9223372036854775808.0)), INT64_MIN);
  EXPECT_FALSE(AsInt64Lenient(json::value(9223372036854775808.0)).has_value());
  EXPECT_FALSE(AsInt64Lenient(json::value(1.8446744073709552e19)).has_value());
  EXPECT_FALSE(AsInt64Lenient(json::value(-1e300)).has_value());
  EXPECT_FALSE(AsInt64Lenient(json::value(12.5)).has_value());
  EXPECT_TRUE(IsInt64Integral(9007199254740992.0));
  EXPECT_FALSE(IsInt64Integral(std::nan("")));
  EXPECT_EQ(AsBoolLenient(json::value("TRUE")), true);
  EXPECT_FALSE(AsBoolLenient(json::value("yes")).has_value());
  auto v = ParseJson(R"({"a":{"b":{"c":3}}})");
  ASSERT_TRUE(v.ok());
  ASSERT_NE(FindPath(*v, "a.b.c"), nullptr);
  EXPECT_EQ(FindPath(*v, "a.b.c")->as_int64(), 3);
  EXPECT_EQ(FindPath(*v, "a.x"), nullptr);
  EXPECT_FALSE(ParseJson("{bad").ok());
}

}  // namespace
}  // namespace fluxo

TEST(Utf8, ToValidUtf8ReplacesOnlyBrokenBytes) {
  EXPECT_EQ(fluxo::ToValidUtf8("caf\xC3\xA9 ok"), "caf\xC3\xA9 ok");
  EXPECT_EQ(fluxo::ToValidUtf8("a\xABz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(fluxo::ToValidUtf8("\xC3"), "\xEF\xBF\xBD");  // truncated sequence
  EXPECT_EQ(fluxo::ToValidUtf8("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_TRUE(fluxo::IsValidUtf8(fluxo::ToValidUtf8("\xFF\xFE\x80 x \xF4\x90\x80\x80")));
}

namespace fluxo {
namespace {

// Issue 16 item 6: duplicate keys in untrusted JSON are refused, named by their path.
TEST(JsonTest, DuplicateKeysAreRefusedWithTheirPath) {
  auto dup = [](std::string_view text) {
    Result<json::value> v = ParseJsonNoDuplicateKeys(text);
    return v.ok() ? std::string("ok") : v.status().message();
  };
  EXPECT_EQ(dup(R"({"a":1,"b":2})"), "ok");
  EXPECT_EQ(dup(R"({"a":{"x":1},"b":{"x":1}})"), "ok");  // same key in two objects
  EXPECT_EQ(dup(R"([{"a":1},{"a":2}])"), "ok");
  EXPECT_EQ(dup(R"({"name":"a","name":"b"})"), "duplicate key \"name\"");
  EXPECT_EQ(dup(R"({"auth":{"params":{"path":"/a","path":"/b"}}})"),
            "duplicate key \"auth.params.path\"");
  EXPECT_EQ(dup(R"({"items":[1,{"k":1,"k":2}]})"), "duplicate key \"items[1].k\"");
  EXPECT_EQ(dup(R"([[0],{"a":1,"a":1}])"), "duplicate key \"[1].a\"");
  EXPECT_EQ(dup(R"({"a\u0062":1,"ab":2})"), "duplicate key \"ab\"");  // escapes decoded
  EXPECT_FALSE(ParseJsonNoDuplicateKeys("{").ok());
  // ParseJson itself keeps the last value (stored documents).
  EXPECT_EQ(ParseJson(R"({"a":1,"a":2})")->at("a"), 2);
}

}  // namespace
}  // namespace fluxo
