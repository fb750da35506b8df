// The record reader of delimited files: header mapping (by name), record checks (column count,
// UTF-8), value conversion; row errors for bad records. Also used to sample files for schema
// inference and to read headers when planning byte-range splits. One reader per file, used by
// one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/files/byte_stream.h"
#include "connectors/files/csv_parser.h"
#include "connectors/files/record_reader.h"

namespace fluxo::connectors::files {

// `src` outlives the reader.
class CsvFileReader : public RecordFileReader {
 public:
  CsvFileReader(ReaderContext* src, std::string name, std::unique_ptr<ByteStream> stream)
      : src_(src),
        name_(std::move(name)),
        origin_name_(std::make_shared<const std::string>(name_)),
        stream_(std::move(stream)),
        parser_(stream_.get(), src->options().delimiter) {}

  // Reads the header and maps its columns to the schema's.
  Status Init(const Schema& schema) {
    schema_ = &schema;
    ASSIGN_OR_RETURN(bool got, parser_.Next(&rec_));
    if (!got) {
      empty_ = true;
      return Status::OK();
    }
    if (!rec_.error.empty()) {
      return Status::InvalidArgument("file " + Quote(name_) + ": malformed header: " + rec_.error);
    }
    if (!IsValidUtf8(rec_.raw)) {
      return Status::InvalidArgument("file " + Quote(name_) + ": the header is not valid UTF-8");
    }
    std::vector<std::string> raw;
    for (const CsvField& f : rec_.fields) raw.emplace_back(f.value);
    header_ = UniqueNames(raw);
    return MapColumns();
  }

  // For a byte range after the first of a file: its stream starts at a record cut on line
  // `line`; `header` is the file's header (already made unique), read when the split was planned.
  Status InitAtCut(const Schema& schema, std::vector<std::string> header, int64_t line) {
    schema_ = &schema;
    parser_.StartAtCut(line);
    header_ = std::move(header);
    return MapColumns();
  }

  // Maps the header's columns to the schema's.
  Status MapColumns() {
    const Schema& schema = *schema_;
    field_of_col_.assign(schema.num_fields(), -1);
    int matched = 0;
    for (int j = 0; j < schema.num_fields(); ++j) {
      for (size_t i = 0; i < header_.size(); ++i) {
        if (header_[i] == schema.field(j).name) {
          field_of_col_[j] = static_cast<int>(i);
          ++matched;
          break;
        }
      }
    }
    if (matched == 0 && schema.num_fields() > 0) {
      return Status::InvalidArgument("file " + Quote(name_) +
                                     ": the header has none of the columns " + schema.ToString());
    }
    cells_.resize(schema.num_fields());
    return Status::OK();
  }
  const std::vector<std::string>& header() const { return header_; }
  // Raw access for sampling.
  Result<bool> NextRecord() { return parser_.Next(&rec_); }
  const CsvRecord& record() const { return rec_; }

  Result<bool> ReadRow(RecordBatchBuilder* builder) override {
    if (empty_) return false;
    ASSIGN_OR_RETURN(bool got, parser_.Next(&rec_));
    if (!got) return false;
    auto& counters = src_->counters();
    counters.input_records.fetch_add(1, std::memory_order_relaxed);
    if (!rec_.error.empty()) {
      src_->ReportRowError(kMalformed, "malformed record: " + rec_.error, name_, rec_.line,
                           rec_.raw);
      return true;
    }
    if (rec_.fields.size() != header_.size()) {
      src_->ReportRowError(kColumnCount,
                           "expected " + std::to_string(header_.size()) + " columns, found " +
                               std::to_string(rec_.fields.size()),
                           name_, rec_.line, rec_.raw);
      return true;
    }
    if (!IsValidUtf8(rec_.raw)) {
      src_->ReportRowError(kBadUtf8, "the record is not valid UTF-8", name_, rec_.line, rec_.raw);
      return true;
    }
    const int n = schema_->num_fields();
    for (int j = 0; j < n; ++j) {
      int i = field_of_col_[j];
      Cell& c = cells_[j];
      if (i < 0) {
        c.null = true;
        continue;
      }
      const CsvField& f = rec_.fields[i];
      if (!ParseText(f.value, f.quoted, schema_->field(j).type, &c)) {
        src_->ReportRowError(kBadValue,
                             "column " + Quote(schema_->field(j).name) + ": " +
                                 ShortValue(f.value) + " is not a valid " +
                                 schema_->field(j).type.ToString(),
                             name_, rec_.line, rec_.raw);
        return true;
      }
    }
    builder->SetRowOrigin(origin_name_, rec_.line);  // the row's file and first line
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  ReaderContext* src_;
  std::string name_;
  std::shared_ptr<const std::string> origin_name_;  // name_, shared by the batches' RowOrigins
  std::unique_ptr<ByteStream> stream_;
  CsvParser parser_;
  CsvRecord rec_;
  const Schema* schema_ = nullptr;
  std::vector<std::string> header_;
  std::vector<int> field_of_col_;
  std::vector<Cell> cells_;
  bool empty_ = false;
};

}  // namespace fluxo::connectors::files
