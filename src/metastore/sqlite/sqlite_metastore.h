// The SQLite MetaStore (embedded default): one database file in WAL mode, a small pool of
// connections (one per concurrent caller), write transactions serialized by SQLite
// (BEGIN IMMEDIATE with a busy timeout).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "metastore/metastore.h"

namespace fluxo {

struct SqliteMetaStoreOptions {
  // How long a connection waits for another process's write lock before the attempt counts as
  // contended (Transact then retries it a few times), milliseconds.
  int64_t busy_timeout_ms = 10000;
};

Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path,
                                                       SqliteMetaStoreOptions options = {});

// SQL text of the expression a filter path compiles to (exposed for tests).
Result<std::string> SqlitePathExpression(const std::string& dotted_path);

}  // namespace fluxo
