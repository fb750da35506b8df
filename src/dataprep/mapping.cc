#include "dataprep/mapping.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace fluxo::dataprep {

std::string MappingIssue::ToString() const {
  std::string s = index >= 0 ? "mappings[" + std::to_string(index) + "]" : "mappings";
  if (!field.empty()) s += "." + field;
  s += ": ";
  if (column > 0) s += "column " + std::to_string(column) + ": ";
  s += message;
  if (!expression.empty()) s += " (in \"" + expression + "\")";
  return s;
}

json::object MappingIssue::ToJson() const {
  json::object o{{"message", ToString()}};
  if (index >= 0) o["mappingIndex"] = index;
  if (!field.empty()) o["field"] = field;
  if (!expression.empty()) o["expression"] = expression;
  if (column > 0) o["column"] = column;
  o["reason"] = message;
  return o;
}

namespace {

Status Refuse(MappingIssue* issue, MappingIssue i) {
  *issue = std::move(i);
  return Status::InvalidArgument(issue->ToString());
}

// A destination: dotted identifier segments. Answers the 1-based column of the first bad
// character, or 0 when the path is well formed.
int BadPathColumn(const std::string& d) {
  if (d.empty()) return 1;
  bool seg_start = true;
  for (size_t i = 0; i < d.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(d[i]);
    if (c == '.') {
      if (seg_start) return static_cast<int>(i) + 1;
      seg_start = true;
      continue;
    }
    bool ok = std::isalpha(c) || c == '_' || (!seg_start && std::isdigit(c));
    if (!ok) return static_cast<int>(i) + 1;
    seg_start = false;
  }
  return seg_start ? static_cast<int>(d.size()) : 0;
}

}  // namespace

Result<std::vector<Mapping>> ParseMappings(const json::value* mappings, MappingIssue* issue) {
  if (!mappings || !mappings->is_array())
    return Refuse(issue, {-1, "", "", 0, "mappings is required: an array of mappings"});
  std::vector<Mapping> out;
  int index = 0;
  for (const auto& v : mappings->as_array()) {
    if (!v.is_object()) return Refuse(issue, {index, "", "", 0, "a mapping must be an object"});
    const json::object& o = v.as_object();
    Mapping m;
    for (auto [key, dst] : {std::pair{"sourceType", &m.source_type},
                            {"source", &m.source},
                            {"destination", &m.destination},
                            {"destinationType", &m.destination_type},
                            {"name", &m.name},
                            {"description", &m.description}}) {
      const json::value* f = o.if_contains(key);
      if (!f || f->is_null()) continue;
      if (!f->is_string()) return Refuse(issue, {index, key, "", 0, "must be a string"});
      *dst = std::string(f->as_string());
    }
    // AEP's older shape: {"sourceAttribute", "destinationXdmPath"} (an attribute by default).
    for (auto [key, dst] :
         {std::pair{"sourceAttribute", &m.source}, {"destinationXdmPath", &m.destination}}) {
      const json::value* f = o.if_contains(key);
      if (!f || f->is_null() || !dst->empty()) continue;
      if (!f->is_string()) return Refuse(issue, {index, key, "", 0, "must be a string"});
      *dst = std::string(f->as_string());
      if (m.source_type.empty() && std::string_view(key) == "sourceAttribute")
        m.source_type = "ATTRIBUTE";
    }
    out.push_back(std::move(m));
    ++index;
  }
  return out;
}

json::array MappingsToJson(const std::vector<Mapping>& mappings) {
  json::array a;
  for (const auto& m : mappings) {
    json::object o{
        {"sourceType", m.source_type}, {"source", m.source}, {"destination", m.destination}};
    if (!m.destination_type.empty()) o["destinationType"] = m.destination_type;
    if (!m.name.empty()) o["name"] = m.name;
    if (!m.description.empty()) o["description"] = m.description;
    a.push_back(std::move(o));
  }
  return a;
}

