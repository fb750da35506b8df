#include "server/worker_pool.h"

#include <algorithm>

namespace fluxo {

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(options) {
  int n = std::max(1, options_.threads);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TrySubmit(Job job) {
  MutexLock lock(&mu_);
  size_t admitted = queue_.size() + static_cast<size_t>(running_);
  size_t limit = static_cast<size_t>(std::max(1, options_.threads)) + options_.queue_limit;
  if (shutting_down_ || admitted >= limit) return false;
  queue_.push_back(std::move(job));
  work_cv_.Signal();
  return true;
}

void WorkerPool::Loop() {
  while (true) {
    Job job;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !shutting_down_) work_cv_.Wait();
      if (queue_.empty()) return;  // shutting down and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    if (job.run) job.run();
    MutexLock lock(&mu_);
    --running_;
  }
}

void WorkerPool::Shutdown() {
  MutexLock join_lock(&join_mu_);
  std::deque<Job> dropped;
  {
    MutexLock lock(&mu_);
    shutting_down_ = true;
    dropped.swap(queue_);
    work_cv_.SignalAll();
  }
  for (Job& job : dropped) {
    if (job.drop) job.drop();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

int WorkerPool::running() const {
  MutexLock lock(&mu_);
  return running_;
}

size_t WorkerPool::queued() const {
  MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace fluxo
