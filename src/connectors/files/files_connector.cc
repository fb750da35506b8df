#include "connectors/files/files_connector.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

#include "connectors/files/byte_stream.h"
#include "connectors/files/csv_parser.h"
#include "connectors/files/json_splitter.h"
#include "connectors/files/selection.h"
#include "connectors/files/values.h"
#include "formats/parquet/reader.h"
#include "model/spec_ids.h"
#include "objstore/s3/s3_object_store.h"

namespace fluxo {
namespace files {

namespace {

constexpr int kSampleRows = 1000;
constexpr int64_t kMaxBatchBytes = 8 << 20;
constexpr size_t kMaxRecordInError = 4096;

// Row error codes (RowError::code).
constexpr const char* kBadValue = "INGEST-1201";
constexpr const char* kColumnCount = "INGEST-1202";
constexpr const char* kBadUtf8 = "INGEST-1203";
constexpr const char* kMalformed = "INGEST-1204";

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

enum class Format { kDelimited, kJson, kParquet };

struct FileOptions {
  Format format = Format::kDelimited;
  char delimiter = ',';
  Codec codec = Codec::kNone;              // kNone: detect
  std::shared_ptr<const Schema> declared;  // params.columns, or null
  // Intra-file splits: an uncompressed delimited file is cut into byte ranges of
  // R = max(min_range_bytes, size / parallelism) when it holds at least two of them.
  int64_t min_range_bytes = 64 << 20;
};

Result<char> ParseDelimiter(const std::string& d) {
  if (d.size() == 1) return d[0];
  if (d == "\\t" || d == "tab") return '\t';
  return Status::InvalidArgument("columnDelimiter " + Quote(d) + " must be one character");
}

Result<FileOptions> ParseOptions(const SourceConfig& c) {
  FileOptions o;
  std::string format = GetString(c.data, "format").value_or("delimited");
  if (format == "delimited" || format == "csv") {
    o.format = Format::kDelimited;
  } else if (format == "json") {
    o.format = Format::kJson;
  } else if (format == "parquet") {
    o.format = Format::kParquet;
  } else {
    return Status::InvalidArgument("data.format " + Quote(format) +
                                   " is not one of delimited, json, parquet");
  }
  const json::value* props_v = c.data.if_contains("properties");
  const json::object* props = props_v != nullptr ? props_v->if_object() : nullptr;
  std::optional<std::string> p_delim = GetString(c.params, "columnDelimiter");
  std::optional<std::string> d_delim =
      props != nullptr ? GetString(*props, "columnDelimiter") : std::nullopt;
  if (p_delim && d_delim && *p_delim != *d_delim) {
    return Status::InvalidArgument("params.columnDelimiter " + Quote(*p_delim) +
                                   " and data.properties.columnDelimiter " + Quote(*d_delim) +
                                   " differ");
  }
  if (p_delim || d_delim) {
    ASSIGN_OR_RETURN(o.delimiter, ParseDelimiter(p_delim ? *p_delim : *d_delim));
    if (o.delimiter == '"' || o.delimiter == '\n' || o.delimiter == '\r') {
      return Status::InvalidArgument("columnDelimiter may not be a quote or a line break");
    }
  }
  if (props != nullptr) {
    if (auto ct = GetString(*props, "compressionType")) {
      ASSIGN_OR_RETURN(o.codec, ParseCodec(*ct));
    }
  }
  if (const json::value* m = c.params.if_contains("splitMinRangeBytes")) {
    std::optional<int64_t> v = AsInt64Lenient(*m);
    if (!v || *v <= 0) {
      return Status::InvalidArgument("params.splitMinRangeBytes must be a positive integer");
    }
    o.min_range_bytes = *v;
  }
  if (const json::value* cols = c.params.if_contains("columns")) {
    const json::array* arr = cols->if_array();
    if (arr == nullptr || arr->empty()) {
      return Status::InvalidArgument("params.columns must be a non-empty array of {name, type}");
    }
    std::vector<Field> fields;
    for (const json::value& v : *arr) {
      const json::object* obj = v.if_object();
      std::optional<std::string> name = obj ? GetString(*obj, "name") : std::nullopt;
      std::optional<std::string> type = obj ? GetString(*obj, "type") : std::nullopt;
      if (!name || name->empty() || !type) {
        return Status::InvalidArgument("params.columns entries need a name and a type");
      }
      ASSIGN_OR_RETURN(DataType t, ParseTypeName(*type));
      fields.push_back({*name, t, true});
    }
    auto schema = std::make_shared<const Schema>(std::move(fields));
    RETURN_IF_ERROR(schema->Validate().WithContext("params.columns"));
    o.declared = std::move(schema);
  }
  return o;
}

// Header names made usable: empty names become column_N, duplicates get _2, _3, ...
std::vector<std::string> UniqueNames(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string n = raw[i].empty() ? "column_" + std::to_string(i + 1) : raw[i];
    std::string base = n;
    while (seen.count(n)) n = base + "_" + std::to_string(++seen[base]);
    seen[n] = 1;
    out.push_back(n);
  }
  return out;
}

// One value ready to append (no allocation: strings are views).
struct Cell {
  bool null = true;
  int64_t i = 0;
  double d = 0;
  int128_t dec = 0;
  std::string_view s;
};

// Parses text `v` as `type` into `cell`; false when it is not a value of the type.
bool ParseText(std::string_view v, bool quoted, const DataType& type, Cell* cell) {
  cell->null = false;
  switch (type.id) {
    case TypeId::kString:
    case TypeId::kBinary:
      if (v.empty() && !quoted) cell->null = true;
      cell->s = v;
      return true;
    default: break;
  }
  if (v.empty()) {
    cell->null = true;
    return true;
  }
  switch (type.id) {
    case TypeId::kBoolean: {
      bool b;
      if (!ParseBool(v, &b)) return false;
      cell->i = b;
      return true;
    }
    case TypeId::kInt32: {
      int32_t x;
      if (!ParseInt32(v, &x)) return false;
      cell->i = x;
      return true;
    }
    case TypeId::kInt64: return ParseInt64(v, &cell->i);
    case TypeId::kFloat64: return ParseDouble(v, &cell->d);
    case TypeId::kDate: {
      int32_t days;
      if (!ParseDate(v, &days)) {
        // A timestamp at midnight is a date too.
        int64_t us;
        if (!ParseTimestamp(v, &us) || us % 86400000000 != 0) return false;
        days = static_cast<int32_t>(us / 86400000000);
      }
      cell->i = days;
      return true;
    }
    case TypeId::kTimestamp: return ParseTimestamp(v, &cell->i);
    case TypeId::kDecimal: return ParseDecimal(v, type.precision, type.scale, &cell->dec);
    default: return false;
  }
}

void AppendCell(ColumnBuilder& b, const Cell& c) {
  if (c.null) {
    b.AppendNull();
    return;
  }
  switch (b.type().id) {
    case TypeId::kBoolean: b.AppendBool(c.i != 0); break;
    case TypeId::kInt32: b.AppendInt32(static_cast<int32_t>(c.i)); break;
    case TypeId::kDate: b.AppendDate(static_cast<int32_t>(c.i)); break;
    case TypeId::kInt64: b.AppendInt64(c.i); break;
    case TypeId::kTimestamp: b.AppendTimestamp(c.i); break;
    case TypeId::kFloat64: b.AppendDouble(c.d); break;
    case TypeId::kDecimal: b.AppendDecimal(c.dec); break;
    case TypeId::kString:
    case TypeId::kBinary: b.AppendString(c.s); break;
  }
}

std::string Truncated(std::string_view s) { return std::string(s.substr(0, kMaxRecordInError)); }

std::string ShortValue(std::string_view v) {
  if (v.size() > 64) return Quote(std::string(v.substr(0, 64)) + "...");
  return Quote(v);
}

class FileSource;

// What one reader reads of one file: all of it, or (intra-file split of an uncompressed
// delimited file) the byte range [start, end) that starts at a record cut found by FindCsvCuts.
struct FilePart {
  FileEntry file;
  bool ranged = false;
  int64_t start = 0;
  int64_t end = -1;
  int64_t line = 1;                 // line number of the record at `start`
  std::vector<std::string> header;  // the file's header names (ranges after the first)
};

// Opens a file of the tree for random access (Parquet). Adds the bytes it reads to `bytes_read`.
using RandomAccessOpener = std::function<Result<std::unique_ptr<parquet::RandomAccessInput>>(
    const FileEntry& file, std::atomic<int64_t>* bytes_read)>;

// Random access over FileSystem::Open's sequential stream, for trees without ranged reads: reads
// forward, skipping bytes; a read before the current position opens the file again. The Parquet
// reader reads the footer (at the end) first and then the row groups in file order, so a file
// is read about twice. Memory: one 256 KiB skip buffer plus what ReadAt returns.
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

// Reads the records of one file and appends good ones to a RecordBatchBuilder.
class RecordFileReader {
 public:
  virtual ~RecordFileReader() = default;
  // Appends at most one row (or reports a row error); false at the end of the file.
  virtual Result<bool> ReadRow(RecordBatchBuilder* builder) = 0;
};

class FileSource : public Source {
 public:
  // `random_access` (optional) opens files for ranged reads; without it Parquet files are read
  // through SequentialRandomAccess.
  FileSource(std::shared_ptr<FileSystem> fs, SourceConfig config,
             RandomAccessOpener random_access = nullptr)
      : fs_(std::move(fs)), config_(std::move(config)), random_access_(std::move(random_access)) {}

