#include "base/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cstdlib>
#include <set>
#include <vector>

#include "base/numeric.h"

namespace fluxo {

namespace {

// A basic_parser handler that builds nothing: it keeps, per open object, the keys seen so far,
// and stops at the first repeated one (`duplicate` is then its dotted path).
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  using ec_t = boost::system::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return Push(false); }
  bool on_array_end(std::size_t, ec_t&) { return Pop(); }
  bool on_object_begin(ec_t&) { return Push(true); }
  bool on_object_end(std::size_t, ec_t&) { return Pop(); }
  bool on_string_part(json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(json::string_view, std::size_t, ec_t&) { return Value(); }
  bool on_key_part(json::string_view s, std::size_t, ec_t&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, ec_t& ec) {
    key_.append(s.data(), s.size());
    Frame& f = frames_.back();
    if (!f.keys.insert(key_).second) {
      duplicate = Path() + key_;
      ec = json::error::syntax;
      return false;
    }
    f.key = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view, ec_t&) { return true; }
  bool on_int64(int64_t, json::string_view, ec_t&) { return Value(); }
  bool on_uint64(uint64_t, json::string_view, ec_t&) { return Value(); }
  bool on_double(double, json::string_view, ec_t&) { return Value(); }
  bool on_bool(bool, ec_t&) { return Value(); }
  bool on_null(ec_t&) { return Value(); }
  bool on_comment_part(json::string_view, ec_t&) { return true; }
  bool on_comment(json::string_view, ec_t&) { return true; }

  std::string duplicate;

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;   // the current member's key (objects)
    size_t index = 0;  // the current element's index (arrays)
  };
  // The dotted path of the current position's parent members ("auth.params.", "items[2].").
  std::string Path() const {
    std::string out;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      out += f.object ? f.key : "[" + std::to_string(f.index) + "]";
      if (frames_[i + 1].object) out += ".";
    }
    return out;
  }
  bool Push(bool object) {
    frames_.push_back(Frame{object, {}, {}, 0});
    return true;
  }
  bool Pop() {
    frames_.pop_back();
    return Value();
  }
  bool Value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  std::vector<Frame> frames_;
  std::string key_;
};

}  // namespace

Result<json::value> ParseJsonNoDuplicateKeys(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 64;
  json::basic_parser<DuplicateKeyFinder> p(opts);
  boost::system::error_code ec;
  p.write_some(false, text.data(), text.size(), ec);
  if (!p.handler().duplicate.empty()) {
    return Status::InvalidArgument("duplicate key \"" + p.handler().duplicate + "\"");
  }
  return ParseJson(text);
}

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
    if (!IsInt64Integral(d)) return std::nullopt;
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
