#include "dataprep/json_rows.h"

namespace fluxo::dataprep {

namespace {

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
