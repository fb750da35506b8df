#include "model/connection_string.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "model/secrets.h"

namespace fluxo {
namespace {

constexpr size_t kMaxKeyInMessage = 64;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string KeyForMessage(std::string_view key) {
  return "'" + std::string(key.substr(0, kMaxKeyInMessage)) + "'";
}

// One key=value entry with the byte range [value_begin, value_end) of its raw value text
// (quotes and braces included).
struct Entry {
  std::string key;    // as written, trimmed
  std::string value;  // unescaped
  size_t value_begin = 0;
  size_t value_end = 0;
};

// Length of "scheme://" at the start of `s`, or 0.
size_t UriPrefixLength(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return 0;
  size_t i = 1;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '+' ||
                          s[i] == '-' || s[i] == '.')) {
    ++i;
  }
  if (s.substr(i, 3) != "://") return 0;
  return i + 3;
}

// Reads a quoted or braced value starting at s[pos] (the opening character). On success sets
// `value` and returns the position just past the closing character.
Result<size_t> ReadEnclosed(std::string_view s, size_t pos, std::string_view key,
                            std::string* value) {
  const char open = s[pos];
  const char close = open == '{' ? '}' : open;
  size_t i = pos + 1;
  while (true) {
    if (i >= s.size()) {
      return Status::InvalidArgument(std::string("unterminated ") +
                                     (open == '{' ? "'{'" : "quote") + " in the value of key " +
                                     KeyForMessage(key) + " at offset " + std::to_string(pos));
    }
    if (s[i] == close) {
      if (i + 1 < s.size() && s[i + 1] == close) {  // doubled: a literal
        value->push_back(close);
        i += 2;
        continue;
      }
      return i + 1;
    }
    value->push_back(s[i++]);
  }
}

