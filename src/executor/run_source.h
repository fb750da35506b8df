// The source of a flow, built from the stored documents: which connector, and the SourceConfig
// of one window. Shared by the executor (a run's copy activity) and the API (op=verify, dry
// runs), so every reader of a window uses the same predicate: the same connection params, delta
// column, dateFormat, timezone and nullDeltaPolicy.
//
// Pure apart from the metastore reads in `txn`; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "connectors/registry.h"
#include "connectors/source.h"
#include "metastore/metastore.h"
#include "model/flow_options.h"
#include "model/run_doc.h"
#include "secrets/master_key.h"

namespace fluxo {

struct FlowSource {
  Connector* connector = nullptr;  // owned by the registry
  SourceConfig config;             // bound to the window of the RunTarget given
  FlowOptions options;             // the flow's options (model/flow_options.h)
};

// Where sources may read, and how wide: the process's flags.
struct SourceAccess {
  std::vector<std::string> allow_paths;
  int parallelism = 2;
};

// Reads `flow`'s source connection and its base connection in `txn`, opens the sealed params
// with `key` and builds the SourceConfig of `target`'s window and delta column (the flow's Copy
// transformation's dateFormat and timezone take precedence over the source connection's params).
// Errors: NotFound / FailedPrecondition naming the missing document or the spec with no
// connector in this build.
Status LoadFlowSource(MetaTxn& txn, const Scope& scope, const Entity& flow, const RunTarget& target,
                      ConnectorRegistry& connectors, const MasterKey& key,
                      const SourceAccess& access, FlowSource* out);

}  // namespace fluxo
