#include "connectors/files/json_reader.h"

namespace fluxo::connectors::files {

bool JsonToCell(const json::value& v, const DataType& type, std::string* scratch, Cell* c) {
  c->null = false;
  if (v.is_null()) {
    c->null = true;
    return true;
  }
  if (const json::string* s = v.if_string()) {
    return ParseText(std::string_view(s->data(), s->size()), true, type, c) &&
           (type.id == TypeId::kString || !c->null || s->empty());
  }
  switch (type.id) {
    case TypeId::kString:
    case TypeId::kBinary:
      *scratch = json::serialize(v);
      c->s = *scratch;
      return true;
    case TypeId::kBoolean:
      if (!v.is_bool()) return false;
      c->i = v.get_bool();
      return true;
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t x;
      if (v.is_int64()) {
        x = v.get_int64();
      } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        x = static_cast<int64_t>(v.get_uint64());
      } else if (v.is_double() &&
                 v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double()))) {
        x = static_cast<int64_t>(v.get_double());
      } else {
        return false;
      }
      if (type.id == TypeId::kInt32 && (x < INT32_MIN || x > INT32_MAX)) return false;
      c->i = x;
      return true;
    }
    case TypeId::kFloat64:
      if (v.is_int64()) {
        c->d = static_cast<double>(v.get_int64());
      } else if (v.is_uint64()) {
        c->d = static_cast<double>(v.get_uint64());
      } else if (v.is_double()) {
        c->d = v.get_double();
      } else {
        return false;
      }
      return true;
    case TypeId::kDecimal:
      if (!v.is_number()) return false;
      *scratch = json::serialize(v);
      return ParseDecimal(*scratch, type.precision, type.scale, &c->dec);
    default: return false;  // dates and timestamps come as strings
  }
}

}  // namespace fluxo::connectors::files
