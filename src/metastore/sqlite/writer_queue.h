// WriterQueue: the write lock of one SqliteMetaStore, granted in arrival order (a ticket lock).
//
// Why not a plain Mutex: glibc's mutex is not FIFO. The thread that releases it (an HTTP I/O
// thread that goes on to its next request) usually takes it again before a sleeping waiter has
// woken, so under many writers one waiter (an executor heartbeat, the other I/O thread) can
// lose round after round. SQLite's own busy handler is worse (it sleeps in steps of up to 100 ms
// and newcomers win meanwhile), which is why writers of this process queue here at all; other
// processes still meet at the database lock (busy timeout).
//
// Thread safety: every member function may be called from any thread. WriterTurn is a scoped
// turn owned by one thread. Not reentrant.
#pragma once

#include <cstdint>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace fluxo {

class CAPABILITY("mutex") WriterQueue {
 public:
  WriterQueue() = default;
  WriterQueue(const WriterQueue&) = delete;
  WriterQueue& operator=(const WriterQueue&) = delete;

  // Blocks until every writer that arrived earlier has released its turn.
  void Lock() ACQUIRE() NO_THREAD_SAFETY_ANALYSIS {
    MutexLock lock(&mu_);
    const uint64_t ticket = next_ticket_++;
    while (now_serving_ != ticket) turn_.Wait();
  }
  void Unlock() RELEASE() NO_THREAD_SAFETY_ANALYSIS {
    {
      MutexLock lock(&mu_);
      ++now_serving_;
    }
    turn_.SignalAll();  // few waiters (the process's writer threads): the herd is small
  }
  // Turns asked for so far, granted or waiting (for tests: a thread has queued once it counts).
  uint64_t Arrivals() {
    MutexLock lock(&mu_);
    return next_ticket_;
  }

 private:
  Mutex mu_;
  CondVar turn_{&mu_};
  uint64_t next_ticket_ GUARDED_BY(mu_) = 0;
  uint64_t now_serving_ GUARDED_BY(mu_) = 0;
};

// Holds a turn of `q` for the lifetime of the object.
class SCOPED_CAPABILITY WriterTurn {
 public:
  explicit WriterTurn(WriterQueue* q) ACQUIRE(q) : q_(q) { q_->Lock(); }
  ~WriterTurn() RELEASE() { q_->Unlock(); }
  WriterTurn(const WriterTurn&) = delete;
  WriterTurn& operator=(const WriterTurn&) = delete;

 private:
  WriterQueue* const q_;
};

}  // namespace fluxo