  Status Open() override;
  std::shared_ptr<const Schema> schema() const override { return schema_; }
  Result<std::vector<Split>> PlanSplits() override;
  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override;
  std::vector<std::string> InputFiles() const override {
    std::vector<std::string> out;
    for (const FileEntry& f : files_) out.push_back(f.path);
    return out;
  }

  // For the readers.
  Result<std::unique_ptr<RecordFileReader>> OpenFile(const FilePart& part,
                                                     std::atomic<int64_t>* bytes_read);
  void ReportRowError(const char* code, std::string message, const std::string& file, int64_t line,
                      std::string_view record) {
    counters_.failed_records.fetch_add(1, std::memory_order_relaxed);
    if (config_.on_row_error) {
      config_.on_row_error(RowError{code, std::move(message), file, line, Truncated(record)});
    }
  }
  const SourceConfig& config() const { return config_; }
  const FileOptions& options() const { return options_; }
  // Opens `f` for the Parquet reader.
  Result<std::unique_ptr<parquet::ParquetFileReader>> OpenParquet(const FileEntry& f,
                                                                  std::atomic<int64_t>* bytes_read);

 private:
  Status InferSchema();
  // The byte ranges of file `f` for intra-file splits (range_bytes apart), or none when the file
  // is not to be cut (compressed, no header, a single range).
  Result<std::vector<FilePart>> CsvRanges(const FileEntry& f, int64_t range_bytes);

