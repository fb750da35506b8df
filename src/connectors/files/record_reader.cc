#include "connectors/files/record_reader.h"

#include <map>

namespace fluxo::connectors::files {

std::vector<std::string> UniqueNames(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string n = raw[i].empty() ? "column_" + std::to_string(i + 1) : raw[i];
    std::string base = n;
    while (seen.count(n)) n = base + "_" + std::to_string(++seen[base]);
    seen[n] = 1;
    out.push_back(n);
  }
  return out;
}

}  // namespace fluxo::connectors::files
