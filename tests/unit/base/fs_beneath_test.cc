#include "base/fs_beneath.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace fluxo {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

class FsBeneathTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fluxo-beneath-XXXXXX";
    base_ = fs::path(::mkdtemp(tmpl));
    fs::create_directories(base_ / "root/sub");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root/sub/a.txt") << "inside";
    std::ofstream(base_ / "outside/a.txt") << "outside";
    fs::create_symlink(base_ / "outside/a.txt", base_ / "root/abs-link.txt");
    fs::create_symlink("sub/a.txt", base_ / "root/rel-link.txt");
    fs::create_directory_symlink(base_ / "outside", base_ / "root/dirlink");
    fs::create_directory_symlink("sub", base_ / "root/inner-dirlink");
    root_ = UniqueFd(::open((base_ / "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_.valid());
  }
  void TearDown() override { fs::remove_all(base_); }

  Result<UniqueFd> Open(std::string_view rel, int flags = O_RDONLY) {
    return GetParam() ? OpenBeneathByWalk(root_.get(), rel, flags)
                      : OpenBeneath(root_.get(), rel, flags);
  }

  fs::path base_;
  UniqueFd root_;
};

TEST_P(FsBeneathTest, OpensFilesAndFoldersBeneath) {
  auto f = Open("sub/a.txt");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(ReadAll(f->get()), "inside");
  EXPECT_TRUE(Open("./sub//a.txt").ok());
  EXPECT_TRUE(Open("sub", O_RDONLY | O_DIRECTORY).ok());
  EXPECT_TRUE(Open("", O_RDONLY | O_DIRECTORY).ok());
}

TEST_P(FsBeneathTest, RefusesEverySymlinkAndEveryEscape) {
  for (const char* rel : {"abs-link.txt", "rel-link.txt", "dirlink/a.txt", "inner-dirlink/a.txt",
                          "../outside/a.txt", "sub/../../outside/a.txt", "/etc/passwd"}) {
    SCOPED_TRACE(rel);
    auto f = Open(rel);
    EXPECT_EQ(f.status().code(), StatusCode::kPermissionDenied) << f.status().ToString();
  }
  EXPECT_EQ(Open("dirlink", O_RDONLY | O_DIRECTORY).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Open(std::string_view("sub/a.txt\0x", 11)).status().code(),
            StatusCode::kPermissionDenied);
}

// Issue 16: a hard link beneath the folder (here to a file outside it) is refused like a
// symlink, on the opened descriptor; so is the outside file's other name once linked in, and a
// file that had a second link becomes readable again when the link is removed.
TEST_P(FsBeneathTest, RefusesHardLinkedFiles) {
  fs::create_hard_link(base_ / "outside/a.txt", base_ / "root/hard.txt");
  auto f = Open("hard.txt");
  ASSERT_EQ(f.status().code(), StatusCode::kPermissionDenied) << f.status().ToString();
  EXPECT_NE(f.status().message().find(kHardLinkRefusal), std::string::npos)
      << f.status().ToString();
  EXPECT_EQ(f.status().message().find(base_.string()), std::string::npos);   // only `rel`
  fs::create_hard_link(base_ / "root/sub/a.txt", base_ / "root/sub/b.txt");  // both inside
  EXPECT_EQ(Open("sub/a.txt").status().code(), StatusCode::kPermissionDenied);
  fs::remove(base_ / "root/sub/b.txt");
  EXPECT_TRUE(Open("sub/a.txt").ok());
  EXPECT_TRUE(Open("sub", O_RDONLY | O_DIRECTORY).ok());  // folders always have several links
}

TEST_P(FsBeneathTest, MissingAndWrongKinds) {
  EXPECT_EQ(Open("sub/none.txt").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Open("sub/a.txt/x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Open("sub/a.txt", O_RDONLY | O_DIRECTORY).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Open("sub/a.txt", O_RDONLY | O_CREAT).status().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Openat2AndWalk, FsBeneathTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Walk" : "Auto"; });

TEST(OpenAllowedTest, RootsAsGivenOrResolved) {
  char tmpl[] = "/tmp/fluxo-allowed-XXXXXX";
  fs::path base(::mkdtemp(tmpl));
  fs::create_directories(base / "real/in");
  std::ofstream(base / "real/in/f") << "x";
  fs::create_directory_symlink(base / "real", base / "link");
  std::vector<std::string> via_link = {(base / "link").string()};
  std::vector<std::string> direct = {(base / "real").string()};
  for (const std::vector<std::string>* r : {&via_link, &direct}) {
    const auto& roots = *r;
    EXPECT_TRUE(OpenAllowed((base / "real/in/f").string(), roots, O_RDONLY, false).ok());
    // A path through a symlink outside the roots counts only when a root is given that way.
    EXPECT_EQ(OpenAllowed((base / "link/in/f").string(), roots, O_RDONLY, false).ok(),
              r == &via_link);
    EXPECT_TRUE(OpenAllowed((base / "real/x/../in/f").string(), roots, O_RDONLY, false).ok());
    EXPECT_EQ(
        OpenAllowed((base / "real/../real2/f").string(), roots, O_RDONLY, false).status().code(),
        StatusCode::kPermissionDenied);
    EXPECT_EQ(
        OpenAllowed((base / "real").string(), roots, O_RDONLY | O_DIRECTORY, false).status().code(),
        StatusCode::kPermissionDenied);
    EXPECT_TRUE(OpenAllowed((base / "real").string(), roots, O_RDONLY | O_DIRECTORY, true).ok());
  }
  EXPECT_EQ(OpenAllowed((base / "real/in/f").string(), {}, O_RDONLY, false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenAllowed("in/f", direct, O_RDONLY, false).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_FALSE(LexicallyAllowed((base / "realx/f").string(), direct, false));
  fs::remove_all(base);
}

}  // namespace
}  // namespace fluxo
