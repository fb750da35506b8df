#include "connectors/sqlite/sqlite_paths.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace fluxo::connectors::sqlite {

Result<std::string> ResolveAllowedPath(const std::string& path,
                                       const std::vector<std::string>& allow_roots) {
  namespace fs = std::filesystem;
  auto denied = [&](const std::string& why) {
    return Status::PermissionDenied("SQLite file \"" + path + "\" " + why +
                                    "; start fluxo with --allow-path DIR naming a folder that "
                                    "contains it");
  };
  if (path.empty()) return Status::InvalidArgument("auth.params.path is empty");
  if (allow_roots.empty()) return denied("cannot be read: no folder is allowed");
  // Symlinks of the existing part are followed and ".." removed before the check, so neither
  // can lead out of a root; a missing file is reported only when it would be inside a root.
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return Status::InvalidArgument("SQLite file \"" + path + "\": " + ec.message());
  bool inside = false;
  for (const std::string& root : allow_roots) {
    if (root.empty()) continue;
    std::error_code rec;
    fs::path r = fs::canonical(root, rec);
    if (rec) continue;
    auto [ri, pi] = std::mismatch(r.begin(), r.end(), resolved.begin(), resolved.end());
    if (ri == r.end() && resolved != r) {
      inside = true;
      break;
    }
  }
  if (!inside) return denied("is outside the allowed folders");
  fs::file_status st = fs::status(resolved, ec);
  if (ec || !fs::exists(st)) {
    return Status::NotFound("SQLite file \"" + path + "\" does not exist");
  }
  if (!fs::is_regular_file(st)) {
    return Status::InvalidArgument("SQLite file \"" + path + "\" is not a regular file");
  }
  return resolved.string();
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace fluxo::connectors::sqlite
