#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "objstore/local/local_object_store.h"
#include "objstore/memory_object_store.h"

namespace fluxo {
namespace {
namespace fs = std::filesystem;

TEST(ObjectKeyTest, Validation) {
  EXPECT_TRUE(ValidateObjectKey("a").ok());
  EXPECT_TRUE(ValidateObjectKey("org/sb/datasets/d1/part-00000.parquet").ok());
  EXPECT_TRUE(ValidateObjectKey("a/..b/c.").ok());
  for (const char* bad : {"", "/abs", "a/", "a//b", "../x", "a/../b", "a/./b", ".", "a\\b"}) {
    EXPECT_EQ(ValidateObjectKey(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ValidateObjectKey(std::string(1025, 'a')).ok());
}

// The same behaviour is required of every implementation.
class ObjectStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<MemoryObjectStore>();
    } else {
      root_ = fs::temp_directory_path() /
              ("fluxo-objstore-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
      fs::remove_all(root_);
      auto s = LocalObjectStore::Open(root_);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      local_ = s->get();
      store_ = std::move(*s);
    }
  }
  void TearDown() override {
    store_.reset();
    if (!root_.empty()) fs::remove_all(root_);
  }

  std::unique_ptr<ObjectStore> store_;
  LocalObjectStore* local_ = nullptr;
  fs::path root_;
};

TEST_P(ObjectStoreContract, WriterIsInvisibleUntilCommit) {
  auto w = store_->NewWriter("a/b/obj.bin");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("hello ").ok());
  ASSERT_TRUE((*w)->Append(std::string(3 << 20, 'x')).ok());  // larger than any buffer
  EXPECT_EQ((*w)->bytes_written(), 6 + (3 << 20));
  EXPECT_EQ(store_->Head("a/b/obj.bin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListAll("")->empty());
  ASSERT_TRUE((*w)->Commit().ok());
  auto info = store_->Head("a/b/obj.bin");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 6 + (3 << 20));
  EXPECT_GT(info->last_modified_ms, 1600000000000);
  EXPECT_EQ(*store_->Get("a/b/obj.bin", {0, 6}), "hello ");
  if (local_ != nullptr) {
    // No temp file is left next to the object.
    int n = 0;
    for (const auto& e : fs::directory_iterator(root_ / "a/b")) n += e.is_regular_file();
    EXPECT_EQ(n, 1);
  }
}

TEST_P(ObjectStoreContract, AbortLeavesNothingAndKeepsTheOldObject) {
  ASSERT_TRUE(store_->Put("k", "old").ok());
  {
    auto w = store_->NewWriter("k");
    ASSERT_TRUE((*w)->Append("new").ok());
    (*w)->Abort();
    (*w)->Abort();  // idempotent
  }
  {
    auto w = store_->NewWriter("k");
    ASSERT_TRUE((*w)->Append("dropped").ok());
    // destroyed without Commit: aborted
  }
  EXPECT_EQ(*store_->Get("k"), "old");
  auto all = store_->ListAll("");
  ASSERT_EQ(all->size(), 1u);
  if (local_ != nullptr) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(root_)) n += e.is_regular_file();
    EXPECT_EQ(n, 1);  // no temp file left
  }
  ASSERT_TRUE(store_->Put("k", "replaced").ok());
  EXPECT_EQ(*store_->Get("k"), "replaced");
}

TEST_P(ObjectStoreContract, GetRanges) {
  ASSERT_TRUE(store_->Put("r", "0123456789").ok());
  EXPECT_EQ(*store_->Get("r"), "0123456789");
  EXPECT_EQ(*store_->Get("r", {3, 4}), "3456");
  EXPECT_EQ(*store_->Get("r", {7, 100}), "789");
  EXPECT_EQ(*store_->Get("r", {9, -1}), "9");
  EXPECT_EQ(store_->Get("r", {10, 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("missing").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(*store_->Get("empty"), "");
}

TEST_P(ObjectStoreContract, ListWithPrefixAndPagination) {
  std::vector<std::string> keys = {"d/b1/p2", "d/b1/p1", "d/b10/p", "d/b2/p", "e/x", "d/c"};
  for (const auto& k : keys) ASSERT_TRUE(store_->Put(k, k).ok());
  ObjectListOptions opts;
  opts.prefix = "d/b1";
  opts.max_keys = 2;
  auto p1 = store_->List(opts);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->objects.size(), 2u);
  EXPECT_EQ(p1->objects[0].key, "d/b1/p1");
  EXPECT_EQ(p1->objects[1].key, "d/b1/p2");
  EXPECT_EQ(p1->objects[0].size, 7);
  ASSERT_FALSE(p1->next_token.empty());
  opts.continuation_token = p1->next_token;
  auto p2 = store_->List(opts);
  ASSERT_EQ(p2->objects.size(), 1u);
  EXPECT_EQ(p2->objects[0].key, "d/b10/p");
  EXPECT_TRUE(p2->next_token.empty());
  EXPECT_EQ(store_->ListAll("d/")->size(), 5u);
  EXPECT_EQ(store_->ListAll("")->size(), 6u);
  EXPECT_TRUE(store_->ListAll("zzz/")->empty());
  opts.max_keys = 0;
  EXPECT_FALSE(store_->List(opts).ok());
}

TEST_P(ObjectStoreContract, DeleteIsIdempotent) {
  ASSERT_TRUE(store_->Put("x/y/z", "1").ok());
  EXPECT_TRUE(store_->Delete("x/y/z").ok());
  EXPECT_TRUE(store_->Delete("x/y/z").ok());
  EXPECT_EQ(store_->Head("x/y/z").status().code(), StatusCode::kNotFound);
  if (local_ != nullptr) {
    EXPECT_FALSE(fs::exists(root_ / "x"));  // empty dirs removed
  }
  // A new object under a removed directory works.
  EXPECT_TRUE(store_->Put("x/y/w", "2").ok());
}

TEST_P(ObjectStoreContract, RejectsEscapingKeys) {
  for (const char* bad : {"../escape", "/etc/passwd", "a/../../b"}) {
    EXPECT_EQ(store_->NewWriter(bad).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Get(bad).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(bad).code(), StatusCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(All, ObjectStoreContract, ::testing::Values("memory", "local"));

TEST(LocalObjectStoreTest, TempFilesAreHiddenAndReserved) {
  fs::path root = fs::temp_directory_path() / ("fluxo-objstore-tmp-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto store = LocalObjectStore::Open(root);
  ASSERT_TRUE(store.ok());
  auto w = (*store)->NewWriter("b/part-0");
  ASSERT_TRUE((*w)->Append("x").ok());
  // A writer in progress (or a crashed one) leaves a temp file that List does not show.
  EXPECT_TRUE((*store)->ListAll("")->empty());
  EXPECT_FALSE((*store)->NewWriter("b/.fluxo-tmp-x").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ((*store)->ListAll("")->size(), 1u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace fluxo
