#include "metastore/query.h"

#include <cctype>

namespace fluxo {

std::vector<std::string> SplitFieldPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

bool IsSafeFieldSegment(const std::string& segment) {
  if (segment.empty() || segment.size() > 64) return false;
  for (char c : segment) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace fluxo
