#include "connectors/sql/late_commit.h"

#include <chrono>
#include <thread>

namespace fluxo::connectors::sql {

Result<std::optional<SourceWarning>> AwaitNoOpenTransactions(
    const LateCommitGuard& guard, const std::atomic<bool>& cancelled,
    const std::function<Result<int64_t>()>& count_open, const std::string& who,
    int64_t window_end_s) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(guard.max_wait_ms);
  while (true) {
    ASSIGN_OR_RETURN(int64_t open, count_open());
    if (open == 0) return std::optional<SourceWarning>();
    if (cancelled.load()) return Status::Cancelled(who + ": cancelled while waiting for commits");
    if (Clock::now() >= deadline) {
      return std::optional<SourceWarning>(SourceWarning{
          kLateCommitWarning,
          who + ": " + std::to_string(open) +
              " transactions that started before the window's end (" +
              std::to_string(window_end_s) + ") were still open after " +
              std::to_string(guard.max_wait_ms / 1000) +
              " s (lateCommitWaitSeconds); the window was read without the rows they may "
              "commit later",
          open});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(1, guard.poll_ms)));
  }
}

}  // namespace fluxo::connectors::sql
