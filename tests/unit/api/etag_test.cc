#include "api/etag.h"

#include <gtest/gtest.h>

#include "api/query_string.h"

namespace fluxo {
namespace {

// The answer a failed Status maps to (nullopt when OK).
inline std::optional<ApiError> ErrorOf(const Status& s) {
  if (s.ok()) return std::nullopt;
  return ToApiError(s);
}

const std::string kStored = "\"1100c53e-0000-0200-0000-627138980000\"";
const std::string kOpaque = "1100c53e-0000-0200-0000-627138980000";

std::optional<std::string> None() { return std::nullopt; }

TEST(Etag, OpaqueForms) {
  EXPECT_EQ(EtagOpaque(kStored), kOpaque);
  EXPECT_EQ(EtagOpaque(kOpaque), kOpaque);
  EXPECT_EQ(EtagOpaque("  \"x\"  "), "x");
  EXPECT_EQ(EtagOpaque("\\\"x\\\""), "x");
  EXPECT_EQ(SplitIfMatch("\"a\", b ,\"c,d\""), (std::vector<std::string>{"\"a\"", "b", "\"c,d\""}));
  EXPECT_TRUE(SplitIfMatch("  ").empty());
}

TEST(Etag, MatchesQuotedUnquotedEscapedListAndStar) {
  for (const std::string& h : {kStored, kOpaque, " " + kStored + " ", "\\\"" + kOpaque + "\\\"",
                               "\"other\", " + kStored, std::string("*")}) {
    EXPECT_FALSE(ErrorOf(CheckIfMatch(h, None(), kStored)).has_value()) << h;
  }
  // The stored etag may itself be unquoted.
  EXPECT_FALSE(ErrorOf(CheckIfMatch(kStored, None(), kOpaque)).has_value());
}

TEST(Etag, QueryParameterForm) {
  Result<QueryParams> q = ParseQueryString("if-match=%22" + kOpaque + "%22");
  ASSERT_TRUE(q.ok());
  const std::string* v = FindParam(*q, "If-Match");
  ASSERT_NE(v, nullptr);
  EXPECT_FALSE(ErrorOf(CheckIfMatch(None(), *v, kStored)).has_value());
  EXPECT_FALSE(ErrorOf(CheckIfMatch(std::string(""), *v, kStored)).has_value());  // blank header
  // The header wins over the query parameter.
  std::optional<ApiError> e = ErrorOf(CheckIfMatch(std::string("\"stale\""), *v, kStored));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->http_status, 412);
}

TEST(Etag, MissingIs1403) {
  for (auto [h, q] :
       {std::pair{None(), None()}, std::pair{std::optional<std::string>(""), None()},
        std::pair{std::optional<std::string>("  "), std::optional<std::string>("")}}) {
    std::optional<ApiError> e = ErrorOf(CheckIfMatch(h, q, kStored, "flows", "f1"));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->http_status, 400);
    EXPECT_EQ(e->code, 1403);
    EXPECT_NE(e->message.find("If-Match"), std::string::npos);
  }
}

TEST(Etag, StaleIs412With1404) {
  for (const std::string& h : {std::string("\"old\""), std::string("old"), "W/" + kStored,
                               kOpaque + "x", std::string("\"\"")}) {
    std::optional<ApiError> e = ErrorOf(CheckIfMatch(h, None(), kStored, "flows", "f1"));
    ASSERT_TRUE(e.has_value()) << h;
    EXPECT_EQ(e->http_status, 412);
    EXPECT_EQ(e->code, 1404);
    EXPECT_EQ(e->resource_type, "flows");
    EXPECT_EQ(e->resource_id, "f1");
    EXPECT_NE(e->message.find("If-Match"), std::string::npos);
  }
}

}  // namespace
}  // namespace fluxo
