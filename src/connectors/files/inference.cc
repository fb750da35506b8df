#include "connectors/files/inference.h"

#include <unordered_map>

#include "connectors/files/csv_reader.h"
#include "connectors/files/json_reader.h"

namespace fluxo::connectors::files {
namespace {

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

// The fields of JSON objects offered one at a time: keys in order of first appearance, each
// with the type every value seen for it fits; then the member columns asked for (member_paths
// that are paths into nested objects), in the order asked, typed the same way, when a sampled
// record has a value there. Values that are not objects are ignored.
class JsonFieldsInference {
 public:
  explicit JsonFieldsInference(const std::vector<std::string>& member_paths = {}) {
    for (const std::string& p : member_paths) {
      MemberPath keys = MemberKeys(p);
      if (IsTopLevelKey(keys, p)) continue;  // a top-level key: a field anyway
      bool dup = false;
      for (const Member& m : members_) dup |= m.name == p;
      if (!dup) members_.push_back({p, std::move(keys), false, {}});
    }
  }
  void Offer(const json::value& v) {
    if (!v.is_object()) return;
    for (const auto& kv : v.get_object()) {
      std::string key(kv.key());
      auto it = inf_.find(key);
      if (it == inf_.end()) {
        names_.push_back(key);
        it = inf_.emplace(std::move(key), JsonInference{}).first;
      }
      it->second.Offer(kv.value());
    }
    for (Member& m : members_) {
      if (const json::value* x = FindMember(v.get_object(), m.keys)) {
        m.seen = true;
        m.inf.Offer(*x);
      }
    }
  }
  // InvalidArgument when a member path is also a key of the records (`where` names them).
  Result<JsonColumns> Columns(const std::string& where) const {
    JsonColumns c;
    for (const std::string& n : names_) {
      c.fields.push_back({n, inf_.at(n).Result(), true});
      c.keys.push_back({{n, -1}});
    }
    for (const Member& m : members_) {
      if (!m.seen) continue;
      if (inf_.count(m.name)) {
        std::string escaped;
        for (char ch : m.name) {
          if (ch == '.' || ch == '\\') escaped += '\\';
          escaped += ch;
        }
        return Status::InvalidArgument(
            "source field " + Quote(m.name) + " is ambiguous in " + where +
            ": the records have a key of that name and a value at that member path (name the "
            "key as " +
            Quote(escaped) + ")");
      }
      c.fields.push_back({m.name, m.inf.Result(), true});
      c.keys.push_back(m.keys);
    }
    return c;
  }
  bool empty() const { return names_.empty(); }

 private:
  struct Member {
    std::string name;
    MemberPath keys;
    bool seen;
    JsonInference inf;
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, JsonInference> inf_;
  std::vector<Member> members_;
};

}  // namespace

Result<std::optional<std::vector<Field>>> InferDelimitedFields(ReaderContext* src,
                                                               const std::string& name,
                                                               std::unique_ptr<ByteStream> in) {
  CsvFileReader r(src, name, std::move(in));
  Schema none;
  RETURN_IF_ERROR(r.Init(none));
  if (r.header().empty()) return std::optional<std::vector<Field>>();
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
  for (size_t i = 0; i < inf.size(); ++i) fields.push_back({r.header()[i], inf[i].Result(), true});
  return std::optional<std::vector<Field>>(std::move(fields));
}

Result<JsonColumns> InferJsonObjectColumns(const std::vector<json::value>& records,
                                           const std::vector<std::string>& member_paths,
                                           const std::string& where) {
  JsonFieldsInference inf(member_paths);
  for (const json::value& v : records) inf.Offer(v);
  return inf.Columns(where);
}

std::vector<Field> InferJsonObjectFields(const std::vector<json::value>& records) {
  JsonFieldsInference inf;
  for (const json::value& v : records) inf.Offer(v);
  return std::move(inf.Columns("").value().fields);
}

Result<RecordBatch> JsonRecordsToBatch(const std::vector<json::value>& records,
                                       const std::vector<std::string>& member_paths,
                                       const std::string& where, const BadRecordFn& bad,
                                       std::vector<size_t>* rows) {
  ASSIGN_OR_RETURN(JsonColumns c, InferJsonObjectColumns(records, member_paths, where));
  auto schema = std::make_shared<const Schema>(std::move(c.fields));
  const int n = schema->num_fields();
  std::vector<Cell> cells(n);
  std::vector<std::string> scratch(n);
  RecordBatchBuilder b(schema, static_cast<int64_t>(records.size()));
  rows->clear();
  std::string why;
  for (size_t i = 0; i < records.size(); ++i) {
    const json::object* o = records[i].if_object();
    if (o == nullptr) {
      bad(i, kMalformed, "the record is not a JSON object");
      continue;
    }
    if (!JsonObjectCells(*o, *schema, &c.keys, cells.data(), scratch.data(), &why)) {
      bad(i, kBadValue, why);
      continue;
    }
    for (int j = 0; j < n; ++j) AppendCell(b.column(j), cells[j]);
    rows->push_back(i);
  }
  return b.Finish();
}

Result<std::optional<JsonColumns>> InferJsonColumns(ReaderContext* src, const std::string& name,
                                                    std::unique_ptr<ByteStream> in,
                                                    const std::vector<std::string>& member_paths) {
  JsonFileReader r(src, name, std::move(in));
  JsonFieldsInference inf(member_paths);
  json::value v;
  std::string error;
  for (int n = 0; n < kSampleRows; ++n) {
    ASSIGN_OR_RETURN(bool got, r.NextParsed(&v, &error));
    if (!got) break;
    if (error.empty()) inf.Offer(v);
  }
  if (inf.empty()) return std::optional<JsonColumns>();
  ASSIGN_OR_RETURN(JsonColumns c, inf.Columns("the first records of " + Quote(name)));
  return std::optional<JsonColumns>(std::move(c));
}

Result<std::optional<std::vector<Field>>> InferJsonFields(ReaderContext* src,
                                                          const std::string& name,
                                                          std::unique_ptr<ByteStream> in) {
  ASSIGN_OR_RETURN(std::optional<JsonColumns> c, InferJsonColumns(src, name, std::move(in), {}));
  if (!c) return std::optional<std::vector<Field>>();
  return std::optional<std::vector<Field>>(std::move(c->fields));
}

}  // namespace fluxo::connectors::files
