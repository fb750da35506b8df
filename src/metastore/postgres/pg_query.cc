#include "metastore/postgres/pg_query.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace fluxo::pgmeta {
namespace {

// '{a,b}' of segments [from, to) (checked by IsSafeFieldSegment).
std::string PathLiteral(const std::vector<std::string>& segs, size_t from, size_t to) {
  std::string p = "'{";
  for (size_t i = from; i < to; ++i) p += (i > from ? "," : "") + segs[i];
  return p + "}'";
}

// A JSON value reached by a path: its json expression and its text expression.
struct JsonRef {
  std::string json;
  std::string text;
};

JsonRef DocRef(const std::vector<std::string>& segs, size_t from, size_t to,
               const std::string& base) {
  std::string lit = PathLiteral(segs, from, to);
  return {"(" + base + " #> " + lit + ")", "(" + base + " #>> " + lit + ")"};
}

std::string Column(const std::string& path) {
  if (path == "createdAt") return "created_at";
  if (path == "updatedAt") return "updated_at";
  if (path == "id") return "id";
  return "";
}

bool IsNumber(const std::string& v) {
  if (v.empty()) return false;
  int64_t i = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
  if (ec == std::errc() && p == v.data() + v.size()) return true;
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size() && v.find_first_of("0123456789") != std::string::npos &&
         v.find_first_of("xXnN") == std::string::npos;  // no hex, inf, nan
}

bool CaseInsensitiveField(const std::string& path) {
  auto ends_with = [&](const std::string& suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with("status") || ends_with("state");
}

const char* OpSql(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return "=";
    case FilterOp::kNe: return "!=";
    case FilterOp::kGt: return ">";
    case FilterOp::kLt: return "<";
    case FilterOp::kGe: return ">=";
    case FilterOp::kLe: return "<=";
  }
  return "=";
}

// One value against a JSON reference. Never NULL for a present value (CASE ... ELSE false), so
// NOT(...) of kNe is exact.
std::string CompareJson(const JsonRef& ref, const Filter& f, const std::string& v,
                        SqlParams* params) {
  bool eq = f.op == FilterOp::kEq || f.op == FilterOp::kNe;
  const char* op = eq ? "=" : OpSql(f.op);
  std::string number = "CASE WHEN json_typeof(" + ref.json + ") = 'number' THEN " + ref.text +
                       "::numeric " + op + " ";
  if (eq) {
    if (IsNumber(v)) {
      return "(" + ref.text + " = " + params->Bind(v) + " OR " + number +
             params->Bind(v, "numeric") + " ELSE false END)";
    }
    if (CaseInsensitiveField(f.path)) {
      return "(lower(" + ref.text + ") = lower(" + params->Bind(v) + "))";
    }
    return "(" + ref.text + " = " + params->Bind(v) + ")";
  }
  if (IsNumber(v)) return "(" + number + params->Bind(v, "numeric") + " ELSE false END)";
  return "(" + ref.text + " COLLATE \"C\" " + op + " " + params->Bind(v) + ")";
}

std::string CompareColumn(const std::string& col, const Filter& f, const std::string& v,
                          SqlParams* params) {
  bool eq = f.op == FilterOp::kEq || f.op == FilterOp::kNe;
  const char* op = eq ? "=" : OpSql(f.op);
  if (col != "id" && IsNumber(v)) {
    return "(" + col + " " + op + " " + params->Bind(v, "numeric") + ")";
  }
  return "(" + col + "::text COLLATE \"C\" " + op + " " + params->Bind(v) + ")";
}

// `values` ORed, kNe as "absent or none of them".
template <typename One>
std::string AnyOf(const Filter& f, const std::string& null_check, One one) {
  std::string out;
  for (size_t i = 0; i < f.values.size(); ++i) out += (i ? " OR " : "") + one(f.values[i]);
  out = "(" + out + ")";
  if (f.op == FilterOp::kNe) out = "(" + null_check + " IS NULL OR NOT " + out + ")";
  return out;
}

Result<std::string> FilterSql(const Filter& f, SqlParams* params) {
  std::vector<std::string> segs = SplitFieldPath(f.path);
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string& s = segs[i];
    if (static_cast<int>(i) == f.array_segment && s.size() > 2 &&
        s.compare(s.size() - 2, 2, "[]") == 0) {
      s.resize(s.size() - 2);
    }
    if (!IsSafeFieldSegment(s)) {
      return Status::InvalidArgument("property path '" + f.path + "' is not a valid field path");
    }
  }
  if (f.array_segment >= 0 && f.array_segment < static_cast<int>(segs.size())) {
    size_t a = static_cast<size_t>(f.array_segment);
    JsonRef arr = DocRef(segs, 0, a + 1, "doc");
    JsonRef elem = a + 1 == segs.size() ? JsonRef{"je.value", "(je.value #>> '{}')"}
                                        : DocRef(segs, a + 1, segs.size(), "je.value");
    Filter eq = f;
    if (f.op == FilterOp::kNe) eq.op = FilterOp::kEq;
    std::string cond =
        AnyOf(eq, "", [&](const std::string& v) { return CompareJson(elem, eq, v, params); });
    std::string exists = "EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(" +
                         arr.json + ") = 'array' THEN " + arr.json + " END) AS je(value) WHERE " +
                         cond + ")";
    return f.op == FilterOp::kNe ? "NOT " + exists : exists;
  }
  std::string col = Column(f.path);
  if (!col.empty()) {
    return AnyOf(f, col, [&](const std::string& v) { return CompareColumn(col, f, v, params); });
  }
  JsonRef ref = DocRef(segs, 0, segs.size(), "doc");
  return AnyOf(f, ref.text, [&](const std::string& v) { return CompareJson(ref, f, v, params); });
}

}  // namespace

