// Issue 16 item 4: the operator commands (fluxo clients create --org, fluxo sandboxes create)
// refuse org and sandbox names that are not safe as lake folders (".", "..", hidden names).
#include <gtest/gtest.h>

#include <filesystem>

#include "auth/authenticator.h"
#include "base/clock.h"
#include "base/ids.h"
#include "metastore/sqlite/sqlite_metastore.h"

namespace fluxo {
namespace {

TEST(AuthenticatorNames, UnsafeOrgAndSandboxNamesAreRefused) {
  auto dir = std::filesystem::temp_directory_path() / ("fluxo-auth-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  auto store = OpenMetaStore("sqlite:" + (dir / "meta.db").string());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Migrate().ok());
  Authenticator auth(store->get(), "key", &SystemClock::Instance(), 3600);
  for (const std::string bad : {".", "..", ".hidden", "-x", "_x", "a/b", "a\\b", "", "a b"}) {
    SCOPED_TRACE(bad);
    Result<NewClient> c = auth.CreateClient(bad, "op");
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("--org"), std::string::npos);
    EXPECT_EQ(auth.CreateSandbox("ORG@AdobeOrg", bad).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(auth.CreateSandbox(bad, "dev").code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(auth.CreateClient("ORG1.x@AdobeOrg", "op").ok());
  EXPECT_TRUE(auth.CreateSandbox("ORG1.x@AdobeOrg", "dev-1.a").ok());
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fluxo
