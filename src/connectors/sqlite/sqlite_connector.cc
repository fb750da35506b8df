#include "connectors/sqlite/sqlite_connector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/date_format.h"
#include "base/strings.h"
#include "connectors/sql/table_params.h"
#include "connectors/sqlite/sqlite_paths.h"
#include "connectors/sqlite/sqlite_types.h"
#include "model/spec_ids.h"
#include "sqlite3/sqlite_db.h"

namespace fluxo::connectors::sqlite {
namespace {

using Db = ::fluxo::sqlite::Db;
using Stmt = ::fluxo::sqlite::Stmt;

constexpr int64_t kUs = 1'000'000;
constexpr char kBadValueCode[] = "INGEST-1201";
constexpr int kPreviewRows = 10;
constexpr int64_t kCancelCheckRows = 8192;
constexpr size_t kMaxRecordChars = 4096;
// Instants formatted into text bounds are clamped to years 0000..9999 (4-digit years).
constexpr int64_t kMinTextMicros = -62167219200LL * kUs;  // 0000-01-01T00:00:00Z
constexpr int64_t kMaxTextMicros = 253402300799LL * kUs;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxOffsetS = 18 * 3600;                // any zone or ISO offset
constexpr int64_t kDstMarginS = 3 * 3600;                 // DST shifts are at most 3 h

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string Truncate(std::string_view s, size_t n) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

bool EqualsNoCase(std::string_view a, std::string_view b) { return Lower(a) == Lower(b); }

std::string Base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(k[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out.push_back(k[(v >> 18) & 63]);
    out.push_back(k[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? k[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// ---- Connection and table resolution

struct ColumnInfo {
  std::string name;      // as stored in the schema
  std::string declared;  // declared type, "" when none
  DataType type;
};

struct TableRef {
  std::string schema = "main";
  std::string name;  // as stored in sqlite_master
  bool is_view = false;
  std::string rowid;  // "rowid", "_rowid_" or "oid"; empty for views and WITHOUT ROWID tables
  std::vector<ColumnInfo> columns;

  std::string From() const { return QuoteIdent(schema) + "." + QuoteIdent(name); }
  int Find(std::string_view column) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (EqualsNoCase(columns[i].name, column)) return static_cast<int>(i);
    }
    return -1;
  }
  std::string ColumnList() const {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.name;
    return out;
  }
};

Result<std::string> PathParam(const ConnectionConfig& c) {
  auto p = GetString(c.auth_params, "path");
  if (!p || p->empty()) return Status::InvalidArgument("auth.params.path is required");
  return *p;
}

int BusyTimeoutMs(const ConnectionConfig& c) { return std::max(1, c.connect_timeout_s) * 1000; }

// Opens an existing confined database read-only (not immutable: other processes may write) and
// checks that the file is a database. Messages name the field, never the server's path.
Result<Db> OpenReadOnly(const ConfinedFile& file, int busy_timeout_ms) {
  return Db::Open(file.SqlitePath(), {.readonly = true,
                                      .busy_timeout_ms = busy_timeout_ms,
                                      .verify = true,
                                      .vfs = BeneathVfs(),
                                      .context = "the SQLite file of auth.params.path"});
}

struct Opened {
  Db db;
  ConfinedFile file;  // readers open the same file again through it
};

Result<Opened> OpenConfigured(const ConnectionConfig& c) {
  Opened o;
  ASSIGN_OR_RETURN(std::string path, PathParam(c));
  ASSIGN_OR_RETURN(o.file, ConfineDatabasePath(path, c.allow_paths));
  ASSIGN_OR_RETURN(o.db, OpenReadOnly(o.file, BusyTimeoutMs(c)));
  return o;
}

// Looks `name` up in sqlite_master of `schema` (case-insensitive, bound parameter).
Result<bool> LookupTable(Db& db, const std::string& schema, std::string_view name, TableRef* t) {
  ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT type, name FROM " + QuoteIdent(schema) +
                                          ".sqlite_master WHERE type IN ('table', 'view') AND "
                                          "name = ?1 COLLATE NOCASE LIMIT 1",
                                      "looking up the table"));
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step("looking up the table"));
  if (!row) return false;
  t->schema = schema;
  t->is_view = s.TextView(0) == "view";
  t->name = std::string(s.TextView(1));
  return true;
}

// Resolves `table_name` ("orders" or "main.orders") to a table or view with its columns.
// NotFound naming the table when there is none; the name is never part of SQL text.
Result<TableRef> ResolveTable(Db& db, const std::string& table_name) {
  if (table_name.empty()) return Status::InvalidArgument("params.tableName is required");
  TableRef t;
  ASSIGN_OR_RETURN(bool found, LookupTable(db, "main", table_name, &t));
  if (!found) {
    size_t dot = table_name.find('.');
    if (dot != std::string::npos && EqualsNoCase(table_name.substr(0, dot), "main")) {
      ASSIGN_OR_RETURN(found, LookupTable(db, "main", table_name.substr(dot + 1), &t));
    }
  }
  if (!found) {
    return Status::NotFound("table \"" + Truncate(table_name, 128) +
                            "\" not found in the SQLite file of auth.params.path");
  }
  std::string ctx = "reading the columns of table \"" + t.name + "\"";
  ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT name, type FROM pragma_table_info(?1, ?2)", ctx));
  s.Bind(1, t.name);
  s.Bind(2, t.schema);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step(ctx));
    if (!row) break;
    ColumnInfo c;
    c.name = std::string(s.TextView(0));
    c.declared = std::string(s.TextView(1));
    c.type = FluxoTypeOfDeclared(c.declared);
    t.columns.push_back(std::move(c));
  }
  if (t.columns.empty()) {
    return Status::FailedPrecondition("table \"" + t.name + "\" has no readable columns");
  }
  if (!t.is_view) {
    for (const char* alias : {"rowid", "_rowid_", "oid"}) {
      if (t.Find(alias) >= 0) continue;
      // WITHOUT ROWID tables fail to prepare this.
      if (db.Prepare(std::string("SELECT ") + alias + " FROM " + t.From() + " LIMIT 0", ctx).ok()) {
        t.rowid = alias;
      }
      break;
    }
  }
  return t;
}

