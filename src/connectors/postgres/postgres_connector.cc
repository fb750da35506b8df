#include "connectors/postgres/postgres_connector.h"

#include <poll.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.h"
#include "connectors/postgres/pg_conn.h"
#include "connectors/postgres/pg_copy_decoder.h"
#include "connectors/sql/late_commit.h"
#include "connectors/sql/sql_common.h"
#include "connectors/sql/table_params.h"
#include "model/spec_ids.h"

namespace fluxo::connectors::postgres {
namespace {

using sql::TextDateFormat;
using sql::TimeZone;

constexpr int64_t kMaxBatchBytes = int64_t{64} << 20;
constexpr int kPollMillis = 200;
constexpr int kPreviewRows = 10;

enum : uint32_t {
  kBoolOid = 16,
  kByteaOid = 17,
  kCharOid = 18,
  kNameOid = 19,
  kInt8Oid = 20,
  kInt2Oid = 21,
  kInt4Oid = 23,
  kTextOid = 25,
  kOidOid = 26,
  kJsonOid = 114,
  kXmlOid = 142,
  kFloat4Oid = 700,
  kFloat8Oid = 701,
  kBpcharOid = 1042,
  kVarcharOid = 1043,
  kDateOid = 1082,
  kTimeOid = 1083,
  kTimestampOid = 1114,
  kTimestamptzOid = 1184,
  kNumericOid = 1700,
  kUuidOid = 2950,
  kJsonbOid = 3802,
};

struct PgColumnInfo {
  std::string name;
  int attnum = 0;
  bool not_null = false;
  std::string source_type;  // format_type(): "numeric(12,2)", "timestamp with time zone", ...
  uint32_t type_oid = 0;    // the base type for a domain
  int32_t typmod = -1;
  char typtype = 'b';
  char typcategory = 'U';
};

struct PgTable {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  char relkind = 'r';
  double reltuples = -1;
  std::vector<PgColumnInfo> columns;
  std::string quoted;  // "schema"."name"
  std::string display() const { return schema + "." + name; }
  const PgColumnInfo* Find(const std::string& column) const {
    for (const auto& c : columns) {
      if (c.name == column) return &c;
    }
    return nullptr;
  }
};

std::string RelkindName(char k) {
  switch (k) {
    case 'v': return "view";
    case 'm': return "materialized view";
    case 'p': return "partitioned table";
    case 'f': return "foreign table";
    default: return "table";
  }
}

// Looks the table up in the catalog with bound parameters: the name is data, never SQL.
Result<PgTable> ResolveTable(PGconn* conn, const std::string& table_name) {
  sql::QualifiedName qn = sql::ParseQualifiedName(table_name, '"');
  static const std::string kLookup =
      "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r','v','m','p','f') AND c.relname = $2 AND "
      "(($1::text IS NULL AND n.nspname = ANY (pg_catalog.current_schemas(false))) OR "
      "n.nspname = $1) "
      "ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) "
      "NULLS LAST LIMIT 1";
  // Unquoted parts are tried as typed, then folded to lower case as PostgreSQL folds them.
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::vector<std::pair<std::optional<std::string>, std::string>> candidates = {
      {qn.schema, qn.table}};
  std::optional<std::string> ls =
      qn.schema && !qn.schema_quoted ? std::optional(lower(*qn.schema)) : qn.schema;
  std::string lt = qn.table_quoted ? qn.table : lower(qn.table);
  if (ls != qn.schema || lt != qn.table) candidates.emplace_back(ls, lt);
  PgTable t;
  bool found = false;
  for (const auto& [schema, table] : candidates) {
    ASSIGN_OR_RETURN(PgResultPtr res, Exec(conn, kLookup, {schema, table},
                                           "PostgreSQL: looking up table " + qn.ToString()));
    if (PQntuples(res.get()) == 0) continue;
    t.oid = static_cast<uint32_t>(std::strtoul(PQgetvalue(res.get(), 0, 0), nullptr, 10));
    t.schema = PQgetvalue(res.get(), 0, 1);
    t.name = PQgetvalue(res.get(), 0, 2);
    t.relkind = PQgetvalue(res.get(), 0, 3)[0];
    t.reltuples = std::strtod(PQgetvalue(res.get(), 0, 4), nullptr);
    found = true;
    break;
  }
  if (!found) {
    return Status::NotFound("PostgreSQL: table \"" + qn.ToString() +
                            "\" does not exist (or is not visible to this user)");
  }
  static const std::string kColumns =
      "SELECT a.attname, a.attnum, a.attnotnull, pg_catalog.format_type(a.atttypid, a.atttypmod), "
      "bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, bt.typtype, "
      "bt.typcategory "
      "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype "
      "ELSE t.oid END "
      "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
  ASSIGN_OR_RETURN(PgResultPtr cols, Exec(conn, kColumns, {std::to_string(t.oid)},
                                          "PostgreSQL: reading the columns of " + t.display()));
  for (int i = 0; i < PQntuples(cols.get()); ++i) {
    PgColumnInfo c;
    c.name = PQgetvalue(cols.get(), i, 0);
    c.attnum = std::atoi(PQgetvalue(cols.get(), i, 1));
    c.not_null = PQgetvalue(cols.get(), i, 2)[0] == 't';
    c.source_type = PQgetvalue(cols.get(), i, 3);
    c.type_oid = static_cast<uint32_t>(std::strtoul(PQgetvalue(cols.get(), i, 4), nullptr, 10));
    c.typmod = std::atoi(PQgetvalue(cols.get(), i, 5));
    c.typtype = PQgetvalue(cols.get(), i, 6)[0];
    c.typcategory = PQgetvalue(cols.get(), i, 7)[0];
    t.columns.push_back(std::move(c));
  }
  t.quoted = QuoteIdent(conn, t.schema) + "." + QuoteIdent(conn, t.name);
  return t;
}

// How one column is selected and decoded.
struct ColumnPlan {
  std::string expr;  // in the SELECT list
  PgColumnDecode decode;
  Field field;
  std::string source_type;
};

ColumnPlan PlanColumn(PGconn* conn, const PgColumnInfo& c, const TimeZone& tz) {
  std::string q = QuoteIdent(conn, c.name);
  ColumnPlan p{
      q, {c.name, PgDecode::kText, 0}, {c.name, DataType::String(), !c.not_null}, c.source_type};
  auto set = [&](PgDecode d, DataType t) {
    p.decode.decode = d;
    p.field.type = t;
  };
  if (c.typcategory == 'A') {  // arrays: JSON text
    p.expr = "pg_catalog.to_json(" + q + ")::text";
    return p;
  }
  if (c.typtype == 'e') return p;  // enums: the label (binary send = text)
  if (c.typtype != 'b') {          // composite, range, multirange, nested domains: text
    p.expr = q + "::text";
    return p;
  }
  switch (c.type_oid) {
    case kBoolOid: set(PgDecode::kBool, DataType::Boolean()); break;
    case kInt2Oid: set(PgDecode::kInt2, DataType::Int32()); break;
    case kInt4Oid: set(PgDecode::kInt4, DataType::Int32()); break;
    case kInt8Oid: set(PgDecode::kInt8, DataType::Int64()); break;
    case kOidOid: set(PgDecode::kOid, DataType::Int64()); break;
    case kFloat4Oid: set(PgDecode::kFloat4, DataType::Float64()); break;
    case kFloat8Oid: set(PgDecode::kFloat8, DataType::Float64()); break;
    case kNumericOid: {
      int precision = c.typmod >= 4 ? ((c.typmod - 4) >> 16) & 0xFFFF : 0;
      int scale = c.typmod >= 4 ? (c.typmod - 4) & 0xFFFF : 0;
      if (precision >= 1 && precision <= 38 && scale <= precision) {
        set(PgDecode::kNumericDecimal, DataType::Decimal(precision, scale));
        p.decode.scale = scale;
      } else {
        set(PgDecode::kNumericString, DataType::String());
      }
      break;
    }
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:
    case kNameOid:
    case kCharOid:
    case kJsonOid:
    case kXmlOid: break;  // text as sent
    case kJsonbOid: set(PgDecode::kJsonb, DataType::String()); break;
    case kByteaOid: set(PgDecode::kBytea, DataType::Binary()); break;
    case kDateOid: set(PgDecode::kDate, DataType::Date()); break;
    case kTimeOid: set(PgDecode::kTime, DataType::String()); break;
    case kTimestamptzOid: set(PgDecode::kTimestamp, DataType::Timestamp()); break;
    case kTimestampOid:
      set(PgDecode::kTimestamp, DataType::Timestamp());
      // Naive values are local times in `timezone`; the server converts them to instants.
      if (!tz.is_utc()) {
        p.expr = "(" + q + " AT TIME ZONE " + QuoteLiteral(conn, tz.name()) + ")";
      }
      break;
    default: p.expr = q + "::text"; break;  // interval, money, inet, bit, ...: the text form
  }
  return p;
}

enum class DeltaKind { kTimestamptz, kTimestamp, kDate, kInteger, kText };

struct DeltaPlan {
  std::string name;
  std::string quoted;
  DeltaKind kind = DeltaKind::kTimestamptz;
  uint32_t type_oid = 0;
  bool indexed = false;
};

Result<DeltaPlan> PlanDelta(PGconn* conn, const PgTable& t, const std::string& column) {
  const PgColumnInfo* c = t.Find(column);
  if (c == nullptr) {
    return Status::InvalidArgument("PostgreSQL: delta column \"" + column +
                                   "\" does not exist in table " + t.display());
  }
  DeltaPlan d;
  d.name = column;
  d.quoted = QuoteIdent(conn, column);
  d.type_oid = c->type_oid;
  switch (c->typtype == 'b' ? c->type_oid : 0) {
    case kTimestamptzOid: d.kind = DeltaKind::kTimestamptz; break;
    case kTimestampOid: d.kind = DeltaKind::kTimestamp; break;
    case kDateOid: d.kind = DeltaKind::kDate; break;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: d.kind = DeltaKind::kInteger; break;
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid: d.kind = DeltaKind::kText; break;
    default:
      return Status::InvalidArgument(
          "PostgreSQL: delta column \"" + column + "\" of table " + t.display() + " has type " +
          c->source_type +
          ", which cannot order rows in time (supported: timestamp, timestamptz, date, "
          "smallint/integer/bigint epoch seconds, text/varchar/char with dateFormat)");
  }
  ASSIGN_OR_RETURN(PgResultPtr res,
                   Exec(conn,
                        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = $1 "
                        "AND i.indkey[0] = $2 AND i.indisvalid AND i.indpred IS NULL)",
                        {std::to_string(t.oid), std::to_string(c->attnum)},
                        "PostgreSQL: reading the indexes of " + t.display()));
  d.indexed = PQgetvalue(res.get(), 0, 0)[0] == 't';
  return d;
}

// One bound of the delta predicate: a typed value, no bound at all, or "no row can match".
struct Bound {
  enum { kLiteral, kOpen, kNone } kind = kOpen;
  std::string value;  // the bound's text (a timestamp, a day, an integer, formatted text)
  std::string type;   // the SQL type it is cast to; "" leaves it untyped (text columns)
};

Bound MakeBound(const DeltaPlan& d, const TimeZone& tz, const TextDateFormat& fmt, int64_t b,
                bool lower) {
  Bound out;
  auto in_literal_range = [&](int64_t s) {
    if (s < sql::kMinLiteralSeconds) {
      out.kind = lower ? Bound::kOpen : Bound::kNone;
      return false;
    }
    if (s > sql::kMaxLiteralSeconds) {
      out.kind = lower ? Bound::kNone : Bound::kOpen;
      return false;
    }
    out.kind = Bound::kLiteral;
    return true;
  };
  switch (d.kind) {
    case DeltaKind::kTimestamptz:
      if (in_literal_range(b)) {
        out.value = sql::FormatDateTime(b) + "+00";
        out.type = "timestamptz";
      }
      break;
    case DeltaKind::kTimestamp: {
      int64_t l = tz.LocalBound(b);
      if (in_literal_range(l)) {
        out.value = sql::FormatDateTime(l);
        out.type = "timestamp";
      }
      break;
    }
    case DeltaKind::kDate: {
      int64_t l = tz.LocalBound(b);
      if (in_literal_range(l)) {
        int32_t day = sql::CeilDay(l);
        if (int64_t{day} * 86400 > sql::kMaxLiteralSeconds) {
          out.kind = lower ? Bound::kNone : Bound::kOpen;
        } else {
          out.value = sql::FormatDay(day);
          out.type = "date";
        }
      }
      break;
    }
    case DeltaKind::kInteger: {
      int64_t lo = INT64_MIN, hi = INT64_MAX;
      const char* type = "bigint";
      if (d.type_oid == kInt2Oid) {
        lo = INT16_MIN, hi = INT16_MAX, type = "smallint";
      } else if (d.type_oid == kInt4Oid) {
        lo = INT32_MIN, hi = INT32_MAX, type = "integer";
      }
      if (b <= lo) {
        out.kind = lower ? Bound::kOpen : Bound::kNone;
      } else if (b > hi) {
        out.kind = lower ? Bound::kNone : Bound::kOpen;
      } else {
        out.kind = Bound::kLiteral;
        out.value = std::to_string(b);
        out.type = type;
      }
      break;
    }
    case DeltaKind::kText: {
      int64_t l = tz.LocalBound(b);
      // Untyped: PostgreSQL gives the value the column's own type, so its index applies.
      if (in_literal_range(l)) out.value = fmt.Format(l);
      break;
    }
  }
  return out;
}

// The SQL of a bound: a parameter appended to `params` ($n) when given, else a literal quoted by
// libpq (COPY takes no parameters; the run's statement is unchanged by this); cast to the bound's
// type. Either form is the same predicate.
std::string BoundSql(PGconn* conn, const Bound& b,
                     std::vector<std::optional<std::string>>* params) {
  const bool integer = b.type == "bigint" || b.type == "integer" || b.type == "smallint";
  std::string v;
  if (params != nullptr) {
    params->push_back(b.value);
    v = "$" + std::to_string(params->size());
  } else {
    v = integer ? b.value : QuoteLiteral(conn, b.value);
  }
  if (b.type.empty()) return v;
  return integer ? "CAST(" + v + " AS " + b.type + ")" : v + "::" + b.type;
}

// `lo <= delta < hi` on the column's own type; nullopt bounds are open. Selects the NULLs too
// when `with_nulls` (nullDeltaPolicy include-in-first-window), never otherwise.
std::string DeltaPredicate(PGconn* conn, const DeltaPlan& d, const TimeZone& tz,
                           const TextDateFormat& fmt, std::optional<int64_t> lo,
                           std::optional<int64_t> hi, bool with_nulls,
                           std::vector<std::optional<std::string>>* params) {
  std::string pred;
  bool none = false;
  for (int side = 0; side < 2 && !none; ++side) {
    std::optional<int64_t> v = side == 0 ? lo : hi;
    if (!v) continue;
    Bound b = MakeBound(d, tz, fmt, *v, side == 0);
    if (b.kind == Bound::kNone) none = true;
    if (b.kind != Bound::kLiteral) continue;
    if (!pred.empty()) pred += " AND ";
    pred += d.quoted + (side == 0 ? " >= " : " < ") + BoundSql(conn, b, params);
  }
  if (none) {
    if (params != nullptr) params->clear();
    pred = "FALSE";
  } else if (pred.empty()) {
    pred = d.quoted + " IS NOT NULL";
  }
  if (with_nulls) return "((" + pred + ") OR " + d.quoted + " IS NULL)";
  return pred;
}

// Streams one COPY ... TO STDOUT (FORMAT binary) into RecordBatches.
class PgCopyReader : public SourceReader {
 public:
  // `cancelled` and `counters` (may be null) outlive the reader.
  PgCopyReader(PgConnPtr conn, std::shared_ptr<const Schema> schema,
               std::vector<PgColumnDecode> decodes, int64_t batch_rows,
               const std::atomic<bool>* cancelled, SourceCounters* counters)
      : conn_(std::move(conn)),
        schema_(schema),
        decoder_(std::move(decodes)),
        builder_(schema, std::min<int64_t>(batch_rows, 8192)),
        batch_rows_(std::max<int64_t>(batch_rows, 1)),
        cancelled_(cancelled),
        counters_(counters) {}