std::vector<MappingIssue> ValidateMappings(const std::vector<Mapping>& mappings) {
  std::vector<MappingIssue> issues;
  if (mappings.empty())
    issues.push_back({-1, "", "", 0, "a mapping set needs at least one mapping"});
  FieldResolver any = [](const std::string&) { return VType::kAny; };
  std::set<std::string> seen;
  for (size_t k = 0; k < mappings.size(); ++k) {
    const Mapping& m = mappings[k];
    int i = static_cast<int>(k);
    if (m.source_type != "ATTRIBUTE" && m.source_type != "EXPRESSION") {
      issues.push_back(
          {i, "sourceType", m.source_type, 0, "sourceType must be ATTRIBUTE or EXPRESSION"});
    } else if (m.source.empty()) {
      issues.push_back({i, "source", "", 0, "source is required"});
    } else if (m.source_type == "EXPRESSION") {
      ExprError err;
      if (!Expression::Compile(m.source, any, &err).ok())
        issues.push_back({i, "source", m.source, err.column, err.message});
    }
    if (!m.destination_type.empty() && !IsDestinationType(m.destination_type)) {
      issues.push_back({i, "destinationType", m.destination_type, 0,
                        "destinationType must be string, integer, number, boolean, date, "
                        "date-time or array<T> (T string, integer, number or boolean)"});
    }
    if (int col = BadPathColumn(m.destination)) {
      issues.push_back({i, "destination", m.destination, col,
                        m.destination.empty() ? "destination is required"
                                              : "destination must be a dotted path of "
                                                "identifiers ([A-Za-z_][A-Za-z0-9_]* segments)"});
    } else if (!seen.insert(m.destination).second) {
      issues.push_back({i, "destination", m.destination, 0, "destination is mapped twice"});
    }
  }
  // "a" and "a.b" cannot both be destinations: a is then an object.
  for (size_t k = 0; k < mappings.size(); ++k) {
    const std::string& d = mappings[k].destination;
    for (const auto& other : seen) {
      if (other.size() > d.size() && other.compare(0, d.size(), d) == 0 && other[d.size()] == '.') {
        issues.push_back({static_cast<int>(k), "destination", d, 0,
                          "destination is also the parent of " + other});
        break;
      }
    }
  }
  return issues;
}

std::vector<std::string> SourceFields(const std::vector<Mapping>& mappings) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& f) {
    if (seen.insert(f).second) out.push_back(f);
  };
  FieldResolver any = [](const std::string&) { return VType::kAny; };
  for (const Mapping& m : mappings) {
    if (m.source_type == "ATTRIBUTE") {
      add(m.source);
    } else if (m.source_type == "EXPRESSION") {
      ExprError err;
      auto e = Expression::Compile(m.source, any, &err);
      if (e.ok()) {
        for (const std::string& f : (*e)->fields()) add(f);
      }
    }
  }
  return out;
}

namespace {

// The item type of an array<T> destinationType ("" for any other text).
std::string ArrayItems(const std::string& t) {
  if (t.size() < 8 || t.rfind("array<", 0) != 0 || t.back() != '>') return "";
  std::string items = t.substr(6, t.size() - 7);
  bool primitive =
      items == "string" || items == "integer" || items == "number" || items == "boolean";
  return primitive ? items : "";
}

DataType ListTypeOf(const std::string& items) {
  if (items == "integer") return DataType::List(DataType::Int64());
  if (items == "number") return DataType::List(DataType::Float64());
  if (items == "boolean") return DataType::List(DataType::Boolean());
  return DataType::List(DataType::String());
}

bool ItemFits(const json::value& v, TypeId t) {
  switch (t) {
    case TypeId::kInt64: return v.is_int64() || (v.is_uint64() && v.as_uint64() <= INT64_MAX);
    case TypeId::kFloat64: return v.is_number();
    case TypeId::kBoolean: return v.is_bool();
    default: return v.is_string();
  }
}

void AppendItem(ColumnBuilder& b, const json::value& v) {
  if (v.is_null()) return b.AppendNull();
  switch (b.type().id) {
    case TypeId::kInt64:
      return b.AppendInt64(v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64()));
    case TypeId::kFloat64: return b.AppendDouble(v.to_number<double>());
    case TypeId::kBoolean: return b.AppendBool(v.as_bool());
    default: return b.AppendString(v.as_string());
  }
}

