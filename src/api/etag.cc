#include "api/etag.h"

namespace fluxo {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsWeak(std::string_view tag) {
  tag = Trim(tag);
  return tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/';
}

bool IsBlank(const std::optional<std::string>& v) { return !v || Trim(*v).empty(); }

}  // namespace

std::string EtagOpaque(std::string_view tag) {
  tag = Trim(tag);
  if (tag.size() >= 4 && tag.substr(0, 2) == "\\\"" && tag.substr(tag.size() - 2) == "\\\"") {
    tag = tag.substr(2, tag.size() - 4);
  } else if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    tag = tag.substr(1, tag.size() - 2);
  }
  return std::string(tag);
}

std::vector<std::string> SplitIfMatch(std::string_view value) {
  std::vector<std::string> out;
  bool in_quotes = false;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"') in_quotes = !in_quotes;
    if (i == value.size() || (value[i] == ',' && !in_quotes)) {
      std::string_view tag = Trim(value.substr(start, i - start));
      if (!tag.empty()) out.emplace_back(tag);
      start = i + 1;
    }
  }
  return out;
}

Status CheckIfMatch(const std::optional<std::string>& header,
                    const std::optional<std::string>& query, std::string_view stored_etag,
                    const std::string& resource_type, const std::string& id) {
  const std::optional<std::string>& given = !IsBlank(header) ? header : query;
  if (IsBlank(given)) {
    return FlowError(400, 1403,
                     "If-Match header (or if-match query parameter) is required and must "
                     "carry the resource's current etag",
                     resource_type, id);
  }
  std::string stored = EtagOpaque(stored_etag);
  for (const std::string& tag : SplitIfMatch(*given)) {
    if (Trim(tag) == "*") return Status::OK();
    if (IsWeak(tag)) continue;
    if (EtagOpaque(tag) == stored) return Status::OK();
  }
  return FlowError(412, 1404,
                   "If-Match does not match the current etag" +
                       (id.empty() ? std::string() : " of " + resource_type + " " + id) +
                       "; fetch the resource again and retry with its etag",
                   resource_type, id);
}

}  // namespace fluxo
