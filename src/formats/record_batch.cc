#include "formats/record_batch.h"

#include <algorithm>
#include <cstdio>
#include <new>
#include <unordered_set>

namespace fluxo {

int DataType::ByteWidth() const {
  if (list) return 0;
  switch (id) {
    case TypeId::kBoolean: return 1;
    case TypeId::kInt32:
    case TypeId::kDate: return 4;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kFloat64: return 8;
    case TypeId::kDecimal: return precision <= 18 ? 8 : 16;
    case TypeId::kString:
    case TypeId::kBinary: return 0;
  }
  return 0;
}

std::string DataType::ToString() const {
  if (list) return "list<" + element().ToString() + ">";
  switch (id) {
    case TypeId::kBoolean: return "boolean";
    case TypeId::kInt32: return "int32";
    case TypeId::kInt64: return "int64";
    case TypeId::kFloat64: return "float64";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case TypeId::kString: return "string";
    case TypeId::kBinary: return "binary";
    case TypeId::kDate: return "date";
    case TypeId::kTimestamp: return "timestamp";
  }
  return "?";
}

int Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status Schema::Validate() const {
  std::unordered_set<std::string_view> names;
  for (const Field& f : fields_) {
    if (f.name.empty()) return Status::InvalidArgument("schema: empty field name");
    if (!names.insert(f.name).second) {
      return Status::InvalidArgument("schema: duplicate field name '" + f.name + "'");
    }
    if (f.type.id == TypeId::kDecimal &&
        (f.type.precision < 1 || f.type.precision > 38 || f.type.scale > f.type.precision)) {
      return Status::InvalidArgument("schema: field '" + f.name + "' has invalid type " +
                                     f.type.ToString());
    }
    if (f.type.list && !f.nullable)
      return Status::InvalidArgument("schema: list field '" + f.name + "' must be nullable");
  }
  return nested_ ? ValidatePaths() : Status::OK();
}

Status Schema::ValidatePaths() const {
  std::unordered_set<std::string_view> structs;  // every proper prefix of a path
  for (const Field& f : fields_) {
    if (f.name.front() == '.' || f.name.back() == '.' || f.name.find("..") != std::string::npos)
      return Status::InvalidArgument("schema: field '" + f.name + "' has an empty path segment");
    for (size_t dot = f.name.find('.'); dot != std::string::npos; dot = f.name.find('.', dot + 1))
      structs.insert(std::string_view(f.name).substr(0, dot));
    if (f.name.find('.') != std::string::npos && !f.nullable)
      return Status::InvalidArgument("schema: struct member '" + f.name + "' must be nullable");
  }
  for (const Field& f : fields_) {
    if (structs.count(f.name))
      return Status::InvalidArgument("schema: field '" + f.name + "' is also a struct");
  }
  return Status::OK();
}

bool Schema::operator==(const Schema& o) const {
  if (fields_.size() != o.fields_.size() || nested_ != o.nested_) return false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& a = fields_[i];
    const Field& b = o.fields_[i];
    if (a.name != b.name || !(a.type == b.type) || a.nullable != b.nullable) return false;
  }
  return true;
}

std::string Schema::ToString() const {
  std::string s;
  for (const Field& f : fields_) {
    if (!s.empty()) s += ", ";
    s += f.name + " " + f.type.ToString() + (f.nullable ? "" : " not null");
  }
  return s;
}

void Buffer::Grow(size_t min_capacity) {
  size_t cap = capacity_ < 64 ? 64 : capacity_;
  while (cap < min_capacity) cap += cap / 2 + 64;
  if (owner_) {  // a view: grow into a copy of its own, never into the owner's memory
    void* own = std::malloc(cap);
    if (own == nullptr) throw std::bad_alloc();
    if (size_) std::memcpy(own, data_, size_);
    data_ = static_cast<uint8_t*>(own);
    capacity_ = cap;
    owner_.reset();
    return;
  }
  void* p = std::realloc(data_, cap);
  if (p == nullptr) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
  capacity_ = cap;
}

ColumnBuilder::ColumnBuilder(DataType type, int64_t capacity_hint) {
  col_.type_ = type;
  Reset(capacity_hint);
}

void ColumnBuilder::Reset(int64_t capacity_hint) {
  col_.length_ = 0;
  col_.null_count_ = 0;
  col_.values_.clear();
  col_.offsets_.clear();
  col_.validity_.clear();
  col_.children_.clear();
  if (col_.type_.list && !elements_) {
    elements_ = std::make_unique<ColumnBuilder>(col_.type_.element(), capacity_hint);
  }
  if (col_.type_.IsVarLen() || col_.type_.list) {
    col_.offsets_.Reserve(static_cast<size_t>(capacity_hint + 1) * sizeof(int64_t));
    col_.offsets_.AppendValue<int64_t>(0);
  } else if (capacity_hint > 0) {
    col_.values_.Reserve(static_cast<size_t>(capacity_hint) * col_.type_.ByteWidth());
  }
}

void ColumnBuilder::Reserve(int64_t values, int64_t bytes) {
  if (values < 0) values = 0;
  if (col_.type_.IsVarLen() || col_.type_.list) {
    col_.offsets_.Reserve(col_.offsets_.size() + static_cast<size_t>(values) * sizeof(int64_t));
    if (col_.type_.IsVarLen() && bytes > 0) {
      col_.values_.Reserve(col_.values_.size() + static_cast<size_t>(bytes));
    }
  } else {
    col_.values_.Reserve(col_.values_.size() +
                         static_cast<size_t>(values) * col_.type_.ByteWidth());
  }
}

