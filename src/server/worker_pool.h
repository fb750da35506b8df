// WorkerPool: a small, bounded set of threads for request work that may block on a peer the
// user controls (connection test and explore: up to ~10 s against a remote server), so that the
// HTTP server's I/O threads never wait on it (see the contract in http.h). Handlers hand such
// work over with a deferred HttpResponse and complete it from here.
//
// Bounds: `threads` jobs run at once and at most `queue_limit` more wait; TrySubmit refuses
// beyond that, and the caller answers the refusal itself (the API answers 429, see
// src/api/README.md). Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace fluxo {

struct WorkerPoolOptions {
  int threads = 4;          // jobs running at once (at least 1)
  size_t queue_limit = 16;  // jobs admitted beyond the running ones
};

class WorkerPool {
 public:
  // One unit of work. `run` is called once on a pool thread; when the pool shuts down before
  // the job started, `drop` is called instead (on the thread calling Shutdown), so a job that
  // owes an answer can still give one. Either may be empty.
  struct Job {
    std::function<void()> run;
    std::function<void()> drop;
  };

  explicit WorkerPool(WorkerPoolOptions options);
  // Shutdown().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Admits `job` when fewer than threads + queue_limit jobs are running or queued and the pool
  // is not shut down. Returns false otherwise: the job is not kept and neither callback runs.
  bool TrySubmit(Job job) EXCLUDES(mu_);

  // Stops admitting jobs, calls `drop` of every queued job, waits for the running ones to
  // finish and joins the threads. Idempotent.
  void Shutdown() EXCLUDES(mu_);

  // Jobs running now / waiting now (for tests and metrics).
  int running() const EXCLUDES(mu_);
  size_t queued() const EXCLUDES(mu_);
  const WorkerPoolOptions& options() const { return options_; }

 private:
  void Loop() EXCLUDES(mu_);

  const WorkerPoolOptions options_;
  mutable Mutex mu_;
  CondVar work_cv_{&mu_};
  std::deque<Job> queue_ GUARDED_BY(mu_);
  int running_ GUARDED_BY(mu_) = 0;
  bool shutting_down_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // started in the constructor, joined by Shutdown
  Mutex join_mu_;                     // serializes Shutdown
};

}  // namespace fluxo
