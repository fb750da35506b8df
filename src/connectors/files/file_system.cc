#include "connectors/files/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "base/fs_beneath.h"

namespace fluxo::connectors::files {

namespace fs = std::filesystem;

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool HasDotDotSegment(std::string_view p) {
  size_t start = 0;
  while (start <= p.size()) {
    size_t e = p.find('/', start);
    if (e == std::string_view::npos) e = p.size();
    if (p.substr(start, e - start) == "..") return true;
    start = e + 1;
  }
  return false;
}

// True when `child` is `parent` or lies under it (both absolute and normalized).
bool Within(const fs::path& child, const fs::path& parent) {
  auto c = child.begin(), p = parent.begin();
  for (; p != parent.end(); ++p, ++c) {
    if (p->empty()) continue;  // trailing separator
    if (c == child.end() || *c != *p) return false;
  }
  return true;
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Status ErrnoStatus(const std::string& what, int err) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::Unavailable(msg);
}

// Why a directory entry is listed but not read (a file error of the run); "" when it is a file.
std::string RefusalOf(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "is a symlink (symlinks beneath the root are not followed)";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (IsHardLinked(st)) return std::string(kHardLinkRefusal);  // base/fs_beneath.h
  return "";
}

// A local folder held open: every path is opened beneath `root_` (base/fs_beneath.h), every
// listing reads directory descriptors, and no symlink beneath the root is ever followed, so a
// folder swapped for a symlink between a listing and an open cannot lead outside.
class LocalFs : public FileSystem {
 public:
  // `label`: rootPath as the user gave it (normalized), for messages and absolute user paths.
  LocalFs(UniqueFd root, std::string label) : root_(std::move(root)), label_(std::move(label)) {}

  Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) override {
    ASSIGN_OR_RETURN(UniqueFd d, OpenFolder(dir));
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir, label_));
    std::vector<FileEntry> out;
    RETURN_IF_ERROR(ListInto(d.get(), rel, recursive, 0, &out));
    std::sort(out.begin(), out.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    return out;
  }

  Result<std::vector<std::string>> ListFolders(const std::string& dir) override {
    ASSIGN_OR_RETURN(UniqueFd d, OpenFolder(dir));
    std::vector<std::string> out;
    RETURN_IF_ERROR(ForEachEntry(d.get(), [&](const std::string& name, const struct stat& st) {
      if (S_ISDIR(st.st_mode)) out.push_back(name);
      return Status::OK();
    }));
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::optional<FileEntry>> Stat(const std::string& path) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(path, label_));
    if (rel.empty()) return std::optional<FileEntry>();
    size_t slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
    std::string name = rel.substr(slash + 1);
    Result<UniqueFd> d = OpenBeneath(root_.get(), parent, O_RDONLY | O_DIRECTORY);
    if (!d.ok()) return Refine(path, d.status());
    struct stat st;
    if (::fstatat(d->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::NotFound("path " + Quote(path) + " not found in " + Describe());
    }
    if (S_ISDIR(st.st_mode)) return std::optional<FileEntry>();
    if (S_ISLNK(st.st_mode) || IsHardLinked(st)) {
      return Status::PermissionDenied("path " + Quote(path) + " refused: it " + RefusalOf(st));
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("path " + Quote(path) + " is not a regular file");
    }
    return std::optional<FileEntry>(FileEntry{rel, st.st_size, MtimeMs(st)});
  }

  Result<std::unique_ptr<ByteStream>> Open(const FileEntry& file, std::atomic<int64_t>* bytes_read,
                                           int64_t start = 0, int64_t end = -1) override {
    if (!file.refused.empty()) {
      return Status::PermissionDenied("file " + Quote(file.path) + " " + file.refused);
    }
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(file.path, label_));
    Result<UniqueFd> fd = OpenBeneath(root_.get(), rel, O_RDONLY);
    if (!fd.ok()) return Refine(file.path, fd.status());
    struct stat st;
    if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::PermissionDenied("file " + Quote(file.path) + " is not a regular file");
    }
    return OpenLocalFile(std::move(fd).value(), file.path, bytes_read, start, end);
  }

  Result<std::string> Normalize(const std::string& path) const override {
    return NormalizeRelativePath(path, label_);
  }
  std::string Describe() const override { return Quote(label_); }

 private:
  static constexpr int kMaxDepth = 64;  // folders deeper than this are not listed

  // A status of OpenBeneath for user `path`, with the message naming it (never a server path).
  Status Refine(const std::string& path, const Status& s) const {
    if (s.code() == StatusCode::kPermissionDenied &&
        s.message().find(kHardLinkRefusal) != std::string::npos) {
      return Status::PermissionDenied("path " + Quote(path) + " refused: it " +
                                      std::string(kHardLinkRefusal));
    }
    if (s.code() == StatusCode::kPermissionDenied) {
      return Status::PermissionDenied("path " + Quote(path) +
                                      " refused: it leads through a symlink (symlinks beneath "
                                      "the root are not followed)");
    }
    if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kInvalidArgument) {
      return Status::NotFound("path " + Quote(path) + " not found in " + Describe());
    }
    return Status(s.code(), "path " + Quote(path) + ": " + s.message());
  }

  Result<UniqueFd> OpenFolder(const std::string& dir) const {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir, label_));
    Result<UniqueFd> d = OpenBeneath(root_.get(), rel, O_RDONLY | O_DIRECTORY);
    if (d.ok()) return d;
    if (d.status().code() == StatusCode::kPermissionDenied) return Refine(dir, d.status());
    if (d.status().code() == StatusCode::kNotFound ||
        d.status().code() == StatusCode::kInvalidArgument) {
      return Status::NotFound("folder " + Quote(dir) + " not found in " + Describe());
    }
    return d.status();
  }

  // Calls `fn(name, lstat)` for each entry of open folder `dir` but "." and "..".
  template <typename Fn>
  static Status ForEachEntry(int dir, Fn fn) {
    int dup = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
    DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
    if (d == nullptr) {
      if (dup >= 0) ::close(dup);
      return ErrnoStatus("list a folder", errno);
    }
    Status status;
    while (status.ok()) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (e == nullptr) break;
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished
      status = fn(name, st);
    }
    ::closedir(d);
    return status;
  }

  // Appends the files under open folder `dir` (whose path is `rel`) to `out`: regular files,
  // and entries that fail a rule (symlinks, devices...) with `refused` set. Sub-folders are
  // opened with O_NOFOLLOW from `dir`, never by name from the root.
  Status ListInto(int dir, const std::string& rel, bool recursive, int depth,
                  std::vector<FileEntry>* out) const {
    return ForEachEntry(dir, [&](const std::string& name, const struct stat& st) -> Status {
      std::string path = rel.empty() ? name : rel + "/" + name;
      if (S_ISDIR(st.st_mode)) {
        if (!recursive || depth >= kMaxDepth) return Status::OK();
        UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid()) return Status::OK();  // vanished, or swapped for a link meanwhile
        return ListInto(sub.get(), path, recursive, depth + 1, out);
      }
      out->push_back({path, static_cast<int64_t>(st.st_size), MtimeMs(st), RefusalOf(st)});
      return Status::OK();
    });
  }

  UniqueFd root_;
  std::string label_;
};

