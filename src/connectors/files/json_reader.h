// The record reader of JSON Lines files and JSON arrays of objects: fields matched by name,
// values converted (JsonToCell); row errors for broken JSON, non-objects, invalid UTF-8 and
// values that do not convert. Also used to sample files for schema inference. One reader per
// file, used by one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/json_splitter.h"
#include "connectors/files/record_reader.h"

namespace fluxo::connectors::files {

// Converts one JSON value to `type`; strings of other values go to `scratch`.
bool JsonToCell(const json::value& v, const DataType& type, std::string* scratch, Cell* c);

// `src` outlives the reader.
class JsonFileReader : public RecordFileReader {
 public:
  JsonFileReader(ReaderContext* src, std::string name, std::unique_ptr<ByteStream> stream)
      : src_(src),
        name_(std::move(name)),
        origin_name_(std::make_shared<const std::string>(name_)),
        stream_(std::move(stream)),
        splitter_(stream_.get()) {}

  void Init(const Schema& schema) {
    schema_ = &schema;
    cells_.resize(schema.num_fields());
    scratch_.resize(schema.num_fields());
  }
  // For a byte range that starts at a cut (JsonSplitter::StartAtCut). Call before ReadRow.
  void StartAtCut(int64_t first_line) { splitter_.StartAtCut(first_line); }

  // The next record parsed; nullopt-like false at the end. `error` set for a bad record.
  Result<bool> NextParsed(json::value* out, std::string* error) {
    ASSIGN_OR_RETURN(bool got, splitter_.Next(&rec_));
    if (!got) return false;
    error->clear();
    if (!rec_.error.empty()) {
      *error = rec_.error;
      return true;
    }
    if (!IsValidUtf8(rec_.text)) {
      *error = "utf8";
      return true;
    }
    boost::system::error_code ec;
    *out = json::parse(rec_.text, ec);
    if (ec) *error = "broken JSON: " + ec.message();
    return true;
  }
  const JsonRecordText& record() const { return rec_; }

  Result<bool> ReadRow(RecordBatchBuilder* builder) override {
    std::string error;
    ASSIGN_OR_RETURN(bool got, NextParsed(&value_, &error));
    if (!got) return false;
    src_->counters().input_records.fetch_add(1, std::memory_order_relaxed);
    if (error == "utf8") {
      src_->ReportRowError(kBadUtf8, "the record is not valid UTF-8", name_, rec_.line, rec_.text);
      return true;
    }
    if (!error.empty()) {
      src_->ReportRowError(kMalformed, error, name_, rec_.line, rec_.text);
      return true;
    }
    const json::object* obj = value_.if_object();
    if (obj == nullptr) {
      src_->ReportRowError(kMalformed, "the record is not a JSON object", name_, rec_.line,
                           rec_.text);
      return true;
    }
    const int n = schema_->num_fields();
    for (int j = 0; j < n; ++j) {
      const Field& f = schema_->field(j);
      const json::value* v = obj->if_contains(f.name);
      Cell& c = cells_[j];
      if (v == nullptr) {
        c.null = true;
        continue;
      }
      if (!JsonToCell(*v, f.type, &scratch_[j], &c)) {
        std::string shown = json::serialize(*v);
        src_->ReportRowError(kBadValue,
                             "field " + Quote(f.name) + ": " + ShortValue(shown) +
                                 " is not a valid " + f.type.ToString(),
                             name_, rec_.line, rec_.text);
        return true;
      }
    }
    builder->SetRowOrigin(origin_name_, rec_.line);  // the record's file and first line
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  ReaderContext* src_;
  std::string name_;
  std::shared_ptr<const std::string> origin_name_;  // name_, shared by the batches' RowOrigins
  std::unique_ptr<ByteStream> stream_;
  JsonSplitter splitter_;
  JsonRecordText rec_;
  json::value value_;
  const Schema* schema_ = nullptr;
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
};

}  // namespace fluxo::connectors::files