// ---- The source

enum class DeltaMode {
  kNone,        // no delta column: the whole table
  kEpoch,       // integer epoch seconds; exact predicate in SQL
  kTextFormat,  // text in dateFormat; superset predicate in SQL (or none), exact filter in C++
  kTextIso,     // ISO 8601 text (no dateFormat given); superset predicate, exact filter in C++
};

class SqliteSource;

// One cell of the current row, converted but not yet appended (a row with a bad value is skipped
// as a whole). Views point into SQLite's memory, valid until the next step.
struct Cell {
  bool null = false;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  int128_t dec = 0;
  std::string_view s;
};

class SqliteReader : public SourceReader {
 public:
  SqliteReader(SqliteSource* src, Db db, Stmt stmt, std::string split_desc);
  Result<RecordBatch> Next() override;

 private:
  // Converts the current row into cells_; on a bad value fills *error and returns false.
  bool Convert(std::string* error);
  void ReportRowError(const std::string& message);
  std::string RawRecord() const;

  SqliteSource* src_;
  Db db_;
  Stmt stmt_;
  std::string desc_;
  RecordBatchBuilder builder_;
  std::vector<Cell> cells_;
  bool done_ = false;
  Status failed_;        // once a Next() failed, every later call answers the same
  int64_t ordinal_ = 0;  // rows stepped in this split
  int64_t row_bytes_ = 0;
};

class SqliteSource : public Source {
 public:
  explicit SqliteSource(SourceConfig config) : config_(std::move(config)) {}

  Status Open() override;
  std::shared_ptr<const Schema> schema() const override { return schema_; }
  Result<std::vector<Split>> PlanSplits() override;
  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override;

 private:
  friend class SqliteReader;

  Status SetUpDelta();
  Status SetUpTextBounds();
  void BindBounds(Stmt& s) const;
  // The instant (UTC micros) of a text delta value, or InvalidArgument.
  Result<int64_t> ParseDeltaText(std::string_view v) const;
  int64_t LocalMicrosToUtc(int64_t local_micros) const;
  // A timestamp cell from text: the delta column's own format when it has one, else ISO.
  Result<int64_t> ParseTimestampText(int table_col, std::string_view v) const;
  Result<int32_t> ParseDateText(int table_col, std::string_view v) const;
  std::string Context() const { return "reading table \"" + table_.name + "\""; }

  SourceConfig config_;
  ConfinedFile file_;  // readers open their own connection to it
  Db db_;              // for planning; readers open their own
  TableRef table_;
  std::vector<int> out_cols_;  // table column index of each output field
  std::shared_ptr<const Schema> schema_;

  DeltaMode mode_ = DeltaMode::kNone;
  int delta_col_ = -1;  // table column index
  std::optional<DateFormat> format_;
  std::shared_ptr<const TimeZone> zone_;
  std::string where_;  // "" or " WHERE ..." using ?1 and ?2
  bool bind_ints_ = false, bind_texts_ = false;
  int64_t lo_int_ = 0, hi_int_ = 0;
  std::string lo_text_, hi_text_;
  bool filter_in_cpp_ = false;
  bool with_null_delta_ = false;  // the window selects NULL-delta rows (SelectsNullDelta)
  std::string select_list_;
  int delta_idx_ = -1;  // index of the extra delta column in the SELECT list, or -1
  int rowid_idx_ = -1;  // index of the rowid in the SELECT list, or -1
};