class StoreFs : public FileSystem {
 public:
  StoreFs(std::shared_ptr<ObjectStore> store, std::string prefix, std::string label)
      : store_(std::move(store)), prefix_(std::move(prefix)), label_(std::move(label)) {}

  Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir));
    std::string list_prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store_->ListAll(list_prefix));
    std::vector<FileEntry> out;
    for (ObjectInfo& o : objects) {
      std::string_view sub = std::string_view(o.key).substr(list_prefix.size());
      if (!recursive && sub.find('/') != std::string_view::npos) continue;
      out.push_back({o.key.substr(prefix_.size()), o.size, o.last_modified_ms});
    }
    return out;
  }

  Result<std::vector<std::string>> ListFolders(const std::string& dir) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(dir));
    std::string list_prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store_->ListAll(list_prefix));
    std::set<std::string> names;
    for (const ObjectInfo& o : objects) {
      std::string_view sub = std::string_view(o.key).substr(list_prefix.size());
      size_t slash = sub.find('/');
      if (slash != std::string_view::npos) names.insert(std::string(sub.substr(0, slash)));
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

  Result<std::optional<FileEntry>> Stat(const std::string& path) override {
    ASSIGN_OR_RETURN(std::string rel, NormalizeRelativePath(path));
    if (!rel.empty()) {
      Result<ObjectInfo> info = store_->Head(prefix_ + rel);
      if (info.ok())
        return std::optional<FileEntry>(FileEntry{rel, info->size, info->last_modified_ms});
      if (info.status().code() != StatusCode::kNotFound) return info.status();
    }
    // A folder when some key lies under it.
    ObjectListOptions o;
    o.prefix = prefix_ + (rel.empty() ? "" : rel + "/");
    o.max_keys = 1;
    ASSIGN_OR_RETURN(ListPage page, store_->List(o));
    if (page.objects.empty() && !rel.empty()) {
      return Status::NotFound("path " + Quote(path) + " not found in " + label_);
    }
    return std::optional<FileEntry>();
  }

  Result<std::unique_ptr<ByteStream>> Open(const FileEntry& file, std::atomic<int64_t>* bytes_read,
                                           int64_t start = 0, int64_t end = -1) override {
    int64_t stop = end < 0 ? file.size : std::min(end, file.size);
    return OpenObject(store_.get(), prefix_ + file.path, stop, bytes_read, 8 << 20, start);
  }

  std::string Describe() const override { return Quote(label_); }

 private:
  std::shared_ptr<ObjectStore> store_;
  std::string prefix_;
  std::string label_;
};

}  // namespace