  ~PgCopyReader() override {
    if (conn_ && !done_) CancelQuery();
  }

  // Sends the COPY and waits for the server to start it.
  Status Start(const std::string& sql, const std::string& context) {
    context_ = context;
    if (!PQsendQuery(conn_.get(), sql.c_str())) {
      return ErrorFromResult(conn_.get(), nullptr, context_);
    }
    PgResultPtr res(PQgetResult(conn_.get()));
    if (!res || PQresultStatus(res.get()) != PGRES_COPY_OUT) {
      Status st = ErrorFromResult(conn_.get(), res.get(), context_);
      while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
      done_ = true;
      return st;
    }
    return Status::OK();
  }

  Result<RecordBatch> Next() override {
    int64_t bytes = 0, rows = 0;
    Result<RecordBatch> batch = Read(&bytes, &rows);
    // Counted once a batch (not per row: the counters are shared by every reader of the run).
    if (counters_ != nullptr) {
      if (bytes) counters_->input_bytes.fetch_add(bytes, std::memory_order_relaxed);
      if (rows) counters_->input_records.fetch_add(rows, std::memory_order_relaxed);
    }
    return batch;
  }

 private:
  // Bytes of COPY stream taken from libpq before they are decoded: tuples are decoded many at
  // a time, from the decoder's buffer, which PQgetlineAsync fills in place (one copy, no
  // allocation per tuple, which PQgetCopyData makes).
  static constexpr size_t kStageBytes = 256 * 1024;
  // The least room offered to PQgetlineAsync: a tuple longer than that comes in pieces.
  static constexpr size_t kMinRoom = 8 * 1024;