Status SqliteSource::Open() {
  if (config_.window.end_s < config_.window.start_s) {
    return Status::InvalidArgument("window end is before its start");
  }
  ASSIGN_OR_RETURN(sql::TableSourceParams source, sql::DecodeTableSourceParams(config_.params));
  ASSIGN_OR_RETURN(Opened o, OpenConfigured(config_.connection));
  db_ = std::move(o.db);
  file_ = o.file;
  ASSIGN_OR_RETURN(table_, ResolveTable(db_, source.table_name));

  // Output columns: params.columns, else all.
  for (const std::string& name : source.columns) {
    int idx = table_.Find(name);
    if (idx < 0) {
      return Status::InvalidArgument("params.columns: column \"" + Truncate(name, 128) +
                                     "\" not found in table \"" + table_.name +
                                     "\" (columns: " + table_.ColumnList() + ")");
    }
    if (std::find(out_cols_.begin(), out_cols_.end(), idx) != out_cols_.end()) {
      return Status::InvalidArgument("params.columns: column \"" + name + "\" is listed twice");
    }
    out_cols_.push_back(idx);
  }
  if (source.columns.empty()) {
    for (size_t i = 0; i < table_.columns.size(); ++i) out_cols_.push_back(static_cast<int>(i));
  }
  std::vector<Field> fields;
  for (int idx : out_cols_) fields.push_back({table_.columns[idx].name, table_.columns[idx].type});
  auto schema = std::make_shared<Schema>(std::move(fields));
  RETURN_IF_ERROR(schema->Validate().WithContext("table \"" + table_.name + "\""));
  schema_ = std::move(schema);

  // Naive timestamps (the delta column's and every timestamp column's) are read in `timezone`.
  auto zone = TimeZone::Find(config_.timezone.empty() ? "UTC" : config_.timezone);
  if (!zone.ok()) return Status::InvalidArgument("timezone: " + zone.status().message());
  zone_ = *zone;
  RETURN_IF_ERROR(SetUpDelta());
  if (delta_col_ >= 0 && SelectsNullDelta(config_)) {
    // nullDeltaPolicy include-in-first-window: the window starting at 0 also takes the NULLs.
    with_null_delta_ = true;
    const std::string qcol = QuoteIdent(table_.columns[delta_col_].name);
    const std::string kWhere = " WHERE ";
    where_ = kWhere + "((" + where_.substr(kWhere.size()) + ") OR " + qcol + " IS NULL)";
  }

  for (int idx : out_cols_) {
    select_list_ += (select_list_.empty() ? "" : ", ") + QuoteIdent(table_.columns[idx].name);
  }
  int next = static_cast<int>(out_cols_.size());
  if (mode_ == DeltaMode::kTextFormat || mode_ == DeltaMode::kTextIso) {
    select_list_ += ", " + QuoteIdent(table_.columns[delta_col_].name);
    delta_idx_ = next++;
  }
  if (!table_.rowid.empty()) {
    select_list_ += ", " + table_.rowid;
    rowid_idx_ = next++;
  }
  return Status::OK();
}

Status SqliteSource::SetUpDelta() {
  if (!config_.delta_column) return Status::OK();
  const std::string& name = *config_.delta_column;
  delta_col_ = table_.Find(name);
  if (delta_col_ < 0) {
    return Status::InvalidArgument("deltaColumn \"" + Truncate(name, 128) +
                                   "\" not found in table \"" + table_.name +
                                   "\" (columns: " + table_.ColumnList() + ")");
  }
  const ColumnInfo& col = table_.columns[delta_col_];
  std::string qcol = QuoteIdent(col.name);
  TypeId id = col.type.id;
  if (col.declared.empty()) {
    // No declared type (a view's expression, an untyped column): decide by the stored values.
    ASSIGN_OR_RETURN(Stmt s, db_.Prepare("SELECT typeof(" + qcol + ") FROM " + table_.From() +
                                             " WHERE " + qcol + " IS NOT NULL LIMIT 1",
                                         Context()));
    ASSIGN_OR_RETURN(bool row, s.Step(Context()));
    if (row && s.TextView(0) == "integer") id = TypeId::kInt64;
    if (row && s.TextView(0) == "real") id = TypeId::kFloat64;
  }
  auto unsupported = [&](const std::string& why) {
    return Status::FailedPrecondition(
        "deltaColumn \"" + col.name + "\" of table \"" + table_.name + "\" (declared " +
        (col.declared.empty() ? "without a type" : col.declared) + "): " + why);
  };
  switch (id) {
    case TypeId::kInt32:
    case TypeId::kInt64:
      mode_ = DeltaMode::kEpoch;
      where_ = " WHERE " + qcol + " >= ?1 AND " + qcol + " < ?2";
      bind_ints_ = true;
      lo_int_ = config_.window.start_s;
      hi_int_ = config_.window.end_s;
      return Status::OK();
    case TypeId::kFloat64:
      return unsupported(
          "REAL values (Julian days or fractional epochs) are not supported as a "
          "delta column; use integer epoch seconds or text timestamps");
    case TypeId::kBoolean:
    case TypeId::kDecimal:
    case TypeId::kBinary:
      return unsupported("a " + col.type.ToString() + " column cannot place rows in time windows");
    case TypeId::kString:
    case TypeId::kDate:
    case TypeId::kTimestamp: break;
  }
  if (config_.date_format.empty()) {
    mode_ = DeltaMode::kTextIso;
  } else {
    mode_ = DeltaMode::kTextFormat;
    auto f = DateFormat::Parse(config_.date_format);
    if (!f.ok()) return f.status();
    format_ = std::move(f).value();
  }
  return SetUpTextBounds();
}

