// Executor: the worker pool that makes stored runs happen.
//
// Each of `workers` threads loops: claim one due run (atomically, in one metastore transaction:
// the oldest `scheduled` run whose startAt has passed and whose flow has no other run in
// progress, or an `inProgress` run whose lease expired because its worker died), then execute it:
//   copy activity:      source -> bounded queue -> Parquet sink into a `loading` batch;
//   promotion activity: one transaction commits the batch and finishes the run; the manifest
//                       then makes the batch visible.
// While a run executes, a heartbeat (every `heartbeat_ms`) extends the lease, publishes live
// metrics and notices `op=cancel`. A run taken over after its worker died first removes the dead
// attempt's files. Transient source errors are retried with capped exponential backoff and
// jitter; permanent ones fail the run at once with the source's message.
//
// With run_splits >= 2 a run's window is cut into that many splits, stored as rows any worker of
// any process may claim (metastore/split_queue.h, executor/split_work.h): idle workers take a
// split before a new run, and the last split's finisher commits the run's batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "connectors/registry.h"
#include "lake/lake.h"
#include "metastore/metastore.h"
#include "metastore/split_queue.h"
#include "secrets/master_key.h"

namespace fluxo {

struct ExecutorOptions {
  int workers = 2;              // run slots of this process
  std::string owner;            // lease owner id; "" -> host:pid:random
  int64_t lease_ms = 15000;     // a run whose heartbeat stops is taken over after this
  int64_t heartbeat_ms = 1000;  // metrics and lease refresh period (<= 2 s: live metrics)
  int64_t poll_ms = 250;        // idle wait between claim attempts
  int source_parallelism = 2;   // splits read at once per run (by its holder)
  // >= 2: windows are planned in this many splits that every worker of every process may
  // execute (split_work.h); 0 or 1: a run is read by its holder only. Flows with error
  // diagnostics and replacing runs always take the holder-only path.
  int run_splits = 0;
  int max_transient_retries = 4;  // retries of a transient source error within one attempt
  int64_t retry_base_ms = 500;    // first backoff; doubles up to retry_cap_ms, with jitter
  int64_t retry_cap_ms = 10000;
  int64_t gc_interval_ms = 30000;  // how often the lake's garbage collector runs
  std::vector<std::string> allow_paths;
  // Parquet codec for lake files: "zstd" (default), "snappy", "gzip", "none".
  std::string codec = "zstd";
};

class Executor {
 public:
  Executor(MetaStore* meta, Lake* lake, ConnectorRegistry* connectors, const MasterKey* key,
           ExecutorOptions options, const Clock* clock = &SystemClock::Instance());
  ~Executor();

  // Starts the worker threads and the garbage collector.
  void Start();
  // Stops claiming; running runs are interrupted, their batches aborted and the runs handed back
  // (status `scheduled`, lease cleared) so another worker picks them up. Joins the threads.
  void Stop();

  // Claims and executes at most one due run on the calling thread. Returns true when it ran one.
  // For tests and for single-shot tools.
  Result<bool> RunOne();

  const std::string& owner() const { return options_.owner; }

 private:
  struct Claimed;
  class RunExecution;
  friend class SplitRunner;

  void WorkerLoop(int index);
  void GcLoop();
  Result<std::optional<Claimed>> Claim();
  void Execute(const Claimed& claimed);
  // A split claimed from another run's holder (split_work.cc).
  void ExecuteSplit(const ClaimedSplit& split);

  MetaStore* meta_;
  Lake* lake_;
  ConnectorRegistry* connectors_;
  const MasterKey* key_;
  ExecutorOptions options_;
  const Clock* clock_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace fluxo
