#include "base/fs_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace fluxo {

namespace fs = std::filesystem;

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

std::string Quoted(std::string_view rel) { return "'" + std::string(rel) + "'"; }

// The segments of `rel` without empty and "." ones; PermissionDenied for "..", absolute paths
// and NUL.
Result<std::vector<std::string_view>> Segments(std::string_view rel) {
  if (rel.find('\0') != std::string_view::npos) {
    return Status::PermissionDenied("path " + Quoted(rel) + " contains NUL");
  }
  if (!rel.empty() && rel.front() == '/') {
    return Status::PermissionDenied("path " + Quoted(rel) + " is not relative");
  }
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view seg = rel.substr(start, end - start);
    if (seg == "..") {
      return Status::PermissionDenied("path " + Quoted(rel) + ": '..' may not leave the folder");
    }
    if (!seg.empty() && seg != ".") out.push_back(seg);
    start = end + 1;
  }
  return out;
}

Status CheckFlags(std::string_view rel, int flags) {
  if (flags & (O_PATH | O_CREAT)) {
    return Status::InvalidArgument("OpenBeneath " + Quoted(rel) + ": O_PATH/O_CREAT not allowed");
  }
  return Status::OK();
}

// Maps the errno of a failed open of `rel` (after `at` told whether a symlink was in the way).
Status OpenError(std::string_view rel, int err, bool symlink) {
  const std::string p = "path " + Quoted(rel);
  if (symlink || err == ELOOP || err == EXDEV) {
    return Status::PermissionDenied(p +
                                    " is refused: symlinks beneath the folder are not followed");
  }
  if (err == ENOENT) return Status::NotFound(p + " does not exist");
  if (err == ENOTDIR) return Status::NotFound(p + ": a part of it is not a folder");
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(p + ": permission denied");
  return Status::Unavailable(p + ": " + std::strerror(err));
}

// True when `name` in `dir` is a symlink (for telling ENOTDIR/ELOOP apart in the walk).
bool IsSymlinkAt(int dir, const std::string& name) {
  struct stat st;
  return ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// Final-component errors that are about the kind of file, not the path.
Status KindError(std::string_view rel, int err, int flags) {
  if (err == ENOTDIR && (flags & O_DIRECTORY)) {
    return Status::InvalidArgument("path " + Quoted(rel) + " is not a folder");
  }
  return Status::OK();
}

std::atomic<int> openat2_state{0};  // 0 unknown, 1 works, -1 missing (ENOSYS or filtered)

// openat2 beneath `dir_fd`; -2 when the kernel has no openat2 (the caller walks instead).
int OpenAt2(int dir_fd, const std::string& rel, int flags) {
#ifdef SYS_openat2
  if (openat2_state.load(std::memory_order_relaxed) < 0) return -2;
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dir_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) {
      openat2_state.store(1, std::memory_order_relaxed);
      return static_cast<int>(fd);
    }
    // ENOSYS: an old kernel; EPERM before any success: a seccomp filter that does not know it.
    if (errno == ENOSYS || (errno == EPERM && openat2_state.load() == 0)) {
      openat2_state.store(-1, std::memory_order_relaxed);
      return -2;
    }
    if (errno != EAGAIN || attempt >= 8) return -1;  // EAGAIN: a concurrent rename, retry
  }
#else
  (void)dir_fd, (void)rel, (void)flags;
  return -2;
#endif
}

// The hard-link rule on an opened descriptor: `fd` itself, or PermissionDenied (closing it).
Result<UniqueFd> RefuseHardLinked(UniqueFd fd, std::string_view rel) {
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return OpenError(rel, errno, false);
  if (IsHardLinked(st)) {
    return Status::PermissionDenied("path " + Quoted(rel) + " is refused: it " +
                                    std::string(kHardLinkRefusal));
  }
  return fd;
}

}  // namespace

