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
    plan_.clear();
    for (int j = 0; j < schema.num_fields(); ++j) {
      plan_.push_back(ColumnPlan{field_of_col_[j], schema.field(j).type.id, &schema.field(j).type});
    }
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
    // Every value is converted before any is appended, so a row with a bad value leaves no
    // trace in the batch.
    const int n = static_cast<int>(plan_.size());
    const CsvField* fields = rec_.fields.data();
    for (int j = 0; j < n; ++j) {
      const ColumnPlan& p = plan_[j];
      Cell& c = cells_[j];
      if (p.field < 0) {
        c.null = true;
        continue;
      }
      const CsvField& f = fields[p.field];
      if (!Convert(f, p, &c)) {
        src_->ReportRowError(kBadValue,
                             "column " + Quote(schema_->field(j).name) + ": " +
                                 ShortValue(f.value) + " is not a valid " +
                                 schema_->field(j).type.ToString(),
                             name_, rec_.line, rec_.raw);
        return true;
      }
    }
    builder->SetRowOrigin(origin_name_, rec_.line);  // the row's file and first line
    for (int j = 0; j < n; ++j) Append(builder->column(j), plan_[j].id, cells_[j]);
    return true;
  }

 private:
  // One schema column as ReadRow converts it: the record field it takes (-1: none, so null)
  // and its type, looked up once per file instead of once per value.
  struct ColumnPlan {
    int field;
    TypeId id;
    const DataType* type;
  };

  // ParseText, with the common types (strings, integers, doubles, timestamps, decimals) inline
  // and the type already known; the others go through ParseText. Same values, same refusals.
  __attribute__((always_inline)) static bool Convert(const CsvField& f, const ColumnPlan& p,
                                                     Cell* c) {
    const std::string_view v = f.value;
    switch (p.id) {
      case TypeId::kString:
        c->null = v.empty() && !f.quoted;
        c->s = v;
        return true;
      case TypeId::kInt64:
      case TypeId::kInt32:
      case TypeId::kFloat64:
      case TypeId::kTimestamp:
      case TypeId::kDecimal: break;
      default: return ParseText(v, f.quoted, *p.type, c);
    }
    c->null = v.empty();  // "" is null for these types, quoted or not
    if (c->null) return true;
    switch (p.id) {
      case TypeId::kInt64: return ParseInt64(v, &c->i);
      case TypeId::kInt32: {
        int32_t x;
        if (!ParseInt32(v, &x)) return false;
        c->i = x;
        return true;
      }
      case TypeId::kFloat64: return ParseDouble(v, &c->d);
      case TypeId::kTimestamp: return ParseTimestamp(v, &c->i);
      default: return ParseDecimal(v, p.type->precision, p.type->scale, &c->dec);
    }
  }

  // AppendCell with the column's type id already known.
  __attribute__((always_inline)) static void Append(ColumnBuilder& b, TypeId id, const Cell& c) {
    if (c.null) {
      b.AppendNull();
      return;
    }
    switch (id) {
      case TypeId::kString: b.AppendString(c.s); return;
      case TypeId::kInt64: b.AppendInt64(c.i); return;
      case TypeId::kInt32: b.AppendInt32(static_cast<int32_t>(c.i)); return;
      case TypeId::kFloat64: b.AppendDouble(c.d); return;
      case TypeId::kTimestamp: b.AppendTimestamp(c.i); return;
      case TypeId::kDecimal: b.AppendDecimal(c.dec); return;
      default: AppendCell(b, c); return;
    }
  }

  ReaderContext* src_;
  std::string name_;
  std::shared_ptr<const std::string> origin_name_;  // name_, shared by the batches' RowOrigins
  std::unique_ptr<ByteStream> stream_;
  CsvParser parser_;
  CsvRecord rec_;
  const Schema* schema_ = nullptr;
  std::vector<std::string> header_;
  std::vector<int> field_of_col_;
  std::vector<ColumnPlan> plan_;  // one per schema column (MapColumns)
  std::vector<Cell> cells_;
  bool empty_ = false;
};

}  // namespace fluxo::connectors::files
