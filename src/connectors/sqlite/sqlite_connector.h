// The SQLite source connector: reads one table or view of an SQLite database file that lies inside
// a folder allowed with --allow-path. See README.md in this folder for the type mapping, the delta
// column rules and the explore answers.
#pragma once

#include <memory>

#include "connectors/source.h"
#include "model/specs.h"

namespace fluxo::connectors::sqlite {

// The connector for connection spec spec_ids::kSqlite. Stateless and thread-safe; every Source
// it makes opens its own read-only connections.
std::unique_ptr<Connector> NewConnector();
// Its connection spec (declared in sqlite_spec.cc).
const ConnectionSpec& Spec();

}  // namespace fluxo::connectors::sqlite
