#include "dataprep/mapping_transform.h"

#include "dataprep/json_rows.h"

namespace fluxo::dataprep {

std::string MappingSetVersionId(const std::string& id, int64_t version) {
  return id + "_v" + std::to_string(version);
}

Result<std::optional<MappingRef>> FlowMappingRef(const json::object& flow_doc) {
  std::optional<MappingRef> ref;
  const json::value* ts = flow_doc.if_contains("transformations");
  if (!ts || !ts->is_array()) return ref;
  size_t index = 0;
  for (const auto& t : ts->as_array()) {
    std::string at = "transformations[" + std::to_string(index++) + "]";
    if (!t.is_object() || GetString(t.as_object(), "name") != std::optional<std::string>("Mapping"))
      continue;
    if (ref) return Status::InvalidArgument(at + ": a flow has at most one Mapping transformation");
    const json::value* p = t.as_object().if_contains("params");
    if (!p || !p->is_object())
      return Status::InvalidArgument(at + ".params is required: {mappingId, mappingVersion}");
    const json::object& params = p->as_object();
    for (const auto& kv : params) {
      if (kv.key() != "mappingId" && kv.key() != "mappingVersion")
        return Status::InvalidArgument(at + ".params." + std::string(kv.key()) +
                                       " is not a Mapping parameter (mappingId, mappingVersion)");
    }
    auto id = GetString(params, "mappingId");
    if (!id || id->empty())
      return Status::InvalidArgument(at + ".params.mappingId is required: a mapping set id");
    const json::value* v = params.if_contains("mappingVersion");
    std::optional<int64_t> version = v ? AsInt64Lenient(*v) : std::nullopt;
    if (!version || *version < 0)
      return Status::InvalidArgument(at +
                                     ".params.mappingVersion is required: an integer >= 0, the "
                                     "version of the mapping set the flow applies");
    ref = MappingRef{*id, *version};
  }
  return ref;
}

namespace {

class MappingState : public TransformState {
 public:
  EvalContext ctx;
};

}  // namespace

MappingTransform::MappingTransform(std::vector<Mapping> mappings, const Clock* clock)
    : mappings_(std::move(mappings)), clock_(clock) {}

Result<std::shared_ptr<const Schema>> MappingTransform::Bind(std::shared_ptr<const Schema> input) {
  MappingIssue issue;
  auto p = MappingProgram::Bind(mappings_, std::move(input), &issue);
  if (!p.ok()) return Status::InvalidArgument("mapping set: " + issue.ToString());
  program_ = *p;
  return program_->output_schema();
}

std::vector<std::string> MappingTransform::SourceFields() const {
  return dataprep::SourceFields(mappings_);
}

std::unique_ptr<TransformState> MappingTransform::NewState() const {
  return std::make_unique<MappingState>();
}

Result<RecordBatch> MappingTransform::Apply(RecordBatch batch, TransformState& state,
                                            const RowErrorFn& row_error) const {
  auto& s = static_cast<MappingState&>(state);
  RowFailureFn failed = [&](const RecordBatch& input, int64_t row, const std::string& message) {
    RowError e{kMappingRowErrorCode, message, "", 0, RowToJson(input, row)};
    // The source row's file and line when the reader knew them (file sources); table sources
    // give none: file "" and line 0, as for any row error without an origin.
    if (const RowOrigins* o = input.origins()) o->Find(row, &e.file, &e.line);
    row_error(e);
  };
  int64_t now = clock_->NowMillis() * 1000;
  RecordBatch out = program_->Apply(std::move(batch), s.ctx, now, failed);
  return out;
}

Result<std::unique_ptr<Transform>> NewFlowTransform(const json::object& flow_doc,
                                                    const MappingSetLoader& load,
                                                    const Clock* clock) {
  ASSIGN_OR_RETURN(std::optional<MappingRef> ref, FlowMappingRef(flow_doc));
  if (!ref) return std::unique_ptr<Transform>(std::make_unique<IdentityTransform>());
  Result<json::object> doc = load(ref->id, ref->version);
  if (!doc.ok()) {
    if (doc.status().code() != StatusCode::kNotFound) return doc.status();
    return Status::FailedPrecondition("mapping set " + ref->id + " version " +
                                      std::to_string(ref->version) + " no longer exists");
  }
  MappingIssue issue;
  auto mappings = ParseMappings(doc->if_contains("mappings"), &issue);
  if (!mappings.ok())
    return Status::FailedPrecondition("mapping set " + ref->id + ": " + issue.ToString());
  return std::unique_ptr<Transform>(
      std::make_unique<MappingTransform>(std::move(*mappings), clock));
}

}  // namespace fluxo::dataprep