std::string Excerpt(std::string_view s) {
  return std::string(s.substr(0, 60)) + (s.size() > 60 ? "..." : "");
}

// The JSON arrays held by the strings of `text` as a column of `list_type`; a string that is
// not a JSON array of the item type (or nulls) fails its row (and is a null list).
Column ParseJsonArrays(const Column& text, DataType list_type, EvalContext& ctx) {
  const TypeId item = list_type.id;
  ColumnBuilder b(list_type, text.length());
  for (int64_t i = 0; i < text.length(); ++i) {
    if (text.IsNull(i)) {
      b.AppendNull();
      continue;
    }
    std::string_view s = text.GetString(i);
    boost::system::error_code ec;
    json::value v = json::parse(s, ec);
    const char* why = ec || !v.is_array() ? "is not a JSON array" : nullptr;
    if (!why) {
      for (const json::value& e : v.as_array()) {
        if (!e.is_null() && !ItemFits(e, item)) why = "has an item that is not of the array's type";
      }
    }
    if (why) {
      ctx.Fail(i, "array<" +
                      std::string(item == TypeId::kInt64     ? "integer"
                                  : item == TypeId::kFloat64 ? "number"
                                  : item == TypeId::kBoolean ? "boolean"
                                                             : "string") +
                      ">: '" + Excerpt(s) + "' " + why);
      b.AppendNull();
      continue;
    }
    for (const json::value& e : v.as_array()) AppendItem(b.elements(), e);
    b.AppendList();
  }
  return b.Finish();
}

VType DestinationVType(const std::string& t) {
  if (t == "integer") return VType::kInt;
  if (t == "number") return VType::kFloat;
  if (t == "boolean") return VType::kBool;
  if (t == "date") return VType::kDate;
  if (t == "date-time") return VType::kTimestamp;
  return VType::kString;
}

// `name` with AEP's escapes undone (`\.` a dot inside a key, `\\` a backslash) when it holds
// no unescaped dot (one key); nullopt otherwise.
std::optional<std::string> OneKey(const std::string& name) {
  std::string key;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == '\\')) {
      key += name[++i];
    } else if (name[i] == '.') {
      return std::nullopt;
    } else {
      key += name[i];
    }
  }
  return key;
}

// The input field an ATTRIBUTE source names: a field of that name (a member column of a nested
// source included, connectors/files), else the field its escapes name ("Full\.Name": the
// column "Full.Name"); -1 when none.
int SourceFieldIndex(const Schema& input, const std::string& source) {
  int f = input.FieldIndex(source);
  if (f >= 0 || source.find('\\') == std::string::npos) return f;
  std::optional<std::string> key = OneKey(source);
  return key ? input.FieldIndex(*key) : -1;
}

std::string NoSourceField(const Schema& input, const std::string& source) {
  std::string why = "the source has no field '" + source + "'";
  const size_t dot = source.find('.');
  if (dot != std::string::npos && dot > 0 && source[dot - 1] != '\\' &&
      input.FieldIndex(source.substr(0, dot)) >= 0) {
    why += " (no sampled record has a value at that member path of '" + source.substr(0, dot) +
           "', or the source has no nested records)";
  }
  return why;
}

const char* CastFunction(VType t) {
  switch (t) {
    case VType::kInt: return "to_integer";
    case VType::kFloat: return "to_float";
    case VType::kBool: return "to_boolean";
    case VType::kDate: return "to_date";
    case VType::kTimestamp: return "date";
    default: return "to_string";
  }
}

