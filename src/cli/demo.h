// `fluxo serve --demo`: on first start, a small SQLite CRM database in <data>/demo and, through the
// API itself, a connection, source connection, dataset, target connection and a `once` flow with
// one run over all time, so a new user sees a run land Parquet files within seconds.
#pragma once

#include <string>

#include "api/service.h"
#include "cli/options.h"

namespace fluxo {

// The folder the demo database lives in (it must be an --allow-path root).
std::string DemoDir(const StoreOptions& so);

// Idempotent: does nothing when the demo was seeded before (a metastore setting).
Status SeedDemo(ApiService& api, MetaStore& store, const StoreOptions& so);

}  // namespace fluxo
