// `fluxo metastore migrate --from URL --to URL`: copies every record of one metastore (sandboxes,
// clients, settings, entities with their sealed secrets and references) into another, typically
// sqlite:PATH -> postgresql://..., then verifies the counts and refreshes the target's planner
// statistics (MetaStore::Analyze: PostgreSQL ANALYZE). Secrets are copied sealed: the nodes of the
// target must use the source's master key (--master-key-file).
#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace fluxo {

struct MigrateSummary {
  int64_t sandboxes = 0;
  int64_t clients = 0;
  int64_t settings = 0;
  int64_t refs = 0;                         // references between entities (delete protection)
  std::map<std::string, int64_t> entities;  // kind -> count
};

// Errors: NotFound (the SQLite source file does not exist), FailedPrecondition (the target is not
// empty: nothing is written; or the counts differ after the copy), Unavailable (a store cannot be
// reached), InvalidArgument (a URL is not a metastore URL). Messages never carry a password.
Result<MigrateSummary> MigrateMetastore(const std::string& from_url, const std::string& to_url);

}  // namespace fluxo
