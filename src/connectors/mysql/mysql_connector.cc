#include "connectors/mysql/mysql_connector.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstring>
#include <map>

#include "base/log.h"
#include "base/strings.h"
#include "connectors/sql/late_commit.h"
#include "connectors/sql/sql_common.h"
#include "connectors/sql/table_params.h"
#include "model/connection_string.h"
#include "model/spec_ids.h"

namespace fluxo::connectors::mysql {
namespace {

using sql::TextDateFormat;
using sql::TimeZone;

constexpr int64_t kMaxBatchBytes = int64_t{64} << 20;
constexpr int kPreviewRows = 10;
constexpr unsigned long kInitialVarBuffer = 256;

// The `rows` estimate of the first row of a traditional EXPLAIN: column 8 of MariaDB's ten
// columns (id, select_type, table, type, possible_keys, key, key_len, ref, rows, Extra), column 9
// of MySQL 8's twelve (partitions after table, filtered after rows); nullopt otherwise.
template <typename Rows>
std::optional<int64_t> ExplainRows(const Rows& plan) {
  if (plan.empty()) return std::nullopt;
  const auto& row = plan.front();
  size_t col = row.size() == 10 ? 8 : row.size() == 12 ? 9 : row.size();
  if (col >= row.size() || !row[col]) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(row[col]->c_str(), &end, 10);
  if (end == row[col]->c_str() || v < 0) return std::nullopt;
  return static_cast<int64_t>(v);
}

// `ident` with backticks, a backtick inside doubled.
std::string QuoteIdent(std::string_view ident) {
  std::string q = "`";
  for (char c : ident) {
    q.push_back(c);
    if (c == '`') q.push_back('`');
  }
  q.push_back('`');
  return q;
}

struct MysqlDeleter {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
using MysqlPtr = std::unique_ptr<MYSQL, MysqlDeleter>;

struct ConnectParams {
  std::string host = "localhost";
  unsigned port = 3306;
  std::string user;
  std::string password;
  std::string database;
  std::string ssl_mode;  // disabled | preferred | required | verify_ca | verify_identity
  std::string timezone;  // auth param: zone of naive DATETIME values
  int connect_timeout_s = 10;
  std::string target() const {
    return host + ":" + std::to_string(port) + (database.empty() ? "" : "/" + database);
  }
};

Result<ConnectParams> BuildConnectParams(const ConnectionConfig& config) {
  ConnectParams p;
  auto cs = GetString(config.auth_params, "connectionString");
  if (!cs || cs->empty()) {
    return Status::InvalidArgument("MySQL: auth param connectionString is missing");
  }
  auto set_port = [&](const std::string& v) -> Status {
    char* end = nullptr;
    long port = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || port < 1 || port > 65535) {
      return Status::InvalidArgument("MySQL: connectionString port is not a port number");
    }
    p.port = static_cast<unsigned>(port);
    return Status::OK();
  };
  if (ClassifyConnectionString(*cs) == ConnectionStringForm::kUri) {
    auto u = boost::urls::parse_uri(*cs);
    if (!u) return Status::InvalidArgument("MySQL: connectionString is not a valid URI");
    std::string scheme = Lower(u->scheme());
    if (scheme != "mysql" && scheme != "mariadb" && scheme != "mysqlx") {
      return Status::InvalidArgument("MySQL: connectionString URI scheme must be mysql://");
    }
    if (u->has_userinfo()) {
      p.user = u->user();
      p.password = u->password();
    }
    if (!u->host().empty()) p.host = u->host();
    if (u->has_port()) RETURN_IF_ERROR(set_port(std::string(u->port())));
    std::string path = u->path();
    if (!path.empty() && path[0] == '/') path.erase(0, 1);
    p.database = path;
    for (auto param : u->params()) {
      std::string k = Lower(param.key);
      if (k == "ssl-mode" || k == "sslmode" || k == "ssl_mode") p.ssl_mode = Lower(param.value);
    }
  } else {
    auto kv = ParseKeyValueConnectionString(*cs);
    if (!kv.ok()) return kv.status().WithContext("MySQL: connectionString");
    for (const auto& [key, value] : *kv) {
      if (key == "server" || key == "host" || key == "data source" || key == "address") {
        p.host = value;
      } else if (key == "port") {
        RETURN_IF_ERROR(set_port(value));
      } else if (key == "database" || key == "db" || key == "initial catalog") {
        p.database = value;
      } else if (key == "uid" || key == "user" || key == "user id" || key == "userid" ||
                 key == "username") {
        p.user = value;
      } else if (key == "pwd" || key == "password") {
        p.password = value;
      } else if (key == "sslmode" || key == "ssl mode" || key == "ssl-mode") {
        p.ssl_mode = Lower(value);
      } else {
        return Status::InvalidArgument("MySQL: connectionString key '" + key +
                                       "' is not supported (use Server, Port, Database, UID, "
                                       "PWD, SslMode)");
      }
    }
  }
  if (auto v = GetString(config.auth_params, "sslMode"); v && !v->empty()) p.ssl_mode = Lower(*v);
  p.timezone = GetString(config.auth_params, "timezone").value_or("");
  p.connect_timeout_s = std::max(1, config.connect_timeout_s);
  return p;
}

Status ErrorFromMysql(unsigned err, const std::string& message, const std::string& context,
                      const std::string& password) {
  std::string msg = context + ": " + sql::ScrubSecret(message, password);
  switch (err) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
      return Status::Unauthenticated(msg + " (wrong user or password)");
    case ER_BAD_DB_ERROR: return Status::NotFound(msg);
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR: return Status::NotFound(msg);
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR: return Status::PermissionDenied(msg);
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT: return Status::Aborted(msg);
    case ER_QUERY_INTERRUPTED: return Status::Cancelled(msg);
    case CR_CONN_HOST_ERROR:
    case CR_CONNECTION_ERROR:
      if (message.find("(110)") != std::string::npos ||
          message.find("timed out") != std::string::npos ||
          message.find("timeout") != std::string::npos) {
        return Status::DeadlineExceeded(msg + " (no answer within the connect timeout)");
      }
      return Status::Unavailable(msg + " (host unreachable or refusing connections)");
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
    case ER_OUT_OF_RESOURCES: return Status::Unavailable(msg);
    default:
      if (err >= 2000 && err < 3000) return Status::Unavailable(msg);  // client errors
      if (err == ER_PARSE_ERROR || err == ER_WRONG_VALUE_COUNT_ON_ROW) return Status::Internal(msg);
      return Status::InvalidArgument(msg);
  }
}

Status ConnError(MYSQL* m, const std::string& context, const std::string& password) {
  return ErrorFromMysql(mysql_errno(m), mysql_error(m), context, password);
}
Status StmtError(MYSQL_STMT* s, const std::string& context, const std::string& password) {
  return ErrorFromMysql(mysql_stmt_errno(s), mysql_stmt_error(s), context, password);
}

Result<MysqlPtr> Connect(const ConnectParams& p) {
  MysqlPtr m(mysql_init(nullptr));
  if (!m) return Status::ResourceExhausted("MySQL: out of memory");
  unsigned timeout = static_cast<unsigned>(p.connect_timeout_s);
  mysql_optionsv(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(m.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  my_bool yes = 1;
  if (p.ssl_mode == "required" || p.ssl_mode == "verify_ca" || p.ssl_mode == "verify_identity") {
    mysql_optionsv(m.get(), MYSQL_OPT_SSL_ENFORCE, &yes);
  }
  if (p.ssl_mode == "verify_ca" || p.ssl_mode == "verify_identity") {
    mysql_optionsv(m.get(), MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
  }
  const std::string where = "MySQL at " + p.target();
  if (mysql_real_connect(m.get(), p.host.c_str(), p.user.c_str(), p.password.c_str(),
                         p.database.empty() ? nullptr : p.database.c_str(), p.port, nullptr,
                         0) == nullptr) {
    return ConnError(m.get(), where, p.password);
  }
  // TIMESTAMP columns come out in UTC; naive DATETIMEs are converted by fluxo (timezone).
  if (mysql_query(m.get(), "SET time_zone = '+00:00'") != 0) {
    return ConnError(m.get(), where + ": setting up the session", p.password);
  }
  return m;
}

// Statement handle; closed after its connection on early abort (no draining of rows).
struct StmtDeleter {
  void operator()(MYSQL_STMT* s) const { mysql_stmt_close(s); }
};
using StmtPtr = std::unique_ptr<MYSQL_STMT, StmtDeleter>;

// A bound input parameter.
struct Param {
  enum_field_types type = MYSQL_TYPE_NULL;
  std::string str;
  long long i = 0;
  MYSQL_TIME time{};
  static Param Null() { return {}; }
  static Param String(std::string s) {
    Param p;
    p.type = MYSQL_TYPE_STRING;
    p.str = std::move(s);
    return p;
  }
  static Param Int(long long v) {
    Param p;
    p.type = MYSQL_TYPE_LONGLONG;
    p.i = v;
    return p;
  }
};

Result<StmtPtr> Prepare(MYSQL* m, const std::string& sql, std::vector<Param>& params,
                        const std::string& context, const std::string& password) {
  StmtPtr st(mysql_stmt_init(m));
  if (!st) return ConnError(m, context, password);
  if (mysql_stmt_prepare(st.get(), sql.c_str(), sql.size()) != 0) {
    return StmtError(st.get(), context, password);
  }
  std::vector<MYSQL_BIND> binds(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof(b));
    Param& p = params[i];
    b.buffer_type = p.type;
    switch (p.type) {
      case MYSQL_TYPE_STRING:
        b.buffer = p.str.data();
        b.buffer_length = p.str.size();
        break;
      case MYSQL_TYPE_LONGLONG: b.buffer = &p.i; break;
      case MYSQL_TYPE_DATE:
      case MYSQL_TYPE_DATETIME: b.buffer = &p.time; break;
      default: break;
    }
  }
  if (!params.empty() && mysql_stmt_bind_param(st.get(), binds.data()) != 0) {
    return StmtError(st.get(), context, password);
  }
  if (mysql_stmt_execute(st.get()) != 0) return StmtError(st.get(), context, password);
  return st;
}

using Row = std::vector<std::optional<std::string>>;

// Runs a small metadata query with bound parameters; every value as text.
Result<std::vector<Row>> QueryRows(MYSQL* m, const std::string& sql, std::vector<Param> params,
                                   const std::string& context, const std::string& password) {
  ASSIGN_OR_RETURN(StmtPtr st, Prepare(m, sql, params, context, password));
  unsigned n = mysql_stmt_field_count(st.get());
  std::vector<MYSQL_BIND> binds(n);
  std::vector<std::string> bufs(n, std::string(kInitialVarBuffer, '\0'));
  std::vector<unsigned long> lens(n);
  std::vector<my_bool> nulls(n), errs(n);
  for (unsigned i = 0; i < n; ++i) {
    std::memset(&binds[i], 0, sizeof(MYSQL_BIND));
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = bufs[i].data();
    binds[i].buffer_length = bufs[i].size();
    binds[i].length = &lens[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &errs[i];
  }
  if (n > 0 && mysql_stmt_bind_result(st.get(), binds.data()) != 0) {
    return StmtError(st.get(), context, password);
  }
  std::vector<Row> rows;
  for (;;) {
    int rc = mysql_stmt_fetch(st.get());
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return StmtError(st.get(), context, password);
    Row row(n);
    for (unsigned i = 0; i < n; ++i) {
      if (nulls[i]) continue;
      if (lens[i] > bufs[i].size()) {
        std::string big(lens[i], '\0');
        MYSQL_BIND b = binds[i];
        b.buffer = big.data();
        b.buffer_length = big.size();
        if (mysql_stmt_fetch_column(st.get(), &b, i, 0) != 0) {
          return StmtError(st.get(), context, password);
        }
        row[i] = std::move(big);
      } else {
        row[i] = std::string(bufs[i].data(), lens[i]);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- Tables and types.

struct MyColumn {
  std::string name;
  std::string data_type;    // "int", "varchar", ...
  std::string column_type;  // "int(10) unsigned", "tinyint(1)", "enum('a','b')", ...
  bool nullable = true;
  int precision = 0;
  int scale = 0;
  bool unsigned_ = false;
};

struct MyTable {
  std::string schema;
  std::string name;
  std::string type;  // BASE TABLE, VIEW
  std::vector<MyColumn> columns;
  std::string quoted;
  std::string display() const { return schema + "." + name; }
  const MyColumn* Find(const std::string& c) const {
    for (const auto& col : columns) {
      if (col.name == c) return &col;
    }
    // Column names are case-insensitive in MySQL.
    for (const auto& col : columns) {
      if (Lower(col.name) == Lower(c)) return &col;
    }
    return nullptr;
  }
};

Result<MyTable> ResolveTable(MYSQL* m, const std::string& table_name, const std::string& password) {
  sql::QualifiedName qn = sql::ParseQualifiedName(table_name, '`');
  const std::string ctx = "MySQL: looking up table " + qn.ToString();
  ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      QueryRows(m,
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? "
                "ORDER BY TABLE_NAME = ? DESC LIMIT 1",
                {qn.schema ? Param::String(*qn.schema) : Param::Null(), Param::String(qn.table),
                 Param::String(qn.table)},
                ctx, password));
  if (rows.empty()) {
    return Status::NotFound("MySQL: table \"" + qn.ToString() + "\" does not exist" +
                            (qn.schema ? "" : " in the connection's database") +
                            " (or is not visible to this user)");
  }
  MyTable t;
  t.schema = rows[0][0].value_or("");
  t.name = rows[0][1].value_or("");
  t.type = rows[0][2].value_or("");
  ASSIGN_OR_RETURN(
      std::vector<Row> cols,
      QueryRows(m,
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, "
                "NUMERIC_SCALE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
                "TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                {Param::String(t.schema), Param::String(t.name)},
                "MySQL: reading the columns of " + t.display(), password));
  for (const Row& r : cols) {
    MyColumn c;
    c.name = r[0].value_or("");
    c.data_type = Lower(r[1].value_or(""));
    c.column_type = r[2].value_or("");
    c.nullable = r[3].value_or("YES") == "YES";
    c.precision = r[4] ? std::atoi(r[4]->c_str()) : 0;
    c.scale = r[5] ? std::atoi(r[5]->c_str()) : 0;
    c.unsigned_ = Lower(c.column_type).find("unsigned") != std::string::npos;
    t.columns.push_back(std::move(c));
  }
  t.quoted = QuoteIdent(t.schema) + "." + QuoteIdent(t.name);
  return t;
}

// How one column is fetched (binary protocol) and appended.
enum class MyDecode : uint8_t {
  kBool,       // tinyint(1), bit(1): non-zero -> true
  kInt32,      // tinyint, smallint, mediumint, int (signed), year
  kInt64,      // int unsigned, bigint (signed)
  kUInt64Dec,  // bigint unsigned -> decimal(20,0)
  kDouble,     // float, double
  kDecimal,    // decimal(p<=38,s), text on the wire
  kString,     // char, varchar, *text, json, enum, set, decimal(p>38), unknown types
  kBinary,     // binary, varbinary, *blob, geometry
  kBit,        // bit(n>1) -> int64 (big-endian bytes)
  kDate,       // date; zero dates -> NULL
  kDateTime,   // datetime: naive, read in `timezone`
  kTimestamp,  // timestamp: UTC (session time_zone +00:00)
  kTime,       // time -> string "[-]HH:MM:SS[.ffffff]"
};

struct ColumnPlan {
  MyColumn col;
  MyDecode decode;
  Field field;
};

ColumnPlan PlanColumn(const MyColumn& c) {
  ColumnPlan p{c, MyDecode::kString, {c.name, DataType::String(), c.nullable}};
  auto set = [&](MyDecode d, DataType t) {
    p.decode = d;
    p.field.type = t;
  };
  const std::string& t = c.data_type;
  std::string ct = Lower(c.column_type);
  if (t == "tinyint") {
    if (ct.rfind("tinyint(1)", 0) == 0) {
      set(MyDecode::kBool, DataType::Boolean());
    } else {
      set(MyDecode::kInt32, DataType::Int32());
    }
  } else if (t == "smallint" || t == "mediumint" || t == "year") {
    set(MyDecode::kInt32, DataType::Int32());
  } else if (t == "int" || t == "integer") {
    if (c.unsigned_) {
      set(MyDecode::kInt64, DataType::Int64());
    } else {
      set(MyDecode::kInt32, DataType::Int32());
    }
  } else if (t == "bigint") {
    if (c.unsigned_) {
      set(MyDecode::kUInt64Dec, DataType::Decimal(20, 0));
    } else {
      set(MyDecode::kInt64, DataType::Int64());
    }
  } else if (t == "float" || t == "double" || t == "real" || t == "double precision") {
    set(MyDecode::kDouble, DataType::Float64());
  } else if (t == "decimal" || t == "numeric" || t == "fixed") {
    if (c.precision >= 1 && c.precision <= 38 && c.scale <= c.precision) {
      set(MyDecode::kDecimal, DataType::Decimal(c.precision, c.scale));
    }
  } else if (t == "bit") {
    if (ct == "bit(1)") {
      set(MyDecode::kBool, DataType::Boolean());
    } else {
      set(MyDecode::kBit, DataType::Int64());
    }
  } else if (t == "date") {
    set(MyDecode::kDate, DataType::Date());
  } else if (t == "datetime") {
    set(MyDecode::kDateTime, DataType::Timestamp());
  } else if (t == "timestamp") {
    set(MyDecode::kTimestamp, DataType::Timestamp());
  } else if (t == "time") {
    set(MyDecode::kTime, DataType::String());
  } else if (t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" ||
             t == "mediumblob" || t == "longblob" || t == "geometry" || t == "point" ||
             t == "linestring" || t == "polygon" || t == "multipoint" || t == "multilinestring" ||
             t == "multipolygon" || t == "geometrycollection") {
    set(MyDecode::kBinary, DataType::Binary());
  }
  return p;
}

enum class DeltaKind { kDateTime, kTimestamp, kDate, kInteger, kText };

struct DeltaPlan {
  std::string name;
  std::string quoted;
  DeltaKind kind;
  bool indexed = false;
};

// ---- Reading.

// Binds the result columns of a statement and appends fetched rows to a RecordBatchBuilder.
class RowFetcher {
 public:
  RowFetcher(std::vector<ColumnPlan> plans, const TimeZone& tz)
      : plans_(std::move(plans)), tz_(tz) {
    size_t n = plans_.size();
    binds_.resize(n);
    slots_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      MYSQL_BIND& b = binds_[i];
      std::memset(&b, 0, sizeof(b));
      Slot& s = slots_[i];
      b.length = &s.length;
      b.is_null = &s.is_null;
      b.error = &s.error;
      switch (plans_[i].decode) {
        case MyDecode::kBool:
          if (plans_[i].col.data_type == "bit") {
            b.buffer_type = MYSQL_TYPE_BLOB;
            s.var.resize(16);
            b.buffer = s.var.data();
            b.buffer_length = s.var.size();
          } else {
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &s.i;
          }
          break;
        case MyDecode::kInt32:
        case MyDecode::kInt64:
        case MyDecode::kUInt64Dec:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &s.i;
          b.is_unsigned = plans_[i].col.unsigned_;
          break;
        case MyDecode::kDouble:
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = &s.d;
          break;
        case MyDecode::kDate:
          b.buffer_type = MYSQL_TYPE_DATE;
          b.buffer = &s.t;
          break;
        case MyDecode::kDateTime:
        case MyDecode::kTimestamp:
          b.buffer_type = MYSQL_TYPE_DATETIME;
          b.buffer = &s.t;
          break;
        case MyDecode::kTime:
          b.buffer_type = MYSQL_TYPE_TIME;
          b.buffer = &s.t;
          break;
        case MyDecode::kBit:
        case MyDecode::kBinary:
          b.buffer_type = MYSQL_TYPE_BLOB;
          s.var.resize(kInitialVarBuffer);
          b.buffer = s.var.data();
          b.buffer_length = s.var.size();
          break;
        case MyDecode::kDecimal:
        case MyDecode::kString:
          b.buffer_type = MYSQL_TYPE_STRING;
          s.var.resize(kInitialVarBuffer);
          b.buffer = s.var.data();
          b.buffer_length = s.var.size();
          break;
      }
    }
  }

  MYSQL_BIND* binds() { return binds_.data(); }

  // After mysql_stmt_fetch returned 0 or MYSQL_DATA_TRUNCATED: fetches the truncated values
  // whole, then appends the row. `*bytes` receives the row's payload size.
  Status AppendRow(MYSQL_STMT* st, bool truncated, RecordBatchBuilder* out, int64_t* bytes,
                   bool* rebind) {
    int64_t nbytes = 0;
    for (size_t i = 0; i < plans_.size(); ++i) {
      Slot& s = slots_[i];
      ColumnBuilder& cb = out->column(static_cast<int>(i));
      if (s.is_null) {
        cb.AppendNull();
        continue;
      }
      const MyDecode d = plans_[i].decode;
      bool var =
          binds_[i].buffer_type == MYSQL_TYPE_STRING || binds_[i].buffer_type == MYSQL_TYPE_BLOB;
      if (var && truncated && s.length > binds_[i].buffer_length) {
        s.var.resize(std::max<size_t>(s.length, s.var.size() * 2));
        binds_[i].buffer = s.var.data();
        binds_[i].buffer_length = s.var.size();
        if (mysql_stmt_fetch_column(st, &binds_[i], static_cast<unsigned>(i), 0) != 0) {
          return Status::Internal("MySQL: fetching column " + plans_[i].col.name + ": " +
                                  mysql_stmt_error(st));
        }
        *rebind = true;
      }
      std::string_view v = var ? std::string_view(s.var.data(), s.length) : std::string_view();
      nbytes += var ? static_cast<int64_t>(s.length) : 8;
      switch (d) {
        case MyDecode::kBool:
          if (var) {
            bool any = false;
            for (char c : v) any = any || c != 0;
            cb.AppendBool(any);
          } else {
            cb.AppendBool(s.i != 0);
          }
          break;
        case MyDecode::kInt32: cb.AppendInt32(static_cast<int32_t>(s.i)); break;
        case MyDecode::kInt64: cb.AppendInt64(static_cast<int64_t>(s.i)); break;
        case MyDecode::kUInt64Dec:
          cb.AppendDecimal(static_cast<int128_t>(static_cast<unsigned long long>(s.i)));
          break;
        case MyDecode::kDouble: cb.AppendDouble(s.d); break;
        case MyDecode::kBit: {
          uint64_t x = 0;
          for (char c : v) x = (x << 8) | static_cast<unsigned char>(c);
          cb.AppendInt64(static_cast<int64_t>(x));
          break;
        }
        case MyDecode::kDecimal: {
          auto u = ParseDecimal(v, plans_[i].field.type.scale);
          if (!u) {
            return Status::Internal("MySQL: column " + plans_[i].col.name +
                                    ": unexpected decimal text");
          }
          cb.AppendDecimal(*u);
          break;
        }
        case MyDecode::kString: cb.AppendString(v); break;
        case MyDecode::kBinary: cb.AppendBinary(v); break;
        case MyDecode::kDate:
          if (s.t.month == 0 || s.t.day == 0) {
            cb.AppendNull();  // zero date
          } else {
            cb.AppendDate(DaysFromCivil(static_cast<int>(s.t.year), s.t.month, s.t.day));
          }
          break;
        case MyDecode::kDateTime:
        case MyDecode::kTimestamp:
          if (s.t.month == 0 || s.t.day == 0) {
            cb.AppendNull();
          } else {
            int64_t local =
                (int64_t{DaysFromCivil(static_cast<int>(s.t.year), s.t.month, s.t.day)} * 86400 +
                 s.t.hour * 3600 + s.t.minute * 60 + s.t.second) *
                    1000000 +
                static_cast<int64_t>(s.t.second_part);
            cb.AppendTimestamp(d == MyDecode::kDateTime ? tz_.LocalToUtcMicros(local) : local);
          }
          break;
        case MyDecode::kTime: {
          char buf[32];
          int n = std::snprintf(buf, sizeof(buf), "%s%02u:%02u:%02u", s.t.neg ? "-" : "",
                                s.t.hour + s.t.day * 24, s.t.minute, s.t.second);
          unsigned long frac = s.t.second_part;
          if (frac > 0) {
            buf[n++] = '.';
            unsigned long div = 100000;
            while (frac > 0 && div > 0) {
              buf[n++] = static_cast<char>('0' + frac / div);
              frac %= div;
              div /= 10;
            }
          }
          cb.AppendString(std::string_view(buf, static_cast<size_t>(n)));
          break;
        }
      }
    }
    *bytes = nbytes;
    return Status::OK();
  }

  // "-123.45" -> unscaled at `scale`.
  static std::optional<int128_t> ParseDecimal(std::string_view v, int scale) {
    bool neg = false;
    size_t i = 0;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) neg = v[i++] == '-';
    unsigned __int128 u = 0;
    int frac = -1;
    bool any = false;
    for (; i < v.size(); ++i) {
      char c = v[i];
      if (c == '.') {
        if (frac >= 0) return std::nullopt;
        frac = 0;
        continue;
      }
      if (c < '0' || c > '9') return std::nullopt;
      if (frac >= 0) {
        if (frac == scale) continue;  // beyond the scale (not sent by the server)
        ++frac;
      }
      u = u * 10 + static_cast<unsigned>(c - '0');
      any = true;
    }
    if (!any) return std::nullopt;
    for (int f = frac < 0 ? 0 : frac; f < scale; ++f) u *= 10;
    int128_t s = static_cast<int128_t>(u);
    return neg ? -s : s;
  }

 private:
  struct Slot {
    long long i = 0;
    double d = 0;
    MYSQL_TIME t{};
    std::string var;
    unsigned long length = 0;
    my_bool is_null = 0;
    my_bool error = 0;
  };
  std::vector<ColumnPlan> plans_;
  TimeZone tz_;
  std::vector<MYSQL_BIND> binds_;
  std::vector<Slot> slots_;
};

std::string SelectList(const std::vector<ColumnPlan>& plans) {
  std::string s;
  for (const auto& p : plans) {
    if (!s.empty()) s += ", ";
    s += QuoteIdent(p.col.name);
  }
  return s;
}

std::shared_ptr<const Schema> SchemaOf(const std::vector<ColumnPlan>& plans) {
  std::vector<Field> fields;
  for (const auto& p : plans) fields.push_back(p.field);
  return std::make_shared<const Schema>(std::move(fields));
}

class MySqlReader : public SourceReader {
 public:
  MySqlReader(MysqlPtr conn, std::shared_ptr<const Schema> schema, std::vector<ColumnPlan> plans,
              const TimeZone& tz, int64_t batch_rows, const std::atomic<bool>* cancelled,
              SourceCounters* counters, std::string password)
      : conn_(std::move(conn)),
        fetcher_(std::move(plans), tz),
        builder_(schema, std::min<int64_t>(batch_rows, 8192)),
        batch_rows_(std::max<int64_t>(batch_rows, 1)),
        cancelled_(cancelled),
        counters_(counters),
        password_(std::move(password)) {}

  ~MySqlReader() override { Abort(); }

  Status Start(const std::string& sql, std::vector<Param> params, const std::string& context) {
    context_ = context;
    ASSIGN_OR_RETURN(StmtPtr st, Prepare(conn_.get(), sql, params, context_, password_));
    stmt_ = std::move(st);
    if (mysql_stmt_bind_result(stmt_.get(), fetcher_.binds()) != 0) {
      return StmtError(stmt_.get(), context_, password_);
    }
    return Status::OK();
  }

  Result<RecordBatch> Next() override {
    if (done_) return builder_.Finish();
    int64_t rows = 0, bytes = 0;
    while (builder_.num_rows() < batch_rows_) {
      if ((rows & 1023) == 0) {
        if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
          Abort();
          return Status::Cancelled("MySQL: " + context_ + ": cancelled");
        }
        if (rows > 0 && builder_.ByteSize() >= kMaxBatchBytes) break;
      }
      int rc = mysql_stmt_fetch(stmt_.get());
      if (rc == MYSQL_NO_DATA) {
        done_ = true;
        stmt_.reset();
        break;
      }
      if (rc == 1) {
        Status st = StmtError(stmt_.get(), context_, password_);
        Abort();
        return st;
      }
      bool rebind = false;
      int64_t row_bytes = 0;
      Status st = fetcher_.AppendRow(stmt_.get(), rc == MYSQL_DATA_TRUNCATED, &builder_, &row_bytes,
                                     &rebind);
      if (!st.ok()) {
        Abort();
        return st.WithContext(context_);
      }
      if (rebind && mysql_stmt_bind_result(stmt_.get(), fetcher_.binds()) != 0) {
        Status e = StmtError(stmt_.get(), context_, password_);
        Abort();
        return e;
      }
      ++rows;
      bytes += row_bytes;
    }
    if (counters_ != nullptr) {
      counters_->input_records.fetch_add(rows, std::memory_order_relaxed);
      counters_->input_bytes.fetch_add(bytes, std::memory_order_relaxed);
    }
    return builder_.Finish();
  }

 private:
  // Closes the connection first so that closing the statement does not drain pending rows.
  void Abort() {
    done_ = true;
    conn_.reset();
    stmt_.reset();
  }

  MysqlPtr conn_;
  StmtPtr stmt_;
  RowFetcher fetcher_;
  RecordBatchBuilder builder_;
  int64_t batch_rows_;
  const std::atomic<bool>* cancelled_;
  SourceCounters* counters_;
  std::string password_;
  std::string context_;
  bool done_ = false;
};

MYSQL_TIME ToMysqlTime(int64_t local_s, bool date_only) {
  MYSQL_TIME t{};
  int64_t days = local_s >= 0 ? local_s / 86400 : -((-local_s + 86399) / 86400);
  int64_t sod = local_s - days * 86400;
  int y;
  unsigned mo, d;
  CivilFromDays(static_cast<int32_t>(days), &y, &mo, &d);
  t.year = static_cast<unsigned>(y);
  t.month = mo;
  t.day = d;
  if (!date_only) {
    t.hour = static_cast<unsigned>(sod / 3600);
    t.minute = static_cast<unsigned>(sod / 60 % 60);
    t.second = static_cast<unsigned>(sod % 60);
  }
  t.time_type = date_only ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME;
  return t;
}

class MySqlSource : public Source {
 public:
  explicit MySqlSource(SourceConfig config) : config_(std::move(config)) {}

  Status Open() override {
    ASSIGN_OR_RETURN(params_, BuildConnectParams(config_.connection));
    ASSIGN_OR_RETURN(sql::TableSourceParams source, sql::DecodeTableSourceParams(config_.params));
    // The flow's / source's timezone; else the connection's; else UTC.
    std::string tz_name = config_.timezone;
    if (source.timezone && (tz_name.empty() || tz_name == "UTC")) tz_name = *source.timezone;
    if ((tz_name.empty() || tz_name == "UTC") && !params_.timezone.empty()) {
      tz_name = params_.timezone;
    }
    ASSIGN_OR_RETURN(tz_, TimeZone::Find(tz_name));
    std::string fmt = config_.date_format;
    if (fmt.empty()) fmt = source.date_format.value_or("");
    ASSIGN_OR_RETURN(fmt_, TextDateFormat::Parse(fmt));
    ASSIGN_OR_RETURN(conn_, Connect(params_));
    ASSIGN_OR_RETURN(table_, ResolveTable(conn_.get(), source.table_name, params_.password));
    ASSIGN_OR_RETURN(std::vector<const MyColumn*> selected,
                     sql::SelectColumns<MyColumn>(source.columns, table_, "MySQL"));
    for (const MyColumn* c : selected) plans_.push_back(PlanColumn(*c));
    schema_ = SchemaOf(plans_);
    RETURN_IF_ERROR(schema_->Validate());
    if (config_.delta_column && !config_.delta_column->empty()) {
      const MyColumn* c = table_.Find(*config_.delta_column);
      if (c == nullptr) {
        return Status::InvalidArgument("MySQL: delta column \"" + *config_.delta_column +
                                       "\" does not exist in table " + table_.display());
      }
      DeltaPlan d;
      d.name = c->name;
      d.quoted = QuoteIdent(c->name);
      const std::string& t = c->data_type;
      if (t == "datetime") {
        d.kind = DeltaKind::kDateTime;
      } else if (t == "timestamp") {
        d.kind = DeltaKind::kTimestamp;
      } else if (t == "date") {
        d.kind = DeltaKind::kDate;
      } else if (t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" ||
                 t == "integer" || t == "bigint") {
        d.kind = DeltaKind::kInteger;
      } else if (t == "char" || t == "varchar" || t == "text" || t == "tinytext" ||
                 t == "mediumtext" || t == "longtext") {
        d.kind = DeltaKind::kText;
      } else {
        return Status::InvalidArgument(
            "MySQL: delta column \"" + c->name + "\" of table " + table_.display() + " has type " +
            c->column_type +
            ", which cannot order rows in time (supported: DATETIME, TIMESTAMP, DATE, integer "
            "epoch seconds, CHAR/VARCHAR/TEXT with dateFormat)");
      }
      ASSIGN_OR_RETURN(
          std::vector<Row> idx,
          QueryRows(
              conn_.get(),
              "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
              "TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ? AND "
              "SEQ_IN_INDEX = 1",
              {Param::String(table_.schema), Param::String(table_.name), Param::String(c->name)},
              "MySQL: reading the indexes of " + table_.display(), params_.password));
      d.indexed = !idx.empty() && idx[0][0].value_or("0") != "0";
      delta_ = std::move(d);
      if (config_.late_commit.enabled) RETURN_IF_ERROR(AwaitLateCommits());
    }
    return Status::OK();
  }

  std::shared_ptr<const Schema> schema() const override { return schema_; }

  // The late-commit guard (connectors/sql/late_commit.h): InnoDB transactions of other sessions
  // that started before the window's end and may write (information_schema.innodb_trx,
  // trx_started; read-only transactions such as fluxo's own readers excluded). Needs the
  // PROCESS privilege; without it the guard fails the run naming it (turn the guard off with
  // options.lateCommitGuard = false, or grant PROCESS). Both sides are DATETIMEs in the session
  // time zone (+00:00).
  Status AwaitLateCommits() {
    const std::string ctx = "MySQL: waiting for transactions open at the window's end";
    auto count_open = [&]() -> Result<int64_t> {
      ASSIGN_OR_RETURN(std::vector<Row> n,
                       QueryRows(conn_.get(),
                                 "SELECT COUNT(*) FROM information_schema.INNODB_TRX "
                                 "WHERE trx_mysql_thread_id <> CONNECTION_ID() "
                                 "AND trx_is_read_only = 0 AND trx_autocommit_non_locking = 0 "
                                 "AND trx_started < FROM_UNIXTIME(?)",
                                 {Param::Int(config_.window.end_s)}, ctx, params_.password));
      return static_cast<int64_t>(std::atoll(n[0][0].value_or("0").c_str()));
    };
    // INNODB_TRX is served from a cache that is refreshed only when it has not been read for
    // 100 ms: polling faster would read the same stale list forever.
    LateCommitGuard guard = config_.late_commit;
    guard.poll_ms = std::max<int64_t>(guard.poll_ms, 250);
    ASSIGN_OR_RETURN(
        std::optional<SourceWarning> w,
        sql::AwaitNoOpenTransactions(guard, cancelled_, count_open, "MySQL " + table_.display(),
                                     config_.window.end_s));
    if (w) warnings_.push_back(std::move(*w));
    return Status::OK();
  }

  Result<std::vector<Split>> PlanSplits() override {
    if (!conn_) return Status::FailedPrecondition("MySQL: PlanSplits before Open");
    const std::string ctx = "MySQL: planning " + table_.display();
    if (delta_ && !SelectsNullDelta(config_)) {
      ASSIGN_OR_RETURN(std::vector<Row> n, QueryRows(conn_.get(),
                                                     "SELECT COUNT(*) FROM " + table_.quoted +
                                                         " WHERE " + delta_->quoted + " IS NULL",
                                                     {}, ctx, params_.password));
      counters_.null_delta_rows.store(std::atoll(n[0][0].value_or("0").c_str()));
    }
    std::vector<Split> splits;
    auto single = [&]() {
      splits.push_back(
          {"table " + table_.display() + ", whole window", json::object{{"mode", "window"}}});
      return splits;
    };
    // The optimizer's plan for the window (no execution): its row estimate is the progress
    // bar's total, and its access type decides the splits below.
    std::vector<Param> ep;
    std::string ew = WindowPredicate(config_.window.start_s, config_.window.end_s, &ep);
    auto plan = QueryRows(conn_.get(), "EXPLAIN SELECT * FROM " + table_.quoted + " WHERE " + ew,
                          std::move(ep), ctx, params_.password);
    if (plan.ok()) {
      if (std::optional<int64_t> rows = ExplainRows(*plan)) {
        counters_.estimated_records.store(*rows);
      }
    }
    int p = std::max(1, config_.parallelism);
    if (p == 1) return single();
    // Delta sub-ranges pay off only when the server would use the delta index for the window;
    // for a wide window it scans the whole table, once per split. Ask the optimizer (EXPLAIN's
    // access type) and use primary-key ranges otherwise, which read the table once in total.
    bool narrow = false;
    if (delta_ && delta_->indexed) {
      narrow = plan.ok() && !plan->empty() && plan->front().size() > 3 &&
               Lower(plan->front()[3].value_or("")) == "range";
    }
    if (delta_ && delta_->indexed && narrow) {
      std::vector<Param> wp;
      std::string where = WindowPredicate(config_.window.start_s, config_.window.end_s, &wp);
      std::string a = delta_->quoted;
      std::string lo_expr, hi_expr;
      switch (delta_->kind) {
        case DeltaKind::kDateTime:
        case DeltaKind::kTimestamp:
        case DeltaKind::kDate:
          lo_expr = "TIMESTAMPDIFF(SECOND, '1970-01-01', MIN(" + a + "))";
          hi_expr = "TIMESTAMPDIFF(SECOND, '1970-01-01', MAX(" + a + "))";
          break;
        case DeltaKind::kInteger:
        case DeltaKind::kText:
          lo_expr = "MIN(" + a + ")";
          hi_expr = "MAX(" + a + ")";
          break;
      }
      ASSIGN_OR_RETURN(std::vector<Row> mm,
                       QueryRows(conn_.get(),
                                 "SELECT " + lo_expr + ", " + hi_expr + " FROM " + table_.quoted +
                                     " WHERE " + where,
                                 std::move(wp), ctx, params_.password));
      if (mm.empty() || !mm[0][0] || !mm[0][1]) return single();
      auto parse = [&](const std::string& v) -> std::optional<int64_t> {
        if (delta_->kind == DeltaKind::kText) return fmt_.ParseLocalSeconds(v);
        char* end = nullptr;
        long long x = std::strtoll(v.c_str(), &end, 10);
        if (end == v.c_str()) return std::nullopt;
        return static_cast<int64_t>(x);
      };
      auto mn = parse(*mm[0][0]), mx = parse(*mm[0][1]);
      if (!mn || !mx) return single();
      int64_t lo = std::max(config_.window.start_s, *mn - 86400);
      int64_t hi = std::min(config_.window.end_s, *mx + 86401);
      auto ranges = sql::CutRange(lo, hi, p);
      if (ranges.size() < 2) return single();
      ranges.front().first = config_.window.start_s;
      ranges.back().second = config_.window.end_s;
      for (const auto& [x, y] : ranges) {
        splits.push_back({"rows " + delta_->name + " in [" + std::to_string(x) + ", " +
                              std::to_string(y) + ") of " + table_.display(),
                          json::object{{"mode", "delta"}, {"lo", x}, {"hi", y}}});
      }
      return splits;
    }
    // An integer primary key (InnoDB clusters rows by it): key ranges.
    ASSIGN_OR_RETURN(
        std::vector<Row> pk,
        QueryRows(conn_.get(),
                  "SELECT k.COLUMN_NAME, c.DATA_TYPE FROM information_schema.KEY_COLUMN_USAGE k "
                  "JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND "
                  "c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME "
                  "WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.CONSTRAINT_NAME = "
                  "'PRIMARY' ORDER BY k.ORDINAL_POSITION",
                  {Param::String(table_.schema), Param::String(table_.name)}, ctx,
                  params_.password));
    static const char* kIntTypes[] = {"tinyint", "smallint", "mediumint", "int", "bigint"};
    if (pk.size() != 1 ||
        std::none_of(std::begin(kIntTypes), std::end(kIntTypes),
                     [&](const char* t) { return Lower(pk[0][1].value_or("")) == t; })) {
      return single();
    }
    std::string key = pk[0][0].value_or("");
    ASSIGN_OR_RETURN(std::vector<Row> mm, QueryRows(conn_.get(),
                                                    "SELECT MIN(" + QuoteIdent(key) + "), MAX(" +
                                                        QuoteIdent(key) + ") FROM " + table_.quoted,
                                                    {}, ctx, params_.password));
    if (mm.empty() || !mm[0][0] || !mm[0][1]) return single();
    int64_t mn = std::strtoll(mm[0][0]->c_str(), nullptr, 10);
    int64_t mx = std::strtoll(mm[0][1]->c_str(), nullptr, 10);
    auto ranges = sql::CutRange(mn, mx == INT64_MAX ? mx : mx + 1, p);
    if (ranges.size() < 2) return single();
    for (size_t i = 0; i < ranges.size(); ++i) {
      json::object st{{"mode", "key"}, {"key", key}};
      // The first and last ranges are open-ended: rows inserted meanwhile are not missed.
      if (i > 0) st["key_lo"] = ranges[i].first;
      if (i + 1 < ranges.size()) st["key_hi"] = ranges[i].second;
      splits.push_back({"rows " + key + " in [" +
                            (i > 0 ? std::to_string(ranges[i].first) : "min") + ", " +
                            (i + 1 < ranges.size() ? std::to_string(ranges[i].second) : "max") +
                            ") of " + table_.display(),
                        std::move(st)});
    }
    return splits;
  }

  Result<std::unique_ptr<SourceReader>> OpenReader(const Split& split) override {
    if (!schema_) return Status::FailedPrecondition("MySQL: OpenReader before Open");
    const json::object* st = split.state.if_object();
    if (st == nullptr) return Status::InvalidArgument("MySQL: malformed split state");
    std::string mode = GetString(*st, "mode").value_or("window");
    std::vector<Param> params;
    std::string where;
    auto get = [&](const char* k) -> std::optional<int64_t> {
      return st->if_contains(k) ? AsInt64Lenient(st->at(k)) : std::nullopt;
    };
    if (mode == "delta") {
      auto lo = get("lo"), hi = get("hi");
      if (!lo || !hi) return Status::InvalidArgument("MySQL: malformed delta split");
      where = WindowPredicate(*lo, *hi, &params);
    } else {
      where = WindowPredicate(config_.window.start_s, config_.window.end_s, &params);
      if (mode == "key") {
        std::string key = QuoteIdent(GetString(*st, "key").value_or(""));
        if (auto lo = get("key_lo")) {
          where += " AND " + key + " >= ?";
          params.push_back(Param::Int(*lo));
        }
        if (auto hi = get("key_hi")) {
          where += " AND " + key + " < ?";
          params.push_back(Param::Int(*hi));
        }
      }
    }
    ASSIGN_OR_RETURN(MysqlPtr conn, Connect(params_));
    std::string sql = "SELECT " + SelectList(plans_) + " FROM " + table_.quoted + " WHERE " + where;
    auto reader =
        std::make_unique<MySqlReader>(std::move(conn), schema_, plans_, tz_, config_.batch_rows,
                                      &cancelled_, &counters_, params_.password);
    RETURN_IF_ERROR(reader->Start(sql, std::move(params),
                                  "reading " + table_.display() + " (" + split.description + ")"));
    return std::unique_ptr<SourceReader>(std::move(reader));
  }

 private:
  // `lo <= delta < hi` with bound parameters appended to `params`. The NULL-delta rows go with
  // the sub-range that starts the window when the window selects them (SelectsNullDelta,
  // nullDeltaPolicy include-in-first-window); never otherwise.
  std::string WindowPredicate(int64_t lo, int64_t hi, std::vector<Param>* params) const {
    if (!delta_) return "TRUE";
    std::string pred = RangePredicate(lo, hi, params);
    if (SelectsNullDelta(config_) && lo == config_.window.start_s) {
      return "((" + pred + ") OR " + delta_->quoted + " IS NULL)";
    }
    return pred;
  }

  // SELECT COUNT(*) with the window's predicate, values bound.
  Result<int64_t> CountWindow() override {
    if (!conn_) return Status::FailedPrecondition("MySQL: CountWindow before Open");
    std::vector<Param> params;
    std::string where = WindowPredicate(config_.window.start_s, config_.window.end_s, &params);
    ASSIGN_OR_RETURN(
        std::vector<Row> n,
        QueryRows(conn_.get(), "SELECT COUNT(*) FROM " + table_.quoted + " WHERE " + where,
                  std::move(params), "MySQL: counting the window of " + table_.display(),
                  params_.password));
    if (n.empty() || n[0].empty()) return Status::Internal("MySQL: COUNT(*) answered no row");
    return static_cast<int64_t>(std::atoll(n[0][0].value_or("0").c_str()));
  }

  // `lo <= delta < hi` on the column's own type, with bound parameters; never selects NULLs.
  std::string RangePredicate(int64_t lo, int64_t hi, std::vector<Param>* params) const {
    std::string pred;
    std::vector<Param> out;
    for (int side = 0; side < 2; ++side) {
      bool lower = side == 0;
      int64_t b = lower ? lo : hi;
      enum { kLit, kOpen, kNone } kind = kLit;
      Param p;
      auto range = [&](int64_t s, int64_t min_s, int64_t max_s) {
        if (s < min_s) kind = lower ? kOpen : kNone;
        if (s > max_s) kind = lower ? kNone : kOpen;
        return kind == kLit;
      };
      switch (delta_->kind) {
        case DeltaKind::kTimestamp:  // session time zone is UTC; TIMESTAMP covers 1970..2038
          if (range(b, 1, 2147483647)) {
            p.type = MYSQL_TYPE_DATETIME;
            p.time = ToMysqlTime(b, false);
          }
          break;
        case DeltaKind::kDateTime: {
          int64_t l = tz_.LocalBound(b);
          if (range(l, sql::kMinLiteralSeconds, sql::kMaxLiteralSeconds)) {
            p.type = MYSQL_TYPE_DATETIME;
            p.time = ToMysqlTime(l, false);
          }
          break;
        }
        case DeltaKind::kDate: {
          int64_t l = tz_.LocalBound(b);
          if (range(l, sql::kMinLiteralSeconds, sql::kMaxLiteralSeconds - 86400)) {
            p.type = MYSQL_TYPE_DATE;
            p.time = ToMysqlTime(int64_t{sql::CeilDay(l)} * 86400, true);
          }
          break;
        }
        case DeltaKind::kInteger: p = Param::Int(b); break;
        case DeltaKind::kText: {
          int64_t l = tz_.LocalBound(b);
          if (range(l, sql::kMinLiteralSeconds, sql::kMaxLiteralSeconds)) {
            p = Param::String(fmt_.Format(l));
          }
          break;
        }
      }
      if (kind == kNone) return "FALSE";
      if (kind == kOpen) continue;
      if (!pred.empty()) pred += " AND ";
      pred += delta_->quoted + (lower ? " >= ?" : " < ?");
      out.push_back(std::move(p));
    }
    if (pred.empty()) return delta_->quoted + " IS NOT NULL";
    for (auto& p : out) params->push_back(std::move(p));
    return pred;
  }

  SourceConfig config_;
  ConnectParams params_;
  TimeZone tz_;
  TextDateFormat fmt_;
  MysqlPtr conn_;
  MyTable table_;
  std::vector<ColumnPlan> plans_;
  std::shared_ptr<const Schema> schema_;
  std::optional<DeltaPlan> delta_;
};

std::string PathOf(const std::string& schema, const std::string& table) {
  auto part = [](const std::string& s) {
    if (s.find('.') == std::string::npos && s.find('`') == std::string::npos) return s;
    return QuoteIdent(s);
  };
  return part(schema) + "." + part(table);
}

class MySqlConnector : public Connector {
 public:
  std::string name() const override { return Spec().connector; }
  std::string spec_id() const override { return Spec().id; }
  const ConnectionSpec* spec() const override { return &Spec(); }

  Result<std::unique_ptr<Source>> NewSource(const SourceConfig& config) override {
    return std::unique_ptr<Source>(std::make_unique<MySqlSource>(config));
  }

  Status Test(const ConnectionConfig& config) override {
    ASSIGN_OR_RETURN(ConnectParams p, BuildConnectParams(config));
    ASSIGN_OR_RETURN(MysqlPtr m, Connect(p));
    if (mysql_query(m.get(), "SELECT 1") != 0) return ConnError(m.get(), "MySQL: test", p.password);
    if (MYSQL_RES* r = mysql_store_result(m.get())) mysql_free_result(r);
    return Status::OK();
  }

  Result<json::value> Explore(const ConnectionConfig& config, const std::string& object_type,
                              const std::string& object) override {
    ASSIGN_OR_RETURN(ConnectParams p, BuildConnectParams(config));
    ASSIGN_OR_RETURN(MysqlPtr m, Connect(p));
    if (object_type.empty() || object_type == "root") {
      ASSIGN_OR_RETURN(
          std::vector<Row> rows,
          QueryRows(m.get(),
                    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', "
                    "'performance_schema', 'sys') ORDER BY 1, 2",
                    {}, "MySQL: listing tables", p.password));
      json::array out;
      for (const Row& r : rows) {
        std::string path = PathOf(r[0].value_or(""), r[1].value_or(""));
        json::object t;
        t["type"] = "table";
        t["name"] = path;
        t["path"] = path;
        t["canPreview"] = true;
        t["canFetchSchema"] = true;
        t["meta"] = json::object{{"kind", r[2].value_or("") == "VIEW" ? "view" : "table"}};
        out.push_back(std::move(t));
      }
      return json::value(std::move(out));
    }
    if (object_type != "table") {
      return Status::InvalidArgument("MySQL: objectType must be root or table, not '" +
                                     object_type + "'");
    }
    if (object.empty()) return Status::InvalidArgument("MySQL: explore table needs object");
    ASSIGN_OR_RETURN(MyTable t, ResolveTable(m.get(), object, p.password));
    std::vector<ColumnPlan> plans;
    for (const auto& c : t.columns) plans.push_back(PlanColumn(c));
    json::array columns;
    for (const auto& pl : plans) {
      columns.push_back(sql::ExploreColumn(pl.field.name, pl.col.column_type, pl.field.type));
    }
    json::array data;
    if (!plans.empty()) {
      ASSIGN_OR_RETURN(TimeZone tz, TimeZone::Find(p.timezone));
      auto schema = SchemaOf(plans);
      MySqlReader reader(std::move(m), schema, plans, tz, kPreviewRows, nullptr, nullptr,
                         p.password);
      RETURN_IF_ERROR(reader.Start("SELECT " + SelectList(plans) + " FROM " + t.quoted + " LIMIT " +
                                       std::to_string(kPreviewRows),
                                   {}, "previewing " + t.display()));
      ASSIGN_OR_RETURN(RecordBatch b, reader.Next());
      data = sql::BatchRowsToJson(b, kPreviewRows);
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

std::unique_ptr<Connector> NewConnector() { return std::make_unique<MySqlConnector>(); }

}  // namespace fluxo::connectors::mysql
