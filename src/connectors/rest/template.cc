#include "connectors/rest/template.h"

#include <cctype>

namespace fluxo::connectors::rest {
namespace {

bool PlaceholderChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

struct Token {
  size_t begin = 0;  // offset of '$' or the first '{'
  size_t end = 0;    // one past the closing '}'
  std::string name;
};

// The next placeholder at or after `from`; false when there is none.
Result<bool> NextPlaceholder(std::string_view text, size_t from, std::string_view where, Token* t) {
  for (size_t i = from; i + 1 < text.size(); ++i) {
    bool dollar = text[i] == '$' && text[i + 1] == '{';
    bool braces = text[i] == '{' && text[i + 1] == '{';
    if (!dollar && !braces) continue;
    size_t start = i + 2;
    std::string_view close = dollar ? "}" : "}}";
    size_t stop = text.find(close, start);
    if (stop == std::string_view::npos) {
      return Status::InvalidArgument(std::string(where) + ": unterminated placeholder at offset " +
                                     std::to_string(i));
    }
    std::string_view name = text.substr(start, stop - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) {
      return Status::InvalidArgument(std::string(where) + ": empty placeholder at offset " +
                                     std::to_string(i));
    }
    for (char c : name) {
      if (!PlaceholderChar(c)) {
        return Status::InvalidArgument(std::string(where) + ": placeholder at offset " +
                                       std::to_string(i) +
                                       " may hold only letters, digits, '_', '-' and '.'");
      }
    }
    t->begin = i;
    t->end = stop + close.size();
    t->name = std::string(name);
    return true;
  }
  return false;
}

}  // namespace

Result<std::vector<std::string>> Placeholders(std::string_view text, std::string_view where) {
  std::vector<std::string> names;
  Token t;
  size_t pos = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool found, NextPlaceholder(text, pos, where, &t));
    if (!found) break;
    names.push_back(t.name);
    pos = t.end;
  }
  return names;
}

Result<std::string> FillTemplate(std::string_view text, const PlaceholderLookup& lookup,
                                 std::string_view where) {
  std::string out;
  Token t;
  size_t pos = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool found, NextPlaceholder(text, pos, where, &t));
    if (!found) break;
    out.append(text.substr(pos, t.begin - pos));
    std::optional<std::string> v = lookup(t.name);
    if (!v) {
      return Status::InvalidArgument(std::string(where) + ": placeholder ${" + t.name +
                                     "} names no parameter");
    }
    out += *v;
    pos = t.end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace fluxo::connectors::rest
