// RangeReader against a fake store: order, bounds of the read-ahead, errors, short objects,
// a consumer that stops asking, cancellation.
#include "objstore/range_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "objstore/memory_object_store.h"

namespace fluxo {
namespace {

// A MemoryObjectStore whose Gets take some time, are counted (at once and in total), and can
// fail from a given offset on.
class SlowStore : public MemoryObjectStore {
 public:
  Result<std::string> Get(std::string_view key, ByteRange range) override {
    int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    ++gets_;
    {
      std::lock_guard<std::mutex> lock(ranges_mu_);
      ranges_.push_back(range);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    --in_flight_;
    if (fail_from >= 0 && range.offset >= fail_from) return Status::Unavailable("injected");
    return MemoryObjectStore::Get(key, range);
  }
  int delay_ms = 5;
  int64_t fail_from = -1;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::atomic<int> gets_{0};
  std::mutex ranges_mu_;
  std::vector<ByteRange> ranges_;  // every Get's range, in call order
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

TEST(RangeReaderTest, DeliversTheRangeInOrderWithBoundedParallelFetches) {
  SlowStore store;
  std::string data = Pattern(1000);
  ASSERT_TRUE(store.Put("k", data).ok());
  auto r = RangeReader::Start(&store, "k", 37, 900, {64, 4}, DetachedRunner());
  std::string got;
  while (true) {
    auto c = r->NextBlocking();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    if (c->empty()) break;
    EXPECT_LE(c->size(), 64u);
    got += *c;
  }
  EXPECT_EQ(got, data.substr(37, 900));
  EXPECT_EQ(r->delivered(), 900);
  EXPECT_EQ(store.gets_.load(), 15);  // ceil(900 / 64)
  EXPECT_GT(store.max_in_flight_.load(), 1);
  EXPECT_LE(store.max_in_flight_.load(), 4);
  // After the end: the end again.
  auto again = r->NextBlocking();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST(RangeReaderTest, ConsumerThatStopsAskingStopsTheFetching) {
  SlowStore store;
  store.delay_ms = 0;
  ASSERT_TRUE(store.Put("k", Pattern(10000)).ok());
  auto r = RangeReader::Start(&store, "k", 0, 10000, {100, 3}, DetachedRunner());
  ASSERT_TRUE(r->NextBlocking().ok());
  ASSERT_TRUE(r->NextBlocking().ok());
  // Give the fetch threads time: at most read_ahead chunks beyond the delivered ones.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  r->WaitIdle();
  EXPECT_EQ(store.gets_.load(), 2 + 3);
  r->Cancel();
  r->WaitIdle();
  auto c = r->NextBlocking();
  EXPECT_EQ(c.status().code(), StatusCode::kCancelled);
}

// A probe (codec detection, a CSV header) takes the first chunk and goes away: one Get, not
// read_ahead of them. Reading on ramps up to read_ahead at once.
TEST(RangeReaderTest, AProbeOfTheFirstChunkCostsOneGet) {
  SlowStore store;
  store.delay_ms = 0;
  std::string data = Pattern(1000);
  ASSERT_TRUE(store.Put("k", data).ok());
  auto r = RangeReader::Start(&store, "k", 0, 1000, {100, 3}, DetachedRunner());
  auto first = r->NextBlocking();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, data.substr(0, 100));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  r->WaitIdle();
  EXPECT_EQ(store.gets_.load(), 1);
  store.delay_ms = 5;
  std::string got = *first;
  while (true) {
    auto c = r->NextBlocking();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    if (c->empty()) break;
    got += *c;
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ(store.gets_.load(), 10);
  EXPECT_GT(store.max_in_flight_.load(), 1);
  EXPECT_LE(store.max_in_flight_.load(), 3);
}

// An object smaller than one chunk (its size known from the listing): one Get of exactly its
// bytes, none past the end, even with read-ahead.
TEST(RangeReaderTest, ASmallObjectIsOneGetOfItsSize) {
  SlowStore store;
  std::string data = Pattern(3000);
  ASSERT_TRUE(store.Put("k", data).ok());
  auto r = RangeReader::Start(&store, "k", 0, 3000, {8 << 20, 3}, DetachedRunner());
  auto c = r->NextBlocking();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, data);
  auto end = r->NextBlocking();
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->empty());
  r->WaitIdle();
  std::lock_guard<std::mutex> lock(store.ranges_mu_);
  ASSERT_EQ(store.ranges_.size(), 1u);
  EXPECT_EQ(store.ranges_[0].offset, 0);
  EXPECT_EQ(store.ranges_[0].length, 3000);
}

TEST(RangeReaderTest, ErrorIsDeliveredInItsTurnAndAgain) {
  SlowStore store;
  ASSERT_TRUE(store.Put("k", Pattern(1000)).ok());
  store.fail_from = 300;
  auto r = RangeReader::Start(&store, "k", 0, 1000, {100, 4}, DetachedRunner());
  std::string got;
  Status err;
  for (int i = 0; i < 20; ++i) {
    auto c = r->NextBlocking();
    if (!c.ok()) {
      err = c.status();
      break;
    }
    ASSERT_FALSE(c->empty());
    got += *c;
  }
  EXPECT_EQ(got.size(), 300u);
  EXPECT_EQ(err.code(), StatusCode::kUnavailable);
  EXPECT_EQ(r->NextBlocking().status().code(), StatusCode::kUnavailable);
  r->WaitIdle();
}

TEST(RangeReaderTest, ObjectShorterThanTheRangeEndsEarly) {
  SlowStore store;
  ASSERT_TRUE(store.Put("k", Pattern(250)).ok());
  auto r = RangeReader::Start(&store, "k", 0, 1000, {100, 2}, DetachedRunner());
  std::string got;
  for (int i = 0; i < 20; ++i) {
    auto c = r->NextBlocking();
    if (!c.ok()) break;  // a range past the end after the short chunk is an error too
    if (c->empty()) break;
    got += *c;
  }
  EXPECT_EQ(got, Pattern(250));
  r->WaitIdle();
}

TEST(RangeReaderTest, AsyncNextAndRefusingRunner) {
  SlowStore store;
  ASSERT_TRUE(store.Put("k", Pattern(300)).ok());
  // A runner that refuses everything: the first chunk fails, retryably.
  auto r = RangeReader::Start(&store, "k", 0, 300, {100, 2},
                              [](std::function<void()>) { return false; });
  auto c = r->NextBlocking();
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(c.status().retryable());
  // An empty range ends at once.
  auto e = RangeReader::Start(&store, "k", 300, 0, {100, 2}, DetachedRunner());
  bool called = false;
  e->Next([&](Result<std::string> r2) {
    called = true;
    EXPECT_TRUE(r2.ok() && r2->empty());
  });
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace fluxo
