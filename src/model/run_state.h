// RunState: the one owner of a run's status transitions and of its lease.
//
// Status (metrics.statusSummary.status) moves only along these edges:
//   scheduled  -> inProgress   a worker claims the due run (taking a lease, attempt + 1)
//   scheduled  -> cancelled    op=cancel before any worker took it
//   inProgress -> inProgress   take-over: the lease expired (its worker died), another claims it
//   inProgress -> success | failed | cancelled   the lease holder finishes it
//   inProgress -> scheduled    the lease holder hands it back (the process is shutting down)
//   success, failed, cancelled are final (a re-trigger creates a new run).
// The lease is fluxo.leaseOwner (a worker id), fluxo.leaseExpiry (epoch ms) and fluxo.attempt:
// the holder extends the expiry with each heartbeat; once it has passed, the run is anyone's to
// claim, and everything the old attempt wrote is garbage. op=cancel of an inProgress run only
// sets fluxo.cancelRequested: the holder notices it on its next heartbeat and finishes the run.
//
// Users: the executor (claim, heartbeat, finish), the API (cancel), the lake's garbage collector
// (through the liveness predicate RunAttemptLive). Pure functions over the run document;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"

namespace fluxo {

namespace run_status {
inline constexpr std::string_view kScheduled = "scheduled";
inline constexpr std::string_view kInProgress = "inProgress";
inline constexpr std::string_view kSuccess = "success";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kCancelled = "cancelled";
}  // namespace run_status

// Document paths the metastore filters claims on (one spelling, here).
inline constexpr std::string_view kRunStatusPath = "metrics.statusSummary.status";
inline constexpr std::string_view kRunLeaseExpiryPath = "fluxo.leaseExpiry";
inline constexpr std::string_view kRunDueAtPath = "fluxo.dueAt";

// True when the status may move from `from` to `to` (the table above).
bool IsLegalRunTransition(std::string_view from, std::string_view to);
// success, failed, cancelled.
bool IsFinalRunStatus(std::string_view status);

struct RunLease {
  std::string owner;      // worker id; "" when no worker holds the run
  int64_t expiry_ms = 0;  // epoch ms
  int64_t attempt = 0;    // attempts started so far (the holder runs this one)
};

// A read-only view of one run document's state.
class RunState {
 public:
  explicit RunState(const json::object& run);

  const std::string& status() const { return status_; }
  const RunLease& lease() const { return lease_; }
  bool cancel_requested() const { return cancel_requested_; }

  // inProgress under a lease that has not expired at `now_ms`.
  bool LeaseLive(int64_t now_ms) const;
  // A worker may claim the run at `now_ms`: it is scheduled (the caller checks that it is due),
  // or inProgress under an expired lease (a take-over).
  bool Claimable(int64_t now_ms) const;
  // Attempt `attempt` of worker `owner` still holds the run (it may heartbeat and finish it).
  bool HeldBy(const std::string& owner, int64_t attempt) const;
  // Attempt `attempt` (whoever runs it) is alive at `now_ms`: what it wrote may still commit.
  bool AttemptLive(int64_t attempt, int64_t now_ms) const;

 private:
  std::string status_;
  RunLease lease_;
  bool cancel_requested_ = false;
};

// The lake's garbage-collector predicate: attempt `attempt` of the run `run` is alive at
// `now_ms` (RunState::AttemptLive).
bool RunAttemptLive(const json::object& run, int64_t attempt, int64_t now_ms);

// Claims `run` for `owner` at `now_ms`: status inProgress, attempt + 1, lease until
// now_ms + lease_ms, metrics.durationSummary.startedAtUTC set on the first attempt. Returns the
// new attempt number; FailedPrecondition when the run is not claimable at `now_ms`.
Result<int64_t> ClaimRun(json::object& run, const std::string& owner, int64_t now_ms,
                         int64_t lease_ms);
// Moves the expiry of the holder's lease to `expiry_ms` (a heartbeat).
void ExtendRunLease(json::object& run, int64_t expiry_ms);
// The holder lets go: status becomes `to` (final, or scheduled to hand it back) and the lease is
// cleared. FailedPrecondition when the transition is not legal.
Status ReleaseRun(json::object& run, std::string_view to);
// op=cancel: a scheduled run becomes cancelled at once (completedAtUTC = now_ms); an inProgress
// run gets fluxo.cancelRequested for its holder. FailedPrecondition otherwise.
Status RequestRunCancel(json::object& run, int64_t now_ms);

}  // namespace fluxo