Status SqliteSource::SetUpTextBounds() {
  const std::string qcol = QuoteIdent(table_.columns[delta_col_].name);
  filter_in_cpp_ = true;
  auto clamp = [](int64_t micros) { return std::clamp(micros, kMinTextMicros, kMaxTextMicros); };
  const int64_t start_us = clamp(config_.window.start_s * kUs);
  const int64_t end_us = clamp(config_.window.end_s * kUs);
  if (mode_ == DeltaMode::kTextIso) {
    // A value's wall time lies within 18 h of its instant whatever its offset or zone, and in
    // string order "YYYY-MM-DD" < "YYYY-MM-DD HH..." < "YYYY-MM-DDTHH..." < "YYYY-MM-DDtHH...".
    static const DateFormat kLo = *DateFormat::Parse("yyyy-MM-dd HH:mm:ss");
    static const DateFormat kLoDay = *DateFormat::Parse("yyyy-MM-dd");
    static const DateFormat kHi = *DateFormat::Parse("yyyy-MM-dd't'HH:mm:ss");
    int64_t lo = clamp(start_us - kMaxOffsetS * kUs);
    lo_text_ = FloorDiv(lo, kUs) % 86400 == 0 ? kLoDay.Format(lo, 0) : kLo.Format(lo, 0);
    hi_text_ = kHi.Format(clamp(end_us + kMaxOffsetS * kUs), 0);
    where_ = " WHERE " + qcol + " >= ?1 AND " + qcol + " < ?2";
    bind_texts_ = true;
    return Status::OK();
  }
  if (!format_->SortsLexicographically()) {
    // String order is not time order: every non-NULL value is read and filtered here.
    where_ = " WHERE " + qcol + " IS NOT NULL";
    return Status::OK();
  }
  // Both bounds inclusive: the format may drop precision (no seconds), so the last instant
  // before the end formats to the greatest string that can still be inside the window.
  int64_t lo_off = zone_->OffsetAt(start_us / kUs);
  int64_t hi_off = zone_->OffsetAt(end_us / kUs);
  if (!zone_->fixed()) {
    lo_off -= kDstMarginS;
    hi_off += kDstMarginS;
  }
  lo_text_ = format_->Format(clamp(start_us + lo_off * kUs) - lo_off * kUs, lo_off);
  hi_text_ = format_->Format(clamp(end_us - 1 + hi_off * kUs) - hi_off * kUs, hi_off);
  where_ = " WHERE " + qcol + " >= ?1 AND " + qcol + " <= ?2";
  bind_texts_ = true;
  return Status::OK();
}

void SqliteSource::BindBounds(Stmt& s) const {
  if (bind_ints_) {
    s.Bind(1, lo_int_);
    s.Bind(2, hi_int_);
  } else if (bind_texts_) {
    s.Bind(1, std::string_view(lo_text_));
    s.Bind(2, std::string_view(hi_text_));
  }
}

int64_t SqliteSource::LocalMicrosToUtc(int64_t local_micros) const {
  int64_t secs = FloorDiv(local_micros, kUs);
  return zone_->LocalToUtc(secs) * kUs + (local_micros - secs * kUs);
}

Result<int64_t> SqliteSource::ParseDeltaText(std::string_view v) const {
  if (mode_ == DeltaMode::kTextFormat) {
    ASSIGN_OR_RETURN(int64_t micros, format_->ParseMicros(v, 0));
    return format_->has_offset() ? micros : LocalMicrosToUtc(micros);
  }
  ASSIGN_OR_RETURN(IsoTimestamp ts, ParseIsoTimestamp(v));
  if (ts.offset_s) return ts.local_micros - *ts.offset_s * kUs;
  return LocalMicrosToUtc(ts.local_micros);
}

Result<int64_t> SqliteSource::ParseTimestampText(int table_col, std::string_view v) const {
  if (table_col == delta_col_ && mode_ == DeltaMode::kTextFormat) return ParseDeltaText(v);
  ASSIGN_OR_RETURN(IsoTimestamp ts, ParseIsoTimestamp(v));
  if (ts.offset_s) return ts.local_micros - *ts.offset_s * kUs;
  return LocalMicrosToUtc(ts.local_micros);
}

