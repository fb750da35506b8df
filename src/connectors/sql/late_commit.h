// The late-commit guard's wait, shared by the SQL sources that can see open transactions
// (PostgreSQL: pg_stat_activity.xact_start and pg_snapshot_xip; MySQL/MariaDB:
// information_schema.innodb_trx.trx_started). A row is invisible to a window's read while the
// transaction that wrote it is open; if that transaction started before the window's end, its
// rows may carry delta values inside the window (DEFAULT now() is the transaction's start) and
// would be lost once the next window starts at this one's end. So the source reads a window only
// once no transaction that started before the window's end is still open.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "connectors/source.h"

namespace fluxo::connectors::sql {

// Polls `count_open()` (the number of other open transactions that started before the window's
// end) every guard.poll_ms until it answers 0 (nullopt: nothing to report), `cancelled` is set
// (Cancelled), `count_open` fails (its error), or guard.max_wait_ms has passed: then the warning
// to report (kLateCommitWarning, naming `who`, the count and the wait). Runs on the calling
// thread; sleeps between polls.
Result<std::optional<SourceWarning>> AwaitNoOpenTransactions(
    const LateCommitGuard& guard, const std::atomic<bool>& cancelled,
    const std::function<Result<int64_t>()>& count_open, const std::string& who,
    int64_t window_end_s);

}  // namespace fluxo::connectors::sql