std::string SqlParams::Bind(std::string value, const char* cast) {
  values_.push_back(std::move(value));
  return "$" + std::to_string(values_.size()) + "::" + cast;
}

Result<std::string> WhereSql(const std::string& kind, const std::string* org,
                             const std::string* sandbox, const ListQuery& q, SqlParams* params) {
  // `kind` is embedded (a fixed set chosen by the server, never request text) so that the
  // planner can use the partial indexes; it is still checked.
  if (!IsSafeFieldSegment(kind)) return Status::Internal("bad entity kind " + kind);
  std::string where = "kind = '" + kind + "'";
  if (org && sandbox) {
    where += " AND org = " + params->Bind(*org) + " AND sandbox = " + params->Bind(*sandbox);
  }
  for (const auto& f : q.filters) {
    ASSIGN_OR_RETURN(std::string clause, FilterSql(f, params));
    where += " AND " + clause;
  }
  return where;
}

Result<OrderKeys> OrderKeysFor(const std::string& field) {
  OrderKeys k;
  std::string col = Column(field);
  if (!col.empty()) {
    k.exprs = {col};
    return k;
  }
  auto segs = SplitFieldPath(field);
  for (const auto& s : segs) {
    if (!IsSafeFieldSegment(s))
      return Status::InvalidArgument("orderby '" + field + "' is not a field");
  }
  JsonRef ref = DocRef(segs, 0, segs.size(), "doc");
  std::string is_num = "json_typeof(" + ref.json + ") = 'number'";
  k.is_document = true;
  k.exprs = {
      "(CASE WHEN " + is_num + " THEN 0 ELSE 1 END)",
      "(CASE WHEN " + is_num + " THEN " + ref.text + "::numeric ELSE 0 END)",
      "(CASE WHEN " + is_num + " THEN '' ELSE COALESCE(" + ref.text + ", '') END COLLATE \"C\")"};
  return k;
}

Result<std::string> KeysetSql(const OrderKeys& keys, const ListQuery& q, SqlParams* params) {
  if (!q.after_sort_value || !q.after_id) return std::string();
  const std::string& v = *q.after_sort_value;
  if (v.size() < 2 || v[1] != ':') return Status::InvalidArgument("bad continuation position");
  std::string rest = v.substr(2);
  std::vector<std::string> bound;
  if (!keys.is_document) {
    if (keys.exprs[0] == "id") {
      bound = {params->Bind(rest)};
    } else {
      if (v[0] != 'i' || !IsNumber(rest)) {
        return Status::InvalidArgument("bad continuation position");
      }
      bound = {params->Bind(rest, "bigint")};
    }
  } else if (v[0] == 'n' && IsNumber(rest)) {
    bound = {params->Bind("0", "int"), params->Bind(rest, "numeric"), params->Bind("")};
  } else if (v[0] == 's') {
    bound = {params->Bind("1", "int"), params->Bind("0", "numeric"), params->Bind(rest)};
  } else {
    return Status::InvalidArgument("bad continuation position");
  }
  std::string lhs, rhs;
  for (size_t i = 0; i < keys.exprs.size(); ++i) {
    lhs += keys.exprs[i] + ", ";
    rhs += bound[i] + (keys.is_document && i == 2 ? " COLLATE \"C\"" : "") + ", ";
  }
  lhs += "id";
  rhs += params->Bind(*q.after_id);
  return "(" + lhs + ") " + (q.order_desc ? "<" : ">") + " (" + rhs + ")";
}

std::string EncodeSortValue(const OrderKeys& keys, const std::vector<std::string>& key_text) {
  if (!keys.is_document) return (keys.exprs[0] == "id" ? "s:" : "i:") + key_text[0];
  if (key_text[0] == "0") return "n:" + key_text[1];
  return "s:" + key_text[2];
}

}  // namespace fluxo::pgmeta
