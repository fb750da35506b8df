#include "connectors/files/parquet_records.h"

#include <algorithm>
#include <charconv>

#include "objstore/range_reader.h"

namespace fluxo::connectors::files {
namespace {

// Each ReadAt is one byte range of FileSystem::Open (a seek for local files).
class RangedRandomAccess : public parquet::RandomAccessInput {
 public:
  RangedRandomAccess(FileSystem* fs, FileEntry file, std::atomic<int64_t>* bytes_read)
      : fs_(fs), file_(std::move(file)), bytes_read_(bytes_read) {}

  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > file_.size) {
      return Status::InvalidArgument("file " + Quote(file_.path) + ": read past the end");
    }
    std::string out(static_cast<size_t>(length), '\0');
    if (length == 0) return out;
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     fs_->Open(file_, bytes_read_, offset, offset + length));
    int64_t done = 0;
    while (done < length) {
      ASSIGN_OR_RETURN(size_t n, in->Read(out.data() + done, static_cast<size_t>(length - done)));
      if (n == 0) return Truncated();
      done += static_cast<int64_t>(n);
    }
    return out;
  }
  int64_t size() const override { return file_.size; }

 private:
  Status Truncated() const {
    return Status::InvalidArgument("file " + Quote(file_.path) + " is shorter than listed (" +
                                   std::to_string(file_.size) + " bytes): changed while read?");
  }

  FileSystem* fs_;
  FileEntry file_;
  std::atomic<int64_t>* bytes_read_;
};

// Ranged GETs of one object (`key` in `store`): a small read is one GET, a larger one pieces
// fetched several at once by a RangeReader.
class ObjectRandomAccess : public parquet::RandomAccessInput {
 public:
  static constexpr int64_t kOneGet = 1 << 20;    // reads up to this size: one GET
  static constexpr int64_t kMaxPiece = 8 << 20;  // bytes per GET of a larger read
  static constexpr int kPiecesAtOnce = 3;        // GETs in flight for one read

  ObjectRandomAccess(std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
                     std::atomic<int64_t>* bytes_read)
      : store_(std::move(store)), key_(std::move(key)), size_(size), bytes_read_(bytes_read) {}

  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > size_) {
      return Status::InvalidArgument("object " + Quote(key_) + ": read past the end");
    }
    if (length == 0) return std::string();
    std::string data;
    if (length <= kOneGet) {
      ASSIGN_OR_RETURN(data, store_->Get(key_, ByteRange{offset, length}));
      if (bytes_read_ != nullptr) bytes_read_->fetch_add(static_cast<int64_t>(data.size()));
    } else {
      // Three thirds at once, each a RangeReader of chunks of at most 8 MiB (a RangeReader starts
      // its first chunk at once and the next ones as they are consumed): a read of up to 24 MiB
      // is 3 GETs in flight together; a longer one keeps the later thirds one chunk ahead.
      const int64_t third = (length + kPiecesAtOnce - 1) / kPiecesAtOnce;
      std::vector<std::shared_ptr<RangeReader>> readers;
      for (int64_t at = 0; at < length; at += third) {
        readers.push_back(RangeReader::Start(store_.get(), key_, offset + at,
                                             std::min(third, length - at),
                                             RangeReadOptions{kMaxPiece, 1}, DetachedRunner()));
      }
      data.reserve(static_cast<size_t>(length));
      Status st;
      for (const auto& reader : readers) {
        while (st.ok()) {
          Result<std::string> got = reader->NextBlocking();
          if (!got.ok()) {
            st = got.status();
            break;
          }
          if (got->empty()) break;
          if (bytes_read_ != nullptr) bytes_read_->fetch_add(static_cast<int64_t>(got->size()));
          data.append(*got);
        }
      }
      for (const auto& reader : readers) {
        reader->Cancel();
        reader->WaitIdle();  // no GET uses the store after this
      }
      RETURN_IF_ERROR(st);
    }
    if (static_cast<int64_t>(data.size()) != length) {
      return Status::InvalidArgument("object " + Quote(key_) + " is shorter than listed (" +
                                     std::to_string(size_) + " bytes): changed while read?");
    }
    return data;
  }
  int64_t size() const override { return size_; }

 private:
  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  int64_t size_;
  std::atomic<int64_t>* bytes_read_;
};

