#include "connectors/files/parquet_records.h"

#include <algorithm>
#include <charconv>

namespace fluxo::connectors::files {
namespace {

class SequentialRandomAccess : public parquet::RandomAccessInput {
 public:
  SequentialRandomAccess(FileSystem* fs, FileEntry file, std::atomic<int64_t>* bytes_read)
      : fs_(fs), file_(std::move(file)), bytes_read_(bytes_read) {}

  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > file_.size) {
      return Status::InvalidArgument("file " + Quote(file_.path) + ": read past the end");
    }
    if (!stream_ || offset < pos_) {
      ASSIGN_OR_RETURN(stream_, fs_->Open(file_, bytes_read_));
      pos_ = 0;
    }
    std::string skip;
    while (pos_ < offset) {
      skip.resize(static_cast<size_t>(std::min<int64_t>(offset - pos_, 256 << 10)));
      ASSIGN_OR_RETURN(size_t n, stream_->Read(skip.data(), skip.size()));
      if (n == 0) return Truncated();
      pos_ += static_cast<int64_t>(n);
    }
    std::string out(static_cast<size_t>(length), '\0');
    int64_t done = 0;
    while (done < length) {
      ASSIGN_OR_RETURN(size_t n,
                       stream_->Read(out.data() + done, static_cast<size_t>(length - done)));
      if (n == 0) return Truncated();
      done += static_cast<int64_t>(n);
    }
    pos_ += length;
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
  std::unique_ptr<ByteStream> stream_;
  int64_t pos_ = 0;
};

// Ranged GETs of one object (`key` in `store`).
class ObjectRandomAccess : public parquet::RandomAccessInput {
 public:
  ObjectRandomAccess(std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
                     std::atomic<int64_t>* bytes_read)
      : store_(std::move(store)), key_(std::move(key)), size_(size), bytes_read_(bytes_read) {}

  Result<std::string> ReadAt(int64_t offset, int64_t length) override {
    if (offset < 0 || length < 0 || offset + length > size_) {
      return Status::InvalidArgument("object " + Quote(key_) + ": read past the end");
    }
    if (length == 0) return std::string();
    ASSIGN_OR_RETURN(std::string data, store_->Get(key_, ByteRange{offset, length}));
    if (bytes_read_ != nullptr) bytes_read_->fetch_add(static_cast<int64_t>(data.size()));
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
                      std::unique_ptr<parquet::ParquetFileReader> reader)
      : src_(src),
        name_(std::move(name)),
        origin_name_(std::make_shared<const std::string>(name_)),
        reader_(std::move(reader)) {}

  Status Init(const Schema& schema) {
    schema_ = &schema;
    const Schema& file = *reader_->file_schema();
    std::vector<int> select;
    col_of_field_.assign(schema.num_fields(), -1);
    for (int j = 0; j < schema.num_fields(); ++j) {
      int i = file.FieldIndex(schema.field(j).name);
      if (i < 0) continue;
      col_of_field_[j] = static_cast<int>(select.size());
      select.push_back(i);
    }
    if (select.empty() && schema.num_fields() > 0) {
      return Status::InvalidArgument("file " + Quote(name_) + " has none of the columns " +
                                     schema.ToString());
    }
    cells_.resize(schema.num_fields());
    scratch_.resize(schema.num_fields());
    return reader_->SelectColumns(select);
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
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
  RecordBatch batch_;
  int64_t pos_ = 0;
  int64_t row_ = 0;
};

}  // namespace

std::unique_ptr<parquet::RandomAccessInput> NewSequentialRandomAccess(
    FileSystem* fs, FileEntry file, std::atomic<int64_t>* bytes_read) {
  return std::make_unique<SequentialRandomAccess>(fs, std::move(file), bytes_read);
}

std::unique_ptr<parquet::RandomAccessInput> NewObjectRandomAccess(
    std::shared_ptr<ObjectStore> store, std::string key, int64_t size,
    std::atomic<int64_t>* bytes_read) {
  return std::make_unique<ObjectRandomAccess>(std::move(store), std::move(key), size, bytes_read);
}

Result<std::unique_ptr<RecordFileReader>> OpenParquetRecords(
    ReaderContext* src, std::string name, std::unique_ptr<parquet::ParquetFileReader> reader,
    const Schema& schema) {
  auto r = std::make_unique<ParquetRecordReader>(src, std::move(name), std::move(reader));
  RETURN_IF_ERROR(r->Init(schema));
  return std::unique_ptr<RecordFileReader>(std::move(r));
}

}  // namespace fluxo::connectors::files
