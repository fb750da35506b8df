#include "connectors/files/json_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/numeric.h"

namespace fluxo::connectors::files {

bool DoubleAsDecimalText(double d, std::string* out) {
  char buf[400];  // the longest fixed form of a finite double has 309 integer digits
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  if (r.ec != std::errc()) return false;
  out->assign(buf, static_cast<size_t>(r.ptr - buf));
  return true;
}

namespace {

// A segment "key", "key[0]" or "key[0][1]" (escapes already undone) into `out`.
void AppendSegment(const std::string& seg, MemberPath* out) {
  size_t end = seg.size();
  std::vector<int64_t> indexes;
  while (end > 0 && seg[end - 1] == ']') {
    const size_t open = seg.rfind('[', end - 1);
    if (open == std::string::npos || open + 1 == end - 1 || end - 1 - open > 18) break;
    int64_t i = 0;
    bool digits = true;
    for (size_t k = open + 1; k < end - 1; ++k) {
      digits &= seg[k] >= '0' && seg[k] <= '9';
      if (digits) i = i * 10 + (seg[k] - '0');
    }
    if (!digits) break;
    indexes.insert(indexes.begin(), i);
    end = open;
  }
  if (end == 0) {  // "[0]" alone: a key as written
    indexes.clear();
    end = seg.size();
  }
  out->push_back({seg.substr(0, end), -1});
  for (int64_t i : indexes) out->push_back({"", i});
}

}  // namespace

MemberPath MemberKeys(std::string_view name) {
  std::vector<std::string> segs(1);
  std::vector<bool> escaped(1, false);  // a segment with an escape is a key as written
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '\\' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == '\\')) {
      segs.back() += name[++i];
      escaped.back() = true;
    } else if (c == '.') {
      segs.emplace_back();
      escaped.push_back(false);
    } else {
      segs.back() += c;
    }
  }
  MemberPath path;
  for (size_t k = 0; k < segs.size(); ++k) {
    if (segs[k].empty()) return {{std::string(name), -1}};
    if (escaped[k]) {
      path.push_back({segs[k], -1});
    } else {
      AppendSegment(segs[k], &path);
    }
  }
  return path;
}

bool IsTopLevelKey(const MemberPath& path, std::string_view name) {
  return path.size() == 1 && path[0].index < 0 && path[0].key == name;
}

const json::value* FindMember(const json::object& record, const MemberPath& path) {
  const json::value* v = nullptr;
  for (size_t k = 0; k < path.size(); ++k) {
    const MemberStep& s = path[k];
    if (s.index >= 0) {
      const json::array* a = v ? v->if_array() : nullptr;
      if (a == nullptr || static_cast<uint64_t>(s.index) >= a->size()) return nullptr;
      v = &(*a)[static_cast<size_t>(s.index)];
      continue;
    }
    const json::object* o = k == 0 ? &record : (v ? v->if_object() : nullptr);
    if (o == nullptr) return nullptr;
    v = o->if_contains(s.key);
    if (v == nullptr) return nullptr;
  }
  return v;
}

bool JsonObjectCells(const json::object& record, const Schema& schema,
                     const std::vector<MemberPath>* paths, Cell* cells, std::string* scratch,
                     std::string* error) {
  const int n = schema.num_fields();
  for (int j = 0; j < n; ++j) {
    const Field& f = schema.field(j);
    const json::value* v = paths ? FindMember(record, (*paths)[j]) : record.if_contains(f.name);
    Cell& c = cells[j];
    if (v == nullptr) {
      c.null = true;
      continue;
    }
    if (!JsonToCell(*v, f.type, &scratch[j], &c)) {
      *error = "field " + Quote(f.name) + ": " + ShortValue(json::serialize(*v)) +
               " is not a valid " + f.type.ToString();
      return false;
    }
  }
  return true;
}

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
      } else if (v.is_double() && IsInt64Integral(v.get_double())) {
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
      if (v.is_double()) {
        if (!DoubleAsDecimalText(v.get_double(), scratch)) return false;
      } else {
        *scratch = json::serialize(v);
      }
      return ParseDecimal(*scratch, type.precision, type.scale, &c->dec);
    default: return false;  // dates and timestamps come as strings
  }
}

}  // namespace fluxo::connectors::files

// ---- JsonFastParser ----

