#include "metastore/split_queue.h"

#include <fmt/format.h>

#include "metastore/paging.h"

namespace fluxo {

namespace {

int64_t IntField(const json::object& doc, std::string_view key) {
  auto it = doc.find(key);
  if (it == doc.end()) return 0;
  return AsInt64Lenient(it->value()).value_or(0);
}

// The claimable rows of one kind: `running` under an expired lease, or `scheduled`.
ListQuery ClaimQuery(bool expired, int64_t now_ms, const SplitClaimScope& only) {
  ListQuery q;
  q.limit = 1;  // SKIP LOCKED locks what it returns: take one, leave the rest to others
  q.order_field = "id";
  q.order_desc = false;
  q.skip_locked = true;
  if (expired) {
    q.filters = {Where("state", FilterOp::kEq, split_state::kRunning),
                 Where("leaseExpiry", FilterOp::kLt, std::to_string(now_ms))};
  } else {
    q.filters = {Where("state", FilterOp::kEq, split_state::kScheduled)};
  }
  if (only.run_id) q.filters.push_back(Where("runId", FilterOp::kEq, *only.run_id));
  return q;
}

ClaimedSplit ClaimOf(const Scope& scope, const Entity& row) {
  ClaimedSplit c;
  c.scope = scope;
  c.id = row.id;
  c.run_id = GetString(row.doc, "runId").value_or("");
  c.run_attempt = IntField(row.doc, "runAttempt");
  c.index = static_cast<int>(IntField(row.doc, "index"));
  c.total = static_cast<int>(IntField(row.doc, "total"));
  c.split_attempt = IntField(row.doc, "splitAttempt");
  auto it = row.doc.find("split");
  if (it != row.doc.end()) c.split = it->value();
  return c;
}

}  // namespace

std::string SplitRowId(const std::string& run_id, int64_t run_attempt, int index) {
  return fmt::format("{}-a{}-s{:04d}", run_id, run_attempt, index);
}

Entity NewSplitRow(const std::string& run_id, int64_t run_attempt, int index, int total,
                   const json::value& split, int64_t now_ms) {
  Entity e;
  e.kind = kSplitKind;
  e.id = SplitRowId(run_id, run_attempt, index);
  e.created_at = now_ms;
  TouchEntity(e, now_ms);
  e.doc = json::object{{"id", e.id},
                       {"runId", run_id},
                       {"runAttempt", run_attempt},
                       {"index", index},
                       {"total", total},
                       {"split", split},
                       {"state", split_state::kScheduled},
                       {"splitAttempt", 0},
                       {"leaseOwner", ""},
                       {"leaseExpiry", 0}};
  return e;
}

Result<std::optional<ClaimedSplit>> ClaimSplit(MetaTxn& txn, const std::string& owner,
                                               int64_t now_ms, int64_t lease_ms,
                                               const SplitClaimScope& only) {
  for (bool expired : {true, false}) {
    ASSIGN_OR_RETURN(std::vector<ScopedEntity> rows,
                     txn.ListAcrossScopes(kSplitKind, ClaimQuery(expired, now_ms, only)));
    for (auto& se : rows) {
      Entity& row = se.entity;
      std::string expected = row.etag;
      int64_t attempt = IntField(row.doc, "splitAttempt") + 1;
      row.doc["state"] = split_state::kRunning;
      row.doc["splitAttempt"] = attempt;
      row.doc["leaseOwner"] = owner;
      row.doc["leaseExpiry"] = now_ms + lease_ms;
      row.doc.erase("committing");
      row.doc.erase("progress");  // a dead attempt's counts: its files are removed
      TouchEntity(row, now_ms);
      RETURN_IF_ERROR(txn.Update(se.scope, row, expected));
      ClaimedSplit c = ClaimOf(se.scope, row);
      c.redo = attempt > 1;
      return std::optional<ClaimedSplit>(std::move(c));
    }
  }
  return std::optional<ClaimedSplit>();
}

Result<Entity> HeldSplit(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner) {
  auto row = txn.Get(c.scope, kSplitKind, c.id);
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kNotFound)
      return Status::Aborted("split " + c.id + " no longer exists (its run ended)");
    return row.status();
  }
  if (GetString(row->doc, "state") != std::optional<std::string>(split_state::kRunning) ||
      GetString(row->doc, "leaseOwner") != std::optional<std::string>(owner) ||
      IntField(row->doc, "splitAttempt") != c.split_attempt) {
    return Status::Aborted("split " + c.id + " attempt " + std::to_string(c.split_attempt) +
                           " is no longer held by this worker");
  }
  return row;
}

Status UpdateSplitRow(MetaTxn& txn, const Scope& scope, Entity row, int64_t now_ms) {
  std::string expected = row.etag;
  TouchEntity(row, now_ms);
  return txn.Update(scope, row, expected);
}

Status ExtendSplitLease(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner,
                        int64_t expiry_ms, int64_t now_ms, json::object progress) {
  ASSIGN_OR_RETURN(Entity row, HeldSplit(txn, c, owner));
  row.doc["leaseExpiry"] = expiry_ms;
  if (!progress.empty()) row.doc["progress"] = std::move(progress);
  return UpdateSplitRow(txn, c.scope, std::move(row), now_ms);
}

Status HandBackSplit(MetaTxn& txn, const ClaimedSplit& c, const std::string& owner,
                     int64_t now_ms) {
  ASSIGN_OR_RETURN(Entity row, HeldSplit(txn, c, owner));
  row.doc["state"] = split_state::kScheduled;
  row.doc["leaseOwner"] = "";
  row.doc["leaseExpiry"] = 0;
  row.doc.erase("committing");
  return UpdateSplitRow(txn, c.scope, std::move(row), now_ms);
}

Result<std::vector<Entity>> SplitRowsOfRun(MetaTxn& txn, const Scope& scope,
                                           const std::string& run_id) {
  std::vector<Entity> out;
  RETURN_IF_ERROR(ForEachById(txn, scope, kSplitKind, {Where("runId", FilterOp::kEq, run_id)}, 1000,
                              [&](Entity& e) {
                                out.push_back(std::move(e));
                                return Status::OK();
                              }));
  return out;
}

Status DeleteSplitRowsOfRun(MetaTxn& txn, const Scope& scope, const std::string& run_id) {
  ASSIGN_OR_RETURN(std::vector<Entity> rows, SplitRowsOfRun(txn, scope, run_id));
  for (const auto& r : rows) {
    Status s = txn.Delete(scope, kSplitKind, r.id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::OK();
}

Result<SplitStateCounts> CountSplitsByState(MetaTxn& txn, int64_t now_ms) {
  auto count = [&](const char* state, std::optional<FilterOp> lease) -> Result<int64_t> {
    ListQuery q;
    q.filters = {Where("state", FilterOp::kEq, state)};
    if (lease) q.filters.push_back(Where("leaseExpiry", *lease, std::to_string(now_ms)));
    return txn.CountAcrossScopes(kSplitKind, q);
  };
  SplitStateCounts c;
  ASSIGN_OR_RETURN(c.scheduled, count(split_state::kScheduled, std::nullopt));
  ASSIGN_OR_RETURN(c.running, count(split_state::kRunning, FilterOp::kGe));
  ASSIGN_OR_RETURN(c.expired, count(split_state::kRunning, FilterOp::kLt));
  ASSIGN_OR_RETURN(c.done, count(split_state::kDone, std::nullopt));
  return c;
}

}  // namespace fluxo
