// WriterQueue grants turns in arrival order: writers that queued behind a held turn get it one
// after the other in the order they arrived (a plain mutex gives no such order).
#include "metastore/sqlite/writer_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace fluxo {
namespace {

TEST(WriterQueue, TurnsAreGrantedInArrivalOrder) {
  for (int round = 0; round < 20; ++round) {
    WriterQueue q;
    Mutex order_mu;
    std::vector<int> order;
    std::vector<std::thread> writers;
    {
      WriterTurn held(&q);
      for (int i = 0; i < 8; ++i) {
        writers.emplace_back([&, i] {
          WriterTurn turn(&q);
          MutexLock lock(&order_mu);
          order.push_back(i);
        });
        // Wait until writer i has taken its ticket, so that arrival order is i's order.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (q.Arrivals() < static_cast<uint64_t>(i) + 2 &&
               std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();
        }
        ASSERT_EQ(q.Arrivals(), static_cast<uint64_t>(i) + 2);
      }
    }
    for (auto& t : writers) t.join();
    MutexLock lock(&order_mu);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7})) << "round " << round;
  }
}

// A released turn goes to the next writer even when the releasing thread asks again at once: it
// queues behind the writers that were already waiting.
TEST(WriterQueue, AWriterThatReleasesAndAsksAgainQueuesBehindTheWaiting) {
  WriterQueue q;
  Mutex mu;
  std::vector<char> order;
  std::thread other;
  {
    WriterTurn first(&q);
    other = std::thread([&] {
      WriterTurn turn(&q);
      MutexLock lock(&mu);
      order.push_back('o');
    });
    while (q.Arrivals() < 2) std::this_thread::yield();
  }
  {
    WriterTurn again(&q);  // asks again right after releasing
    MutexLock lock(&mu);
    order.push_back('a');
  }
  other.join();
  EXPECT_EQ(order, (std::vector<char>{'o', 'a'}));
}

}  // namespace
}  // namespace fluxo