  std::shared_ptr<FileSystem> fs_;
  SourceConfig config_;
  RandomAccessOpener random_access_;
  FileOptions options_;
  std::vector<FileEntry> files_;
  std::shared_ptr<const Schema> schema_;
};

// ---- CSV.

class CsvFileReader : public RecordFileReader {
 public:
  CsvFileReader(FileSource* src, std::string name, std::unique_ptr<ByteStream> stream)
      : src_(src),
        name_(std::move(name)),
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
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  FileSource* src_;
  std::string name_;
  std::unique_ptr<ByteStream> stream_;
  CsvParser parser_;
  CsvRecord rec_;
  const Schema* schema_ = nullptr;
  std::vector<std::string> header_;
  std::vector<int> field_of_col_;
  std::vector<Cell> cells_;
  bool empty_ = false;
};

// ---- JSON.

// Converts one JSON value to `type`; strings of other values go to `scratch`.
bool JsonToCell(const json::value& v, const DataType& type, std::string* scratch, Cell* c) {
  c->null = false;
  if (v.is_null()) {
    c->null = true;
    return true;
  }
  if (const json::string* s = v.if_string()) {
    return ParseText(std::string_view(s->data(), s->size()), true, type, c) &&
           (type.id == TypeId::kString || !c->null || s->empty());
  }
  switch (type.id) {
    case TypeId::kString:
    case TypeId::kBinary:
      *scratch = json::serialize(v);
      c->s = *scratch;
      return true;
    case TypeId::kBoolean:
      if (!v.is_bool()) return false;
      c->i = v.get_bool();
      return true;
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t x;
      if (v.is_int64()) {
        x = v.get_int64();
      } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        x = static_cast<int64_t>(v.get_uint64());
      } else if (v.is_double() &&
                 v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double()))) {
        x = static_cast<int64_t>(v.get_double());
      } else {
        return false;
      }
      if (type.id == TypeId::kInt32 && (x < INT32_MIN || x > INT32_MAX)) return false;
      c->i = x;
      return true;
    }
    case TypeId::kFloat64:
      if (v.is_int64()) {
        c->d = static_cast<double>(v.get_int64());
      } else if (v.is_uint64()) {
        c->d = static_cast<double>(v.get_uint64());
      } else if (v.is_double()) {
        c->d = v.get_double();
      } else {
        return false;
      }
      return true;
    case TypeId::kDecimal:
      if (!v.is_number()) return false;
      *scratch = json::serialize(v);
      return ParseDecimal(*scratch, type.precision, type.scale, &c->dec);
    default: return false;  // dates and timestamps come as strings
  }
}

class JsonFileReader : public RecordFileReader {
 public:
  JsonFileReader(FileSource* src, std::string name, std::unique_ptr<ByteStream> stream)
      : src_(src), name_(std::move(name)), stream_(std::move(stream)), splitter_(stream_.get()) {}

  void Init(const Schema& schema) {
    schema_ = &schema;
    cells_.resize(schema.num_fields());
    scratch_.resize(schema.num_fields());
  }

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
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  FileSource* src_;
  std::string name_;
  std::unique_ptr<ByteStream> stream_;
  JsonSplitter splitter_;
  JsonRecordText rec_;
  json::value value_;
  const Schema* schema_ = nullptr;
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
};

