#include "secrets/master_key.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;

class MasterKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "fluxo-mk-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "master.key").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static mode_t ModeOf(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  static std::string ReadAll(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void WriteFile(const std::string& content, mode_t mode) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(MasterKeyFile, CreatesWithMode0600AsHexAndLoadsTheSameKey) {
  Result<MasterKey> created = LoadOrCreateMasterKey(path_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->bytes().size(), MasterKey::kSize);
  EXPECT_EQ(ModeOf(path_), 0600u);
  std::string text = ReadAll(path_);
  ASSERT_EQ(text.size(), 65u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.substr(0, 64), HexEncode(std::string(created->bytes())));

  Result<MasterKey> loaded = LoadOrCreateMasterKey(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->bytes(), created->bytes());

  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(MasterKeyFile, ModeIsExactlyOwnerOnlyWhateverTheUmask) {
  mode_t old = ::umask(0);
  Result<MasterKey> created = LoadOrCreateMasterKey(path_);
  ::umask(old);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(ModeOf(path_), 0600u);
}

TEST_F(MasterKeyFile, TwoKeysDiffer) {
  ASSERT_TRUE(LoadOrCreateMasterKey(path_).ok());
  Result<MasterKey> other = LoadOrCreateMasterKey((dir_ / "other.key").string());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(LoadOrCreateMasterKey(path_)->bytes(), other->bytes());
}

TEST_F(MasterKeyFile, LoadsAnExistingFileWithOrWithoutNewlineInEitherCase) {
  std::string hex(64, 'A');
  for (size_t i = 0; i < hex.size(); i += 2) hex[i] = '0' + static_cast<char>(i % 10);
  WriteFile(hex, 0600);
  Result<MasterKey> a = LoadOrCreateMasterKey(path_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  WriteFile(hex + "\n", 0400);  // read-only for the owner is fine too
  Result<MasterKey> b = LoadOrCreateMasterKey(path_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->bytes(), b->bytes());
  EXPECT_EQ(HexEncode(std::string(a->bytes())), [&] {
    std::string lower = hex;
    for (auto& c : lower) c = static_cast<char>(std::tolower(c));
    return lower;
  }());
}

TEST_F(MasterKeyFile, RefusesGroupOrWorldAccessibleFile) {
  ASSERT_TRUE(LoadOrCreateMasterKey(path_).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0660, 0666}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    Result<MasterKey> r = LoadOrCreateMasterKey(path_);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(path_), std::string::npos);
    EXPECT_EQ(ModeOf(path_), mode) << "the file must not be repaired silently";
  }
}

TEST_F(MasterKeyFile, RefusesWrongSizeOrContent) {
  for (const std::string& content :
       {std::string(), std::string(63, 'a'), std::string(66, 'a'), std::string(64, 'a') + "\r",
        std::string(32, 'x'), std::string(64, 'g'), std::string(63, 'a') + " \n",
        std::string(32, '\x01')}) {
    WriteFile(content, 0600);
    Result<MasterKey> r = LoadOrCreateMasterKey(path_);
    ASSERT_FALSE(r.ok()) << content.size();
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
    EXPECT_EQ(ReadAll(path_), content) << "an existing file is never overwritten";
  }
}

TEST_F(MasterKeyFile, RefusesADirectory) {
  fs::create_directory(path_);
  ::chmod(path_.c_str(), 0700);
  Result<MasterKey> r = LoadOrCreateMasterKey(path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
}

TEST_F(MasterKeyFile, MissingDirectoryIsNotFound) {
  Result<MasterKey> r = LoadOrCreateMasterKey((dir_ / "absent" / "master.key").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_FALSE(LoadOrCreateMasterKey("").ok());
}

TEST_F(MasterKeyFile, ConcurrentCreatorsAgreeOnOneKey) {
  for (int round = 0; round < 20; ++round) {
    std::string path = (dir_ / ("race-" + std::to_string(round) + ".key")).string();
    constexpr int kThreads = 8;
    std::vector<std::string> keys(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        Result<MasterKey> k = LoadOrCreateMasterKey(path);
        keys[i] = k.ok() ? std::string(k->bytes()) : k.status().ToString();
      });
    }
    for (auto& t : threads) t.join();
    for (int i = 1; i < kThreads; ++i) ASSERT_EQ(keys[i], keys[0]) << "round " << round;
    ASSERT_EQ(keys[0].size(), MasterKey::kSize) << keys[0];
  }
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 20) << "temporary files left behind";
}

TEST(MasterKey, FromBytesChecksSize) {
  EXPECT_TRUE(MasterKey::FromBytes(std::string(32, 'k')).ok());
  EXPECT_EQ(MasterKey::FromBytes(std::string(31, 'k')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(MasterKey::FromBytes(std::string(33, 'k')).ok());
  EXPECT_NE(MasterKey::Generate().bytes(), MasterKey::Generate().bytes());
}

TEST(DeriveKey, DeterministicPerPurposeAndKey) {
  MasterKey a = *MasterKey::FromBytes(std::string(32, 'a'));
  MasterKey b = *MasterKey::FromBytes(std::string(32, 'b'));
  std::string s1 = DeriveKey(a, kKeyPurposeSecrets);
  EXPECT_EQ(s1.size(), 32u);
  EXPECT_EQ(s1, DeriveKey(a, kKeyPurposeSecrets));
  EXPECT_NE(s1, DeriveKey(a, kKeyPurposeTokenSigning));
  EXPECT_NE(s1, DeriveKey(b, kKeyPurposeSecrets));
  EXPECT_NE(s1, std::string(a.bytes()));
  EXPECT_EQ(DeriveKey(a, "").size(), 32u);
}

// RFC 5869 does not have a 32-byte-IKM, empty-salt SHA-256 vector with our parameters, so pin the
// output against an independent computation (Python: hmac/hashlib HKDF) to catch a silent change
// of algorithm or parameters, which would make every stored secret unreadable.
TEST(DeriveKey, MatchesHkdfSha256) {
  MasterKey k = *MasterKey::FromBytes(std::string(32, '\x0b'));
  EXPECT_EQ(HexEncode(DeriveKey(k, "fluxo/test")),
            "d889a719b71468cf9d9e530ed164550ccfa6af6f9dfb57a655be958ad22ea07d");
}

}  // namespace
}  // namespace fluxo
