#include "cli/api_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace fluxo {
namespace {

class LoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("fluxo-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "data");
    setenv("FLUXO_CONFIG_DIR", (dir_ / "config").c_str(), 1);
    for (const char* v : {"FLUXO_CLIENT_ID", "FLUXO_CLIENT_SECRET", "FLUXO_ORG_ID", "FLUXO_SANDBOX",
                          "FLUXO_SERVER", "FLUXO_CREDENTIALS"}) {
      unsetenv(v);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(LoginTest, DataDirCredentialsAreTheFallback) {
  LoginFlags f;
  f.data_dir = (dir_ / "data").string();
  auto none = ResolveLogin(f);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("fluxo login"), std::string::npos);
  Write(dir_ / "data/credentials.json",
        R"({"client_id":"c1","client_secret":"s1","org_id":"O@AdobeOrg","sandbox_name":"prod"})");
  auto l = ResolveLogin(f);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->client_id, "c1");
  EXPECT_EQ(l->org, "O@AdobeOrg");
  EXPECT_EQ(l->server, "http://127.0.0.1:8080");
  EXPECT_EQ(l->source, (dir_ / "data/credentials.json").string());
}

TEST_F(LoginTest, TheLoginFileWinsOverTheDataDirAndFlagsWinOverBoth) {
  LoginFlags f;
  f.data_dir = (dir_ / "data").string();
  Write(dir_ / "data/credentials.json", R"({"client_id":"c1","client_secret":"s1","org_id":"O1"})");
  Login saved{"http://h:9/", "c2", "s2", "O2", "dev", ""};
  ASSERT_TRUE(SaveLogin(saved).ok());
  EXPECT_EQ(LoginFilePath(), (dir_ / "config/login.json").string());
  EXPECT_EQ(std::filesystem::status(LoginFilePath()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto l = ResolveLogin(f);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->client_id, "c2");
  EXPECT_EQ(l->sandbox, "dev");
  EXPECT_EQ(l->server, "http://h:9");  // trailing slash dropped
  f.server = "http://other:1";
  f.client_id = "c3";
  f.client_secret = "s3";
  f.org = "O3";
  l = ResolveLogin(f);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->client_id, "c3");
  EXPECT_EQ(l->server, "http://other:1");
  EXPECT_EQ(l->sandbox, "prod");
  setenv("FLUXO_SANDBOX", "qa", 1);
  EXPECT_EQ(ResolveLogin(f)->sandbox, "qa");
}

TEST_F(LoginTest, AnExplicitCredentialsFileMustExist) {
  LoginFlags f;
  f.credentials_file = (dir_ / "missing.json").string();
  auto l = ResolveLogin(f);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("--credentials"), std::string::npos);
}

TEST(ReplyMessage, NamesTheStatusTheMessageAndTheCode) {
  ApiReply r;
  r.status = 400;
  r.body = json::parse(
      R"({"type":"https://ns.adobe.com/aep/errors/FLOW-1381-400","errorMessage":"params.windowEndTime must be after"})");
  EXPECT_EQ(ReplyMessage(r), "400: params.windowEndTime must be after (FLOW-1381-400)");
  r.status = 401;
  r.body = json::parse(R"({"error_code":"401013","message":"Oauth token is not valid"})");
  EXPECT_EQ(ReplyMessage(r), "401: Oauth token is not valid (401013)");
  r.status = 502;
  r.body = nullptr;
  r.text = "bad gateway";
  EXPECT_EQ(ReplyMessage(r), "502: bad gateway");
}

}  // namespace
}  // namespace fluxo