Result<int32_t> SqliteSource::ParseDateText(int table_col, std::string_view v) const {
  if (table_col == delta_col_ && mode_ == DeltaMode::kTextFormat) {
    ASSIGN_OR_RETURN(int64_t local, format_->ParseMicros(v, 0));
    return static_cast<int32_t>(FloorDiv(local, 86400 * kUs));
  }
  ASSIGN_OR_RETURN(IsoTimestamp ts, ParseIsoTimestamp(v));
  if (!ts.date_only) {
    return Status::InvalidArgument("value \"" + Truncate(v, 64) + "\" is not a date (YYYY-MM-DD)");
  }
  return static_cast<int32_t>(FloorDiv(ts.local_micros, 86400 * kUs));
}

Result<std::vector<Split>> SqliteSource::PlanSplits() {
  if (!schema_) return Status::FailedPrecondition("PlanSplits before Open");
  std::string ctx = Context();
  if (delta_col_ >= 0 && !with_null_delta_) {
    ASSIGN_OR_RETURN(Stmt s,
                     db_.Prepare("SELECT count(*) FROM " + table_.From() + " WHERE " +
                                     QuoteIdent(table_.columns[delta_col_].name) + " IS NULL",
                                 ctx));
    ASSIGN_OR_RETURN(bool row, s.Step(ctx));
    counters_.null_delta_rows.store(row ? s.Int(0) : 0);
  }
  std::vector<Split> splits;
  if (table_.rowid.empty()) {
    splits.push_back(
        {"all rows of \"" + table_.name + "\" (no rowid)", json::object{{"kind", "all"}}});
    return splits;
  }
  // With a window the scan for min/max visits the window's rows anyway, so it counts them too
  // (the progress bar's total); without one min/max read two index entries and the rowid span
  // is the estimate.
  const bool windowed = !where_.empty();
  ASSIGN_OR_RETURN(
      Stmt s, db_.Prepare("SELECT min(" + table_.rowid + "), max(" + table_.rowid + ")" +
                              (windowed ? ", count(*)" : "") + " FROM " + table_.From() + where_,
                          ctx));
  BindBounds(s);
  ASSIGN_OR_RETURN(bool row, s.Step(ctx));
  if (!row || s.Type(0) == SQLITE_NULL) {
    counters_.estimated_records.store(0);
    splits.push_back(
        {"no rows of \"" + table_.name + "\" in the window", json::object{{"kind", "empty"}}});
    return splits;
  }
  const int64_t lo = s.Int(0), hi = s.Int(1);
  const int128_t span = int128_t{hi} - lo + 1;
  counters_.estimated_records.store(
      windowed ? s.Int(2) : static_cast<int64_t>(std::min<int128_t>(span, INT64_MAX)));
  int n = std::clamp(config_.parallelism, 1, 256);
  if (span < n) n = static_cast<int>(span);
  for (int i = 0; i < n; ++i) {
    int64_t a = static_cast<int64_t>(lo + span * i / n);
    int64_t b = static_cast<int64_t>(lo + span * (i + 1) / n - 1);
    splits.push_back({"rows of \"" + table_.name + "\" with rowid in [" + std::to_string(a) + ", " +
                          std::to_string(b) + "]",
                      json::object{{"kind", "rowid"}, {"lo", a}, {"hi", b}}});
  }
  return splits;
}

Result<std::unique_ptr<SourceReader>> SqliteSource::OpenReader(const Split& split) {
  if (!schema_) return Status::FailedPrecondition("OpenReader before Open");
  if (cancelled()) return Status::Cancelled("the run was cancelled");
  const json::object* st = split.state.if_object();
  std::optional<std::string> kind = st ? GetString(*st, "kind") : std::nullopt;
  if (!kind || (*kind != "all" && *kind != "empty" && *kind != "rowid")) {
    return Status::InvalidArgument("not a split of the SQLite connector: " + split.description);
  }
  std::string sql = "SELECT " + select_list_ + " FROM " + table_.From() + where_;
  std::optional<int64_t> lo, hi;
  if (*kind == "rowid") {
    lo = AsInt64Lenient(st->contains("lo") ? st->at("lo") : json::value());
    hi = AsInt64Lenient(st->contains("hi") ? st->at("hi") : json::value());
    if (!lo || !hi || table_.rowid.empty()) {
      return Status::InvalidArgument("bad rowid split: " + split.description);
    }
    sql += (where_.empty() ? " WHERE " : " AND ") + table_.rowid + " >= ?3 AND " + table_.rowid +
           " <= ?4";
  } else if (*kind == "empty") {
    sql += where_.empty() ? " WHERE 0" : " AND 0";
  }
  ASSIGN_OR_RETURN(Db db, OpenReadOnly(file_, BusyTimeoutMs(config_.connection)));
  ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(sql, Context()));
  BindBounds(stmt);
  if (lo) {
    stmt.Bind(3, *lo);
    stmt.Bind(4, *hi);
  }
  return std::unique_ptr<SourceReader>(
      new SqliteReader(this, std::move(db), std::move(stmt), split.description));
}

// ---- The reader