// ---- Parquet.

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

// Reads one Parquet file: its columns are matched to the source schema by name (missing ones
// are null) and converted when their types differ (through their text form, as for CSV); a value
// that does not convert is a row error (INGEST-1201, "line" = the row's 1-based number).
class ParquetRecordReader : public RecordFileReader {
 public:
  ParquetRecordReader(FileSource* src, std::string name,
                      std::unique_ptr<parquet::ParquetFileReader> reader)
      : src_(src), name_(std::move(name)), reader_(std::move(reader)) {}

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
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  FileSource* src_;
  std::string name_;
  std::unique_ptr<parquet::ParquetFileReader> reader_;
  const Schema* schema_ = nullptr;
  std::vector<int> col_of_field_;  // batch column per schema field, -1 when the file lacks it
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
  RecordBatch batch_;
  int64_t pos_ = 0;
  int64_t row_ = 0;
};

// JSON type inference per key.
struct JsonInference {
  bool any = false, all_bool = true, all_int = true, all_num = true, all_str = true;
  TypeInference text;
  void Offer(const json::value& v) {
    if (v.is_null()) return;
    any = true;
    all_bool &= v.is_bool();
    all_int &= v.is_int64() || v.is_uint64();
    all_num &= v.is_number();
    all_str &= v.is_string();
    if (v.is_string()) text.Offer(std::string_view(v.get_string().data(), v.get_string().size()));
  }
  DataType Result() const {
    if (!any) return DataType::String();
    if (all_bool) return DataType::Boolean();
    if (all_int) return DataType::Int64();
    if (all_num) return DataType::Float64();
    if (all_str) {
      DataType t = text.Result();
      // Only dates and timestamps are read out of JSON strings.
      if (t.id == TypeId::kDate || t.id == TypeId::kTimestamp) return t;
    }
    return DataType::String();
  }
};

// ---- Source.

Status FileSource::Open() {
  ASSIGN_OR_RETURN(options_, ParseOptions(config_));
  std::optional<std::string> path = GetString(config_.params, "path");
  if (!path || path->empty()) return Status::InvalidArgument("params.path is required");
  bool recursive = false;
  if (const json::value* r = config_.params.if_contains("recursive")) {
    recursive = AsBoolLenient(*r).value_or(false);
  }
  ASSIGN_OR_RETURN(files_, SelectFiles(fs_.get(), *path, recursive, config_.window));
  counters_.input_files.store(static_cast<int64_t>(files_.size()));
  if (options_.declared) {
    schema_ = options_.declared;
    return Status::OK();
  }
  return InferSchema();
}

Result<std::unique_ptr<parquet::ParquetFileReader>> FileSource::OpenParquet(
    const FileEntry& f, std::atomic<int64_t>* bytes_read) {
  std::unique_ptr<parquet::RandomAccessInput> in;
  if (random_access_) {
    ASSIGN_OR_RETURN(in, random_access_(f, bytes_read));
  } else {
    in = std::make_unique<SequentialRandomAccess>(fs_.get(), f, bytes_read);
  }
  parquet::ParquetReaderOptions o;
  o.batch_rows = std::clamp<int64_t>(config_.batch_rows, 1, 64 * 1024);
  return parquet::ParquetFileReader::Open(std::move(in), f.path, o);
}

Status FileSource::InferSchema() {
  if (options_.format == Format::kParquet) {
    // The first file's schema, every column nullable (later files may have nulls).
    if (files_.empty()) {
      schema_ = std::make_shared<const Schema>();
      return Status::OK();
    }
    ASSIGN_OR_RETURN(auto reader, OpenParquet(files_.front(), nullptr));
    std::vector<Field> fields = reader->file_schema()->fields();
    for (Field& fld : fields) fld.nullable = true;
    schema_ = std::make_shared<const Schema>(std::move(fields));
    return Status::OK();
  }
  for (const FileEntry& f : files_) {
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, nullptr));
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     Decompress(std::move(raw), options_.codec, f.path));
    if (options_.format == Format::kDelimited) {
      CsvFileReader r(this, f.path, std::move(in));
      Schema none;
      RETURN_IF_ERROR(r.Init(none));
      if (r.header().empty()) continue;  // empty file: try the next one
      std::vector<TypeInference> inf(r.header().size());
      for (int n = 0; n < kSampleRows; ++n) {
        ASSIGN_OR_RETURN(bool got, r.NextRecord());
        if (!got) break;
        const CsvRecord& rec = r.record();
        if (!rec.error.empty() || rec.fields.size() != inf.size()) continue;
        for (size_t i = 0; i < inf.size(); ++i) {
          if (!rec.fields[i].value.empty()) inf[i].Offer(rec.fields[i].value);
        }
      }
      std::vector<Field> fields;
      for (size_t i = 0; i < inf.size(); ++i)
        fields.push_back({r.header()[i], inf[i].Result(), true});
      schema_ = std::make_shared<const Schema>(std::move(fields));
      return Status::OK();
    }
    JsonFileReader r(this, f.path, std::move(in));
    std::vector<std::string> names;
    std::unordered_map<std::string, JsonInference> inf;
    json::value v;
    std::string error;
    for (int n = 0; n < kSampleRows; ++n) {
      ASSIGN_OR_RETURN(bool got, r.NextParsed(&v, &error));
      if (!got) break;
      if (!error.empty() || !v.is_object()) continue;
      for (const auto& kv : v.get_object()) {
        std::string key(kv.key());
        auto it = inf.find(key);
        if (it == inf.end()) {
          names.push_back(key);
          it = inf.emplace(key, JsonInference{}).first;
        }
        it->second.Offer(kv.value());
      }
    }
    if (names.empty()) continue;
    std::vector<Field> fields;
    for (const std::string& n : names) fields.push_back({n, inf[n].Result(), true});
    schema_ = std::make_shared<const Schema>(std::move(fields));
    return Status::OK();
  }
  schema_ = std::make_shared<const Schema>();  // no file, or only empty ones
  return Status::OK();
}

