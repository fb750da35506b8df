// The SQLite MetaStore (embedded default): one database file in WAL mode, a small pool of
// connections (one per concurrent caller), write transactions serialized by SQLite
// (BEGIN IMMEDIATE with a busy timeout).
#pragma once

#include <memory>
#include <string>

#include "metastore/metastore.h"

namespace fluxo {

Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path);

// SQL text of the expression a filter path compiles to (exposed for tests).
Result<std::string> SqlitePathExpression(const std::string& dotted_path);

}  // namespace fluxo