SqliteReader::SqliteReader(SqliteSource* src, Db db, Stmt stmt, std::string split_desc)
    : src_(src),
      db_(std::move(db)),
      stmt_(std::move(stmt)),
      desc_(std::move(split_desc)),
      builder_(src->schema_,
               std::min<int64_t>(src->config_.batch_rows > 0 ? src->config_.batch_rows : 64 * 1024,
                                 64 * 1024)),
      cells_(src->out_cols_.size()) {}

std::string SqliteReader::RawRecord() const {
  json::object o;
  for (size_t k = 0; k < src_->out_cols_.size(); ++k) {
    const std::string& name = src_->table_.columns[src_->out_cols_[k]].name;
    int col = static_cast<int>(k);
    switch (stmt_.Type(col)) {
      case SQLITE_NULL: o[name] = nullptr; break;
      case SQLITE_INTEGER: o[name] = stmt_.Int(col); break;
      case SQLITE_FLOAT: o[name] = stmt_.Double(col); break;
      case SQLITE_BLOB: o[name] = "<" + std::to_string(stmt_.Blob(col).size()) + " bytes>"; break;
      default: o[name] = Truncate(stmt_.TextView(col), 256); break;
    }
  }
  std::string s = ToJson(o);
  return s.size() > kMaxRecordChars ? s.substr(0, kMaxRecordChars) : s;
}

void SqliteReader::ReportRowError(const std::string& message) {
  src_->counters_.failed_records.fetch_add(1);
  if (!src_->config_.on_row_error) return;
  RowError e;
  e.code = kBadValueCode;
  e.file = src_->table_.name;
  e.line = src_->rowid_idx_ >= 0 ? stmt_.Int(src_->rowid_idx_) : ordinal_;
  e.message = "table \"" + src_->table_.name + "\", row " + std::to_string(e.line) + ": " + message;
  e.record = RawRecord();
  src_->config_.on_row_error(e);
}

bool SqliteReader::Convert(std::string* error) {
  row_bytes_ = 0;
  for (size_t k = 0; k < cells_.size(); ++k) {
    const int col = static_cast<int>(k);
    const int table_col = src_->out_cols_[k];
    const ColumnInfo& info = src_->table_.columns[table_col];
    Cell& c = cells_[k];
    c = Cell{};
    const int t = stmt_.Type(col);
    if (t == SQLITE_NULL) {
      c.null = true;
      continue;
    }
    auto fail = [&](const std::string& why) {
      std::string shown;
      switch (t) {
        case SQLITE_BLOB:
          shown = "a blob of " + std::to_string(stmt_.Blob(col).size()) + " bytes";
          break;
        case SQLITE_TEXT: shown = "\"" + Truncate(stmt_.TextView(col), 64) + "\""; break;
        default: shown = std::string(stmt_.TextView(col)); break;
      }
      *error =
          "column \"" + info.name + "\" (" + info.type.ToString() + "): value " + shown + " " + why;
      return false;
    };
    switch (info.type.id) {
      case TypeId::kInt32:
      case TypeId::kInt64:
        if (t == SQLITE_INTEGER) {
          c.i = stmt_.Int(col);
        } else if (t == SQLITE_FLOAT) {
          double d = stmt_.Double(col);
          if (!(d == std::trunc(d) && d >= -9.2e18 && d <= 9.2e18))
            return fail("is not an integer");
          c.i = static_cast<int64_t>(d);
        } else {
          return fail("is not an integer");
        }
        row_bytes_ += 8;
        break;
      case TypeId::kFloat64:
        if (t == SQLITE_INTEGER) {
          c.d = static_cast<double>(stmt_.Int(col));
        } else if (t == SQLITE_FLOAT) {
          c.d = stmt_.Double(col);
        } else {
          return fail("is not a number");
        }
        row_bytes_ += 8;
        break;
      case TypeId::kDecimal: {
        if (t != SQLITE_INTEGER && t != SQLITE_FLOAT && t != SQLITE_TEXT) {
          return fail("is not a number");
        }
        std::string_view text = stmt_.TextView(col);  // exact digits, not via double
        auto v = ParseDecimalExact(text, info.type.precision, info.type.scale);
        if (!v.ok()) return fail(v.status().message());
        c.dec = *v;
        row_bytes_ += static_cast<int64_t>(text.size());
        break;
      }
      case TypeId::kBoolean:
        if (t == SQLITE_INTEGER && (stmt_.Int(col) == 0 || stmt_.Int(col) == 1)) {
          c.b = stmt_.Int(col) == 1;
        } else if (t == SQLITE_TEXT && (EqualsNoCase(stmt_.TextView(col), "true") ||
                                        EqualsNoCase(stmt_.TextView(col), "false"))) {
          c.b = EqualsNoCase(stmt_.TextView(col), "true");
        } else {
          return fail("is not a boolean (0, 1, true or false)");
        }
        row_bytes_ += 1;
        break;
      case TypeId::kString:
        if (t == SQLITE_BLOB) return fail("is binary, not text");
        c.s = stmt_.TextView(col);
        if (t == SQLITE_TEXT && !IsValidUtf8(c.s)) return fail("is not valid UTF-8");
        row_bytes_ += static_cast<int64_t>(c.s.size());
        break;
      case TypeId::kBinary:
        if (t == SQLITE_BLOB) {
          c.s = stmt_.Blob(col);
        } else if (t == SQLITE_TEXT) {
          c.s = stmt_.TextView(col);
        } else {
          return fail("is a number, not binary");
        }
        row_bytes_ += static_cast<int64_t>(c.s.size());
        break;
      case TypeId::kTimestamp:
        if (t == SQLITE_INTEGER) {
          int64_t s = stmt_.Int(col);
          if (s > kMaxTextMicros / kUs || s < kMinTextMicros / kUs) return fail("is out of range");
          c.i = s * kUs;  // SQLite's "Unix Time" representation
        } else if (t == SQLITE_TEXT) {
          auto v = src_->ParseTimestampText(table_col, stmt_.TextView(col));
          if (!v.ok()) return fail("is not a timestamp (" + v.status().message() + ")");
          c.i = *v;
        } else {
          return fail("is not a timestamp (REAL Julian days are not supported)");
        }
        row_bytes_ += 8;
        break;
      case TypeId::kDate:
        if (t != SQLITE_TEXT) return fail("is not a date (expected YYYY-MM-DD text)");
        {
          auto v = src_->ParseDateText(table_col, stmt_.TextView(col));
          if (!v.ok()) return fail("is not a date (" + v.status().message() + ")");
          c.i = *v;
        }
        row_bytes_ += 4;
        break;
    }
  }
  return true;
}