Result<std::vector<FilePart>> FileSource::CsvRanges(const FileEntry& f, int64_t range_bytes) {
  std::vector<FilePart> none;
  if (options_.format != Format::kDelimited || options_.codec != Codec::kNone) return none;
  {
    // Compressed data (detected) cannot be entered mid-stream.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, nullptr));
    char head[16];
    size_t got = 0;
    while (got < sizeof(head)) {
      ASSIGN_OR_RETURN(size_t n, raw->Read(head + got, sizeof(head) - got));
      if (n == 0) break;
      got += n;
    }
    if (DetectCodec(std::string_view(head, got)) != Codec::kNone) return none;
  }
  std::vector<std::string> header;
  {
    // A header that cannot be read is left to the whole-file reader to report.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in, fs_->Open(f, nullptr));
    CsvFileReader r(this, f.path, std::move(in));
    Schema any;
    if (!r.Init(any).ok() || r.header().empty()) return none;
    header = r.header();
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in, fs_->Open(f, nullptr));
  Result<std::vector<CsvCut>> cuts = FindCsvCuts(in.get(), options_.delimiter, range_bytes);
  if (!cuts.ok()) {
    // I/O errors fail the plan (retryable); a file the parser refuses (a record too long) is
    // read whole, and its reader reports the same error naming the file.
    if (cuts.status().code() == StatusCode::kUnavailable) {
      return cuts.status().WithContext("file " + Quote(f.path));
    }
    return none;
  }
  if (cuts->empty()) return none;
  std::vector<FilePart> parts;
  int64_t start = 0, line = 1;
  for (size_t k = 0; k <= cuts->size(); ++k) {
    FilePart p;
    p.file = f;
    p.ranged = true;
    p.start = start;
    p.line = line;
    p.end = k < cuts->size() ? (*cuts)[k].offset : f.size;
    p.header = header;
    if (k < cuts->size()) {
      start = (*cuts)[k].offset;
      line = (*cuts)[k].line;
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

Result<std::vector<Split>> FileSource::PlanSplits() {
  if (files_.empty()) return std::vector<Split>{};
  const int parallelism = std::max(config_.parallelism, 1);
  std::vector<Split> splits;
  // Big uncompressed delimited files: one split per byte range (each claimable alone).
  std::vector<size_t> whole;
  for (size_t i = 0; i < files_.size(); ++i) {
    const FileEntry& f = files_[i];
    const int64_t range = std::max(options_.min_range_bytes, f.size / parallelism);
    if (options_.format == Format::kDelimited && options_.codec == Codec::kNone &&
        parallelism > 1 && f.size >= 2 * range) {
      ASSIGN_OR_RETURN(std::vector<FilePart> parts, CsvRanges(f, range));
      if (parts.size() > 1) {
        for (const FilePart& p : parts) {
          json::array header;
          for (const std::string& h : p.header) header.push_back(json::value(h));
          Split s;
          s.description = f.path + " bytes " + std::to_string(p.start) + "-" +
                          std::to_string(p.end) + " (line " + std::to_string(p.line) + ")";
          s.state =
              json::object{{"files", json::array{json::object{{"path", f.path},
                                                              {"size", f.size},
                                                              {"mtime_ms", f.mtime_ms},
                                                              {"start", p.start},
                                                              {"end", p.end},
                                                              {"line", p.line},
                                                              {"header", std::move(header)}}}}};
          splits.push_back(std::move(s));
        }
        continue;
      }
    }
    whole.push_back(i);
  }
  if (whole.empty()) return splits;
  size_t n = std::min<size_t>(parallelism, whole.size());
  // Largest first into the least loaded split (LPT), then each split in path order.
  std::vector<size_t> order = whole;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files_[a].size > files_[b].size; });
  std::vector<std::vector<size_t>> bins(n);
  std::vector<int64_t> load(n, 0);
  for (size_t i : order) {
    size_t best = std::min_element(load.begin(), load.end()) - load.begin();
    bins[best].push_back(i);
    load[best] += files_[i].size;
  }
  for (auto& bin : bins) {
    std::sort(bin.begin(), bin.end());
    json::array arr;
    for (size_t i : bin) {
      arr.push_back(json::object{
          {"path", files_[i].path}, {"size", files_[i].size}, {"mtime_ms", files_[i].mtime_ms}});
    }
    Split s;
    s.description = std::to_string(bin.size()) + (bin.size() == 1 ? " file" : " files");
    s.state = json::object{{"files", std::move(arr)}};
    splits.push_back(std::move(s));
  }
  return splits;
}

Result<std::unique_ptr<RecordFileReader>> FileSource::OpenFile(const FilePart& part,
                                                               std::atomic<int64_t>* bytes_read) {
  const FileEntry& f = part.file;
  if (part.ranged && options_.format == Format::kDelimited) {
    // A byte range of an uncompressed file (checked when planned): no codec detection, since a
    // range may start with bytes that look like a codec's magic.
    ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                     fs_->Open(f, bytes_read, part.start, part.end));
    auto r = std::make_unique<CsvFileReader>(this, f.path, std::move(in));
    if (part.start == 0) {
      RETURN_IF_ERROR(r->Init(*schema_));
    } else {
      RETURN_IF_ERROR(r->InitAtCut(*schema_, part.header, part.line));
    }
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  if (options_.format == Format::kParquet) {
    ASSIGN_OR_RETURN(auto reader, OpenParquet(f, bytes_read));
    auto r = std::make_unique<ParquetRecordReader>(this, f.path, std::move(reader));
    RETURN_IF_ERROR(r->Init(*schema_));
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, fs_->Open(f, bytes_read));
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> in,
                   Decompress(std::move(raw), options_.codec, f.path));
  if (options_.format == Format::kDelimited) {
    auto r = std::make_unique<CsvFileReader>(this, f.path, std::move(in));
    RETURN_IF_ERROR(r->Init(*schema_));
    return std::unique_ptr<RecordFileReader>(std::move(r));
  }
  auto r = std::make_unique<JsonFileReader>(this, f.path, std::move(in));
  r->Init(*schema_);
  return std::unique_ptr<RecordFileReader>(std::move(r));
}