// The expression of `m` cast to its destinationType, or nullptr when it needs no cast (the
// source already has that type). `source_type`: the type the mapping answers without a cast.
Result<std::shared_ptr<const Expression>> WithCast(const Mapping& m, VType source_type,
                                                   const Schema& input, int index,
                                                   MappingIssue* issue) {
  if (m.destination_type.empty()) return std::shared_ptr<const Expression>();
  VType want = DestinationVType(m.destination_type);
  if (source_type == want) return std::shared_ptr<const Expression>();
  std::string inner = m.source_type == "ATTRIBUTE" ? "${" + m.source + "}" : m.source;
  ExprError err;
  auto e = Expression::Compile(std::string(CastFunction(want)) + "(" + inner + ")", input, &err);
  if (e.ok()) return e;
  return Refuse(issue, {index, "destinationType", m.destination_type, 0,
                        std::string("a ") + VTypeName(source_type) + " cannot be cast to " +
                            m.destination_type});
}

}  // namespace

bool IsDestinationType(const std::string& t) {
  return t == "string" || t == "integer" || t == "number" || t == "boolean" || t == "date" ||
         t == "date-time" || !ArrayItems(t).empty();
}

Result<std::shared_ptr<const MappingProgram>> MappingProgram::Bind(
    const std::vector<Mapping>& mappings, std::shared_ptr<const Schema> input,
    MappingIssue* issue) {
  std::vector<MappingIssue> problems = ValidateMappings(mappings);
  if (!problems.empty()) return Refuse(issue, problems.front());
  std::shared_ptr<MappingProgram> p(new MappingProgram());
  std::vector<Field> out;
  std::vector<int> uses(input->num_fields(), 0);  // ATTRIBUTE mappings passing each field
  for (size_t k = 0; k < mappings.size(); ++k) {
    const Mapping& m = mappings[k];
    Step s;
    s.label = "mappings[" + std::to_string(k) + "] (destination " + m.destination + ")";
    int i = static_cast<int>(k);
    const std::string items = ArrayItems(m.destination_type);
    VType answers;
    if (m.source_type == "ATTRIBUTE") {
      s.source_field = SourceFieldIndex(*input, m.source);
      if (s.source_field < 0)
        return Refuse(issue, {i, "source", m.source, 0, NoSourceField(*input, m.source)});
      answers = FromDataType(input->field(s.source_field).type);
    } else {
      ExprError err;
      auto e = Expression::Compile(m.source, *input, &err);
      if (!e.ok()) return Refuse(issue, {i, "source", m.source, err.column, err.message});
      s.expr = *e;
      answers = s.expr->type();
    }
    if (!items.empty()) {  // array<T>: parsed from the JSON text the mapping answers
      if (answers != VType::kString && answers != VType::kNull)
        return Refuse(issue, {i, "destinationType", m.destination_type, 0,
                              std::string("a ") + VTypeName(answers) + " cannot be cast to " +
                                  m.destination_type + " (give the array as JSON text)"});
      s.to_list = true;
      s.list_type = ListTypeOf(items);
      out.push_back({m.destination, s.list_type, true});
    } else if (auto cast = WithCast(m, answers, *input, i, issue); !cast.ok()) {
      return cast.status();
    } else if (*cast) {
      s.expr = *cast;
      out.push_back({m.destination, ToDataType(s.expr->type()), true});
    } else if (s.expr) {
      out.push_back({m.destination, ToDataType(s.expr->type()), true});
    } else {
      s.pass = true;
      ++uses[s.source_field];
      out.push_back({m.destination, input->field(s.source_field).type, true});
    }
    p->steps_.push_back(std::move(s));
  }
  for (Step& s : p->steps_) s.share = s.pass && uses[s.source_field] > 1;
  p->input_ = std::move(input);
  p->output_ = std::make_shared<const Schema>(std::move(out), /*nested=*/true);
  return std::shared_ptr<const MappingProgram>(std::move(p));
}

