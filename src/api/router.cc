#include "api/router.h"

namespace fluxo {

void Router::Add(std::string method, const std::string& pattern, Handler handler) {
  auto segs = SplitPath(pattern);
  routes_.push_back(Route{std::move(method), pattern,
                          segs.ok() ? *segs : std::vector<std::string>{}, std::move(handler)});
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back({r.method, r.pattern});
  return out;
}

Router::Match Router::Find(const std::string& method, const std::vector<std::string>& segments,
                           const Handler** handler, std::vector<std::string>* params) const {
  bool path_matched = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    std::vector<std::string> captured;
    bool ok = true;
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segments[i].empty()) {
          ok = false;
          break;
        }
        captured.push_back(segments[i]);
      } else if (p != segments[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != method) continue;
    *handler = &r.handler;
    *params = std::move(captured);
    return Match::kFound;
  }
  return path_matched ? Match::kNoMethod : Match::kNoPath;
}

Result<std::vector<std::string>> SplitPath(const std::string& raw_path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < raw_path.size()) {
    if (raw_path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = raw_path.find('/', i);
    std::string seg = raw_path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    ASSIGN_OR_RETURN(std::string decoded, PercentDecode(seg, /*plus_as_space=*/false));
    out.push_back(std::move(decoded));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

}  // namespace fluxo
