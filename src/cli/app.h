// Opening fluxo's persistent state: the data dir, the metastore (migrated), the master key and,
// on first start, the admin API client whose credentials go to <data>/credentials.json.
#pragma once

#include <memory>
#include <string>

#include "cli/options.h"
#include "metastore/metastore.h"
#include "secrets/master_key.h"

namespace fluxo {

struct OpenedState {
  std::unique_ptr<MetaStore> store;
  std::unique_ptr<MasterKey> master_key;
  std::string token_key;
};

// Creates the data dir (0700) when missing, opens and migrates the metastore, loads or creates
// the master key (<data>/master.key, 0600).
Result<OpenedState> OpenState(const StoreOptions& opts);

// On first start (no admin client recorded): creates an org, its `prod` sandbox and an admin
// client, writes <data>/credentials.json (0600) and returns true. Otherwise false.
Result<bool> EnsureAdminClient(const StoreOptions& opts, OpenedState& state);

}  // namespace fluxo