namespace fluxo::connectors::files {

namespace {

constexpr int kMaxSkipDepth = 16;  // Boost.JSON's default limit is 32 (with the record object)

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline const char* SkipWs(const char* p, const char* e) {
  while (p < e && IsWs(*p)) ++p;
  return p;
}

inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
inline bool Hex4(const char* p, const char* e, uint32_t* out) {
  if (e - p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = HexDigit(p[i]);
    if (d < 0) return false;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}
inline void AppendUtf8(std::string* s, uint32_t cp) {
  if (cp < 0x80) {
    s->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The first byte at or after p that is '"', '\\' or a control character (< 0x20), or e.
inline const char* FindStringStop(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i bslash = _mm_set1_epi8('\\');
  const __m128i ctl = _mm_set1_epi8(0x1F);
  while (e - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                     _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));  // v <= 0x1F unsigned
    const int m = _mm_movemask_epi8(hit);
    if (m != 0) return p + __builtin_ctz(static_cast<unsigned>(m));
    p += 16;
  }
#endif
  while (p < e && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return p;
}

// A JSON string whose opening quote is at p[-1]. Returns the byte after the closing quote and
// the decoded content in *out (a view of the input when there is no escape, else of *buf), or
// nullptr for what Boost.JSON refuses (a control character, a bad escape, a lone surrogate, no
// closing quote). REQUIRES: the input is valid UTF-8 (so is the decoded string).
const char* ScanString(const char* p, const char* e, std::string_view* out, std::string* buf) {
  const char* s = p;
  p = FindStringStop(p, e);
  if (p < e && *p == '"') {
    *out = std::string_view(s, static_cast<size_t>(p - s));
    return p + 1;
  }
  buf->assign(s, static_cast<size_t>(p - s));
  while (p < e) {
    const char c = *p;
    if (c == '"') {
      *out = *buf;
      return p + 1;
    }
    if (static_cast<unsigned char>(c) < 0x20) return nullptr;
    if (c != '\\') {
      const char* q = FindStringStop(p, e);
      buf->append(p, static_cast<size_t>(q - p));
      p = q;
      continue;
    }
    if (++p >= e) return nullptr;
    switch (*p++) {
      case '"': buf->push_back('"'); break;
      case '\\': buf->push_back('\\'); break;
      case '/': buf->push_back('/'); break;
      case 'b': buf->push_back('\b'); break;
      case 'f': buf->push_back('\f'); break;
      case 'n': buf->push_back('\n'); break;
      case 'r': buf->push_back('\r'); break;
      case 't': buf->push_back('\t'); break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(p, e, &cp)) return nullptr;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !Hex4(p + 2, e, &lo) || lo < 0xDC00 ||
              lo > 0xDFFF) {
            return nullptr;
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return nullptr;
        }
        AppendUtf8(buf, cp);
        break;
      }
      default: return nullptr;
    }
  }
  return nullptr;
}

// A JSON number token at p: [-](0|[1-9][0-9]*)[.[0-9]+][(e|E)[+-][0-9]+].
struct NumberToken {
  const char* end = nullptr;  // nullptr: not a number
  bool neg = false, frac = false, exp = false;
  int digits = 0;       // digits before the exponent
  int frac_digits = 0;  // of them, after the point
  uint64_t mant = 0;    // the digits as an integer (meaningful when digits <= 18)
};
NumberToken ScanNumber(const char* p, const char* e) {
  NumberToken t;
  if (p < e && *p == '-') {
    t.neg = true;
    ++p;
  }
  if (p >= e) return t;
  if (*p == '0') {
    ++p;
    t.digits = 1;
  } else if (*p >= '1' && *p <= '9') {
    while (p < e && *p >= '0' && *p <= '9') {
      t.mant = t.mant * 10 + static_cast<uint64_t>(*p - '0');
      ++t.digits;
      ++p;
    }
  } else {
    return t;
  }
  if (p < e && *p == '.') {
    ++p;
    const char* f = p;
    while (p < e && *p >= '0' && *p <= '9') {
      t.mant = t.mant * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
    }
    t.frac = true;
    t.frac_digits = static_cast<int>(p - f);
    t.digits += t.frac_digits;
    if (t.frac_digits == 0) return t;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < e && (*p == '+' || *p == '-')) ++p;
    const char* x = p;
    while (p < e && *p >= '0' && *p <= '9') ++p;
    // Boost.JSON refuses exponents past INT_MAX (exponent_overflow); 8 digits never reach it.
    if (p == x || p - x > 8) return t;
    t.exp = true;
  }
  t.end = p;
  return t;
}

inline bool Literal(const char* p, const char* e, const char* lit, size_t n) {
  return static_cast<size_t>(e - p) >= n && std::memcmp(p, lit, n) == 0;
}

