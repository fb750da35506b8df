#include "api/query_string.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

QueryParams Parse(std::string_view raw) {
  Result<QueryParams> r = ParseQueryString(raw);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : ToApiError(r.status()).message);
  return r.ok() ? *r : QueryParams{};
}

TEST(QueryString, SplitsDecodesAndKeepsOrderAndRepeats) {
  QueryParams p = Parse("?limit=10&property=a%3D%3Db&property=c==d&x=y+z&e=%2B1&flag&&");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0], (QueryParam{"limit", "10"}));
  EXPECT_EQ(p[1], (QueryParam{"property", "a==b"}));
  EXPECT_EQ(p[2], (QueryParam{"property", "c==d"}));
  EXPECT_EQ(p[3], (QueryParam{"x", "y z"}));
  EXPECT_EQ(p[4], (QueryParam{"e", "+1"}));
  EXPECT_EQ(p[5], (QueryParam{"flag", ""}));
}

TEST(QueryString, RawAndEncodedFiltersDecodeTheSame) {
  EXPECT_EQ(Parse("property=name==CRMToAEP"), Parse("property=name%3D%3DCRMToAEP"));
  EXPECT_EQ(Parse("property=id==X")[0].value, "id==X");
  // Decoding happens once: an encoded '%' stays a '%'.
  EXPECT_EQ(Parse("property=name%253D%253DX")[0].value, "name%3D%3DX");
  EXPECT_EQ(Parse("if-match=%22etag%22")[0].value, "\"etag\"");
  EXPECT_EQ(Parse("n%61me=%C3%A9")[0], (QueryParam{"name", "\xC3\xA9"}));
  EXPECT_TRUE(Parse("").empty());
}

TEST(QueryString, RejectsMalformedEscapesNulAndBadUtf8NamingTheParameter) {
  for (std::string_view raw : {"limit=%4", "limit=%zz", "limit=%00", "limit=%FF%FE"}) {
    Result<QueryParams> r = ParseQueryString(raw);
    ASSERT_FALSE(r.ok()) << raw;
    EXPECT_EQ(ToApiError(r.status()).http_status, 400);
    EXPECT_EQ(ToApiError(r.status()).code, 1410);
    EXPECT_NE(ToApiError(r.status()).message.find("'limit'"), std::string::npos)
        << ToApiError(r.status()).message;
  }
  Result<QueryParams> bad_name = ParseQueryString("li%mit=1");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(ToApiError(bad_name.status()).message.find("li%mit"), std::string::npos);
}

TEST(QueryString, PercentDecodePlusHandling) {
  EXPECT_EQ(*PercentDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(*PercentDecode("a+b%20c", false), "a+b c");
  EXPECT_FALSE(PercentDecode("%", true).ok());
}

TEST(QueryString, FindIsCaseInsensitive) {
  QueryParams p = Parse("orderBy=name&ORDERBY=x&limit=1");
  ASSERT_NE(FindParam(p, "orderby"), nullptr);
  EXPECT_EQ(*FindParam(p, "orderby"), "name");
  EXPECT_EQ(FindAllParams(p, "OrderBy"), (std::vector<std::string>{"name", "x"}));
  EXPECT_EQ(FindParam(p, "count"), nullptr);
}

TEST(QueryString, Utf8AndQuoting) {
  EXPECT_TRUE(IsValidUtf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));      // truncated
  EXPECT_EQ(QuoteForMessage("a\xFF\n"), "'a\\xFF\\x0A'");
  EXPECT_EQ(QuoteForMessage("abcdef", 3), "'abc...'");
}

}  // namespace
}  // namespace fluxo
