// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with the capability
// annotations of base/thread_annotations.h, so that clang checks every GUARDED_BY member.
//
// Thread safety: Mutex and CondVar are what they wrap; MutexLock is a scoped lock owned by one
// thread. Every mutex-guarded class in fluxo uses these instead of the std types.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/thread_annotations.h"

namespace fluxo {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Documents (and, under clang, tells the analysis) that the caller holds the lock.
  void AssertHeld() ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for the lifetime of the object.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// A condition variable bound to one Mutex. REQUIRES: the caller holds that mutex in every call
// to Wait / WaitFor / WaitUntil; Signal and SignalAll may be called with or without it.
// (As in LevelDB's port::CondVar, the waits carry no REQUIRES annotation: the analysis cannot tie
// the CondVar's own pointer to the caller's mutex, so the rule is stated here instead.)
class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Waits until `pred()` holds. `pred` runs with the mutex held.
  template <typename Pred>
  void Wait(Pred pred) {
    while (!pred()) Wait();
  }
  // Returns false on timeout (`pred()` still false).
  template <typename Rep, typename Period, typename Pred>
  bool WaitFor(std::chrono::duration<Rep, Period> d, Pred pred) {
    return WaitUntil(std::chrono::steady_clock::now() + d, pred);
  }
  template <typename Pred>
  bool WaitUntil(std::chrono::steady_clock::time_point deadline, Pred pred) {
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    while (!pred()) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        bool ok = pred();
        lock.release();
        return ok;
      }
    }
    lock.release();
    return true;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex* const mu_;
  std::condition_variable cv_;
};

}  // namespace fluxo
