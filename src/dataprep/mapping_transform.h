// The pipeline's transform stage for flows with a Mapping (executor/transform.h), and the one
// place that reads a flow's Mapping transformation.
//
//   "transformations": [{"name": "Copy", ...},
//                       {"name": "Mapping", "params": {"mappingId": "5a7...", "mappingVersion":
//                       0}}]
//
// Thread safety: a bound MappingTransform is immutable; Apply runs concurrently with one
// MappingState per thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "dataprep/mapping.h"
#include "executor/transform.h"

namespace fluxo::dataprep {

// Entities of the Data Prep API (stored through the MetaStore): the mapping set as it is now,
// and one immutable entity per version (what flows name and runs apply).
inline constexpr const char* kMappingSetKind = "mappingSets";
inline constexpr const char* kMappingSetVersionKind = "mappingSetVersions";
// The entity id of version `version` of mapping set `id`.
std::string MappingSetVersionId(const std::string& id, int64_t version);

// The row-error code of a row a mapping could not compute.
inline constexpr const char* kMappingRowErrorCode = "MAPPER-1201";

struct MappingRef {
  std::string id;
  int64_t version = 0;
};
// The flow document's Mapping transformation: nullopt when there is none. InvalidArgument
// naming the field when there is more than one, or its params are not {"mappingId": non-empty
// string, "mappingVersion": integer >= 0 (or a numeric string)} with nothing else.
Result<std::optional<MappingRef>> FlowMappingRef(const json::object& flow_doc);

class MappingTransform : public Transform {
 public:
  // `clock` (not owned, outlives this) answers now(); one value per batch.
  MappingTransform(std::vector<Mapping> mappings, const Clock* clock);
  // InvalidArgument ("mapping set: mappings[1].source: ...") when a mapping cannot apply to
  // `input` (unknown source field, type error).
  Result<std::shared_ptr<const Schema>> Bind(std::shared_ptr<const Schema> input) override;
  // mapping.h SourceFields of the mappings.
  std::vector<std::string> SourceFields() const override;
  std::unique_ptr<TransformState> NewState() const override;
  // Failed rows are reported with code MAPPER-1201, the mapping and reason as message, the
  // source row (its values as JSON) as record, and the row's file and line from the batch's
  // RowOrigins (file sources: the line where the record starts; Parquet: the row number); ""
  // and 0 when the batch has none (table sources).
  Result<RecordBatch> Apply(RecordBatch batch, TransformState& state,
                            const RowErrorFn& row_error) const override;

 private:
  std::vector<Mapping> mappings_;
  const Clock* clock_;
  std::shared_ptr<const MappingProgram> program_;
};

// Loads the stored document of version `version` of mapping set `id` (in the run's scope).
using MappingSetLoader =
    std::function<Result<json::object>(const std::string& id, int64_t version)>;

// The transform of a flow: IdentityTransform without a Mapping transformation, else a
// MappingTransform of the version the flow names (loaded through `load`; its NotFound is
// returned as FailedPrecondition naming the mapping set and version).
Result<std::unique_ptr<Transform>> NewFlowTransform(const json::object& flow_doc,
                                                    const MappingSetLoader& load,
                                                    const Clock* clock);

}  // namespace fluxo::dataprep
