// RecordBatch: fluxo's columnar in-memory batch, the unit that flows from sources to writers.
//
// A batch has a Schema (named, typed, nullable fields) and one Column per field, all of the same
// length. Column layouts (little-endian, like Arrow's):
//   boolean          1 byte per value (0 or 1)
//   int32, date      int32_t per value; date = days since 1970-01-01
//   int64, timestamp int64_t per value; timestamp = microseconds since the Unix epoch, UTC
//   float64          double per value
//   decimal(p,s)     unscaled value; int64_t when p <= 18, __int128 when 18 < p <= 38
//   string, binary   one contiguous byte buffer plus int64_t offsets (length + 1 entries);
//                    strings are UTF-8 (not validated here: sources validate)
//   list<T>          int64_t offsets (length + 1 entries) into one child column of T, the
//                    elements (Column::elements(), with its own validity: null elements);
//                    list i is elements [offsets[i], offsets[i+1]); a null list is empty
// A validity bitmap (bit i set = value i is present, LSB first) exists only when the column has
// at least one null; the value slot of a null holds zero / an empty string.
//
// Thread safety: a finished RecordBatch is immutable and may be read from any number of threads.
// Builders are single-threaded.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo {

using int128_t = __int128;

enum class TypeId : uint8_t {
  kBoolean,
  kInt32,
  kInt64,
  kFloat64,
  kDecimal,
  kString,
  kBinary,
  kDate,
  kTimestamp,
};

// A logical type. precision/scale are meaningful for kDecimal only (1 <= precision <= 38,
// 0 <= scale <= precision). `list` makes it a list whose elements have the type (id,
// precision, scale): lists of primitives only, never of lists (consumers that switch on `id`
// must check `list` first; only Data Prep's output and the Parquet writer produce lists).
struct DataType {
  TypeId id = TypeId::kInt64;
  uint8_t precision = 0;
  uint8_t scale = 0;
  bool list = false;

  static DataType Boolean() { return {TypeId::kBoolean}; }
  static DataType Int32() { return {TypeId::kInt32}; }
  static DataType Int64() { return {TypeId::kInt64}; }
  static DataType Float64() { return {TypeId::kFloat64}; }
  static DataType Decimal(int precision, int scale) {
    return {TypeId::kDecimal, static_cast<uint8_t>(precision), static_cast<uint8_t>(scale)};
  }
  static DataType String() { return {TypeId::kString}; }
  static DataType Binary() { return {TypeId::kBinary}; }
  static DataType Date() { return {TypeId::kDate}; }
  static DataType Timestamp() { return {TypeId::kTimestamp}; }
  static DataType List(DataType element) {
    element.list = true;
    return element;
  }
  // The element type of a list.
  DataType element() const { return {id, precision, scale, false}; }

  bool operator==(const DataType& o) const {
    return id == o.id && precision == o.precision && scale == o.scale && list == o.list;
  }
  // Bytes per value of the fixed-width layout; 0 for string, binary and lists.
  int ByteWidth() const;
  bool IsVarLen() const { return !list && (id == TypeId::kString || id == TypeId::kBinary); }
  // "int64", "decimal(12,2)", "list<string>", ...: the names used in messages and in the
  // mapping table.
  std::string ToString() const;
};

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
};

// A schema's fields are its columns. In a nested schema (nested() true) a field name is a dotted
// path of struct members: "person.name.first" is member `first` of struct `name` of struct
// `person`, and the Parquet writer writes the fields as nested optional groups (a struct is
// present in a row when any member below it is). Sources produce flat schemas (a name with a
// dot is just a name); Data Prep's output is nested.
class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields, bool nested = false)
      : fields_(std::move(fields)), nested_(nested) {}

  bool nested() const { return nested_; }
  const std::vector<Field>& fields() const { return fields_; }
  const Field& field(int i) const { return fields_[i]; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  // Index of the field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
  // Names non-empty and unique, decimal precision/scale in range; in a nested schema also
  // paths of non-empty segments, none the prefix of another, members of structs nullable.
  Status Validate() const;
  bool operator==(const Schema& o) const;
  std::string ToString() const;

 private:
  Status ValidatePaths() const;

  std::vector<Field> fields_;
  bool nested_ = false;
};