// The text form of value `i` of `col`, for conversion to another type.
std::string_view ValueText(const Column& col, int64_t i, std::string* scratch) {
  char buf[64];
  switch (col.type().id) {
    case TypeId::kBoolean: return col.GetBool(i) ? "true" : "false";
    case TypeId::kInt32: *scratch = std::to_string(col.Value<int32_t>(i)); break;
    case TypeId::kInt64: *scratch = std::to_string(col.Value<int64_t>(i)); break;
    case TypeId::kDate: *scratch = FormatDate(col.Value<int32_t>(i)); break;
    case TypeId::kTimestamp: *scratch = FormatTimestamp(col.Value<int64_t>(i)); break;
    case TypeId::kDecimal: *scratch = FormatDecimal(col.GetDecimal(i), col.type().scale); break;
    case TypeId::kFloat64: {
      auto r = std::to_chars(buf, buf + sizeof(buf), col.Value<double>(i));
      scratch->assign(buf, r.ptr);
      break;
    }
    case TypeId::kString:
    case TypeId::kBinary: return col.GetString(i);
  }
  return *scratch;
}

class ParquetRecordReader : public RecordFileReader {
 public:
  ParquetRecordReader(ReaderContext* src, std::string name,
                      std::unique_ptr<parquet::ParquetFileReader> reader, int64_t first_line)
      : src_(src),
        name_(std::move(name)),
        origin_name_(std::make_shared<const std::string>(name_)),
        reader_(std::move(reader)),
        row_(first_line - 1) {}

  Status Init(const Schema& schema) {
    schema_ = &schema;
    const Schema& file = *reader_->file_schema();
    std::vector<int> select;
    col_of_field_.assign(schema.num_fields(), -1);
    direct_ = true;
    for (int j = 0; j < schema.num_fields(); ++j) {
      int i = file.FieldIndex(schema.field(j).name);
      if (i < 0) continue;
      col_of_field_[j] = static_cast<int>(select.size());
      select.push_back(i);
      if (!(file.field(i).type == schema.field(j).type)) direct_ = false;
    }
    field_of_col_.assign(select.size(), -1);
    for (int j = 0; j < schema.num_fields(); ++j) {
      if (col_of_field_[j] >= 0) field_of_col_[col_of_field_[j]] = j;
    }
    if (select.empty() && schema.num_fields() > 0) {
      return Status::InvalidArgument("file " + Quote(name_) + " has none of the columns " +
                                     schema.ToString());
    }
    cells_.resize(schema.num_fields());
    scratch_.resize(schema.num_fields());
    return reader_->SelectColumns(select);
  }

  // Every column has the schema's type: the columns are decoded straight into `builder`.
  Result<int64_t> ReadRows(RecordBatchBuilder* builder, int64_t max_rows) override {
    if (!direct_ || pos_ < batch_.num_rows()) return int64_t{-1};
    const int64_t left = reader_->rows_left();
    if (left == 0 || schema_->num_fields() == 0) return int64_t{0};
    out_.resize(field_of_col_.size());
    for (size_t c = 0; c < field_of_col_.size(); ++c) out_[c] = &builder->column(field_of_col_[c]);
    // The origin of the first row about to be appended; the rows after it follow (one run of
    // RowOrigins per step).
    builder->SetRowOrigin(origin_name_, row_ + 1);
    ASSIGN_OR_RETURN(int64_t n, reader_->ReadRows(std::min(max_rows, left), out_.data()));
    if (n == 0)
      return Status::Internal("parquet reader: no row where " + std::to_string(left) +
                              " were left");
    for (int j = 0; j < schema_->num_fields(); ++j) {
      if (col_of_field_[j] >= 0) continue;
      ColumnBuilder& b = builder->column(j);
      for (int64_t k = 0; k < n; ++k) b.AppendNull();
    }
    row_ += n;
    src_->counters().input_records.fetch_add(n, std::memory_order_relaxed);
    return n;
  }