void ColumnBuilder::AppendNull() {
  if (col_.null_count_ == 0) {
    // Materialize the bitmap: every value so far is valid.
    size_t bytes = static_cast<size_t>((col_.length_ + 8) / 8);
    col_.validity_.Resize(bytes);
    std::memset(col_.validity_.data(), 0xFF, bytes);
    if (col_.length_ & 7) {
      col_.validity_.data()[col_.length_ >> 3] =
          static_cast<uint8_t>((1u << (col_.length_ & 7)) - 1);
    } else {
      col_.validity_.data()[col_.length_ >> 3] = 0;
    }
  } else if ((col_.length_ & 7) == 0) {
    col_.validity_.AppendValue<uint8_t>(0);
  }
  if (col_.type_.IsVarLen()) {
    col_.offsets_.AppendValue<int64_t>(static_cast<int64_t>(col_.values_.size()));
  } else if (col_.type_.list) {
    col_.offsets_.AppendValue<int64_t>(elements_->length());
  } else {
    col_.values_.AppendZeros(col_.type_.ByteWidth());
  }
  ++col_.null_count_;
  ++col_.length_;
}

Column ColumnBuilder::Finish() {
  if (elements_) col_.children_.push_back(elements_->Finish());
  Column out = std::move(col_);
  col_ = Column();
  col_.type_ = out.type_;
  Reset(0);
  return out;
}

Column Column::Share(std::shared_ptr<const Column> of) {
  Column c;
  c.type_ = of->type_;
  c.length_ = of->length_;
  c.null_count_ = of->null_count_;
  c.values_ = Buffer::View(of->values_, of);
  c.offsets_ = Buffer::View(of->offsets_, of);
  c.validity_ = Buffer::View(of->validity_, of);
  for (const Column& child : of->children_) {
    // The child lives as long as `of`: an aliasing pointer keeps `of` alive.
    c.children_.push_back(Share(std::shared_ptr<const Column>(of, &child)));
  }
  return c;
}

int64_t RecordBatch::ByteSize() const {
  int64_t n = 0;
  for (const Column& c : columns_) n += c.ByteSize();
  return n;
}

RecordBatchBuilder::RecordBatchBuilder(std::shared_ptr<const Schema> schema, int64_t capacity_hint)
    : schema_(std::move(schema)) {
  columns_.reserve(schema_->num_fields());
  for (const Field& f : schema_->fields()) columns_.emplace_back(f.type, capacity_hint);
}

int64_t RecordBatchBuilder::ByteSize() const {
  int64_t n = 0;
  for (const ColumnBuilder& c : columns_) n += c.ByteSize();
  return n;
}

Result<RecordBatch> RecordBatchBuilder::Finish() {
  int64_t rows = num_rows();
  std::vector<Column> cols;
  cols.reserve(columns_.size());
  Status error;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Field& f = schema_->field(static_cast<int>(i));
    if (error.ok() && columns_[i].length() != rows) {
      error = Status::InvalidArgument("record batch: column '" + f.name + "' has " +
                                      std::to_string(columns_[i].length()) + " values, expected " +
                                      std::to_string(rows));
    }
    if (error.ok() && !f.nullable && columns_[i].null_count() > 0) {
      error = Status::InvalidArgument("record batch: non-nullable column '" + f.name +
                                      "' holds a null");
    }
    cols.push_back(columns_[i].Finish());
  }
  std::unique_ptr<RowOrigins> origins = std::move(origins_);
  origin_file_ = nullptr;
  origin_file_index_ = -1;
  origin_next_row_ = origin_next_line_ = -1;
  if (!error.ok()) return error;
  RecordBatch batch(schema_, std::move(cols), rows);
  if (origins) batch.set_origins(std::move(origins));
  return batch;
}

void RecordBatchBuilder::NewOriginRun(const std::shared_ptr<const std::string>& file, int64_t row,
                                      int64_t line) {
  if (!origins_) origins_ = std::make_unique<RowOrigins>();
  if (origin_file_ != file.get()) {
    origin_file_ = file.get();
    origin_file_index_ = origins_->AddFile(file);
  }
  origins_->AddRun(row, line, origin_file_index_);
  origin_next_row_ = row + 1;
  origin_next_line_ = line + 1;
}

bool RowOrigins::Find(int64_t row, std::string* file, int64_t* line) const {
  // The last run that starts at or before `row`.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), row,
                             [](int64_t r, const Run& run) { return r < run.row; });
  if (it == runs_.begin()) return false;
  --it;
  *file = *files_[it->file];
  *line = it->line + (row - it->row);
  return true;
}

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(int32_t days, int* y, unsigned* m, unsigned* d) {
  int64_t z = static_cast<int64_t>(days) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400) + (*m <= 2);
}

std::string FormatDate(int32_t days) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y, m, d);
  return std::string(buf, n);
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  int y;
  unsigned m, d;
  CivilFromDays(static_cast<int32_t>(days), &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d,
                        static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                        static_cast<int>(sod % 60), static_cast<int>(frac));
  return std::string(buf, n);
}

std::string FormatDecimal(int128_t unscaled, int scale) {
  bool neg = unscaled < 0;
  unsigned __int128 u =
      neg ? -static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  while (n <= scale) digits[n++] = '0';
  std::string s;
  if (neg) s.push_back('-');
  for (int i = n - 1; i >= 0; --i) {
    s.push_back(digits[i]);
    if (i == scale && scale > 0) s.push_back('.');
  }
  return s;
}

}  // namespace fluxo