Result<RecordBatch> SqliteReader::Next() {
  // On cancel or error the statement is dropped at once, ending the read transaction.
  auto stop = [this](Status st) {
    stmt_ = Stmt();
    done_ = true;
    failed_ = st;
    return st;
  };
  if (!failed_.ok()) return failed_;
  if (src_->cancelled()) return stop(Status::Cancelled("the run was cancelled"));
  const int64_t max_rows = src_->config_.batch_rows > 0 ? src_->config_.batch_rows : 64 * 1024;
  const std::string ctx = src_->Context();
  int64_t records = 0, bytes = 0;
  std::string error;
  while (!done_ && builder_.num_rows() < max_rows) {
    if ((ordinal_ + 1) % kCancelCheckRows == 0 && src_->cancelled()) {
      return stop(Status::Cancelled("the run was cancelled"));
    }
    auto more = stmt_.Step(ctx);
    if (!more.ok()) return stop(more.status());
    if (!*more) {
      done_ = true;
      stmt_ = Stmt();  // ends the read transaction
      break;
    }
    ++ordinal_;
    if (src_->filter_in_cpp_) {
      const int di = src_->delta_idx_;
      int t = stmt_.Type(di);
      // A NULL: counted by PlanSplits, or selected by this window (with_null_delta_).
      if (t == SQLITE_NULL && !src_->with_null_delta_) continue;
    }
    if (src_->filter_in_cpp_ && stmt_.Type(src_->delta_idx_) != SQLITE_NULL) {
      const int di = src_->delta_idx_;
      const int t = stmt_.Type(di);
      std::string_view v = stmt_.TextView(di);
      auto micros = t == SQLITE_TEXT ? src_->ParseDeltaText(v)
                                     : Result<int64_t>(Status::InvalidArgument(
                                           "value " + std::string(v) + " is not text"));
      if (!micros.ok()) {
        ++records;
        bytes += static_cast<int64_t>(v.size());
        ReportRowError("deltaColumn \"" + src_->table_.columns[src_->delta_col_].name +
                       "\": " + micros.status().message());
        continue;
      }
      if (*micros < src_->config_.window.start_s * kUs ||
          *micros >= src_->config_.window.end_s * kUs) {
        continue;  // outside the window: read only because the SQL predicate is a superset
      }
    }
    ++records;
    if (!Convert(&error)) {
      bytes += row_bytes_;
      ReportRowError(error);
      continue;
    }
    bytes += row_bytes_;
    for (size_t k = 0; k < cells_.size(); ++k) {
      ColumnBuilder& b = builder_.column(static_cast<int>(k));
      const Cell& c = cells_[k];
      if (c.null) {
        b.AppendNull();
        continue;
      }
      switch (b.type().id) {
        case TypeId::kBoolean: b.AppendBool(c.b); break;
        case TypeId::kInt32: b.AppendInt32(static_cast<int32_t>(c.i)); break;
        case TypeId::kInt64: b.AppendInt64(c.i); break;
        case TypeId::kFloat64: b.AppendDouble(c.d); break;
        case TypeId::kDecimal: b.AppendDecimal(c.dec); break;
        case TypeId::kString: b.AppendString(c.s); break;
        case TypeId::kBinary: b.AppendBinary(c.s); break;
        case TypeId::kDate: b.AppendDate(static_cast<int32_t>(c.i)); break;
        case TypeId::kTimestamp: b.AppendTimestamp(c.i); break;
      }
    }
  }
  src_->counters_.input_records.fetch_add(records);
  src_->counters_.input_bytes.fetch_add(bytes);
  return builder_.Finish();
}

