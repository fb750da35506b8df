// RangeReader: one byte range of an object read as consecutive ranged Gets of a bounded size,
// several at once, delivered in order. Used where one stream over a remote store is too slow
// (an S3 file source's big objects, Data Access downloads from an S3 lake) and memory must stay
// bounded whatever the object's size.
//
// Memory: at most `read_ahead` chunks (of `chunk_size` bytes) are being fetched or wait to be
// consumed; the consumer holds the chunk it was given. A consumer that stops asking stops the
// fetching once `read_ahead` chunks wait: nothing else is buffered, no thread is held.
//
// Ramp: only the first chunk is fetched until the consumer asks for the second one, so a probe
// that reads a few bytes and goes away (codec detection, a CSV header) costs one Get; from the
// second Next on, up to `read_ahead` run at once. No Get reaches past offset + length, so a range
// shorter than `chunk_size` is always one Get of exactly its length.
//
// Threads: the fetches run as jobs handed to a JobRunner (a worker pool, or `DetachedRunner()`,
// which starts one short-lived thread per chunk); each job is one Get of at most `chunk_size`
// bytes and touches the store only during that Get. Whoever owns the store must make sure no
// fetch is still running when the store goes away: `Cancel()` then `WaitIdle()` (or a pool whose
// shutdown waits for its jobs).
//
// Errors: the first failing chunk's status (the store's own retries have run) is delivered in
// its turn, after the chunks before it; every later Next delivers it again. A chunk shorter than
// asked (the object shrank) is delivered and ends the range.
//
// Thread safety: every method may be called from any thread; Next must not be called again
// before the previous `done` ran.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/mutex.h"
#include "base/status.h"
#include "objstore/object_store.h"

namespace fluxo {

// Runs `job` once on some thread. Returns false when it refuses (the job is then dropped).
using JobRunner = std::function<bool(std::function<void()> job)>;

// A JobRunner that starts a detached thread per job.
JobRunner DetachedRunner();

struct RangeReadOptions {
  int64_t chunk_size = 8 << 20;  // bytes per Get (> 0)
  int read_ahead = 2;            // chunks fetched or waiting at once (>= 1)
};

class RangeReader : public std::enable_shared_from_this<RangeReader> {
 public:
  // Reads [offset, offset + length) of `key` (length >= 0; the caller knows the size). The first
  // fetches start at once. `store` must stay valid while fetches run (see above).
  static std::shared_ptr<RangeReader> Start(ObjectStore* store, std::string key, int64_t offset,
                                            int64_t length, RangeReadOptions options,
                                            JobRunner runner);
  ~RangeReader();

  // Delivers the next chunk in order to `done`, once, possibly before Next returns and possibly
  // on a fetch thread: a non-empty chunk, an empty string at the end of the range, or an error.
  void Next(std::function<void(Result<std::string>)> done) EXCLUDES(mu_);
  // The same, waiting for the chunk.
  Result<std::string> NextBlocking() EXCLUDES(mu_);
  // Starts no more fetches; chunks fetched later are dropped, a waiting Next gets Cancelled.
  void Cancel() EXCLUDES(mu_);
  // Waits until no fetch is running (after Cancel: until the store is no longer used).
  void WaitIdle() EXCLUDES(mu_);

  // Bytes delivered so far.
  int64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }

 private:
  RangeReader(ObjectStore* store, std::string key, int64_t offset, int64_t length,
              RangeReadOptions options, JobRunner runner);
  using Done = std::function<void(Result<std::string>)>;
  // Starts fetches while fewer than read_ahead are running or waiting. Returns the jobs to hand
  // to the runner once the lock is released.
  void Launch() EXCLUDES(mu_);
  void Fetch(int64_t index, int64_t offset, int64_t length) EXCLUDES(mu_);
  // Takes the chunk due now, if any: true and sets *out (and consumes it).
  bool TakeDue(Result<std::string>* out) REQUIRES(mu_);

  ObjectStore* const store_;
  const std::string key_;
  const int64_t end_;
  const RangeReadOptions options_;
  const JobRunner runner_;

  mutable Mutex mu_;
  CondVar idle_cv_{&mu_};
  int64_t next_offset_ GUARDED_BY(mu_);     // first byte not yet asked for
  int64_t next_index_ GUARDED_BY(mu_) = 0;  // index of the next chunk to fetch
  int64_t due_index_ GUARDED_BY(mu_) = 0;   // index of the next chunk to deliver
  int64_t end_index_ GUARDED_BY(mu_) = -1;  // after a short chunk or an error: last index
  int running_ GUARDED_BY(mu_) = 0;         // fetches in progress
  std::map<int64_t, Result<std::string>> ready_ GUARDED_BY(mu_);
  Done waiting_ GUARDED_BY(mu_);  // a Next waiting for chunk due_index_
  Status final_ GUARDED_BY(mu_);  // the error every Next delivers once one was delivered
  bool cancelled_ GUARDED_BY(mu_) = false;
  bool ramped_ GUARDED_BY(mu_) = false;  // the consumer asked for a second chunk
  std::atomic<int64_t> delivered_{0};
};

}  // namespace fluxo
