#include "connectors/rest/json_path.h"

#include <cctype>

namespace fluxo::connectors::rest {
namespace {

Status BadPath(std::string_view text, size_t at, std::string_view why) {
  return Status::InvalidArgument("JSONPath '" + std::string(text.substr(0, 200)) +
                                 "': " + std::string(why) + " at offset " + std::to_string(at));
}

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath p;
  p.text_ = std::string(text);
  if (text.empty() || text[0] != '$') return BadPath(text, 0, "must start with '$'");
  size_t i = 1;
  bool wildcard = false;
  while (i < text.size()) {
    if (wildcard) return BadPath(text, i, "'*' must be the last step");
    if (text[i] == '.') {
      ++i;
      if (i < text.size() && text[i] == '.') return BadPath(text, i, "recursive descent '..'");
      if (i < text.size() && text[i] == '*') {
        wildcard = true;
        ++i;
        continue;
      }
      size_t start = i;
      while (i < text.size() && NameChar(text[i])) ++i;
      if (i == start) return BadPath(text, i, "a name is expected");
      p.steps_.push_back({false, std::string(text.substr(start, i - start)), 0});
    } else if (text[i] == '[') {
      ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        char q = text[i++];
        size_t start = i;
        while (i < text.size() && text[i] != q) ++i;
        if (i >= text.size()) return BadPath(text, start, "unterminated quoted name");
        p.steps_.push_back({false, std::string(text.substr(start, i - start)), 0});
        ++i;
      } else if (i < text.size() && text[i] == '*') {
        wildcard = true;
        ++i;
      } else {
        size_t start = i;
        size_t n = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
          if (n > 100000000) return BadPath(text, start, "index too large");
          n = n * 10 + static_cast<size_t>(text[i] - '0');
          ++i;
        }
        if (i == start) return BadPath(text, i, "an index, a quoted name or '*' is expected");
        p.steps_.push_back({true, "", n});
      }
      if (i >= text.size() || text[i] != ']') return BadPath(text, i, "']' is expected");
      ++i;
    } else {
      return BadPath(text, i, "'.' or '[' is expected");
    }
  }
  return p;
}

const json::value* JsonPath::Find(const json::value& root) const {
  const json::value* v = &root;
  for (const Step& s : steps_) {
    if (s.is_index) {
      const json::array* a = v->if_array();
      if (a == nullptr || s.index >= a->size()) return nullptr;
      v = &(*a)[s.index];
    } else {
      const json::object* o = v->if_object();
      if (o == nullptr) return nullptr;
      v = o->if_contains(s.name);
      if (v == nullptr) return nullptr;
    }
  }
  return v;
}

std::string JsonPath::LastName() const {
  if (steps_.empty() || steps_.back().is_index) return "";
  return steps_.back().name;
}

}  // namespace fluxo::connectors::rest