RecordBatch MappingProgram::Apply(RecordBatch batch, EvalContext& ctx, int64_t now_micros,
                                  const RowFailureFn& failed) const {
  int64_t n = batch.num_rows();
  ctx.Reset(n, now_micros);
  std::vector<std::optional<Column>> cols(steps_.size());
  for (size_t k = 0; k < steps_.size(); ++k) {  // expressions first: they read the input
    if (!steps_[k].expr) continue;
    ctx.set_label(steps_[k].label);
    cols[k] = steps_[k].expr->Evaluate(batch, ctx);
  }
  for (size_t k = 0; k < steps_.size(); ++k) {
    if (!steps_[k].to_list) continue;
    ctx.set_label(steps_[k].label);
    const Column& text = cols[k] ? *cols[k] : batch.column(steps_[k].source_field);
    cols[k] = ParseJsonArrays(text, steps_[k].list_type, ctx);
  }
  std::vector<uint8_t> keep;
  if (ctx.failed_count() > 0) {  // reported while the input is whole
    keep.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      keep[i] = !ctx.failed(i);
      if (!keep[i]) failed(batch, i, ctx.message(i));
    }
  }
  // Passed fields are moved into the output; a field passed by several mappings is shared by
  // them (one column, read by each: no copy).
  std::vector<Column> input = std::move(batch).TakeColumns();
  std::vector<std::shared_ptr<const Column>> shared(input.size());
  for (size_t k = 0; k < steps_.size(); ++k) {
    const Step& s = steps_[k];
    if (!s.pass) continue;
    if (!s.share) {
      cols[k] = std::move(input[s.source_field]);
      continue;
    }
    auto& owner = shared[s.source_field];
    if (!owner) owner = std::make_shared<const Column>(std::move(input[s.source_field]));
    cols[k] = Column::Share(owner);
  }
  std::vector<Column> out;
  out.reserve(cols.size());
  if (ctx.failed_count() == 0) {
    for (auto& c : cols) out.push_back(std::move(*c));
    return RecordBatch(output_, std::move(out), n);
  }
  for (auto& c : cols) out.push_back(CopyRows(*c, &keep));
  return RecordBatch(output_, std::move(out), n - ctx.failed_count());
}

namespace {

// Appends value i of `c` (valid, of b's type) to `b`.
void AppendCell(ColumnBuilder& b, const Column& c, int64_t i) {
  if (c.type().list) {
    const int64_t* o = c.offsets();
    for (int64_t j = o[i]; j < o[i + 1]; ++j) {
      if (c.elements().IsNull(j)) {
        b.elements().AppendNull();
      } else {
        AppendCell(b.elements(), c.elements(), j);
      }
    }
    return b.AppendList();
  }
  switch (c.type().id) {
    case TypeId::kBoolean: return b.AppendBool(c.GetBool(i));
    case TypeId::kInt32:
    case TypeId::kDate: return b.AppendInt32(c.Value<int32_t>(i));
    case TypeId::kInt64:
    case TypeId::kTimestamp: return b.AppendInt64(c.Value<int64_t>(i));
    case TypeId::kFloat64: return b.AppendDouble(c.Value<double>(i));
    case TypeId::kDecimal: return b.AppendDecimal(c.GetDecimal(i));
    case TypeId::kString:
    case TypeId::kBinary: return b.AppendString(c.GetString(i));
  }
}

}  // namespace

Column CopyRows(const Column& c, const std::vector<uint8_t>* keep) {
  ColumnBuilder b(c.type(), c.length());
  for (int64_t i = 0; i < c.length(); ++i) {
    if (keep && !(*keep)[i]) continue;
    if (c.IsNull(i)) {
      b.AppendNull();
    } else {
      AppendCell(b, c, i);
    }
  }
  return b.Finish();
}

}  // namespace fluxo::dataprep