  // The next batch; adds the COPY bytes received to *bytes and the tuples decoded to *rows.
  Result<RecordBatch> Read(int64_t* bytes, int64_t* rows) {
    if (!error_.ok()) return error_;
    if (eof_ && decoder_.buffered() == 0) return Finish();
    ReserveBatch();
    bool fresh = decoder_.buffered() > 0;  // bytes the decoder has not tried yet
    bool starved = false;                  // libpq has no complete message buffered
    while (builder_.num_rows() < batch_rows_) {
      if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
        CancelQuery();
        return Fail(Status::Cancelled("PostgreSQL: " + context_ + ": cancelled"));
      }
      if (fresh && (eof_ || starved || decoder_.buffered() >= kStageBytes)) {
        fresh = false;
        auto n = decoder_.Decode(batch_rows_ - builder_.num_rows(), &builder_);
        if (!n.ok()) {
          if (!done_) CancelQuery();
          return Fail(n.status().WithContext(context_));
        }
        *rows += *n;
        if (builder_.ByteSize() >= kMaxBatchBytes) break;
        continue;
      }
      if (eof_) {  // every complete tuple is decoded
        if (decoder_.buffered() > 0 || !decoder_.finished()) {
          return Fail(Status::Internal(context_ + ": COPY stream ended without its trailer"));
        }
        break;
      }
      size_t room = 0;
      char* space = decoder_.Space(kMinRoom, &room);
      int n = PQgetlineAsync(conn_.get(), space,
                             static_cast<int>(std::min<size_t>(room, size_t{1} << 30)));
      if (n > 0) {
        decoder_.Commit(static_cast<size_t>(n));
        *bytes += n;
        fresh = true;
        starved = false;
        continue;
      }
      if (n == 0) {  // no complete message in libpq's buffer
        if (fresh) {
          starved = true;  // decode what came before waiting for more
          continue;
        }
        // Wait for the socket (bounded, to notice a cancel).
        pollfd pfd{PQsocket(conn_.get()), POLLIN, 0};
        poll(&pfd, 1, kPollMillis);
        if (!PQconsumeInput(conn_.get())) {
          done_ = true;
          return Fail(ErrorFromResult(conn_.get(), nullptr, context_));
        }
        continue;
      }
      // -1: the COPY ended, or the connection failed: its final status says which.
      Status st;
      while (PGresult* r = PQgetResult(conn_.get())) {
        if (st.ok() && PQresultStatus(r) != PGRES_COMMAND_OK) {
          st = ErrorFromResult(conn_.get(), r, context_);
        }
        PQclear(r);
      }
      done_ = true;
      if (!st.ok()) return Fail(st);
      eof_ = true;
    }
    return Finish();
  }