// Whether Boost.JSON gives a number token the same value wherever it stands: its double
// conversion of longer mantissas and of exponents depends on how many bytes follow (its fast
// path needs 33), so a value parsed alone may differ from the same value inside the record.
inline bool PlainNumber(const NumberToken& t) { return !t.exp && t.digits <= (t.frac ? 15 : 18); }

// Skips one JSON value at p, validating it as Boost.JSON would (nullptr: refused, or nested
// deeper than kMaxSkipDepth). `buf` receives decoded strings; *plain turns false at a number
// that is not PlainNumber.
const char* SkipValue(const char* p, const char* e, int depth, std::string* buf, bool* plain) {
  if (p >= e) return nullptr;
  std::string_view s;
  switch (*p) {
    case '"': return ScanString(p + 1, e, &s, buf);
    case 't': return Literal(p, e, "true", 4) ? p + 4 : nullptr;
    case 'f': return Literal(p, e, "false", 5) ? p + 5 : nullptr;
    case 'n': return Literal(p, e, "null", 4) ? p + 4 : nullptr;
    case '{': {
      if (depth >= kMaxSkipDepth) return nullptr;
      p = SkipWs(p + 1, e);
      if (p < e && *p == '}') return p + 1;
      while (true) {
        if (p >= e || *p != '"') return nullptr;
        p = ScanString(p + 1, e, &s, buf);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, e);
        if (p >= e || *p != ':') return nullptr;
        p = SkipValue(SkipWs(p + 1, e), e, depth + 1, buf, plain);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, e);
        if (p >= e) return nullptr;
        if (*p == '}') return p + 1;
        if (*p != ',') return nullptr;
        p = SkipWs(p + 1, e);
      }
    }
    case '[': {
      if (depth >= kMaxSkipDepth) return nullptr;
      p = SkipWs(p + 1, e);
      if (p < e && *p == ']') return p + 1;
      while (true) {
        p = SkipValue(p, e, depth + 1, buf, plain);
        if (p == nullptr) return nullptr;
        p = SkipWs(p, e);
        if (p >= e) return nullptr;
        if (*p == ']') return p + 1;
        if (*p != ',') return nullptr;
        p = SkipWs(p + 1, e);
      }
    }
    default: {
      const NumberToken t = ScanNumber(p, e);
      if (!PlainNumber(t)) *plain = false;
      return t.end;
    }
  }
}

constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

}  // namespace

void JsonFastParser::Init(const Schema& schema, const std::vector<MemberPath>* keys) {
  schema_ = &schema;
  const int n = schema.num_fields();
  names_.clear();
  tops_.clear();
  index_.clear();
  nodes_.assign(1, Node{});  // nodes_[0]: the record
  enabled_ = true;
  static const MemberPath kNone;
  for (int j = 0; j < n; ++j) {
    // The keys are views: of the schema's names, or of `keys` (both outlive the parser).
    const MemberPath& path = keys ? (*keys)[j] : kNone;
    const size_t steps = keys ? path.size() : 1;
    if (steps == 0 || (keys && path[0].index >= 0)) {
      enabled_ = false;
      continue;
    }
    int node = 0;
    for (size_t d = 0; d < steps; ++d) {
      const int64_t index = keys ? path[d].index : -1;
      const std::string_view key =
          keys ? std::string_view(path[d].key) : std::string_view(schema.field(j).name);
      int next = -1;
      if (d == 0) {
        auto it = index_.find(key);
        if (it != index_.end()) next = tops_[it->second];
      } else {
        next = index >= 0 ? Item(node, index) : Kid(node, key);
      }
      if (next < 0) {
        next = static_cast<int>(nodes_.size());
        nodes_.emplace_back();
        if (d == 0) {
          index_.emplace(key, static_cast<int>(names_.size()));
          names_.push_back(key);
          tops_.push_back(next);
        } else if (index >= 0) {
          nodes_[node].items.emplace_back(index, next);
        } else {
          nodes_[node].kids.emplace_back(key, next);
        }
      }
      node = next;
    }
    if (nodes_[node].field >= 0) enabled_ = false;  // a field given twice
    nodes_[node].field = j;
  }
  seen_.assign(nodes_.size(), 0);
  gen_ = 0;
}

int JsonFastParser::Find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? -1 : it->second;
}

int JsonFastParser::Kid(int node, std::string_view key) const {
  for (const auto& [k, kid] : nodes_[node].kids) {
    if (k == key) return kid;
  }
  return -1;
}