// A growable, uninitialized byte buffer (realloc-backed). Move-only. A view (View()) reads
// another buffer's bytes, kept alive by a shared owner: it is never grown, written or freed.
class Buffer {
 public:
  Buffer() = default;
  ~Buffer() {
    if (!owner_) std::free(data_);
  }
  Buffer(Buffer&& o) noexcept
      : data_(o.data_), size_(o.size_), capacity_(o.capacity_), owner_(std::move(o.owner_)) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      if (!owner_) std::free(data_);
      data_ = o.data_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      owner_ = std::move(o.owner_);
      o.data_ = nullptr;
      o.size_ = o.capacity_ = 0;
    }
    return *this;
  }
  // A read-only view of `of`'s bytes; `owner` keeps them alive (and unchanged) at least as long
  // as the view.
  static Buffer View(const Buffer& of, std::shared_ptr<const void> owner) {
    Buffer b;
    b.data_ = of.data_;
    b.size_ = b.capacity_ = of.size_;
    b.owner_ = std::move(owner);
    return b;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }

  void Reserve(size_t n) {
    if (n > capacity_) Grow(n);
  }
  // Sets the size; new bytes are uninitialized.
  void Resize(size_t n) {
    Reserve(n);
    size_ = n;
  }
  void Append(const void* p, size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    if (n) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  template <typename T>
  void AppendValue(T v) {
    if (size_ + sizeof(T) > capacity_) Grow(size_ + sizeof(T));
    std::memcpy(data_ + size_, &v, sizeof(T));
    size_ += sizeof(T);
  }
  void AppendZeros(size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    std::memset(data_ + size_, 0, n);
    size_ += n;
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  void Grow(size_t min_capacity);

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<const void> owner_;  // views only
};

// One column of a batch. Produced by ColumnBuilder; read-only afterwards.
class Column {
 public:
  const DataType& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  // Nullptr when the column has no null; else ceil(length/8) bytes, bit i set = valid.
  const uint8_t* validity() const { return null_count_ > 0 ? validity_.data() : nullptr; }
  bool IsValid(int64_t i) const {
    return null_count_ == 0 || (validity_.data()[i >> 3] >> (i & 7)) & 1;
  }
  bool IsNull(int64_t i) const { return !IsValid(i); }

  // Fixed-width values; T must match the layout documented above.
  template <typename T>
  const T* values() const {
    return reinterpret_cast<const T*>(values_.data());
  }
  template <typename T>
  T Value(int64_t i) const {
    T v;
    std::memcpy(&v, values_.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  bool GetBool(int64_t i) const { return values_.data()[i] != 0; }
  // Unscaled decimal value whatever the storage width.
  int128_t GetDecimal(int64_t i) const {
    return type_.precision <= 18 ? int128_t{Value<int64_t>(i)} : Value<int128_t>(i);
  }
  // Offsets (length + 1 entries) and bytes of string / binary columns.
  const int64_t* offsets() const { return reinterpret_cast<const int64_t*>(offsets_.data()); }
  const char* chars() const { return reinterpret_cast<const char*>(values_.data()); }
  std::string_view GetString(int64_t i) const {
    const int64_t* o = offsets();
    return {chars() + o[i], static_cast<size_t>(o[i + 1] - o[i])};
  }
  // The elements of a list column (offsets() index them). REQUIRES: type().list.
  const Column& elements() const { return children_[0]; }
  // A column with the values of `*of`, reading its memory (no copy): `of` is kept alive by the
  // result. For a column that goes to several outputs (a field mapped twice).
  static Column Share(std::shared_ptr<const Column> of);
  // Approximate memory held, in bytes (a shared column counts the memory it reads).
  int64_t ByteSize() const {
    int64_t n = static_cast<int64_t>(values_.size() + offsets_.size() + validity_.size());
    for (const Column& c : children_) n += c.ByteSize();
    return n;
  }

 private:
  friend class ColumnBuilder;
  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  Buffer values_;                 // fixed-width values, or the string bytes
  Buffer offsets_;                // int64_t offsets for var-len types
  Buffer validity_;               // bitmap; materialized at the first null
  std::vector<Column> children_;  // lists: the elements
};

// Appends values to one column. Append* must match the column's type (checked by assert only:
// a mismatch is a programmer error). No heap allocation per value: buffers grow geometrically.
class ColumnBuilder {
 public:
  ColumnBuilder(DataType type, int64_t capacity_hint = 0);

  const DataType& type() const { return col_.type_; }
  int64_t length() const { return col_.length_; }
  int64_t null_count() const { return col_.null_count_; }
  // Bytes buffered so far (for cutting batches by size).
  int64_t ByteSize() const { return col_.ByteSize() + (elements_ ? elements_->ByteSize() : 0); }

  // Room for `values` more values and, in a string or binary column, `bytes` more bytes of
  // them, so that appending that much grows no buffer (a reader that knows its batches' size
  // reserves once instead of growing geometrically from empty after each Finish()).
  void Reserve(int64_t values, int64_t bytes = 0);

  void AppendNull();
  void AppendBool(bool v) { AppendFixed<uint8_t>(v ? 1 : 0); }
  void AppendInt32(int32_t v) { AppendFixed(v); }
  void AppendInt64(int64_t v) { AppendFixed(v); }
  void AppendDouble(double v) { AppendFixed(v); }
  void AppendDate(int32_t days) { AppendFixed(days); }
  void AppendTimestamp(int64_t micros) { AppendFixed(micros); }
  // Unscaled decimal; the caller guarantees |v| < 10^precision.
  void AppendDecimal(int128_t unscaled) {
    if (col_.type_.precision <= 18) {
      AppendFixed(static_cast<int64_t>(unscaled));
    } else {
      AppendFixed(unscaled);
    }
  }
  void AppendString(std::string_view v) {
    col_.values_.Append(v.data(), v.size());
    col_.offsets_.AppendValue<int64_t>(static_cast<int64_t>(col_.values_.size()));
    MarkValid();
  }
  void AppendBinary(std::string_view v) { AppendString(v); }
  // A string written in place (no temporary): StringSpace(max) answers room for `max` bytes,
  // valid until the next call on this builder; CommitString(n) appends its first `n` bytes
  // (n <= max) as the next value.
  char* StringSpace(size_t max) {
    col_.values_.Reserve(col_.values_.size() + max);
    return reinterpret_cast<char*>(col_.values_.data() + col_.values_.size());
  }
  void CommitString(size_t n) {
    col_.values_.Resize(col_.values_.size() + n);
    col_.offsets_.AppendValue<int64_t>(static_cast<int64_t>(col_.values_.size()));
    MarkValid();
  }
  // Lists: append the elements of the next list to elements(), then AppendList() ends it
  // (AppendNull() ends a null list, which must have no element). REQUIRES: type().list.
  ColumnBuilder& elements() { return *elements_; }
  void AppendList() {
    col_.offsets_.AppendValue<int64_t>(elements_->length());
    MarkValid();
  }

  // Takes the column built so far and resets the builder (same type, empty).
  Column Finish();

 private:
  template <typename T>
  void AppendFixed(T v) {
    col_.values_.AppendValue(v);
    MarkValid();
  }
  void MarkValid() {
    if (col_.null_count_ > 0) {
      if ((col_.length_ & 7) == 0) col_.validity_.AppendValue<uint8_t>(0);
      col_.validity_.data()[col_.length_ >> 3] |= static_cast<uint8_t>(1u << (col_.length_ & 7));
    }
    ++col_.length_;
  }
  void Reset(int64_t capacity_hint);

  Column col_;
  std::unique_ptr<ColumnBuilder> elements_;  // lists only
};

// Where the rows of a batch come from, when its source knows (the file sources: CSV, JSON,
// Parquet): for row errors found after the read (Data Prep) to name the file and line. Stored
// as runs of rows read from consecutive lines of one file, so a batch of one file without
// skipped lines is one run; table sources make none (a batch then has no RowOrigins at all).
class RowOrigins {
 public:
  // Row `row` of the batch, and the rows after it up to the next run, are at lines line,
  // line + 1, ... of files()[file].
  struct Run {
    int64_t row = 0;
    int64_t line = 0;  // 1-based: a text file's line, a Parquet file's row number
    int32_t file = 0;
  };
  // Appends a run. REQUIRES: rows increase; `file` indexes files().
  void AddRun(int64_t row, int64_t line, int32_t file) { runs_.push_back({row, line, file}); }
  // Adds a file name; answers its index.
  int32_t AddFile(std::shared_ptr<const std::string> name) {
    files_.push_back(std::move(name));
    return static_cast<int32_t>(files_.size() - 1);
  }
  const std::vector<Run>& runs() const { return runs_; }
  const std::vector<std::shared_ptr<const std::string>>& files() const { return files_; }
  bool empty() const { return runs_.empty(); }
  // The file and line of row `row`; false when no run covers it (rows before the first run).
  bool Find(int64_t row, std::string* file, int64_t* line) const;

 private:
  std::vector<Run> runs_;
  std::vector<std::shared_ptr<const std::string>> files_;
};

class RecordBatch {
 public:
  RecordBatch() = default;
  RecordBatch(std::shared_ptr<const Schema> schema, std::vector<Column> columns, int64_t num_rows)
      : schema_(std::move(schema)), columns_(std::move(columns)), num_rows_(num_rows) {}
  RecordBatch(RecordBatch&&) = default;
  RecordBatch& operator=(RecordBatch&&) = default;

  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  int64_t num_rows() const { return num_rows_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const Column& column(int i) const { return columns_[i]; }
  int64_t ByteSize() const;
  // Moves the columns out (a transform that passes columns through without copying them);
  // the batch is left with no columns.
  std::vector<Column> TakeColumns() && { return std::move(columns_); }
  // Where the rows come from; nullptr when the source did not say (table sources).
  const RowOrigins* origins() const { return origins_.get(); }
  void set_origins(std::shared_ptr<const RowOrigins> o) { origins_ = std::move(o); }

 private:
  std::shared_ptr<const Schema> schema_;
  std::vector<Column> columns_;
  int64_t num_rows_ = 0;
  std::shared_ptr<const RowOrigins> origins_;
};

// Builds RecordBatches row by row (through the column builders) or column by column.
// Reusable: Finish() leaves it empty with the same schema.
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(std::shared_ptr<const Schema> schema, int64_t capacity_hint = 0);

  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  ColumnBuilder& column(int i) { return columns_[i]; }
  // Rows appended so far (the length of column 0).
  int64_t num_rows() const { return columns_.empty() ? 0 : columns_[0].length(); }
  int64_t ByteSize() const;

  // Records where the row about to be appended (row num_rows()) comes from: line `line` of file
  // `file` (one shared name per file: runs are cut when the pointer changes). Readers that know
  // their rows' lines call it once per row before appending it; it costs a comparison unless
  // the row does not follow the previous one (another file, a skipped line). Finish() hands the
  // origins to the batch.
  void SetRowOrigin(const std::shared_ptr<const std::string>& file, int64_t line) {
    const int64_t row = num_rows();
    if (origin_file_ == file.get() && origin_next_row_ == row && origin_next_line_ == line) {
      ++origin_next_row_;
      ++origin_next_line_;
      return;
    }
    NewOriginRun(file, row, line);
  }

  // Errors: InvalidArgument when columns differ in length or a non-nullable field holds a null
  // (the builder is reset either way).
  Result<RecordBatch> Finish();

 private:
  void NewOriginRun(const std::shared_ptr<const std::string>& file, int64_t row, int64_t line);

  std::shared_ptr<const Schema> schema_;
  std::vector<ColumnBuilder> columns_;
  std::unique_ptr<RowOrigins> origins_;  // null until SetRowOrigin
  const std::string* origin_file_ = nullptr;
  int32_t origin_file_index_ = -1;
  int64_t origin_next_row_ = -1;  // the row and line that continue the current run
  int64_t origin_next_line_ = -1;
};

// Civil-date helpers (proleptic Gregorian, UTC), used by the text writers and tests.
int32_t DaysFromCivil(int y, unsigned m, unsigned d);
void CivilFromDays(int32_t days, int* y, unsigned* m, unsigned* d);
// "1970-01-01"
std::string FormatDate(int32_t days);
// "1970-01-01T00:00:00.000000Z"
std::string FormatTimestamp(int64_t micros);
// "-123.45" for unscaled -12345 with scale 2.
std::string FormatDecimal(int128_t unscaled, int scale);

}  // namespace fluxo