  // Room in the builder for a batch like the last one, so the columns do not grow from empty.
  void ReserveBatch() {
    if (last_rows_ == 0 || builder_.num_rows() > 0) return;
    for (size_t i = 0; i < last_bytes_.size(); ++i) {
      builder_.column(static_cast<int>(i)).Reserve(last_rows_, last_bytes_[i]);
    }
  }

  // Remembers the shape of a batch about to be handed out (for ReserveBatch).
  Result<RecordBatch> Finish() {
    auto b = builder_.Finish();
    if (b.ok() && b->num_rows() > 0) {
      last_rows_ = b->num_rows();
      last_bytes_.assign(static_cast<size_t>(b->num_columns()), 0);
      for (int i = 0; i < b->num_columns(); ++i) {
        const Column& c = b->column(i);
        if (c.type().IsVarLen()) last_bytes_[i] = c.offsets()[c.length()];
      }
    }
    return b;
  }

  // Every later call answers `st` too (the stream cannot be resumed).
  Status Fail(Status st) {
    error_ = st;
    return st;
  }

  void CancelQuery() {
    done_ = true;
    if (PGcancel* c = PQgetCancel(conn_.get())) {
      char err[256];
      PQcancel(c, err, sizeof(err));
      PQfreeCancel(c);
    }
    conn_.reset();
  }