Result<UniqueFd> OpenBeneathByWalk(int dir_fd, std::string_view rel, int flags) {
  RETURN_IF_ERROR(CheckFlags(rel, flags));
  ASSIGN_OR_RETURN(std::vector<std::string_view> segs, Segments(rel));
  UniqueFd cur(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid()) return OpenError(rel, errno, false);
  if (segs.empty()) {
    if (!(flags & O_DIRECTORY) && (flags & O_ACCMODE) == O_RDONLY) return cur;
    UniqueFd self(::openat(dir_fd, ".", flags | O_CLOEXEC));
    if (!self.valid()) return OpenError(rel, errno, false);
    return self;
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string name(segs[i]);
    const bool last = i + 1 == segs.size();
    int f =
        last ? (flags | O_NOFOLLOW | O_CLOEXEC) : (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    UniqueFd next(::openat(cur.get(), name.c_str(), f));
    if (!next.valid()) {
      int err = errno;
      bool link = (err == ELOOP || err == ENOTDIR) && IsSymlinkAt(cur.get(), name);
      if (last && !link) {
        Status kind = KindError(rel, err, flags);
        if (!kind.ok()) return kind;
      }
      return OpenError(rel, err, link);
    }
    cur = std::move(next);
  }
  return RefuseHardLinked(std::move(cur), rel);
}

Result<UniqueFd> OpenBeneath(int dir_fd, std::string_view rel, int flags) {
  RETURN_IF_ERROR(CheckFlags(rel, flags));
  ASSIGN_OR_RETURN(std::vector<std::string_view> segs, Segments(rel));
  std::string joined;
  for (std::string_view s : segs) joined += (joined.empty() ? "" : "/") + std::string(s);
  if (joined.empty()) joined = ".";
  int fd = OpenAt2(dir_fd, joined, flags);
  if (fd == -2) return OpenBeneathByWalk(dir_fd, rel, flags);
  if (fd >= 0) return RefuseHardLinked(UniqueFd(fd), rel);
  int err = errno;
  if (err == ENOTDIR) {
    // Either the last component is a file opened with O_DIRECTORY, or a middle one is not a
    // folder; the walk tells which (and spots a symlink) without following anything.
    return OpenBeneathByWalk(dir_fd, rel, flags);
  }
  return OpenError(rel, err, false);
}

namespace {

// `path` relative to `root` when it lies inside it (both lexically normal and absolute); nullopt
// otherwise. "" for the root itself.
std::optional<std::string> RelativeTo(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *r) return std::nullopt;
    ++p;
  }
  fs::path rest;
  for (; p != path.end(); ++p) rest /= *p;
  return rest.generic_string();
}

struct Match {
  fs::path root;  // resolved
  std::string rel;
};

std::optional<Match> FindRoot(std::string_view path, const std::vector<std::string>& roots,
                              bool root_itself) {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  fs::path p = fs::path(std::string(path)).lexically_normal();
  for (const std::string& root : roots) {
    if (root.empty() || root.front() != '/') continue;
    std::error_code ec;
    fs::path resolved = fs::canonical(root, ec);
    if (ec) continue;
    for (const fs::path& form : {fs::path(root).lexically_normal(), resolved}) {
      std::optional<std::string> rel = RelativeTo(p, form);
      if (!rel || rel->rfind("..", 0) == 0) continue;
      if (rel->empty() && !root_itself) continue;
      return Match{resolved, *rel};
    }
  }
  return std::nullopt;
}

}  // namespace

bool LexicallyAllowed(std::string_view path, const std::vector<std::string>& roots,
                      bool root_itself) {
  return FindRoot(path, roots, root_itself).has_value();
}

Result<UniqueFd> OpenAllowed(std::string_view path, const std::vector<std::string>& roots,
                             int flags, bool root_itself) {
  std::optional<Match> m = FindRoot(path, roots, root_itself);
  if (!m) return Status::PermissionDenied("the path is outside the allowed folders");
  UniqueFd root(::open(m->root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Status::Unavailable("an allowed folder cannot be opened");
  return OpenBeneath(root.get(), m->rel, flags);
}

}  // namespace fluxo
