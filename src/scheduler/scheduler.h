// Scheduler: turns flow schedules into runs.
//
// A flow with frequency minute|hour|day|week, started at t0 = scheduleParams.startTime with
// period p, fires run k at t(k) = t0 + k*p covering [t(k-1), t(k)) (minus the flow's
// options.lateArrivalSeconds at both ends); the first run (k = 0) covers [0, t0) with backfill
// (the default) and [t0 - p, t0) without. Each window starts where the previous scheduled run's
// ended (NextScheduledWindow), so a PATCH of the schedule re-tiles with no gap and no overlap. Each
// tick creates every run whose fire time has passed (those missed while no process was up too,
// oldest first, at most `max_runs_per_tick` per flow per tick). Creation is idempotent: a scheduled
// run's id is derived from (flow id, window start), so any number of processes may run the
// scheduler at once. A disabled flow fires nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "base/clock.h"
#include "metastore/metastore.h"

namespace fluxo {

struct SchedulerOptions {
  int64_t tick_ms = 1000;
  int max_runs_per_tick = 100;
  // Testing only: schedule periods are divided by this factor (a 15-minute interval becomes
  // 15 s with 60). The server refuses values other than 1 unless FLUXO_ALLOW_TEST_FLAGS=1.
  int64_t time_scale = 1;
};

// A flow's schedule as the scheduler applies it (all epoch seconds / seconds).
struct ScheduleTiming {
  int64_t t0 = 0;        // scheduleParams.startTime, else the flow's creation
  int64_t period_s = 0;  // > 0, already divided by the time scale
  bool backfill = true;
  int64_t lag_s = 0;  // options.lateArrivalSeconds: windows end this long before they fire
};

// The window [start, end) of a scheduled run and its fire time (epoch seconds).
struct ScheduledWindow {
  int64_t start = 0;
  int64_t end = 0;
  int64_t fire_at = 0;
};

// The window of the flow's next scheduled run, given its latest one (`last`, nullopt: none yet).
// Fire times are t(k) = t0 + k * period and a window ends at t(k) - lag. The first window is
// [0, t0 - lag) with backfill and [t0 - period - lag, t0 - lag) without; every later one starts
// where `last` ended and ends at the first fire time after last's whose end is later than
// last's. So the windows tile time with no gap and no overlap even when the schedule (t0,
// period, lag) changed since `last` was made: the next window re-tiles from last's end. nullopt
// when the next fire time overflows or passes kMaxEpochSeconds (checked arithmetic).
std::optional<ScheduledWindow> NextScheduledWindow(const ScheduleTiming& s,
                                                   const std::optional<ScheduledWindow>& last);

// The deterministic id of the scheduled run of `flow_id` whose window starts at `window_start`.
std::string ScheduledRunId(const std::string& flow_id, int64_t window_start);

class Scheduler {
 public:
  Scheduler(MetaStore* meta, SchedulerOptions options,
            const Clock* clock = &SystemClock::Instance());
  ~Scheduler();
  void Start();
  void Stop();
  // One pass over every scheduled flow. Returns the number of runs created.
  Result<int64_t> Tick();

 private:
  // Creates the runs of `flow` whose fire time has passed (at most max_runs_per_tick).
  Result<int64_t> FireDueRuns(const ScopedEntity& flow, int64_t now_ms);

  MetaStore* meta_;
  SchedulerOptions options_;
  const Clock* clock_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace fluxo
