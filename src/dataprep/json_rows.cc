#include "dataprep/json_rows.h"

#include <map>

namespace fluxo::dataprep {

namespace {

enum class Kind { kNone, kBool, kInt, kFloat, kString };

void Flatten(const json::object& o, const std::string& prefix,
             std::vector<std::pair<std::string, const json::value*>>* out) {
  for (const auto& kv : o) {
    std::string name = prefix + std::string(kv.key());
    if (kv.value().is_object()) {
      Flatten(kv.value().as_object(), name + ".", out);
    } else {
      out->push_back({name, &kv.value()});
    }
  }
}

Kind KindOf(const json::value& v) {
  if (v.is_bool()) return Kind::kBool;
  if (v.is_int64() || v.is_uint64()) return Kind::kInt;
  if (v.is_double()) return Kind::kFloat;
  return Kind::kString;
}

Kind Join(Kind a, Kind b) {
  if (a == Kind::kNone || a == b) return b;
  if ((a == Kind::kInt && b == Kind::kFloat) || (a == Kind::kFloat && b == Kind::kInt))
    return Kind::kFloat;
  return Kind::kString;
}

DataType TypeOf(Kind k) {
  switch (k) {
    case Kind::kBool: return DataType::Boolean();
    case Kind::kInt: return DataType::Int64();
    case Kind::kFloat: return DataType::Float64();
    default: return DataType::String();
  }
}

void AppendValue(ColumnBuilder& b, const json::value* v) {
  if (!v || v->is_null()) return b.AppendNull();
  switch (b.type().id) {
    case TypeId::kBoolean: return b.AppendBool(v->as_bool());
    case TypeId::kInt64:
      return b.AppendInt64(v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64()));
    case TypeId::kFloat64: return b.AppendDouble(v->to_number<double>());
    default: return b.AppendString(v->is_string() ? std::string(v->as_string()) : ToJson(*v));
  }
}

json::value CellJson(const Column& c, int64_t i) {
  if (c.IsNull(i)) return nullptr;
  if (c.type().list) {
    json::array items;
    for (int64_t j = c.offsets()[i]; j < c.offsets()[i + 1]; ++j)
      items.push_back(CellJson(c.elements(), j));
    return items;
  }
  switch (c.type().id) {
    case TypeId::kBoolean: return c.GetBool(i);
    case TypeId::kInt32: return c.Value<int32_t>(i);
    case TypeId::kInt64: return c.Value<int64_t>(i);
    case TypeId::kFloat64: return c.Value<double>(i);
    case TypeId::kDecimal: return std::stod(FormatDecimal(c.GetDecimal(i), c.type().scale));
    case TypeId::kDate: return json::value(FormatDate(c.Value<int32_t>(i)));
    case TypeId::kTimestamp: return json::value(FormatTimestamp(c.Value<int64_t>(i)));
    default: return json::value(std::string(c.GetString(i)));
  }
}

// Sets `path` (dotted) in `o` to `v`, creating the objects on the way.
void SetPath(json::object& o, const std::string& path, json::value v) {
  size_t dot = path.find('.');
  if (dot == std::string::npos) {
    o[path] = std::move(v);
    return;
  }
  json::value& child = o[path.substr(0, dot)];
  if (!child.is_object()) child = json::object();
  SetPath(child.as_object(), path.substr(dot + 1), std::move(v));
}

}  // namespace

Result<RecordBatch> RowsToBatch(const json::array& rows, size_t max_rows) {
  if (rows.size() > max_rows)
    return Status::InvalidArgument("at most " + std::to_string(max_rows) + " sample rows, not " +
                                   std::to_string(rows.size()));
  std::vector<std::vector<std::pair<std::string, const json::value*>>> flat(rows.size());
  std::vector<std::string> order;
  std::map<std::string, Kind> kinds;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_object())
      return Status::InvalidArgument("data[" + std::to_string(r) + "] must be an object");
    Flatten(rows[r].as_object(), "", &flat[r]);
    // {"a.b": 1, "a": {"b": 2}} names the field a.b twice: refused, never one of them dropped.
    std::map<std::string_view, int> seen;
    for (const auto& [name, v] : flat[r])
      if (++seen[name] == 2)
        return Status::InvalidArgument("data[" + std::to_string(r) + "] gives the field '" + name +
                                       "' twice (a nested member and a dotted name)");
    for (const auto& [name, v] : flat[r]) {
      auto [it, fresh] = kinds.emplace(name, Kind::kNone);
      if (fresh) order.push_back(name);
      if (!v->is_null()) it->second = Join(it->second, KindOf(*v));
    }
  }
  std::vector<Field> fields;
  for (const auto& name : order) fields.push_back({name, TypeOf(kinds[name]), true});
  auto schema = std::make_shared<const Schema>(std::move(fields));
  RecordBatchBuilder b(schema, static_cast<int64_t>(rows.size()));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::map<std::string, const json::value*> row(flat[r].begin(), flat[r].end());
    for (int f = 0; f < schema->num_fields(); ++f) {
      auto it = row.find(schema->field(f).name);
      AppendValue(b.column(f), it == row.end() ? nullptr : it->second);
    }
  }
  return b.Finish();
}

json::array BatchToRows(const RecordBatch& batch) {
  json::array out;
  for (int64_t i = 0; i < batch.num_rows(); ++i) {
    json::object o;
    for (int f = 0; f < batch.num_columns(); ++f)
      SetPath(o, batch.schema()->field(f).name, CellJson(batch.column(f), i));
    out.push_back(std::move(o));
  }
  return out;
}

std::string RowToJson(const RecordBatch& batch, int64_t row, size_t max_bytes) {
  json::object o;
  for (int f = 0; f < batch.num_columns(); ++f)
    o[batch.schema()->field(f).name] = CellJson(batch.column(f), row);
  std::string s = ToJson(o);
  if (s.size() > max_bytes) s.resize(max_bytes);
  return s;
}

}  // namespace fluxo::dataprep
