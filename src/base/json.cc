#include "base/json.h"

#include <charconv>
#include <cstdlib>

namespace fluxo {

Result<json::value> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return Status::InvalidArgument("malformed JSON: " + ec.message());
  return v;
}

std::string ToJson(const json::value& v) { return json::serialize(v); }

std::optional<int64_t> AsInt64Lenient(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_double()) {
    double d = v.as_double();
    if (d != static_cast<double>(static_cast<int64_t>(d))) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    const auto& s = v.as_string();
    if (s.empty()) return std::nullopt;
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::optional<bool> AsBoolLenient(const json::value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) {
    std::string s(v.as_string());
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<double> AsDoubleLenient(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_string()) {
    std::string s(v.as_string());
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return d;
  }
  return std::nullopt;
}

std::optional<std::string> GetString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

const json::value* FindPath(const json::object& root, std::string_view dotted) {
  size_t dot = dotted.find('.');
  auto it = root.find(dotted.substr(0, dot));
  if (it == root.end()) return nullptr;
  if (dot == std::string_view::npos) return &it->value();
  return FindPath(it->value(), dotted.substr(dot + 1));
}

const json::value* FindPath(const json::value& root, std::string_view dotted) {
  const json::value* cur = &root;
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->as_object().find(part);
    if (it == cur->as_object().end()) return nullptr;
    cur = &it->value();
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur;
}

}  // namespace fluxo
