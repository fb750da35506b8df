// Internal to the executor: what one run needs from the stored documents, and the run-document
// writes that the whole-run path (executor.cc) and the split path (split_work.cc) share.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connectors/registry.h"
#include "executor/executor.h"
#include "executor/transform.h"
#include "lake/lake.h"
#include "model/flow_options.h"
#include "model/run_doc.h"

namespace fluxo {

// What one run needs from the stored documents, read once when the run (or a split) starts.
struct RunInputs {
  Entity run;
  Entity flow;
  std::vector<std::string> dataset_ids;  // one per target connection, in order
  Connector* connector = nullptr;
  SourceConfig source;                   // the source's whole configuration (LoadFlowSource)
  FlowOptions options;                   // the flow's options (model/flow_options.h)
  std::unique_ptr<Transform> transform;  // identity, or the flow's Mapping (dataprep)
};

// Reads the run, its flow, its connections and targets into `in`.
Status LoadRunInputs(MetaTxn& txn, const Scope& scope, const std::string& run_id,
                     ConnectorRegistry& connectors, const MasterKey& key,
                     const ExecutorOptions& options, RunInputs* in);

// The AEP code a failed run reports: the failure's own detail code, else the source's generic
// permanent or transient code. Never read from the message.
std::string FailureCode(const Status& s);

// The warnings of a successful run: partial ingestion, rows with a NULL delta value (of the
// source `source`: its delta column and nullDeltaPolicy), and the source's own (the late-commit
// guard's).
std::vector<RunError> SuccessWarnings(const RunCounts& counts,
                                      const std::optional<std::string>& partial,
                                      int64_t null_delta_rows, const SourceConfig& source,
                                      const std::vector<SourceWarning>& source_warnings);

// The flow's lastRunDetails after its run `run_id` ended in `state`. Nothing when the flow is gone.
Status UpdateFlowLastRun(MetaTxn& txn, const Scope& scope, const std::string& flow_id,
                         const std::string& run_id, const std::string& state, int64_t started_ms,
                         int64_t now_ms);

// Inside a commit's transaction: FailedPrecondition with detail FLUXO-1223-400 when a replacing
// run of the flow created after `run` succeeded for an overlapping window (see executor.cc).
Status CheckNotSuperseded(MetaTxn& txn, const Scope& scope, const Entity& run,
                          const std::string& flow_id);

// Inside the transaction that commits target dataset `dataset_id`'s batch `new_batch_id` ("" when
// the run landed none) of a replacing run (`params.replace`): the batches that earlier successful
// runs of the flow landed in that dataset for windows inside `run`'s stop being visible
// (Lake::ReplaceBatches). Their ids are added to `*replaced`; after the commit the caller removes
// their files (Lake::RemoveInactiveFiles).
Status ReplaceWindowInDataset(MetaTxn& txn, Lake& lake, const Scope& scope, const Entity& run,
                              const std::string& flow_id, const std::string& dataset_id,
                              const std::string& new_batch_id, std::set<std::string>* replaced);

}  // namespace fluxo