Result<std::string> NormalizeRelativePath(const std::string& path, const std::string& root) {
  auto refuse = [&](const char* why) {
    return Status::PermissionDenied("path " + Quote(path) + " refused: " + why);
  };
  if (path.find('\0') != std::string::npos) return refuse("contains NUL");
  if (path.find('\\') != std::string::npos) return refuse("contains a backslash");
  std::string decoded = PercentDecode(path);
  if (HasDotDotSegment(path) || HasDotDotSegment(decoded)) {
    return refuse("'..' segments may not leave the root");
  }
  std::string p = path;
  if (!p.empty() && p[0] == '/') {
    if (!root.empty()) {
      // An absolute path must name something inside the root.
      fs::path abs = fs::path(p).lexically_normal();
      if (!Within(abs, fs::path(root))) return refuse("absolute path outside the root");
      p = abs.lexically_relative(root).generic_string();
      if (p == ".") p.clear();
    }
  }
  // Strip "./" segments and slashes at both ends; collapse "//".
  std::string out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t e = p.find('/', start);
    if (e == std::string::npos) e = p.size();
    std::string_view seg = std::string_view(p).substr(start, e - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(seg);
    }
    start = e + 1;
  }
  return out;
}

Result<std::unique_ptr<FileSystem>> OpenLocalFileSystem(const std::string& root_path,
                                                        const std::vector<std::string>& allow) {
  if (allow.empty()) {
    return Status::PermissionDenied(
        "local folder sources are disabled: start fluxo with --allow-path DIR to allow a folder");
  }
  if (root_path.empty() || root_path[0] != '/') {
    return Status::InvalidArgument("rootPath " + Quote(root_path) + " must be an absolute path");
  }
  if (root_path.find('\0') != std::string::npos) {
    return Status::InvalidArgument("rootPath contains a NUL character");
  }
  if (HasDotDotSegment(root_path) || HasDotDotSegment(PercentDecode(root_path))) {
    return Status::PermissionDenied("rootPath " + Quote(root_path) + " refused: '..' segments");
  }
  std::string label = fs::path(root_path).lexically_normal().generic_string();
  if (label.size() > 1 && label.back() == '/') label.pop_back();
  Result<UniqueFd> root = OpenAllowed(label, allow, O_RDONLY | O_DIRECTORY, true);
  if (root.ok()) return std::unique_ptr<FileSystem>(new LocalFs(std::move(root).value(), label));
  switch (root.status().code()) {
    case StatusCode::kInvalidArgument:
      return Status::InvalidArgument("rootPath " + Quote(root_path) + " is not a folder");
    case StatusCode::kNotFound:
      return Status::NotFound("rootPath " + Quote(root_path) + " does not exist");
    case StatusCode::kPermissionDenied:
      if (LexicallyAllowed(label, allow, true)) {
        return Status::PermissionDenied("rootPath " + Quote(root_path) +
                                        " refused: it leads through a symlink (symlinks beneath "
                                        "an allowed folder are not followed)");
      }
      return Status::PermissionDenied("rootPath " + Quote(root_path) +
                                      " is outside the folders allowed with --allow-path");
    default: return root.status();
  }
}

std::unique_ptr<FileSystem> ObjectStoreFileSystem(std::shared_ptr<ObjectStore> store,
                                                  std::string prefix, std::string label) {
  return std::make_unique<StoreFs>(std::move(store), std::move(prefix), std::move(label));
}

}  // namespace fluxo::connectors::files
