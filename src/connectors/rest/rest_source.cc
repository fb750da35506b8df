// The Source of the REST connector: Open() fetches the first page, or the first pages up to
// fluxo.inferRecords records when the columns are inferred (to fix the schema), PlanSplits()
// answers one split (pages are sequential), and the reader streams the remaining pages into
// RecordBatches of at most batch_rows rows.
#include "connectors/rest/rest_source.h"

#include "connectors/files/inference.h"
#include "connectors/files/json_reader.h"
#include "connectors/files/record_reader.h"

namespace fluxo::connectors::rest {
namespace {

constexpr const char* kBadValue = files::kBadValue;
constexpr const char* kMalformed = files::kMalformed;

class RestReader : public SourceReader {
 public:
  explicit RestReader(RestSource* src) : src_(src) {}
  Result<RecordBatch> Next() override { return src_->NextBatch(); }

 private:
  RestSource* src_;
};

}  // namespace

RestSource::RestSource(RestSpec spec, SourceConfig config)
    : spec_(std::move(spec)), config_(std::move(config)) {}

Status RestSource::Open() {
  PagerConfig pc;
  pc.source_params = config_.params;
  pc.auth_params = config_.connection.auth_params;
  ASSIGN_OR_RETURN(pc.auth_kind, AuthKindFor(*config_.connection.spec,
                                             config_.connection.auth_spec_name, pc.auth_params));
  pc.window = config_.window;
  pc.connect_timeout_s = config_.connection.connect_timeout_s;
  pc.sleep = CancellableSleep(&cancelled_);
  pc.counters = &counters_;
  ASSIGN_OR_RETURN(pager_, Pager::Make(spec_, std::move(pc)));
  ASSIGN_OR_RETURN(more_, pager_->NextPage(&page_));
  std::vector<Field> fields = spec_.columns;
  if (fields.empty()) {
    // The sample: pages appended to the first until infer_records records (or the last page).
    std::vector<json::value> next;
    while (more_ && static_cast<int64_t>(page_.size()) < spec_.infer_records) {
      if (cancelled()) return Status::Cancelled("the run was cancelled");
      ASSIGN_OR_RETURN(more_, pager_->NextPage(&next));
      page_.insert(page_.end(), std::make_move_iterator(next.begin()),
                   std::make_move_iterator(next.end()));
    }
    fields = files::InferJsonObjectFields(page_);
  }
  schema_ = std::make_shared<Schema>(std::move(fields));
  RETURN_IF_ERROR(schema_->Validate());
  cells_.resize(schema_->num_fields());
  scratch_.resize(schema_->num_fields());
  return Status::OK();
}

Result<std::vector<Split>> RestSource::PlanSplits() {
  return std::vector<Split>{Split{"pages of " + pager_->Describe(), json::object{}}};
}

Result<std::unique_ptr<SourceReader>> RestSource::OpenReader(const Split&) {
  if (reader_opened_) return Status::Internal("the REST source has one split");
  reader_opened_ = true;
  return std::unique_ptr<SourceReader>(new RestReader(this));
}

void RestSource::ReportRowError(const char* code, std::string message, const json::value& rec) {
  counters_.failed_records.fetch_add(1, std::memory_order_relaxed);
  if (config_.on_row_error) {
    config_.on_row_error(RowError{code, std::move(message), pager_->Describe(), record_number_,
                                  files::Truncated(json::serialize(rec))});
  }
}

void RestSource::AppendRecord(const json::value& rec, RecordBatchBuilder* builder) {
  ++record_number_;
  counters_.input_records.fetch_add(1, std::memory_order_relaxed);
  const json::object* obj = rec.if_object();
  if (obj == nullptr) {
    ReportRowError(kMalformed, "the record is not a JSON object", rec);
    return;
  }
  const int n = schema_->num_fields();
  for (int j = 0; j < n; ++j) {
    const Field& f = schema_->field(j);
    const json::value* v = obj->if_contains(f.name);
    files::Cell& c = cells_[j];
    if (v == nullptr) {
      c.null = true;
      continue;
    }
    if (!files::JsonToCell(*v, f.type, &scratch_[j], &c)) {
      ReportRowError(kBadValue,
                     "field " + files::Quote(f.name) + ": " +
                         files::ShortValue(json::serialize(*v)) + " is not a valid " +
                         f.type.ToString(),
                     rec);
      return;
    }
  }
  for (int j = 0; j < n; ++j) files::AppendCell(builder->column(j), cells_[j]);
}

Result<RecordBatch> RestSource::NextBatch() {
  RecordBatchBuilder builder(schema_);
  while (builder.num_rows() < config_.batch_rows) {
    if (cancelled()) return Status::Cancelled("the run was cancelled");
    if (next_ >= page_.size()) {
      if (!more_) break;
      ASSIGN_OR_RETURN(more_, pager_->NextPage(&page_));
      next_ = 0;
      continue;
    }
    AppendRecord(page_[next_++], &builder);
  }
  return builder.Finish();
}

}  // namespace fluxo::connectors::rest