Result<std::vector<Entry>> TokenizeKeyValue(std::string_view s) {
  std::vector<Entry> out;
  size_t pos = 0;
  const size_t n = s.size();
  while (pos < n) {
    while (pos < n && IsSpace(s[pos])) ++pos;
    if (pos >= n) break;
    if (s[pos] == ';') {
      ++pos;
      continue;
    }
    const size_t key_begin = pos;
    size_t eq = pos;
    while (eq < n && s[eq] != '=' && s[eq] != ';') ++eq;
    if (eq >= n || s[eq] != '=') {
      return Status::InvalidArgument("the segment at offset " + std::to_string(key_begin) +
                                     " has no '=' (expected Key=Value pairs separated by ';')");
    }
    Entry e;
    e.key = std::string(Trim(s.substr(key_begin, eq - key_begin)));
    if (e.key.empty()) {
      return Status::InvalidArgument("empty key at offset " + std::to_string(key_begin));
    }
    pos = eq + 1;
    while (pos < n && s[pos] != ';' && IsSpace(s[pos])) ++pos;
    e.value_begin = pos;
    if (pos < n && (s[pos] == '{' || s[pos] == '\'' || s[pos] == '"')) {
      ASSIGN_OR_RETURN(size_t end, ReadEnclosed(s, pos, e.key, &e.value));
      e.value_end = end;
      pos = end;
      while (pos < n && IsSpace(s[pos])) ++pos;
      if (pos < n && s[pos] != ';') {
        return Status::InvalidArgument("unexpected text after the quoted value of key " +
                                       KeyForMessage(e.key) + " at offset " + std::to_string(pos));
      }
    } else {
      size_t end = pos;
      while (end < n && s[end] != ';') ++end;
      std::string_view raw = s.substr(pos, end - pos);
      std::string_view trimmed = Trim(raw);
      e.value = std::string(trimmed);
      e.value_end = pos + trimmed.size();
      pos = end;
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Entry>> TokenizeKeywords(std::string_view s) {
  std::vector<Entry> out;
  size_t pos = 0;
  const size_t n = s.size();
  while (true) {
    while (pos < n && IsSpace(s[pos])) ++pos;
    if (pos >= n) break;
    const size_t key_begin = pos;
    while (pos < n && s[pos] != '=' && !IsSpace(s[pos])) ++pos;
    Entry e;
    e.key = std::string(s.substr(key_begin, pos - key_begin));
    if (e.key.empty()) {
      return Status::InvalidArgument("empty key at offset " + std::to_string(key_begin));
    }
    while (pos < n && IsSpace(s[pos])) ++pos;
    if (pos >= n || s[pos] != '=') {
      return Status::InvalidArgument("missing '=' after key " + KeyForMessage(e.key) +
                                     " at offset " + std::to_string(key_begin));
    }
    ++pos;
    while (pos < n && IsSpace(s[pos])) ++pos;
    e.value_begin = pos;
    if (pos < n && s[pos] == '\'') {
      ++pos;
      bool closed = false;
      while (pos < n) {
        if (s[pos] == '\\' && pos + 1 < n) {
          e.value.push_back(s[pos + 1]);
          pos += 2;
        } else if (s[pos] == '\'') {
          ++pos;
          closed = true;
          break;
        } else {
          e.value.push_back(s[pos++]);
        }
      }
      if (!closed) {
        return Status::InvalidArgument("unterminated quote in the value of key " +
                                       KeyForMessage(e.key) + " at offset " +
                                       std::to_string(e.value_begin));
      }
    } else {
      while (pos < n && !IsSpace(s[pos])) {
        if (s[pos] == '\\' && pos + 1 < n) {
          e.value.push_back(s[pos + 1]);
          pos += 2;
        } else {
          e.value.push_back(s[pos++]);
        }
      }
    }
    e.value_end = pos;
    out.push_back(std::move(e));
  }
  return out;
}

struct Span {
  size_t begin;
  size_t end;
};

std::string ReplaceSpans(std::string_view s, std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  size_t pos = 0;
  for (const Span& sp : spans) {
    if (sp.begin < pos) continue;  // overlapping: already masked
    out.append(s.substr(pos, sp.begin - pos));
    out.append(kMaskedValue);
    pos = sp.end;
  }
  out.append(s.substr(std::min(pos, s.size())));
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// Where the user info of a URI ends: the last '@' after the scheme, or npos.
size_t UriUserInfoEnd(std::string_view s, size_t authority_begin) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos || at < authority_begin) return std::string_view::npos;
  return at;
}

// Spans of the URI's secrets: the password of the user info and password-like query values.
std::vector<Span> UriSecretSpans(std::string_view s) {
  std::vector<Span> spans;
  const size_t authority = UriPrefixLength(s);
  const size_t at = UriUserInfoEnd(s, authority);
  size_t host_begin = authority;
  if (at != std::string_view::npos) {
    size_t colon = s.find(':', authority);
    if (colon != std::string_view::npos && colon < at) spans.push_back({colon + 1, at});
    host_begin = at + 1;
  }
  size_t q = s.find('?', host_begin);
  if (q == std::string_view::npos) return spans;
  size_t end = s.find('#', q);
  if (end == std::string_view::npos) end = s.size();
  size_t pos = q + 1;
  while (pos < end) {
    size_t amp = s.find('&', pos);
    if (amp == std::string_view::npos || amp > end) amp = end;
    size_t eq = s.find('=', pos);
    if (eq != std::string_view::npos && eq < amp &&
        IsSecretKeyName(PercentDecode(s.substr(pos, eq - pos)))) {
      spans.push_back({eq + 1, amp});
    }
    pos = amp + 1;
  }
  return spans;
}

// True for a character that may follow a masked value: a separator, a quote or white space.
bool EndsMaskedValue(char c) {
  return c == ';' || c == '&' || c == '\'' || c == '"' || c == '}' || c == ')' || c == ',' ||
         IsSpace(c);
}

// True when `masked`, scanned as text, shows a password-like key followed by '=' and anything
// but the mask, or a URI whose user info has an unmasked password. The safety net under the
// parsers: whatever form a string was misread in, no secret survives.
bool ShowsUnmaskedSecret(std::string_view masked) {
  for (size_t i = 0; i < masked.size(); ++i) {
    if (masked[i] != '=') continue;
    size_t e = i;
    while (e > 0 && IsSpace(masked[e - 1])) --e;
    size_t b = e;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(masked[b - 1])) ||
                     masked[b - 1] == '_' || masked[b - 1] == '-' || masked[b - 1] == '%')) {
      --b;
    }
    if (!IsSecretKeyName(PercentDecode(masked.substr(b, e - b)))) continue;
    size_t v = i + 1;
    while (v < masked.size() && IsSpace(masked[v])) ++v;
    if (masked.substr(v, kMaskedValue.size()) != kMaskedValue) return true;
    // The mask must be the whole value: "***" followed by more text is a secret that begins
    // with "***".
    const size_t after = v + kMaskedValue.size();
    if (after < masked.size() && !EndsMaskedValue(masked[after])) return true;
  }
  const size_t authority = UriPrefixLength(masked);
  if (authority > 0) {
    const size_t at = UriUserInfoEnd(masked, authority);
    if (at != std::string_view::npos) {
      size_t colon = masked.find(':', authority);
      if (colon != std::string_view::npos && colon < at &&
          masked.substr(colon + 1, at - colon - 1) != kMaskedValue) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool IsSecretKeyName(std::string_view key) {
  std::string k;
  for (char c : key) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (k == "pwd" || k == "pass" || k == "passwd") return true;
  return k.find("password") != std::string::npos || k.find("secret") != std::string::npos ||
         k.find("token") != std::string::npos;
}

ConnectionStringForm ClassifyConnectionString(std::string_view s) {
  s = Trim(s);
  if (UriPrefixLength(s) > 0) return ConnectionStringForm::kUri;
  size_t semi = s.find(';');
  if (semi == std::string_view::npos) return ConnectionStringForm::kKeywords;
  // "host=h password=a;b" is libpq's form with a ';' inside a value: the text before the first ';'
  // holds a second "key=" after whitespace.
  std::string_view head = s.substr(0, semi);
  size_t eq = head.find('=');
  if (eq == std::string_view::npos) return ConnectionStringForm::kKeyValue;
  std::string_view value = head.substr(eq + 1);
  size_t i = 0;
  while (i < value.size() && IsSpace(value[i])) ++i;  // spaces right after '=' do not count
  for (; i < value.size(); ++i) {
    if (!IsSpace(value[i])) continue;
    size_t j = i;
    while (j < value.size() && IsSpace(value[j])) ++j;
    size_t k = j;
    while (k < value.size() &&
           (std::isalnum(static_cast<unsigned char>(value[k])) || value[k] == '_')) {
      ++k;
    }
    while (k < value.size() && IsSpace(value[k])) ++k;
    if (k > j && k < value.size() && value[k] == '=') return ConnectionStringForm::kKeywords;
  }
  return ConnectionStringForm::kKeyValue;
}

Result<std::map<std::string, std::string>> ParseKeyValueConnectionString(std::string_view s) {
  ASSIGN_OR_RETURN(std::vector<Entry> entries, TokenizeKeyValue(s));
  std::map<std::string, std::string> out;
  for (Entry& e : entries) {
    std::string key = Lower(e.key);
    if (out.contains(key)) {
      return Status::InvalidArgument("key " + KeyForMessage(e.key) + " is given more than once");
    }
    out.emplace(std::move(key), std::move(e.value));
  }
  if (out.empty()) return Status::InvalidArgument("the connection string is empty");
  return out;
}

Status CheckConnectionString(std::string_view s) {
  std::string_view t = Trim(s);
  if (t.empty()) return Status::InvalidArgument("the connection string is empty");
  switch (ClassifyConnectionString(t)) {
    case ConnectionStringForm::kUri: {
      size_t authority = UriPrefixLength(t);
      size_t at = UriUserInfoEnd(t, authority);
      size_t host = at == std::string_view::npos ? authority : at + 1;
      // A URI with neither host nor path ("postgresql://") says nothing.
      if (host >= t.size()) {
        return Status::InvalidArgument("the connection URI has no host or database");
      }
      return Status::OK();
    }
    case ConnectionStringForm::kKeyValue: return ParseKeyValueConnectionString(t).status();
    case ConnectionStringForm::kKeywords: {
      ASSIGN_OR_RETURN(std::vector<Entry> entries, TokenizeKeywords(t));
      (void)entries;
      return Status::OK();
    }
  }
  return Status::OK();
}

// True when `s`, read as key=value pairs (whatever form it was masked in), has a secret key whose
// value still stands in `masked`: a string that parses in two forms is masked in both.
bool KeyValueSecretSurvives(std::string_view s, std::string_view masked) {
  auto entries = TokenizeKeyValue(s);
  if (!entries.ok()) return false;
  for (const Entry& e : *entries) {
    if (IsSecretKeyName(e.key) && !e.value.empty() && e.value != kMaskedValue &&
        masked.find(e.value) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

std::string MaskConnectionString(std::string_view s) {
  std::vector<Span> spans;
  // Offsets are relative to the untrimmed string; leading whitespace is harmless to all forms.
  switch (ClassifyConnectionString(s)) {
    case ConnectionStringForm::kUri: {
      size_t lead = 0;
      while (lead < s.size() && IsSpace(s[lead])) ++lead;
      for (Span sp : UriSecretSpans(s.substr(lead)))
        spans.push_back({sp.begin + lead, sp.end + lead});
      break;
    }
    case ConnectionStringForm::kKeyValue: {
      auto entries = TokenizeKeyValue(s);
      if (!entries.ok()) return std::string(kMaskedValue);
      for (const Entry& e : *entries) {
        if (IsSecretKeyName(e.key)) spans.push_back({e.value_begin, e.value_end});
      }
      break;
    }
    case ConnectionStringForm::kKeywords: {
      auto entries = TokenizeKeywords(s);
      if (!entries.ok()) return std::string(kMaskedValue);
      for (const Entry& e : *entries) {
        if (IsSecretKeyName(e.key)) spans.push_back({e.value_begin, e.value_end});
      }
      break;
    }
  }
  std::string masked = ReplaceSpans(s, std::move(spans));
  if (ShowsUnmaskedSecret(masked) || KeyValueSecretSurvives(s, masked)) {
    return std::string(kMaskedValue);
  }
  return masked;
}

}  // namespace fluxo
