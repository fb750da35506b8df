// Split rows: the units of work of one run attempt, stored as entities of kind "splits" so that
// any worker of any node may claim one (issue 12 item 3). The run holder plans the splits and
// inserts one row per split; workers claim a row (`FOR UPDATE SKIP LOCKED` with PostgreSQL, the
// serialized write transaction with SQLite) under a lease, read the split into part files of the
// run's `loading` batches, and record the files and counts in the row. A row whose lease expired
// (its worker died) is claimed again with the next split attempt; the claimer removes what the
// dead attempt wrote. The executor (src/executor/split_work.*) owns what a split does; this file
// owns only the rows, their states and leases.
//
// A row's document:
//   runId, runAttempt, index, total     which run attempt it belongs to, its place in the plan
//   split                               the source's Split {description, state} as JSON
//   state                               scheduled -> running -> done (the only edges; a running
//                                       row whose lease expired is running again for its next
//                                       claimer, and a handed-back row is scheduled again)
//   splitAttempt                        claims so far (the holder runs this one)
//   leaseOwner, leaseExpiry (epoch ms)  the claim; "" and 0 when none
//   executor, files, counts, rowErrors  what the finished attempt did (set by the executor;
//   rowErrorsKey                        rowErrors: its first 5 row errors; rowErrorsKey: its
//                                       row-error part, "" when it wrote none)
//   committing                          the last split's finisher is committing the run
//
// Functions take the caller's transaction, so a claim, a finish or a run commit composes with
// other writes. Pure over MetaTxn: thread-safe as the store is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metastore/metastore.h"

namespace fluxo {

inline constexpr const char* kSplitKind = "splits";

namespace split_state {
inline constexpr const char* kScheduled = "scheduled";
inline constexpr const char* kRunning = "running";
inline constexpr const char* kDone = "done";
}  // namespace split_state

// "<runId>-a<attempt>-s<index, 4 digits>": ids sort in plan order within one attempt.
std::string SplitRowId(const std::string& run_id, int64_t run_attempt, int index);

// A new `scheduled` row for split `index` of `total` of attempt `run_attempt` of the run.
Entity NewSplitRow(const std::string& run_id, int64_t run_attempt, int index, int total,
                   const json::value& split, int64_t now_ms);

// What a claim hands the worker.
struct ClaimedSplit {
  Scope scope;
  std::string id;
  std::string run_id;
  int64_t run_attempt = 0;
  int index = 0;
  int total = 0;
  int64_t split_attempt = 0;  // this claim's attempt (1 for the first)
  bool redo = false;          // an earlier attempt of this split died: its files are garbage
  json::value split;          // {description, state}
};

// Which rows a claim may take: any run's (workers), or one run's only (its holder; run ids are
// unique across scopes).
struct SplitClaimScope {
  std::optional<std::string> run_id;
};

// Claims one row for `owner` until now_ms + lease_ms: first a `running` row whose lease has
// expired (a redo), else the first `scheduled` one in id order. Rows locked by another claimer
// are skipped (ListQuery::skip_locked). nullopt when there is none.
Result<std::optional<ClaimedSplit>> ClaimSplit(MetaTxn& txn, const std::string& owner,
                                               int64_t now_ms, int64_t lease_ms,
                                               const SplitClaimScope& only = {});

// The row of claim `c` while `owner` still holds it at that attempt; Aborted otherwise (its lease
// expired and another worker claimed it, or the run ended and its rows were removed).
Result<Entity> HeldSplit(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner);

// Writes `row` (from HeldSplit, changed by the caller) back with a new etag.
Status UpdateSplitRow(MetaTxn& txn, const Scope& scope, Entity row, int64_t now_ms);

// Moves the lease of a held row to `expiry_ms` (a heartbeat) and, when `progress` is not empty,
// records it as the row's live counts (`progress`, read while the run executes). Aborted when no
// longer held.
Status ExtendSplitLease(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner,
                        int64_t expiry_ms, int64_t now_ms, json::object progress = {});

// Gives a held row back (`scheduled`, no lease) so another worker takes it at once (shutdown).
Status HandBackSplit(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner, int64_t now_ms);

// The rows of `run_id` (every attempt), in id order.
Result<std::vector<Entity>> SplitRowsOfRun(MetaTxn& txn, const Scope& scope,
                                           const std::string& run_id);

// Deletes every row of `run_id` (the run ended, or a new attempt replans it).
Status DeleteSplitRowsOfRun(MetaTxn& txn, const Scope& scope, const std::string& run_id);

// How many split rows of every scope are in each state now: scheduled, running (lease held),
// expired (running under a lease that ended before now_ms: its worker died or stalled, the next
// claimer redoes it) and done (waiting for the run's commit). Rows are deleted when their run
// ends, so these are the splits of runs in progress. One indexed count per state
// (entities_splits_claim); the metrics gauge fluxo_splits{state}.
struct SplitStateCounts {
  int64_t scheduled = 0, running = 0, expired = 0, done = 0;
};
Result<SplitStateCounts> CountSplitsByState(MetaTxn& txn, int64_t now_ms);

}  // namespace fluxo
