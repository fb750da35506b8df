#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace fluxo {
namespace {

// Polls `pred` for up to 5 s.
template <typename Pred>
bool Eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

TEST(WorkerPool, BoundsRunningAndQueuedJobs) {
  WorkerPool pool(WorkerPoolOptions{/*threads=*/2, /*queue_limit=*/1});
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> ran{0};
  auto blocked = [&] {
    return WorkerPool::Job{[open, &ran] {
                             open.wait();
                             ++ran;
                           },
                           nullptr};
  };
  EXPECT_TRUE(pool.TrySubmit(blocked()));
  EXPECT_TRUE(pool.TrySubmit(blocked()));
  ASSERT_TRUE(Eventually([&] { return pool.running() == 2; }));
  EXPECT_TRUE(pool.TrySubmit(blocked()));  // waits
  EXPECT_EQ(pool.queued(), 1u);
  EXPECT_FALSE(pool.TrySubmit(blocked()));  // full: refused, never run
  gate.set_value();
  ASSERT_TRUE(Eventually([&] { return ran == 3; }));
  EXPECT_TRUE(Eventually([&] { return pool.running() == 0; }));
  EXPECT_TRUE(pool.TrySubmit(blocked()));  // room again
  EXPECT_TRUE(Eventually([&] { return ran == 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ran, 4);  // the refused job never ran
}

TEST(WorkerPool, ShutdownDropsQueuedJobsAndWaitsForRunningOnes) {
  WorkerPool pool(WorkerPoolOptions{/*threads=*/1, /*queue_limit=*/4});
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<bool> finished{false};
  std::atomic<int> dropped{0}, ran_queued{0};
  ASSERT_TRUE(pool.TrySubmit({[open, &finished] {
                                open.wait();
                                finished = true;
                              },
                              [] { ADD_FAILURE() << "a running job is not dropped"; }}));
  ASSERT_TRUE(Eventually([&] { return pool.running() == 1; }));
  // The first drop opens the gate: the running job can only end after Shutdown began.
  std::atomic<bool> opened{false};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.TrySubmit({[&ran_queued] { ++ran_queued; },
                                [&] {
                                  ++dropped;
                                  if (!opened.exchange(true)) gate.set_value();
                                }}));
  }
  pool.Shutdown();
  EXPECT_TRUE(finished);  // Shutdown returned only after the running job ended
  EXPECT_EQ(dropped, 3);
  EXPECT_EQ(ran_queued, 0);
  EXPECT_FALSE(pool.TrySubmit({[] {}, [] {}}));  // no admission after shutdown
  pool.Shutdown();                               // idempotent
}

}  // namespace
}  // namespace fluxo