class FileSplitReader : public SourceReader {
 public:
  FileSplitReader(FileSource* src, std::vector<FilePart> files)
      : src_(src), files_(std::move(files)), builder_(src->schema()) {}

  Result<RecordBatch> Next() override {
    const int64_t max_rows = std::max<int64_t>(src_->config().batch_rows, 1);
    int64_t n = 0;
    while (builder_.num_rows() < max_rows) {
      if ((++n & 1023) == 0) {
        if (src_->cancelled()) return Status::Cancelled("the run was cancelled");
        if (builder_.ByteSize() >= kMaxBatchBytes) break;
      }
      if (!current_) {
        if (next_file_ == files_.size()) break;
        const FilePart& f = files_[next_file_++];
        if (src_->cancelled()) return Status::Cancelled("the run was cancelled");
        ASSIGN_OR_RETURN(current_, src_->OpenFile(f, &src_->counters().input_bytes));
      }
      Result<bool> got = current_->ReadRow(&builder_);
      if (!got.ok()) {
        const std::string& name = files_[next_file_ - 1].file.path;
        const Status& st = got.status();
        if (st.message().find(name) != std::string::npos) return st;
        return st.WithContext("file " + Quote(name));
      }
      if (!*got) current_.reset();
    }
    return builder_.Finish();
  }

 private:
  FileSource* src_;
  std::vector<FilePart> files_;
  size_t next_file_ = 0;
  std::unique_ptr<RecordFileReader> current_;
  RecordBatchBuilder builder_;
};