int JsonFastParser::Item(int node, int64_t index) const {
  for (const auto& [i, kid] : nodes_[node].items) {
    if (i == index) return kid;
  }
  return -1;
}

const char* JsonFastParser::Value(const char* p, const char* e, int node, int depth, Cell* cells,
                                  std::string* scratch) {
  const Node& nd = nodes_[node];
  const char* end = nullptr;
  if (nd.field >= 0) {
    end = Field(p, e, nd.field, &cells[nd.field], &scratch[nd.field], depth);
    if (end == nullptr || (nd.kids.empty() && nd.items.empty())) return end;
  }
  if ((*p == '{' && !nd.kids.empty()) || (*p == '[' && !nd.items.empty())) {
    const char* q = *p == '{' ? Members(p, e, node, depth, cells, scratch)
                              : Elements(p, e, node, depth, cells, scratch);
    return q != nullptr && end != nullptr && q != end ? nullptr : q;
  }
  // Not an object (or an array) with steps below: those stay null (FindMember).
  if (end != nullptr) return end;
  bool plain = true;  // the value is not kept
  return SkipValue(p, e, depth, &skip_, &plain);
}

// The elements of the array at p that lead to fields; others are skipped (validated).
const char* JsonFastParser::Elements(const char* p, const char* e, int node, int depth, Cell* cells,
                                     std::string* scratch) {
  if (depth >= kMaxSkipDepth) return nullptr;
  p = SkipWs(p + 1, e);
  if (p < e && *p == ']') return p + 1;
  for (int64_t i = 0;; ++i) {
    if (p >= e) return nullptr;
    const int kid = Item(node, i);
    if (kid >= 0) {
      p = Value(p, e, kid, depth + 1, cells, scratch);
    } else {
      bool plain = true;
      p = SkipValue(p, e, depth + 1, &skip_, &plain);
    }
    if (p == nullptr) return nullptr;
    p = SkipWs(p, e);
    if (p >= e) return nullptr;
    if (*p == ']') return p + 1;
    if (*p != ',') return nullptr;
    p = SkipWs(p + 1, e);
  }
}

// The members of the object at p that lead to fields; others are skipped (validated).
const char* JsonFastParser::Members(const char* p, const char* e, int node, int depth, Cell* cells,
                                    std::string* scratch) {
  if (depth >= kMaxSkipDepth) return nullptr;
  p = SkipWs(p + 1, e);
  if (p < e && *p == '}') return p + 1;
  while (true) {
    if (p >= e || *p != '"') return nullptr;
    std::string_view key;
    p = ScanString(p + 1, e, &key, &key_);
    if (p == nullptr) return nullptr;
    p = SkipWs(p, e);
    if (p >= e || *p != ':') return nullptr;
    p = SkipWs(p + 1, e);
    if (p >= e) return nullptr;
    const int kid = Kid(node, key);
    if (kid >= 0) {
      if (seen_[kid] == gen_) return nullptr;  // given twice: the DOM path decides
      seen_[kid] = gen_;
      p = Value(p, e, kid, depth + 1, cells, scratch);
    } else {
      bool plain = true;
      p = SkipValue(p, e, depth + 1, &skip_, &plain);
    }
    if (p == nullptr) return nullptr;
    p = SkipWs(p, e);
    if (p >= e) return nullptr;
    if (*p == '}') return p + 1;
    if (*p != ',') return nullptr;
    p = SkipWs(p + 1, e);
  }
}

