#include "api/query_string.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

namespace fluxo {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string QuoteForMessage(std::string_view s, size_t max_bytes) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "'";
  size_t i = 0;
  while (i < s.size()) {
    if (i >= max_bytes) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = Utf8SequenceAt(s, i);
    if (len > 1) {
      out.append(s.substr(i, len));
      i += len;
    } else if (len == 1 && c >= 0x20 && c != 0x7F) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
    }
  }
  out += "'";
  return out;
}

Result<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  auto pct = boost::urls::make_pct_string_view(boost::urls::string_view(s.data(), s.size()));
  if (pct.has_error()) return Status::InvalidArgument("malformed percent-encoding");
  boost::urls::encoding_opts opts;
  opts.space_as_plus = plus_as_space;
  std::string out = pct->decode(opts);
  if (out.find('\0') != std::string::npos) {
    return Status::InvalidArgument("NUL character (%00) is not allowed");
  }
  if (!IsValidUtf8(out)) return Status::InvalidArgument("not valid UTF-8 after percent-decoding");
  return out;
}

Result<QueryParams> ParseQueryString(std::string_view raw) {
  if (!raw.empty() && raw.front() == '?') raw.remove_prefix(1);
  QueryParams out;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view piece = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    Result<std::string> name = PercentDecode(raw_name, true);
    if (!name.ok()) {
      return BadRequest(kCodeBadRequest, "query parameter name " + QuoteForMessage(raw_name) +
                                             ": " + name.status().message());
    }
    Result<std::string> value = PercentDecode(raw_value, true);
    if (!value.ok()) {
      return BadRequest(kCodeBadRequest, "query parameter " + QuoteForMessage(*name) + ": " +
                                             value.status().message());
    }
    out.push_back(QueryParam{std::move(*name), std::move(*value)});
  }
  return out;
}

const std::string* FindParam(const QueryParams& params, std::string_view name) {
  for (const auto& p : params) {
    if (EqualsIgnoreCase(p.name, name)) return &p.value;
  }
  return nullptr;
}

std::vector<std::string> FindAllParams(const QueryParams& params, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& p : params) {
    if (EqualsIgnoreCase(p.name, name)) out.push_back(p.value);
  }
  return out;
}

}  // namespace fluxo
