// ChangeSignal: the counter and condition variable behind MetaStore::RunWrites /
// WaitForRunWrites, shared by the store implementations. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "base/mutex.h"

namespace fluxo {

class ChangeSignal {
 public:
  // Counts one change and wakes every waiter.
  void Notify() {
    {
      MutexLock lock(&mu_);
      count_.fetch_add(1);
    }
    cv_.SignalAll();
  }
  int64_t Count() const { return count_.load(); }
  // True when the count differs from `seen` within `timeout_ms` milliseconds.
  bool Wait(int64_t seen, int64_t timeout_ms) {
    MutexLock lock(&mu_);
    return cv_.WaitFor(std::chrono::milliseconds(timeout_ms),
                       [&] { return count_.load() != seen; });
  }

 private:
  Mutex mu_;  // pairs with cv_; count_ is atomic so the wait predicate needs no lock
  CondVar cv_{&mu_};
  std::atomic<int64_t> count_{0};
};

}  // namespace fluxo