Result<std::unique_ptr<SourceReader>> FileSource::OpenReader(const Split& split) {
  if (!schema_) return Status::FailedPrecondition("OpenReader before Open");
  const json::object* st = split.state.if_object();
  const json::value* arr_v = st ? st->if_contains("files") : nullptr;
  if (arr_v == nullptr || !arr_v->is_array()) {
    return Status::InvalidArgument("split state has no file list");
  }
  std::vector<FilePart> files;
  for (const json::value& v : arr_v->get_array()) {
    const json::object* o = v.if_object();
    if (o == nullptr) return Status::InvalidArgument("bad split state");
    FilePart part;
    FileEntry& f = part.file;
    f.path = GetString(*o, "path").value_or("");
    const json::value* size = o->if_contains("size");
    const json::value* mtime = o->if_contains("mtime_ms");
    f.size = size ? AsInt64Lenient(*size).value_or(0) : 0;
    f.mtime_ms = mtime ? AsInt64Lenient(*mtime).value_or(0) : 0;
    if (const json::value* end = o->if_contains("end")) {
      // One byte range of the file (intra-file split).
      const json::value* start = o->if_contains("start");
      const json::value* line = o->if_contains("line");
      const json::value* header = o->if_contains("header");
      part.ranged = true;
      part.start = start ? AsInt64Lenient(*start).value_or(0) : 0;
      part.end = AsInt64Lenient(*end).value_or(-1);
      part.line = line ? AsInt64Lenient(*line).value_or(1) : 1;
      if (part.start < 0 || part.end < part.start || part.line < 1) {
        return Status::InvalidArgument("bad byte range in split state for " + Quote(f.path));
      }
      if (header != nullptr && header->is_array()) {
        for (const json::value& h : header->get_array()) {
          if (!h.is_string()) return Status::InvalidArgument("bad header in split state");
          part.header.emplace_back(h.get_string().data(), h.get_string().size());
        }
      }
      if (part.start > 0 && part.header.empty()) {
        return Status::InvalidArgument("split state for " + Quote(f.path) +
                                       " has a byte range but no header");
      }
    }
    files.push_back(std::move(part));
  }
  return std::unique_ptr<SourceReader>(new FileSplitReader(this, std::move(files)));
}

// ---- Connectors.

Result<json::value> ExploreFiles(FileSystem* fs, const std::string& object_type,
                                 const std::string& object) {
  if (object_type == "root" || object_type == "folder") {
    std::string dir = object_type == "root" ? "" : object;
    ASSIGN_OR_RETURN(std::string rel, fs->Normalize(dir));
    ASSIGN_OR_RETURN(std::vector<std::string> folders, fs->ListFolders(rel));
    ASSIGN_OR_RETURN(std::vector<FileEntry> files, fs->ListFiles(rel, false));
    json::array out;
    for (const std::string& f : folders) {
      out.push_back(
          json::object{{"type", "folder"}, {"name", f}, {"path", rel.empty() ? f : rel + "/" + f}});
    }
    for (const FileEntry& f : files) {
      std::string name = f.path.substr(f.path.rfind('/') + 1);
      out.push_back(json::object{{"type", "file"},
                                 {"name", name},
                                 {"path", f.path},
                                 {"size", f.size},
                                 {"lastModified", f.mtime_ms},
                                 {"canPreview", true}});
    }
    return json::value(std::move(out));
  }
  if (object_type == "file") {
    ASSIGN_OR_RETURN(std::string rel, fs->Normalize(object));
    ASSIGN_OR_RETURN(std::optional<FileEntry> f, fs->Stat(rel));
    if (!f) return Status::InvalidArgument("object " + Quote(object) + " is a folder");
    // Preview: the inferred columns of the file (format from its name).
    SourceConfig cfg;
    cfg.params = json::object{{"path", rel}};
    bool is_json =
        rel.find(".json") != std::string::npos || rel.find(".ndjson") != std::string::npos;
    bool is_parquet = rel.size() >= 8 && rel.compare(rel.size() - 8, 8, ".parquet") == 0;
    const char* format = is_parquet ? "parquet" : is_json ? "json" : "delimited";
    cfg.data = json::object{{"format", format}};
    // Share the tree without taking ownership.
    std::shared_ptr<FileSystem> borrowed(fs, [](FileSystem*) {});
    FileSource src(borrowed, std::move(cfg));
    RETURN_IF_ERROR(src.Open());
    json::array cols;
    for (const Field& fld : src.schema()->fields()) {
      cols.push_back(json::object{{"name", fld.name}, {"type", fld.type.ToString()}});
    }
    return json::value(json::object{{"path", f->path},
                                    {"size", f->size},
                                    {"lastModified", f->mtime_ms},
                                    {"format", format},
                                    {"columns", std::move(cols)}});
  }
  return Status::InvalidArgument("objectType " + Quote(object_type) +
                                 " is not one of root, folder, file");
}

Result<std::shared_ptr<FileSystem>> OpenLocal(const ConnectionConfig& c) {
  std::optional<std::string> root = GetString(c.auth_params, "rootPath");
  if (!root) return Status::InvalidArgument("auth.params.rootPath is required");
  ASSIGN_OR_RETURN(std::unique_ptr<FileSystem> fs, OpenLocalFileSystem(*root, c.allow_paths));
  return std::shared_ptr<FileSystem>(std::move(fs));
}

