// Opening files beneath a directory with no check-then-use gap.
//
// A path checked by name and then opened by name can be swapped in between (a directory replaced
// by a symlink to somewhere else). These functions never look a name up twice: every component
// is resolved by the kernel relative to a directory descriptor the caller holds, and no symlink
// is followed anywhere beneath that directory (a symlink is refused, whether it points inside or
// outside). With Linux openat2 (5.6+) one call does it (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS); otherwise each component is opened with O_NOFOLLOW from the previous
// component's descriptor. Both give the same answers. Thread-safe; no global state but a cached
// "openat2 exists" flag.
//
// Hard links: a regular file with more than one link (st_nlink > 1) is refused like a symlink. A
// user who may write inside an allowed folder could otherwise link a file from outside it (any
// file on the same file system they may read) into the folder, and nothing in the name tells the
// alias from a file of the folder. The rule is checked with fstat on the opened descriptor, so no
// rename or link between a check and the open matters.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo {

// Owns one file descriptor (closed on destruction). Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Why a file beneath a folder is refused although it is not a symlink, worded to follow "it ":
// the text of the hard-link rule above. Callers that list folders mark such entries with it, and
// OpenBeneath's hard-link error message contains it (so callers can tell that case apart).
inline constexpr std::string_view kHardLinkRefusal =
    "has more than one hard link (a hard link beneath the folder may alias a file outside it)";

// True when `st` is a regular file with more than one hard link (the rule above).
inline bool IsHardLinked(const struct stat& st) { return S_ISREG(st.st_mode) && st.st_nlink > 1; }

// Opens `rel` ('/'-separated, relative; "" or "." is `dir_fd` itself) beneath directory `dir_fd`
// with open(2) `flags` (O_CLOEXEC is added; O_PATH and O_CREAT are not allowed). Errors, whose
// messages quote only `rel`: a ".." segment, an absolute `rel` or a NUL byte, a symlink on the
// way (any component, the last included), or a last component that is a regular file with more
// than one hard link (checked on the opened descriptor; the message contains kHardLinkRefusal):
// PermissionDenied; a missing component or a
// non-folder in the middle: NotFound; O_DIRECTORY on a file: InvalidArgument; other errno:
// PermissionDenied (EACCES, EPERM) or Unavailable.
Result<UniqueFd> OpenBeneath(int dir_fd, std::string_view rel, int flags);

// The same, always by the O_NOFOLLOW walk (what OpenBeneath does on kernels without openat2);
// public so that tests cover both.
Result<UniqueFd> OpenBeneathByWalk(int dir_fd, std::string_view rel, int flags);

// Opens absolute `path` beneath one of the operator's `roots` (folders; each may be given through
// symlinks, which are resolved once: the operator is trusted). `path` is compared lexically
// (".." removed) with each root as given and as resolved; the rest is opened with OpenBeneath.
// `path` equal to a root is accepted only with `root_itself`. Outside every root, or no root:
// PermissionDenied with a message that names neither path (callers name their field).
Result<UniqueFd> OpenAllowed(std::string_view path, const std::vector<std::string>& roots,
                             int flags, bool root_itself);

// True when `path` lies inside (or is, with `root_itself`) one of `roots`, by the same
// comparison as OpenAllowed; nothing is opened. For telling "outside" from "missing".
bool LexicallyAllowed(std::string_view path, const std::vector<std::string>& roots,
                      bool root_itself);

}  // namespace fluxo