// The value of field j at p into *c; the byte after it, or nullptr for "not decided here".
const char* JsonFastParser::Field(const char* p, const char* e, int j, Cell* c,
                                  std::string* scratch, int depth) {
  const DataType& type = schema_->field(j).type;
  const bool text_type = type.id == TypeId::kString || type.id == TypeId::kBinary;
  c->null = false;
  switch (*p) {
    case '"': {
      std::string_view s;
      p = ScanString(p + 1, e, &s, scratch);
      // JsonToCell: a string parsed as text of the type (quoted); a failure is a row error.
      if (p == nullptr || !ParseText(s, true, type, c)) return nullptr;
      return p;
    }
    case 'n':
      if (!Literal(p, e, "null", 4)) return nullptr;
      c->null = true;
      return p + 4;
    case 't':
    case 'f': {
      const bool v = *p == 't';
      const size_t n = v ? 4 : 5;
      if (!Literal(p, e, v ? "true" : "false", n)) return nullptr;
      if (type.id == TypeId::kBoolean) {
        c->i = v;
      } else if (text_type) {
        c->s = v ? "true" : "false";  // json::serialize of a bool
      } else {
        return nullptr;
      }
      return p + n;
    }
    case '{':
    case '[': {
      if (!text_type) return nullptr;
      bool plain = true;
      const char* end = SkipValue(p, e, depth, &skip_, &plain);
      if (end == nullptr || !plain) return nullptr;
      // JsonToCell serializes the value; parsed alone it is the same value (plain numbers).
      boost::system::error_code ec;
      json::value v = json::parse(std::string_view(p, static_cast<size_t>(end - p)), ec);
      if (ec) return nullptr;
      *scratch = json::serialize(v);
      c->s = *scratch;
      return end;
    }
    default: break;
  }
  const NumberToken t = ScanNumber(p, e);
  if (t.end == nullptr || !PlainNumber(t)) return nullptr;
  const std::string_view token(p, static_cast<size_t>(t.end - p));
  if (!t.frac) {
    // An integer: Boost.JSON's int64 (uint64 or double past that range: not decided here).
    if (t.neg && t.mant == 0) return nullptr;  // -0 is int64 0
    const int64_t v = t.neg ? -static_cast<int64_t>(t.mant) : static_cast<int64_t>(t.mant);
    switch (type.id) {
      case TypeId::kInt64: c->i = v; break;
      case TypeId::kInt32:
        if (v < INT32_MIN || v > INT32_MAX) return nullptr;
        c->i = v;
        break;
      case TypeId::kFloat64: c->d = static_cast<double>(v); break;
      case TypeId::kString:
      case TypeId::kBinary: c->s = token; break;  // json::serialize of an int64: its digits
      case TypeId::kDecimal:
        if (!ParseDecimal(token, type.precision, type.scale, &c->dec)) return nullptr;
        break;
      default: return nullptr;
    }
    return t.end;
  }
  // A fraction with at most 15 digits: Boost.JSON's double is then mant / 10^frac_digits
  // (detail::dec_to_float; both exact, one rounding), whatever digits follow.
  double d = static_cast<double>(t.mant);
  if (t.neg) d = -d;
  d /= kPow10[t.frac_digits];
  switch (type.id) {
    case TypeId::kFloat64: c->d = d; break;
    case TypeId::kString:
    case TypeId::kBinary:
      *scratch = json::serialize(json::value(d));
      c->s = *scratch;
      break;
    case TypeId::kDecimal:
      if (!DoubleAsDecimalText(d, scratch) ||
          !ParseDecimal(*scratch, type.precision, type.scale, &c->dec)) {
        return nullptr;
      }
      break;
    default: return nullptr;  // integral doubles in integer columns: the DOM path
  }
  return t.end;
}

bool JsonFastParser::Parse(std::string_view text, Cell* cells, std::string* scratch) {
  if (!enabled_) return false;
  const int n = schema_->num_fields();
  const int tops = static_cast<int>(names_.size());
  if (++gen_ == 0) {
    std::fill(seen_.begin(), seen_.end(), 0);
    gen_ = 1;
  }
  for (int j = 0; j < n; ++j) cells[j].null = true;
  const char* p = SkipWs(text.data(), text.data() + text.size());
  const char* e = text.data() + text.size();
  if (p >= e || *p != '{') return false;
  p = SkipWs(p + 1, e);
  if (p < e && *p == '}') return SkipWs(p + 1, e) == e;
  int guess = 0;  // keys usually come in the schema's order
  while (true) {
    if (p >= e || *p != '"') return false;
    std::string_view key;
    p = ScanString(p + 1, e, &key, &key_);
    if (p == nullptr) return false;
    p = SkipWs(p, e);
    if (p >= e || *p != ':') return false;
    p = SkipWs(p + 1, e);
    if (p >= e) return false;
    const int k = guess < tops && names_[guess] == key ? guess : Find(key);
    if (k >= 0) {
      const int node = tops_[k];
      if (seen_[node] == gen_) return false;  // given twice: the last one wins, on the DOM path
      seen_[node] = gen_;
      guess = k + 1;
      p = Value(p, e, node, 1, cells, scratch);
    } else {
      bool plain = true;  // the value is not kept
      p = SkipValue(p, e, 1, &skip_, &plain);
    }
    if (p == nullptr) return false;
    p = SkipWs(p, e);
    if (p >= e) return false;
    if (*p == '}') return SkipWs(p + 1, e) == e;
    if (*p != ',') return false;
    p = SkipWs(p + 1, e);
  }
}

}  // namespace fluxo::connectors::files