  PgConnPtr conn_;
  std::shared_ptr<const Schema> schema_;
  PgCopyDecoder decoder_;
  RecordBatchBuilder builder_;
  int64_t batch_rows_;
  const std::atomic<bool>* cancelled_;
  SourceCounters* counters_;
  std::string context_;
  bool done_ = false;      // the COPY's final status was collected, or the query was cancelled
  bool eof_ = false;       // the COPY stream ended and its final status was OK
  Status error_;           // set once Read failed
  int64_t last_rows_ = 0;  // rows of the last non-empty batch
  std::vector<int64_t> last_bytes_;  // and each string column's bytes
};

std::string SelectList(const std::vector<ColumnPlan>& plans) {
  std::string s;
  for (const auto& p : plans) {
    if (!s.empty()) s += ", ";
    s += p.expr;
  }
  return s;
}

std::vector<PgColumnDecode> Decodes(const std::vector<ColumnPlan>& plans) {
  std::vector<PgColumnDecode> d;
  for (const auto& p : plans) d.push_back(p.decode);
  return d;
}

std::shared_ptr<const Schema> SchemaOf(const std::vector<ColumnPlan>& plans) {
  std::vector<Field> fields;
  for (const auto& p : plans) fields.push_back(p.field);
  return std::make_shared<const Schema>(std::move(fields));
}

class PostgresSource : public Source {
 public:
  explicit PostgresSource(SourceConfig config) : config_(std::move(config)) {}

  Status Open() override {
    ASSIGN_OR_RETURN(params_, BuildConnectParams(config_.connection));
    ASSIGN_OR_RETURN(sql::TableSourceParams source, sql::DecodeTableSourceParams(config_.params));
    std::string tz_name = config_.timezone;
    if (source.timezone && (tz_name.empty() || tz_name == "UTC")) tz_name = *source.timezone;
    ASSIGN_OR_RETURN(tz_, TimeZone::Find(tz_name));
    std::string fmt = config_.date_format;
    if (fmt.empty()) fmt = source.date_format.value_or("");
    ASSIGN_OR_RETURN(fmt_, TextDateFormat::Parse(fmt));

    ASSIGN_OR_RETURN(conn_, Connect(params_));
    ASSIGN_OR_RETURN(table_, ResolveTable(conn_.get(), source.table_name));

    // The columns to read: params.columns[].name, or all.
    ASSIGN_OR_RETURN(std::vector<const PgColumnInfo*> selected,
                     sql::SelectColumns<PgColumnInfo>(source.columns, table_, "PostgreSQL"));
    for (const PgColumnInfo* c : selected) plans_.push_back(PlanColumn(conn_.get(), *c, tz_));
    schema_ = SchemaOf(plans_);
    RETURN_IF_ERROR(schema_->Validate());
    if (config_.delta_column && !config_.delta_column->empty()) {
      ASSIGN_OR_RETURN(DeltaPlan d, PlanDelta(conn_.get(), table_, *config_.delta_column));
      delta_ = std::move(d);
      if (config_.late_commit.enabled) RETURN_IF_ERROR(AwaitLateCommits());
    }
    return Status::OK();
  }

  std::shared_ptr<const Schema> schema() const override { return schema_; }

  // The late-commit guard (connectors/sql/late_commit.h), from pg_stat_activity: other client
  // sessions whose open transaction started before the window's end (xact_start), and sessions
  // of other roles whose start pg_stat_activity hides (no pg_read_all_stats) but that hold a
  // transaction id (backend_xid is shown to every role): their start is unknown, so they count.
  // fluxo's own sessions (application_name 'fluxo') only read and are left out. (The snapshot's
  // in-progress list, pg_snapshot_xip, is not used: it omits in-progress ids at or above the
  // snapshot's xmax, which is where a young writer's id is.) Prepared transactions are not seen.
  Status AwaitLateCommits() {
    static constexpr char kOpenBeforeEnd[] = R"(
      SELECT count(*) FROM pg_catalog.pg_stat_activity a
       WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.application_name <> 'fluxo'
         AND coalesce(a.backend_type, 'client backend') = 'client backend'
         AND (a.xact_start < pg_catalog.to_timestamp($1::float8)
              OR (a.xact_start IS NULL AND a.backend_xid IS NOT NULL)))";
    const std::string ctx = "PostgreSQL: waiting for transactions open at the window's end";
    auto count_open = [&]() -> Result<int64_t> {
      ASSIGN_OR_RETURN(PgResultPtr r, Exec(conn_.get(), kOpenBeforeEnd,
                                           {std::to_string(config_.window.end_s)}, ctx));
      return static_cast<int64_t>(std::atoll(PQgetvalue(r.get(), 0, 0)));
    };
    ASSIGN_OR_RETURN(
        std::optional<SourceWarning> w,
        sql::AwaitNoOpenTransactions(config_.late_commit, cancelled_, count_open,
                                     "PostgreSQL " + table_.display(), config_.window.end_s));
    if (w) warnings_.push_back(std::move(*w));
    return Status::OK();
  }