// The S3 tree of a connection. Without bucketName, `path` starts with the bucket: it is then
// taken from `*path` (which keeps the rest). `store_out` (optional) receives the store, whose
// keys are the tree's paths.
Result<std::shared_ptr<FileSystem>> OpenS3(const ConnectionConfig& c, std::string* path,
                                           std::shared_ptr<ObjectStore>* store_out = nullptr) {
  S3Options o;
  const json::object& a = c.auth_params;
  o.access_key = GetString(a, "s3AccessKey").value_or("");
  o.secret_key = GetString(a, "s3SecretKey").value_or("");
  if (o.access_key.empty() || o.secret_key.empty()) {
    return Status::InvalidArgument("auth.params.s3AccessKey and s3SecretKey are required");
  }
  o.endpoint = GetString(a, "endpoint").value_or("");
  o.region = GetString(a, "region").value_or("us-east-1");
  if (const json::value* ps = a.if_contains("pathStyle")) {
    o.path_style = AsBoolLenient(*ps).value_or(false);
  }
  o.connect_timeout_s = c.connect_timeout_s;
  o.bucket = GetString(a, "bucketName").value_or("");
  std::string folder = GetString(a, "folderPath").value_or("");
  if (o.bucket.empty()) {
    if (path == nullptr) return Status::InvalidArgument("auth.params.bucketName is required");
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(*path));
    size_t slash = rel.find('/');
    o.bucket = rel.substr(0, slash);
    *path = slash == std::string::npos ? "" : rel.substr(slash + 1);
    if (o.bucket.empty()) {
      return Status::InvalidArgument(
          "params.path must start with the bucket when the "
          "connection has no bucketName");
    }
  }
  ASSIGN_OR_RETURN(std::string prefix, NormalizeRelativePath(folder));
  o.prefix = prefix.empty() ? "" : prefix + "/";
  std::string label = "s3://" + o.bucket + (prefix.empty() ? "" : "/" + prefix);
  ASSIGN_OR_RETURN(std::unique_ptr<S3ObjectStore> s3, S3ObjectStore::Open(std::move(o)));
  std::shared_ptr<ObjectStore> store(std::move(s3));
  if (store_out != nullptr) *store_out = store;
  return std::shared_ptr<FileSystem>(ObjectStoreFileSystem(std::move(store), "", label));
}

class LocalFolderConnector : public Connector {
 public:
  std::string name() const override { return "local"; }
  std::string spec_id() const override { return std::string(spec_ids::kLocalFolder); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenLocal(config.connection));
    return NewFileSource(std::move(fs), config);
  }
  Status Test(const ConnectionConfig& config) override { return OpenLocal(config).status(); }
  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenLocal(config));
    return ExploreFiles(fs.get(), object_type, object);
  }
};

class S3Connector : public Connector {
 public:
  std::string name() const override { return "s3"; }
  std::string spec_id() const override { return std::string(spec_ids::kS3); }
  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    SourceConfig c = config;
    std::string path = GetString(c.params, "path").value_or("");
    std::shared_ptr<ObjectStore> store;
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(c.connection, &path, &store));
    c.params["path"] = path.empty() ? "." : path;
    // Parquet files are read with ranged GETs (the tree's paths are the store's keys).
    RandomAccessOpener ranged = [store](const FileEntry& f, std::atomic<int64_t>* bytes_read)
        -> Result<std::unique_ptr<parquet::RandomAccessInput>> {
      return std::unique_ptr<parquet::RandomAccessInput>(
          new ObjectRandomAccess(store, f.path, f.size, bytes_read));
    };
    return std::unique_ptr<Source>(new FileSource(std::move(fs), std::move(c), std::move(ranged)));
  }
  Status Test(const ConnectionConfig& config) override {
    if (!GetString(config.auth_params, "bucketName")) {
      // Without a bucket there is nothing to list; check the parameters only.
      std::string dummy = "bucket";
      return OpenS3(config, &dummy).status();
    }
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(config, nullptr));
    return fs->Stat("").status();
  }
  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    std::string path = object;
    ASSIGN_OR_RETURN(std::shared_ptr<FileSystem> fs, OpenS3(config, &path));
    return ExploreFiles(fs.get(), object_type, path);
  }
};

}  // namespace

std::unique_ptr<Source> NewFileSource(std::shared_ptr<FileSystem> fs, SourceConfig config) {
  return std::make_unique<FileSource>(std::move(fs), std::move(config));
}

}  // namespace files

std::unique_ptr<Connector> NewLocalFolderConnector() {
  return std::make_unique<files::LocalFolderConnector>();
}
std::unique_ptr<Connector> NewS3Connector() { return std::make_unique<files::S3Connector>(); }

}  // namespace fluxo
