// Private to the SQLite connector: the confinement of database paths to the allowed folders, and
// identifier quoting. (The RAII handles are the shared ones of src/sqlite3.) Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/fs_beneath.h"
#include "base/status.h"

namespace fluxo::connectors::sqlite {

// A database file confined beneath an allowed folder: the open folder that holds it (opened with
// base/fs_beneath.h, so no symlink beneath the allowed folder was followed) and the file's name in
// it. SQLite opens it by the name SqlitePath() through the VFS BeneathVfs(): the kernel resolves
// "/proc/self/fd/<dir>" to exactly the folder that was checked, however the tree is renamed
// meanwhile, and SQLite opens the file, its -wal, -shm and -journal in that folder with
// O_NOFOLLOW. Copies share the folder descriptor; keep one alive while SQLite uses the path.
struct ConfinedFile {
  std::shared_ptr<const UniqueFd> dir;
  std::string name;  // one path component, no '/'
  std::string SqlitePath() const;
};

// Confines `path` (auth.params.path; relative paths are taken from the working directory) to
// `allow_roots`. Errors name the field, never the path: PermissionDenied (outside every root, a
// symlink on the way or the file itself a symlink, no root configured; the message names
// --allow-path), NotFound when the file does not exist (only when it would be inside a root, so
// the API cannot probe elsewhere), InvalidArgument when it is not a regular file.
Result<ConfinedFile> ConfineDatabasePath(const std::string& path,
                                         const std::vector<std::string>& allow_roots);

// The name of an SQLite VFS (registered on first call; thread-safe) that is the default "unix"
// VFS except that file names are used as given (the unix VFS would resolve symlinks by name,
// reopening the check-then-use gap that ConfinedFile closes).
const char* BeneathVfs();

// `name` as an SQLite identifier: "na""me".
std::string QuoteIdent(std::string_view name);

}  // namespace fluxo::connectors::sqlite
