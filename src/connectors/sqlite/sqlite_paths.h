// Private to the SQLite connector: the confinement of database paths to the allowed folders, and
// identifier quoting. (The RAII handles are the shared ones of src/sqlite3.) Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo::connectors::sqlite {

// Resolves `path` (realpath: symlinks followed, ".." removed) and checks that the result lies in
// one of `allow_roots` (each resolved the same way). NotFound when the file does not exist,
// InvalidArgument when it is not a regular file, PermissionDenied naming the path and --allow-path
// when it is outside every root (or no root is configured).
Result<std::string> ResolveAllowedPath(const std::string& path,
                                       const std::vector<std::string>& allow_roots);

// `name` as an SQLite identifier: "na""me".
std::string QuoteIdent(std::string_view name);

}  // namespace fluxo::connectors::sqlite