  Result<std::vector<Split>> PlanSplits() override {
    if (!conn_) return Status::FailedPrecondition("PostgreSQL: PlanSplits before Open");
    const std::string ctx = "PostgreSQL: planning " + table_.display();
    std::string window = WindowPredicate(config_.window.start_s, config_.window.end_s);
    int p = std::max(1, config_.parallelism);
    std::string snapshot;
    if (p > 1) {
      // One snapshot for every split: readers on other connections see the same rows.
      ASSIGN_OR_RETURN(
          PgResultPtr b,
          Exec(conn_.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", {}, ctx));
      auto s = Exec(conn_.get(), "SELECT pg_catalog.pg_export_snapshot()", {}, ctx);
      if (s.ok()) {
        snapshot = PQgetvalue(s->get(), 0, 0);
      } else {
        spdlog::warn("{}: no shared snapshot ({}); splits read their own", ctx,
                     s.status().message());
        RETURN_IF_ERROR(Exec(conn_.get(), "ROLLBACK", {}, ctx).status());
      }
    }
    if (delta_ && !SelectsNullDelta(config_)) {
      ASSIGN_OR_RETURN(PgResultPtr n, Exec(conn_.get(),
                                           "SELECT count(*) FROM " + table_.quoted + " WHERE " +
                                               delta_->quoted + " IS NULL",
                                           {}, ctx));
      counters_.null_delta_rows.store(std::atoll(PQgetvalue(n.get(), 0, 0)));
    }
    // The planner's row estimate for the window: the progress bar's total and the split choice.
    std::optional<double> window_rows = PlannerRows(window, ctx);
    if (window_rows) counters_.estimated_records.store(static_cast<int64_t>(*window_rows));
    std::vector<Split> splits;
    auto single = [&]() {
      json::object st;
      st["mode"] = "window";
      if (!snapshot.empty()) st["snapshot"] = snapshot;
      splits.push_back({"table " + table_.display() + ", whole window", std::move(st)});
      return splits;
    };
    if (p == 1) return single();
    bool is_table = table_.relkind == 'r' || table_.relkind == 'm';
    // Share of the table the window selects, from the planner's estimate.
    double share = 1.0;
    if (delta_ && table_.reltuples > 0 && window_rows) share = *window_rows / table_.reltuples;
    if (delta_ && delta_->indexed && (share < 0.3 || !is_table)) {
      // Sub-ranges of the delta column, over where its values actually are.
      ASSIGN_OR_RETURN(PgResultPtr mm, Exec(conn_.get(),
                                            "SELECT " + EpochExpr("min") + ", " + EpochExpr("max") +
                                                " FROM " + table_.quoted + " WHERE " + window,
                                            {}, ctx));
      if (PQgetisnull(mm.get(), 0, 0) || PQgetisnull(mm.get(), 0, 1)) return single();
      std::optional<int64_t> mn = ParseEpoch(PQgetvalue(mm.get(), 0, 0));
      std::optional<int64_t> mx = ParseEpoch(PQgetvalue(mm.get(), 0, 1));
      if (!mn || !mx) return single();
      // Padded by a day (time zones, dates); the first and last ranges reach the window's ends.
      int64_t lo = std::max(config_.window.start_s, *mn - 86400);
      int64_t hi = std::min(config_.window.end_s, *mx + 86401);
      auto ranges = sql::CutRange(lo, hi, p);
      if (ranges.size() < 2) return single();
      ranges.front().first = config_.window.start_s;
      ranges.back().second = config_.window.end_s;
      for (const auto& [a, b] : ranges) {
        json::object st;
        st["mode"] = "delta";
        st["lo"] = a;
        st["hi"] = b;
        if (!snapshot.empty()) st["snapshot"] = snapshot;
        splits.push_back({"rows " + delta_->name + " in [" + std::to_string(a) + ", " +
                              std::to_string(b) + ") of " + table_.display(),
                          std::move(st)});
      }
      return splits;
    }
    if (is_table) {
      // Block ranges (TID range scans): each split reads its own part of the heap once.
      ASSIGN_OR_RETURN(PgResultPtr sz, Exec(conn_.get(),
                                            "SELECT pg_catalog.pg_relation_size($1::oid) / "
                                            "pg_catalog.current_setting('block_size')::int8",
                                            {std::to_string(table_.oid)}, ctx));
      int64_t blocks = std::atoll(PQgetvalue(sz.get(), 0, 0));
      auto ranges = sql::CutRange(0, blocks, p);
      if (ranges.size() < 2) return single();
      for (size_t i = 0; i < ranges.size(); ++i) {
        json::object st;
        st["mode"] = "ctid";
        st["blk_lo"] = ranges[i].first;
        if (i + 1 < ranges.size()) st["blk_hi"] = ranges[i].second;  // the last is open-ended
        if (!snapshot.empty()) st["snapshot"] = snapshot;
        splits.push_back({"blocks [" + std::to_string(ranges[i].first) + ", " +
                              (i + 1 < ranges.size() ? std::to_string(ranges[i].second) : "end") +
                              ") of " + table_.display(),
                          std::move(st)});
      }
      return splits;
    }
    return single();
  }

  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override {
    if (!schema_) return Status::FailedPrecondition("PostgreSQL: OpenReader before Open");
    const json::object* st = split.state.if_object();
    if (st == nullptr) return Status::InvalidArgument("PostgreSQL: malformed split state");
    std::string mode = GetString(*st, "mode").value_or("window");
    std::string where;
    if (mode == "delta") {
      auto lo = st->if_contains("lo") ? AsInt64Lenient(st->at("lo")) : std::nullopt;
      auto hi = st->if_contains("hi") ? AsInt64Lenient(st->at("hi")) : std::nullopt;
      if (!lo || !hi) return Status::InvalidArgument("PostgreSQL: malformed delta split");
      where = WindowPredicate(*lo, *hi);
    } else {
      where = WindowPredicate(config_.window.start_s, config_.window.end_s);
      if (mode == "ctid") {
        auto blo = st->if_contains("blk_lo") ? AsInt64Lenient(st->at("blk_lo")) : std::nullopt;
        if (!blo) return Status::InvalidArgument("PostgreSQL: malformed block split");
        where += " AND ctid >= '(" + std::to_string(*blo) + ",0)'::tid";
        if (st->if_contains("blk_hi")) {
          auto bhi = AsInt64Lenient(st->at("blk_hi"));
          if (!bhi) return Status::InvalidArgument("PostgreSQL: malformed block split");
          where += " AND ctid < '(" + std::to_string(*bhi) + ",0)'::tid";
        }
      }
    }
    ASSIGN_OR_RETURN(PgConnPtr conn, Connect(params_));
    if (auto snap = GetString(*st, "snapshot"); snap && !snap->empty()) {
      const std::string ctx = "PostgreSQL: joining the run's snapshot";
      RETURN_IF_ERROR(
          Exec(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", {}, ctx).status());
      auto set =
          Exec(conn.get(), "SET TRANSACTION SNAPSHOT " + QuoteLiteral(conn.get(), *snap), {}, ctx);
      if (!set.ok()) {
        // The planning session is gone (another worker planned the run): own snapshot.
        spdlog::warn("{}: {}; reading with the split's own snapshot", ctx, set.status().message());
        RETURN_IF_ERROR(Exec(conn.get(), "ROLLBACK", {}, ctx).status());
      }
    }
    std::string sql = "COPY (SELECT " + SelectList(plans_) + " FROM " + table_.quoted + " WHERE " +
                      where + ") TO STDOUT (FORMAT binary)";
    auto reader = std::make_unique<PgCopyReader>(std::move(conn), schema_, Decodes(plans_),
                                                 config_.batch_rows, &cancelled_, &counters_);
    RETURN_IF_ERROR(
        reader->Start(sql, "reading " + table_.display() + " (" + split.description + ")"));
    return std::unique_ptr<SourceReader>(std::move(reader));
  }

  // For tests: the WHERE clause of a window (also used by OpenReader).
  // The planner's estimate of the rows `SELECT ... WHERE window` returns (EXPLAIN, no
  // execution); nullopt when EXPLAIN fails or answers no estimate.
  std::optional<double> PlannerRows(const std::string& window, const std::string& ctx) const {
    auto ex =
        Exec(conn_.get(),
             "EXPLAIN (FORMAT JSON) SELECT 1 FROM " + table_.quoted + " WHERE " + window, {}, ctx);
    if (!ex.ok()) return std::nullopt;
    auto doc = ParseJson(PQgetvalue(ex->get(), 0, 0));
    if (!doc.ok()) return std::nullopt;
    const json::value* rows = FindPath(*doc, "0.Plan.Plan Rows");
    if (rows == nullptr && doc->is_array() && !doc->as_array().empty()) {
      rows = FindPath(doc->as_array()[0], "Plan.Plan Rows");
    }
    if (rows == nullptr) return std::nullopt;
    return AsDoubleLenient(*rows);
  }

  // Rows of [lo, hi) (a sub-range of the window, or the window). The NULL-delta rows go with
  // the sub-range that starts the window when the window selects them (SelectsNullDelta).
  // With `params`, the bounds are bound parameters appended to it; else quoted literals.
  std::string WindowPredicate(int64_t lo, int64_t hi,
                              std::vector<std::optional<std::string>>* params = nullptr) const {
    if (!delta_) return "TRUE";
    bool with_nulls = SelectsNullDelta(config_) && lo == config_.window.start_s;
    return DeltaPredicate(conn_.get(), *delta_, tz_, fmt_, lo, hi, with_nulls, params);
  }

  // SELECT count(*) with the window's predicate, its bounds bound as parameters.
  Result<int64_t> CountWindow() override {
    if (!conn_) return Status::FailedPrecondition("PostgreSQL: CountWindow before Open");
    std::vector<std::optional<std::string>> params;
    std::string where = WindowPredicate(config_.window.start_s, config_.window.end_s, &params);
    ASSIGN_OR_RETURN(PgResultPtr r,
                     Exec(conn_.get(), "SELECT count(*) FROM " + table_.quoted + " WHERE " + where,
                          params, "PostgreSQL: counting the window of " + table_.display()));
    return static_cast<int64_t>(std::atoll(PQgetvalue(r.get(), 0, 0)));
  }

 private:
  // SQL giving the epoch seconds of min/max(delta) (approximate for naive types: padded later).
  std::string EpochExpr(const char* agg) const {
    std::string a = std::string(agg) + "(" + delta_->quoted + ")";
    switch (delta_->kind) {
      case DeltaKind::kTimestamptz:
      case DeltaKind::kTimestamp: return "floor(extract(epoch FROM " + a + "))::int8";
      case DeltaKind::kDate: return "floor(extract(epoch FROM " + a + "::timestamp))::int8";
      case DeltaKind::kInteger: return a + "::int8";
      case DeltaKind::kText: return a + "::text";
    }
    return a;
  }
  std::optional<int64_t> ParseEpoch(const char* v) const {
    if (delta_->kind == DeltaKind::kText) return fmt_.ParseLocalSeconds(v);
    char* end = nullptr;
    long long x = std::strtoll(v, &end, 10);
    if (end == v) return std::nullopt;
    return static_cast<int64_t>(x);
  }

  SourceConfig config_;
  PgConnectParams params_;
  TimeZone tz_;
  TextDateFormat fmt_;
  PgConnPtr conn_;  // planning connection; holds the exported snapshot while the source lives
  PgTable table_;
  std::vector<ColumnPlan> plans_;
  std::shared_ptr<const Schema> schema_;
  std::optional<DeltaPlan> delta_;
};

std::string PathOf(const std::string& schema, const std::string& table) {
  auto part = [](const std::string& s) {
    if (s.find('.') == std::string::npos && s.find('"') == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      q.push_back(c);
      if (c == '"') q.push_back('"');
    }
    return q + "\"";
  };
  return part(schema) + "." + part(table);
}

class PostgresConnector : public Connector {
 public:
  std::string name() const override { return Spec().connector; }
  std::string spec_id() const override { return Spec().id; }
  const ConnectionSpec* spec() const override { return &Spec(); }

  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    return std::unique_ptr<Source>(std::make_unique<PostgresSource>(config));
  }

  Status Test(const ConnectionConfig& config) override {
    ASSIGN_OR_RETURN(PgConnectParams p, BuildConnectParams(config));
    ASSIGN_OR_RETURN(PgConnPtr conn, Connect(p));
    return Exec(conn.get(), "SELECT 1", {}, "PostgreSQL: test query").status();
  }

  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    ASSIGN_OR_RETURN(PgConnectParams p, BuildConnectParams(config));
    ASSIGN_OR_RETURN(PgConnPtr conn, Connect(p));
    if (object_type.empty() || object_type == "root") {
      ASSIGN_OR_RETURN(
          PgResultPtr res,
          Exec(conn.get(),
               "SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c "
               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.relkind IN ('r','v','m','p','f') AND NOT c.relispartition "
               "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
               "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
               "AND pg_catalog.has_table_privilege(c.oid, 'SELECT') ORDER BY 1, 2",
               {}, "PostgreSQL: listing tables"));
      json::array out;
      for (int i = 0; i < PQntuples(res.get()); ++i) {
        std::string path = PathOf(PQgetvalue(res.get(), i, 0), PQgetvalue(res.get(), i, 1));
        json::object t;
        t["type"] = "table";
        t["name"] = path;
        t["path"] = path;
        t["canPreview"] = true;
        t["canFetchSchema"] = true;
        t["meta"] = json::object{{"kind", RelkindName(PQgetvalue(res.get(), i, 2)[0])}};
        out.push_back(std::move(t));
      }
      return json::value(std::move(out));
    }
    if (object_type != "table") {
      return Status::InvalidArgument("PostgreSQL: objectType must be root or table, not '" +
                                     object_type + "'");
    }
    if (object.empty()) return Status::InvalidArgument("PostgreSQL: explore table needs object");
    ASSIGN_OR_RETURN(PgTable t, ResolveTable(conn.get(), object));
    std::vector<ColumnPlan> plans;
    for (const auto& c : t.columns) plans.push_back(PlanColumn(conn.get(), c, TimeZone::Utc()));
    json::array columns;
    for (const auto& pl : plans) {
      columns.push_back(sql::ExploreColumn(pl.field.name, pl.source_type, pl.field.type));
    }
    json::array data;
    if (!plans.empty()) {
      auto schema = SchemaOf(plans);
      std::string sql = "COPY (SELECT " + SelectList(plans) + " FROM " + t.quoted + " LIMIT " +
                        std::to_string(kPreviewRows) + ") TO STDOUT (FORMAT binary)";
      PgCopyReader reader(std::move(conn), schema, Decodes(plans), kPreviewRows, nullptr, nullptr);
      RETURN_IF_ERROR(reader.Start(sql, "previewing " + t.display()));
      for (;;) {
        ASSIGN_OR_RETURN(RecordBatch b, reader.Next());
        if (b.num_rows() == 0) break;
        for (auto& row : sql::BatchRowsToJson(b, kPreviewRows - data.size())) {
          data.push_back(std::move(row));
        }
        if (static_cast<int>(data.size()) >= kPreviewRows) break;
      }
    }
    json::object out;
    out["format"] = "flat";
    out["name"] = t.display();
    out["schema"] = json::object{{"columns", std::move(columns)}};
    out["data"] = std::move(data);
    return json::value(std::move(out));
  }
};

}  // namespace

std::unique_ptr<Connector> NewConnector() { return std::make_unique<PostgresConnector>(); }

}  // namespace fluxo::connectors::postgres
