#include "model/run_state.h"

#include "model/run_doc.h"

namespace fluxo {

namespace {

json::object& Obj(json::object& o, std::string_view key) {
  if (!o.contains(key) || !o[key].is_object()) o[key] = json::object{};
  return o[key].as_object();
}

int64_t IntAt(const json::object& o, std::string_view path) {
  const json::value* v = FindPath(o, path);
  return v ? AsInt64Lenient(*v).value_or(0) : 0;
}

}  // namespace

bool IsLegalRunTransition(std::string_view from, std::string_view to) {
  using namespace run_status;
  if (from == kScheduled) return to == kInProgress || to == kCancelled;
  if (from == kInProgress) {
    return to == kInProgress || to == kSuccess || to == kFailed || to == kCancelled ||
           to == kScheduled;
  }
  return false;
}

bool IsFinalRunStatus(std::string_view s) {
  return s == run_status::kSuccess || s == run_status::kFailed || s == run_status::kCancelled;
}

RunState::RunState(const json::object& run) : status_(RunStatusOf(run)) {
  const json::value* owner = FindPath(run, "fluxo.leaseOwner");
  if (owner && owner->is_string()) lease_.owner = std::string(owner->as_string());
  lease_.expiry_ms = IntAt(run, kRunLeaseExpiryPath);
  lease_.attempt = IntAt(run, "fluxo.attempt");
  const json::value* cr = FindPath(run, "fluxo.cancelRequested");
  cancel_requested_ = cr && AsBoolLenient(*cr).value_or(false);
}

bool RunState::LeaseLive(int64_t now_ms) const {
  return status_ == run_status::kInProgress && lease_.expiry_ms > now_ms;
}

bool RunState::Claimable(int64_t now_ms) const {
  return status_ == run_status::kScheduled ||
         (status_ == run_status::kInProgress && !LeaseLive(now_ms));
}

bool RunState::HeldBy(const std::string& owner, int64_t attempt) const {
  return status_ == run_status::kInProgress && lease_.owner == owner && lease_.attempt == attempt;
}

bool RunState::AttemptLive(int64_t attempt, int64_t now_ms) const {
  return LeaseLive(now_ms) && lease_.attempt == attempt;
}

bool RunAttemptLive(const json::object& run, int64_t attempt, int64_t now_ms) {
  return RunState(run).AttemptLive(attempt, now_ms);
}

Result<int64_t> ClaimRun(json::object& run, const std::string& owner, int64_t now_ms,
                         int64_t lease_ms) {
  RunState state(run);
  if (!state.Claimable(now_ms)) {
    return Status::FailedPrecondition("run is " + state.status() + " and cannot be claimed");
  }
  int64_t attempt = state.lease().attempt + 1;
  json::object& fx = Obj(run, "fluxo");
  fx["attempt"] = attempt;
  fx["leaseOwner"] = owner;
  fx["leaseExpiry"] = now_ms + lease_ms;
  SetRunStatus(run, std::string(run_status::kInProgress));
  json::object& dur = Obj(Obj(run, "metrics"), "durationSummary");
  if (!dur.contains("startedAtUTC")) dur["startedAtUTC"] = now_ms;
  return attempt;
}

void ExtendRunLease(json::object& run, int64_t expiry_ms) {
  Obj(run, "fluxo")["leaseExpiry"] = expiry_ms;
}

Status ReleaseRun(json::object& run, std::string_view to) {
  std::string from = RunStatusOf(run);
  if (!IsLegalRunTransition(from, to) || to == run_status::kInProgress) {
    return Status::FailedPrecondition("run is " + from + " and cannot become " + std::string(to));
  }
  json::object& fx = Obj(run, "fluxo");
  fx.erase("leaseOwner");
  fx.erase("leaseExpiry");
  SetRunStatus(run, std::string(to));
  return Status::OK();
}

Status RequestRunCancel(json::object& run, int64_t now_ms) {
  std::string status = RunStatusOf(run);
  if (status == run_status::kScheduled) {
    SetRunStatus(run, std::string(run_status::kCancelled));
    Obj(Obj(run, "metrics"), "durationSummary")["completedAtUTC"] = now_ms;
    return Status::OK();
  }
  if (status == run_status::kInProgress) {
    Obj(run, "fluxo")["cancelRequested"] = true;
    return Status::OK();
  }
  return Status::FailedPrecondition("run is " + status +
                                    "; only scheduled or inProgress runs can be cancelled");
}

}  // namespace fluxo
