#include "model/secrets.h"

#include <gtest/gtest.h>

#include "model/connection_string.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo {
namespace {

constexpr std::string_view kPw = "Xq7-pa55";  // distinctive: must never appear in masked output

struct MaskCase {
  std::string input;
  std::string masked;
};

class MaskConnectionStringTest : public ::testing::TestWithParam<MaskCase> {};

TEST_P(MaskConnectionStringTest, MasksOnlyThePassword) {
  const MaskCase& c = GetParam();
  EXPECT_EQ(MaskConnectionString(c.input), c.masked) << c.input;
}

std::string P() { return std::string(kPw); }

INSTANTIATE_TEST_SUITE_P(
    Forms, MaskConnectionStringTest,
    ::testing::Values(
        // AEP / ODBC form.
        MaskCase{"Server=h;Database=d;Port=5432;UID=u;Password=" + P(),
                 "Server=h;Database=d;Port=5432;UID=u;Password=***"},
        MaskCase{"Server=h;PWD=" + P() + ";Database=d", "Server=h;PWD=***;Database=d"},
        MaskCase{"Server=h;Password='a;b" + P() + "'", "Server=h;Password=***"},
        MaskCase{"Server=h;Password=\"a\"\";" + P() + "\";UID=u", "Server=h;Password=***;UID=u"},
        MaskCase{"Server=h;Pwd={a;b}}" + P() + "};UID=u", "Server=h;Pwd=***;UID=u"},
        MaskCase{"Server=h; password =  " + P() + "  ;UID=u", "Server=h; password =  ***  ;UID=u"},
        MaskCase{"Server=h;Password=", "Server=h;Password=***"},
        // URIs.
        MaskCase{"postgresql://u:" + P() + "@h:5432/db", "postgresql://u:***@h:5432/db"},
        MaskCase{"postgres://u:p%40" + P() + "@h/db?sslmode=require",
                 "postgres://u:***@h/db?sslmode=require"},
        MaskCase{"postgresql://u:a@b" + P() + "@h/db", "postgresql://u:***@h/db"},
        MaskCase{"postgresql://h/db?user=u&password=" + P() + "&sslmode=require",
                 "postgresql://h/db?user=u&password=***&sslmode=require"},
        MaskCase{"mysql://u:" + P() + "@h:3306/db", "mysql://u:***@h:3306/db"},
        MaskCase{"postgresql://u@h/db", "postgresql://u@h/db"},
        MaskCase{"postgresql://h:5432,h2:5433/db", "postgresql://h:5432,h2:5433/db"},
        // libpq keywords.
        MaskCase{"host=h dbname=d password=" + P(), "host=h dbname=d password=***"},
        MaskCase{"host=h password='a b\\' " + P() + "' user=u", "host=h password=*** user=u"},
        MaskCase{"host=h password = a;" + P() + " sslpassword=" + P(),
                 "host=h password = *** sslpassword=***"},
        // Unparseable: masked whole.
        MaskCase{"Server=h;Password={" + P(), "***"}, MaskCase{"host=h password='" + P(), "***"},
        MaskCase{"Server=h;Password=x;" + P(), "***"},
        // Nothing secret: unchanged.
        MaskCase{"Server=h;Database=d;UID=u", "Server=h;Database=d;UID=u"}));

TEST(MaskConnectionString, NeverLeaksWhateverTheInput) {
  // Strings built to confuse the parsers: the safety net must mask them whole if needed.
  const std::vector<std::string> inputs = {
      "host=h options='-c password=" + P() + "'",
      "Server=h x=y;Password=" + P(),
      "Server=h;Password=" + P() + " ;UID=u;PWD='" + P() + "'",
      "a://" + P(),
      "Password=" + P(),
      "pwd " + P(),
      "x;y=1;pass=" + P(),
      "postgresql://h/db?pass%77ord=" + P(),
  };
  for (const std::string& in : inputs) {
    std::string out = MaskConnectionString(in);
    if (in == "a://" + P() || in == "pwd " + P()) continue;  // no password-like key: not a secret
    EXPECT_EQ(out.find(kPw), std::string::npos) << in << " -> " << out;
  }
}

TEST(MaskSecrets, EverySpecMasksItsSecrets) {
  for (const ConnectionSpec& spec : BuiltinConnectionSpecs()) {
    for (const AuthSpec& auth : spec.auth_specs) {
      json::object params;
      for (const ParamSpec& p : auth.params) {
        if (p.secret && p.connection_string) {
          params[p.name] = "Server=h;UID=u;Password={" + P() + ";}";
        } else if (p.secret) {
          params[p.name] = P();
        } else if (p.type == ParamType::kBoolean) {
          params[p.name] = true;
        } else {
          params[p.name] = "v";
        }
      }
      json::object masked = MaskSecrets(auth.params, params);
      EXPECT_EQ(ToJson(masked).find(kPw), std::string::npos) << spec.name << ToJson(masked);
      for (const ParamSpec& p : auth.params) {
        if (!p.secret) {
          EXPECT_EQ(masked[p.name], params[p.name]) << p.name;
        }
      }
    }
  }
}

TEST(MaskSecrets, ShapesOfMasking) {
  const ConnectionSpec* s3 = FindConnectionSpec(spec_ids::kS3);
  ASSERT_NE(s3, nullptr);
  const auto& s3_params = s3->auth_specs.at(0).params;
  json::object in = {{"s3AccessKey", "AKIA"}, {"s3SecretKey", P()}, {"pathStyle", true}};
  json::object out = MaskSecrets(s3_params, in);
  EXPECT_EQ(out,
            (json::object{{"s3AccessKey", "AKIA"}, {"s3SecretKey", "***"}, {"pathStyle", true}}));

  // A secret of the wrong type is still masked; an unknown key is masked whole.
  json::object odd = {{"s3SecretKey", json::object{{"k", P()}}}, {"typo", P()}};
  EXPECT_EQ(MaskSecrets(s3_params, odd), (json::object{{"s3SecretKey", "***"}, {"typo", "***"}}));

  const ConnectionSpec* pg = FindConnectionSpec(spec_ids::kPostgres);
  ASSERT_NE(pg, nullptr);
  const auto& pg_params = pg->auth_specs.at(0).params;
  json::object cs = {{"connectionString", "postgresql://u:" + P() + "@h/db"},
                     {"sslMode", "require"}};
  EXPECT_EQ(
      MaskSecrets(pg_params, cs),
      (json::object{{"connectionString", "postgresql://u:***@h/db"}, {"sslMode", "require"}}));
  json::object not_string = {{"connectionString", 42}};
  EXPECT_EQ(MaskSecrets(pg_params, not_string), (json::object{{"connectionString", "***"}}));
}

TEST(SecretFieldNames, ListsSecretsIncludingNested) {
  EXPECT_EQ(SecretFieldNames(FindConnectionSpec(spec_ids::kPostgres)->auth_specs[0].params),
            (std::vector<std::string>{"connectionString"}));
  EXPECT_EQ(SecretFieldNames(FindConnectionSpec(spec_ids::kS3)->auth_specs[0].params),
            (std::vector<std::string>{"s3SecretKey"}));
  EXPECT_TRUE(
      SecretFieldNames(FindConnectionSpec(spec_ids::kSqlite)->auth_specs[0].params).empty());
  std::vector<ParamSpec> nested = {
      {.name = "proxy",
       .type = ParamType::kObject,
       .properties = {{.name = "user"}, {.name = "password", .secret = true}}}};
  EXPECT_EQ(SecretFieldNames(nested), (std::vector<std::string>{"proxy.password"}));
  json::object in = {{"proxy", json::object{{"user", "u"}, {"password", P()}}}};
  EXPECT_EQ(MaskSecrets(nested, in),
            (json::object{{"proxy", json::object{{"user", "u"}, {"password", "***"}}}}));
}

TEST(RestoreEchoedSecrets, KeepsStoredSecretWhenMaskIsEchoed) {
  const auto& params = FindConnectionSpec(spec_ids::kPostgres)->auth_specs[0].params;
  json::object stored = {{"connectionString", "Server=h;UID=u;Password=" + P()}};
  json::object echoed = MaskSecrets(params, stored);
  echoed["sslMode"] = "require";
  json::object restored = RestoreEchoedSecrets(params, echoed, stored);
  EXPECT_EQ(restored["connectionString"], stored["connectionString"]);
  EXPECT_EQ(restored["sslMode"], "require");
  json::object changed = {{"connectionString", "Server=h2;UID=u;Password=new"}};
  EXPECT_EQ(RestoreEchoedSecrets(params, changed, stored), changed);
}

}  // namespace
}  // namespace fluxo
