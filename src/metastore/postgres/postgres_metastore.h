// The PostgreSQL MetaStore (many processes on many machines): a pool of libpq connections,
// SERIALIZABLE write transactions retried on serialization failures and deadlocks (SQLSTATE
// 40001/40P01), REPEATABLE READ snapshots for reads, numbered migrations under an advisory lock,
// and a LISTEN connection that hears other processes' run writes (MetaStore::RunWrites).
// Standard PostgreSQL SQL only; the features used are listed in src/metastore/README.md.
#pragma once

#include <memory>
#include <string>

#include "metastore/metastore.h"

namespace fluxo {

// `url`: a libpq URI, postgresql://USER:PASSWORD@HOST:PORT/DB?sslmode=... Connects once to
// check the server (Unavailable naming host:port/db, never the password, when it cannot be
// reached; Unauthenticated on a wrong password). Does not migrate.
Result<std::unique_ptr<MetaStore>> OpenPostgresMetaStore(const std::string& url);

// The NOTIFY channel of run writes.
inline constexpr const char* kRunWritesChannel = "fluxo_runs";

}  // namespace fluxo
