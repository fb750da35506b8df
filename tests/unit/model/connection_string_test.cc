#include "model/connection_string.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

using Map = std::map<std::string, std::string>;

TEST(ParseKeyValueConnectionString, AepForm) {
  auto r = ParseKeyValueConnectionString(
      "Server=db.example.com;Database=sales;Port=5432;UID=reader;Password=s3cret");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Map{{"server", "db.example.com"},
                     {"database", "sales"},
                     {"port", "5432"},
                     {"uid", "reader"},
                     {"password", "s3cret"}}));
}

TEST(ParseKeyValueConnectionString, CaseWhitespaceAndEmptySegments) {
  auto r = ParseKeyValueConnectionString("  SERVER = h ; user id=u;;PWD= p w ;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (Map{{"server", "h"}, {"user id", "u"}, {"pwd", "p w"}}));
  auto empty_value = ParseKeyValueConnectionString("Server=h;Password=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->at("password"), "");
  auto equals_in_value = ParseKeyValueConnectionString("Server=h;Password=a=b");
  ASSERT_TRUE(equals_in_value.ok());
  EXPECT_EQ(equals_in_value->at("password"), "a=b");
}

TEST(ParseKeyValueConnectionString, BracesAndQuotes) {
  auto r = ParseKeyValueConnectionString(
      "Server=h;PWD={a;b}}c=d};Password='x;''y';Extra=\"q;\"\"r\"  ;Last={}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("pwd"), "a;b}c=d");
  EXPECT_EQ(r->at("password"), "x;'y");
  EXPECT_EQ(r->at("extra"), "q;\"r");
  EXPECT_EQ(r->at("last"), "");
}

TEST(ParseKeyValueConnectionString, BadInputsAreErrorsWithoutValues) {
  struct Case {
    const char* input;
    const char* message;
  } cases[] = {
      {"", "the connection string is empty"},
      {" ; ;", "the connection string is empty"},
      {"Server=h;garbage", "the segment at offset 9 has no '='"},
      {"Server", "the segment at offset 0 has no '='"},
      {"=h", "empty key at offset 0"},
      {"Server=h;Password={topsecret", "unterminated '{' in the value of key 'Password'"},
      {"Server=h;Password='topsecret", "unterminated quote in the value of key 'Password'"},
      {"Server=h;Password={top}secret", "unexpected text after the quoted value of key"},
      {"Server=h;SERVER=i", "key 'SERVER' is given more than once"},
  };
  for (const Case& c : cases) {
    auto r = ParseKeyValueConnectionString(c.input);
    ASSERT_FALSE(r.ok()) << c.input;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.input << " -> " << r.status().message();
    EXPECT_EQ(r.status().message().find("topsecret"), std::string::npos);
    EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
  }
}

TEST(ClassifyConnectionString, PicksTheForm) {
  EXPECT_EQ(ClassifyConnectionString("postgresql://u:p@h/db"), ConnectionStringForm::kUri);
  EXPECT_EQ(ClassifyConnectionString(" mysql://h"), ConnectionStringForm::kUri);
  EXPECT_EQ(ClassifyConnectionString("Server=h;Database=d"), ConnectionStringForm::kKeyValue);
  EXPECT_EQ(ClassifyConnectionString("Server=my host;Database=d"), ConnectionStringForm::kKeyValue);
  EXPECT_EQ(ClassifyConnectionString("host=h dbname=d"), ConnectionStringForm::kKeywords);
  EXPECT_EQ(ClassifyConnectionString("host=h password=a;b"), ConnectionStringForm::kKeywords);
  EXPECT_EQ(ClassifyConnectionString("host = h  password = 'a;b'"),
            ConnectionStringForm::kKeywords);
}

TEST(CheckConnectionString, AcceptsEachFormRejectsBroken) {
  EXPECT_TRUE(CheckConnectionString("Server=h;Database=d;Port=5432;UID=u;Password=p").ok());
  EXPECT_TRUE(CheckConnectionString("postgresql://u:p@h:5432/db?sslmode=require").ok());
  EXPECT_TRUE(CheckConnectionString("host=h dbname=d password='a b'").ok());
  EXPECT_FALSE(CheckConnectionString("").ok());
  EXPECT_FALSE(CheckConnectionString("postgresql://").ok());
  EXPECT_FALSE(CheckConnectionString("host=h password='oops").ok());
  EXPECT_FALSE(CheckConnectionString("host=h dbname").ok());
  EXPECT_FALSE(CheckConnectionString("Server=h;Password={oops").ok());
}

TEST(IsSecretKeyName, Names) {
  for (const char* k : {"Password", "PWD", "pwd", "sslpassword", "passwd", "ClientSecret",
                        "access_token", "Pass"}) {
    EXPECT_TRUE(IsSecretKeyName(k)) << k;
  }
  for (const char* k : {"Server", "UID", "user", "sslkey", "passfile", "port", "host"}) {
    EXPECT_FALSE(IsSecretKeyName(k)) << k;
  }
}

}  // namespace
}  // namespace fluxo