// ---- The connector

json::object ExploreColumn(const ColumnInfo& c) {
  json::object xdm;
  switch (c.type.id) {
    case TypeId::kBoolean: xdm["type"] = "boolean"; break;
    case TypeId::kInt32:
    case TypeId::kInt64: xdm["type"] = "integer"; break;
    case TypeId::kFloat64:
    case TypeId::kDecimal: xdm["type"] = "number"; break;
    case TypeId::kDate:
      xdm["type"] = "string";
      xdm["format"] = "date";
      break;
    case TypeId::kTimestamp:
      xdm["type"] = "string";
      xdm["format"] = "date-time";
      break;
    case TypeId::kString:
    case TypeId::kBinary: xdm["type"] = "string"; break;
  }
  return json::object{
      {"name", c.name},
      {"type", ExploreTypeName(c.type)},
      {"xdm", std::move(xdm)},
      {"meta", json::object{{"sqliteType", c.declared}, {"fluxoType", c.type.ToString()}}}};
}

class SqliteConnector : public Connector {
 public:
  std::string name() const override { return Spec().connector; }
  std::string spec_id() const override { return Spec().id; }
  const ConnectionSpec* spec() const override { return &Spec(); }

  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    return std::unique_ptr<Source>(new SqliteSource(config));
  }

  Status Test(const ConnectionConfig& config) override {
    ASSIGN_OR_RETURN(Opened o, OpenConfigured(config));
    ASSIGN_OR_RETURN(Stmt s, o.db.Prepare("SELECT 1", "testing the connection"));
    return s.Step("testing the connection").status();
  }

  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    if (!object_type.empty() && object_type != "root" && object_type != "table") {
      return Status::InvalidArgument("objectType \"" + Truncate(object_type, 64) +
                                     "\" is not supported by SQLite connections (root or table)");
    }
    ASSIGN_OR_RETURN(Opened o, OpenConfigured(config));
    if (object_type.empty() || object_type == "root") return ExploreRoot(o.db);
    return ExploreTable(o, object);
  }

 private:
  static Result<json::value> ExploreRoot(Db& db) {
    const char* ctx = "listing tables";
    ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT type, name FROM main.sqlite_master WHERE type IN "
                                        "('table', 'view') AND name NOT LIKE 'sqlite\\_%' "
                                        "ESCAPE '\\' ORDER BY name",
                                        ctx));
    json::array out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step(ctx));
      if (!row) break;
      std::string name(s.TextView(1));
      out.push_back(json::object{{"type", "table"},
                                 {"name", name},
                                 {"path", name},
                                 {"canPreview", true},
                                 {"canFetchSchema", true},
                                 {"meta", json::object{{"sqliteType", s.TextView(0)}}}});
    }
    return json::value(std::move(out));
  }

  static Result<json::value> ExploreTable(Opened& o, const std::string& object) {
    if (object.empty()) return Status::InvalidArgument("object (the table name) is required");
    ASSIGN_OR_RETURN(TableRef t, ResolveTable(o.db, object));
    json::array columns;
    std::string list;
    for (const auto& c : t.columns) {
      columns.push_back(ExploreColumn(c));
      list += (list.empty() ? "" : ", ") + QuoteIdent(c.name);
    }
    std::string ctx = "previewing table \"" + t.name + "\"";
    ASSIGN_OR_RETURN(Stmt s, o.db.Prepare("SELECT " + list + " FROM " + t.From() + " LIMIT " +
                                              std::to_string(kPreviewRows),
                                          ctx));
    json::array data;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step(ctx));
      if (!row) break;
      json::object r;
      for (size_t k = 0; k < t.columns.size(); ++k) {
        int col = static_cast<int>(k);
        const std::string& name = t.columns[k].name;
        switch (s.Type(col)) {
          case SQLITE_NULL: r[name] = nullptr; break;
          case SQLITE_INTEGER: r[name] = s.Int(col); break;
          case SQLITE_FLOAT: r[name] = s.Double(col); break;
          case SQLITE_BLOB: r[name] = Base64(s.Blob(col)); break;
          default: {
            std::string_view v = s.TextView(col);
            r[name] = IsValidUtf8(v) ? json::value(json::string(v)) : json::value(Base64(v));
            break;
          }
        }
      }
      data.push_back(std::move(r));
    }
    return json::value(json::object{{"format", "flat"},
                                    {"schema", json::object{{"columns", std::move(columns)}}},
                                    {"data", std::move(data)}});
  }
};

}  // namespace

std::unique_ptr<Connector> NewConnector() { return std::make_unique<SqliteConnector>(); }

}  // namespace fluxo::connectors::sqlite
