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
// with the type every value seen for it fits. Values that are not objects are ignored.
class JsonFieldsInference {
 public:
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
  }
  std::vector<Field> Fields() const {
    std::vector<Field> fields;
    for (const std::string& n : names_) fields.push_back({n, inf_.at(n).Result(), true});
    return fields;
  }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, JsonInference> inf_;
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

std::vector<Field> InferJsonObjectFields(const std::vector<json::value>& records) {
  JsonFieldsInference inf;
  for (const json::value& v : records) inf.Offer(v);
  return inf.Fields();
}

Result<std::optional<std::vector<Field>>> InferJsonFields(ReaderContext* src,
                                                          const std::string& name,
                                                          std::unique_ptr<ByteStream> in) {
  JsonFileReader r(src, name, std::move(in));
  JsonFieldsInference inf;
  json::value v;
  std::string error;
  for (int n = 0; n < kSampleRows; ++n) {
    ASSIGN_OR_RETURN(bool got, r.NextParsed(&v, &error));
    if (!got) break;
    if (error.empty()) inf.Offer(v);
  }
  std::vector<Field> fields = inf.Fields();
  if (fields.empty()) return std::optional<std::vector<Field>>();
  return std::optional<std::vector<Field>>(std::move(fields));
}

}  // namespace fluxo::connectors::files
