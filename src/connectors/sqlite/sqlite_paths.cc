#include "connectors/sqlite/sqlite_paths.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace fluxo::connectors::sqlite {

namespace fs = std::filesystem;

std::string ConfinedFile::SqlitePath() const {
  return "/proc/self/fd/" + std::to_string(dir->get()) + "/" + name;
}

Result<ConfinedFile> ConfineDatabasePath(const std::string& path,
                                         const std::vector<std::string>& allow_roots) {
  auto denied = [](const std::string& why) {
    return Status::PermissionDenied("auth.params.path " + why +
                                    "; start fluxo with --allow-path DIR naming a folder that "
                                    "contains the SQLite file");
  };
  if (path.empty()) return Status::InvalidArgument("auth.params.path is empty");
  if (path.find('\0') != std::string::npos) {
    return Status::InvalidArgument("auth.params.path contains a NUL character");
  }
  if (allow_roots.empty()) return denied("cannot be read: no folder is allowed");
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  if (ec) return Status::InvalidArgument("auth.params.path is not a valid path");
  std::string name = abs.filename().string();
  std::string parent = abs.parent_path().string();
  if (name.empty() || name == "." || name == ".." ||
      !LexicallyAllowed(abs.string(), allow_roots, false)) {
    return denied("is outside the allowed folders");
  }
  Result<UniqueFd> dir = OpenAllowed(parent, allow_roots, O_RDONLY | O_DIRECTORY, true);
  if (!dir.ok()) {
    switch (dir.status().code()) {
      case StatusCode::kPermissionDenied:
        return denied(
            "leads through a symlink or an unreadable folder (symlinks beneath an "
            "allowed folder are not followed)");
      case StatusCode::kNotFound:
      case StatusCode::kInvalidArgument:
        return Status::NotFound("auth.params.path: the SQLite file does not exist");
      default:
        return Status::Unavailable(
            "auth.params.path: the folder of the SQLite file cannot be "
            "opened");
    }
  }
  struct stat st;
  if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::NotFound("auth.params.path: the SQLite file does not exist");
  }
  if (S_ISLNK(st.st_mode)) {
    return denied("is a symlink (symlinks beneath an allowed folder are not followed)");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("auth.params.path is not a regular file");
  }
  // Checked again, on the descriptor, when SQLite opens the file (OpenRefusingHardLinks).
  if (IsHardLinked(st)) return denied(std::string(kHardLinkRefusal));
  return ConfinedFile{std::make_shared<const UniqueFd>(std::move(dir).value()), std::move(name)};
}

namespace {

constexpr std::string_view kConfinedPrefix = "/proc/self/fd/";  // ConfinedFile::SqlitePath()

using OpenFn = int (*)(const char*, int, int);
OpenFn real_open = nullptr;  // the unix VFS's "open" before BeneathVfs() replaced it

// The unix VFS's "open" system call (every file SQLite opens: databases, -wal, -shm, -journal)
// with base/fs_beneath.h's hard-link rule applied, on the opened descriptor, to the files of a
// ConfinedFile: SQLite opens those by name, and a name checked by ConfineDatabasePath could have
// been replaced by a hard link since. Other names (the metastore's) pass through unchanged.
int OpenRefusingHardLinks(const char* name, int flags, int mode) {
  int fd = real_open(name, flags, mode);
  if (fd < 0 || std::strncmp(name, kConfinedPrefix.data(), kConfinedPrefix.size()) != 0) return fd;
  struct stat st;
  if (::fstat(fd, &st) != 0 || IsHardLinked(st)) {
    ::close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

// Names are absolute and confined already ("/proc/self/fd/N/name"): copy, never resolve.
int FullPathnameAsGiven(sqlite3_vfs*, const char* name, int n_out, char* out) {
  size_t len = std::strlen(name);
  if (name[0] != '/' || len + 1 > static_cast<size_t>(n_out)) return SQLITE_CANTOPEN;
  std::memcpy(out, name, len + 1);
  return SQLITE_OK;
}

}  // namespace

const char* BeneathVfs() {
  static constexpr const char* kName = "fluxo-beneath";
  static std::once_flag once;
  std::call_once(once, [] {
    static sqlite3_vfs vfs = *sqlite3_vfs_find("unix");  // a copy: same methods and app data
    vfs.zName = kName;
    vfs.pNext = nullptr;
    vfs.xFullPathname = FullPathnameAsGiven;
    // The unix VFSes share one table of system calls: this replaces "open" for all of them (the
    // wrapper leaves names that are not a ConfinedFile's alone). Every thread that opens a
    // confined name called BeneathVfs() first, so it sees the replacement.
    real_open = reinterpret_cast<OpenFn>(vfs.xGetSystemCall(&vfs, "open"));
    if (real_open != nullptr) {
      vfs.xSetSystemCall(&vfs, "open",
                         reinterpret_cast<sqlite3_syscall_ptr>(OpenRefusingHardLinks));
    }
    sqlite3_vfs_register(&vfs, 0);
  });
  return kName;
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