  Result<bool> ReadRow(RecordBatchBuilder* builder) override {
    if (pos_ == batch_.num_rows()) {
      ASSIGN_OR_RETURN(bool got, reader_->Next(&batch_));
      if (!got) return false;
      pos_ = 0;
    }
    const int64_t i = pos_++;
    ++row_;
    src_->counters().input_records.fetch_add(1, std::memory_order_relaxed);
    const int n = schema_->num_fields();
    for (int j = 0; j < n; ++j) {
      Cell& c = cells_[j];
      c.null = true;
      if (col_of_field_[j] < 0) continue;
      const Column& col = batch_.column(col_of_field_[j]);
      if (col.IsNull(i)) continue;
      const DataType& want = schema_->field(j).type;
      if (!(col.type() == want)) {
        std::string_view text = ValueText(col, i, &scratch_[j]);
        if (!ParseText(text, true, want, &c)) {
          src_->ReportRowError(kBadValue,
                               "column " + Quote(schema_->field(j).name) + ": " + ShortValue(text) +
                                   " is not a valid " + want.ToString(),
                               name_, row_, text);
          return true;
        }
        continue;
      }
      c.null = false;
      switch (want.id) {
        case TypeId::kBoolean: c.i = col.GetBool(i); break;
        case TypeId::kInt32:
        case TypeId::kDate: c.i = col.Value<int32_t>(i); break;
        case TypeId::kInt64:
        case TypeId::kTimestamp: c.i = col.Value<int64_t>(i); break;
        case TypeId::kFloat64: c.d = col.Value<double>(i); break;
        case TypeId::kDecimal: c.dec = col.GetDecimal(i); break;
        case TypeId::kString:
        case TypeId::kBinary: c.s = col.GetString(i); break;
      }
    }
    builder->SetRowOrigin(origin_name_, row_);  // "line": the row's 1-based number in the file
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  ReaderContext* src_;
  std::string name_;
  std::shared_ptr<const std::string> origin_name_;  // name_, shared by the batches' RowOrigins
  std::unique_ptr<parquet::ParquetFileReader> reader_;
  const Schema* schema_ = nullptr;
  std::vector<int> col_of_field_;  // batch column per schema field, -1 when the file lacks it
  std::vector<int> field_of_col_;  // schema field per batch column
  bool direct_ = false;            // no column needs a conversion: ReadRows
  std::vector<ColumnBuilder*> out_;
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
  RecordBatch batch_;
  int64_t pos_ = 0;
  int64_t row_ = 0;
};

}  // namespace

std::unique_ptr<parquet::RandomAccessInput> NewRangedRandomAccess(
    FileSystem* fs, FileEntry file, std::atomic<int64_t>* bytes_read) {
  return std::make_unique<RangedRandomAccess>(fs, std::move(file), bytes_read);
}

std::unique_ptr<parquet::RandomAccessInput> NewObjectRandomAccess(
    std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
    std::atomic<int64_t>* bytes_read) {
  return std::make_unique<ObjectRandomAccess>(std::move(store), std::move(key), size, bytes_read);
}

Result<std::unique_ptr<RecordFileReader>> OpenParquetRecords(
    ReaderContext* src, std::string name, std::unique_ptr<parquet::ParquetFileReader> reader,
    const Schema& schema, int64_t first_line) {
  auto r = std::make_unique<ParquetRecordReader>(src, std::move(name), std::move(reader),
                                                 std::max<int64_t>(first_line, 1));
  RETURN_IF_ERROR(r->Init(schema));
  return std::unique_ptr<RecordFileReader>(std::move(r));
}

}  // namespace fluxo::connectors::files
