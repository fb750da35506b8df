#include "objstore/range_reader.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace fluxo {

JobRunner DetachedRunner() {
  return [](std::function<void()> job) {
    try {
      std::thread(std::move(job)).detach();
      return true;
    } catch (const std::system_error&) {
      return false;
    }
  };
}

RangeReader::RangeReader(ObjectStore* store, std::string key, int64_t offset, int64_t length,
                         RangeReadOptions options, JobRunner runner)
    : store_(store),
      key_(std::move(key)),
      end_(offset + std::max<int64_t>(length, 0)),
      options_{std::max<int64_t>(options.chunk_size, 1), std::max(options.read_ahead, 1)},
      runner_(std::move(runner)),
      next_offset_(offset) {}

RangeReader::~RangeReader() = default;

std::shared_ptr<RangeReader> RangeReader::Start(ObjectStore* store, std::string key, int64_t offset,
                                                int64_t length, RangeReadOptions options,
                                                JobRunner runner) {
  std::shared_ptr<RangeReader> r(
      new RangeReader(store, std::move(key), offset, length, options, std::move(runner)));
  r->Launch();
  return r;
}

bool RangeReader::TakeDue(Result<std::string>* out) {
  if (!final_.ok()) {
    *out = final_;
    return true;
  }
  bool at_end = end_index_ >= 0 ? due_index_ > end_index_
                                : (due_index_ == next_index_ && next_offset_ >= end_);
  if (at_end) {
    *out = std::string();
    return true;
  }
  auto it = ready_.find(due_index_);
  if (it == ready_.end()) return false;
  *out = std::move(it->second);
  ready_.erase(it);
  ++due_index_;
  if (!out->ok()) {
    final_ = out->status();
  } else {
    delivered_.fetch_add(static_cast<int64_t>((*out)->size()), std::memory_order_relaxed);
  }
  return true;
}

void RangeReader::Launch() {
  struct Job {
    int64_t index, offset, length;
  };
  std::vector<Job> jobs;
  {
    MutexLock lock(&mu_);
    while (!cancelled_ && end_index_ < 0 && next_offset_ < end_ && (ramped_ || next_index_ == 0) &&
           running_ + static_cast<int64_t>(ready_.size()) < options_.read_ahead) {
      int64_t len = std::min(options_.chunk_size, end_ - next_offset_);
      jobs.push_back({next_index_++, next_offset_, len});
      next_offset_ += len;
      ++running_;
    }
  }
  for (const Job& j : jobs) {
    auto self = shared_from_this();
    if (runner_([self, j] { self->Fetch(j.index, j.offset, j.length); })) continue;
    // Refused: the chunk fails in its turn (retryable: the runner was busy or shutting down).
    Done cb;
    Result<std::string> out = std::string();
    {
      MutexLock lock(&mu_);
      --running_;
      if (!cancelled_) {
        ready_.emplace(j.index, Status::Unavailable("no thread to read " + key_));
        if (end_index_ < 0 || j.index < end_index_) end_index_ = j.index;
        if (waiting_ && TakeDue(&out)) cb = std::move(waiting_);
      }
      idle_cv_.SignalAll();
    }
    if (cb) cb(std::move(out));
  }
}

void RangeReader::Fetch(int64_t index, int64_t offset, int64_t length) {
  bool skip;
  {
    MutexLock lock(&mu_);
    skip = cancelled_;
  }
  // A job run after Cancel (or as a pool's drop at shutdown) does not touch the store.
  Result<std::string> r = skip ? Result<std::string>(Status::Cancelled("cancelled"))
                               : store_->Get(key_, ByteRange{offset, length});
  Done cb;
  Result<std::string> out = std::string();
  {
    MutexLock lock(&mu_);
    --running_;
    bool beyond_end = end_index_ >= 0 && index > end_index_;
    if (!cancelled_ && !beyond_end) {
      if (!r.ok() || static_cast<int64_t>(r->size()) < length) {
        // An error or a short chunk ends the range here: later chunks are dropped.
        end_index_ = index;
        for (auto it = ready_.upper_bound(index); it != ready_.end();) it = ready_.erase(it);
      }
      ready_.emplace(index, std::move(r));
      if (waiting_ && TakeDue(&out)) cb = std::move(waiting_);
    }
    idle_cv_.SignalAll();
  }
  if (cb) cb(std::move(out));
  Launch();
}

void RangeReader::Next(std::function<void(Result<std::string>)> done) {
  Result<std::string> out = std::string();
  {
    MutexLock lock(&mu_);
    if (due_index_ >= 1) ramped_ = true;  // a second chunk is wanted: read ahead from now on
    if (cancelled_) {
      out = Status::Cancelled("read of " + key_ + " cancelled");
    } else if (!TakeDue(&out)) {
      waiting_ = std::move(done);
      done = nullptr;
    }
  }
  if (done) done(std::move(out));
  Launch();  // after the first chunk, the one now wanted may not be started yet
}

Result<std::string> RangeReader::NextBlocking() {
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    bool set = false;
    Result<std::string> value = std::string();
  };
  auto slot = std::make_shared<Slot>();
  Next([slot](Result<std::string> r) {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->value = std::move(r);
    slot->set = true;
    slot->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(slot->mu);
  slot->cv.wait(lock, [&] { return slot->set; });
  return std::move(slot->value);
}

void RangeReader::Cancel() {
  Done cb;
  {
    MutexLock lock(&mu_);
    if (cancelled_) return;
    cancelled_ = true;
    ready_.clear();
    cb = std::move(waiting_);
    waiting_ = nullptr;
  }
  if (cb) cb(Status::Cancelled("read of " + key_ + " cancelled"));
}

void RangeReader::WaitIdle() {
  MutexLock lock(&mu_);
  while (running_ > 0) idle_cv_.Wait();
}

}  // namespace fluxo
