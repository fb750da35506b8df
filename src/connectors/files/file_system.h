// The file trees file sources read: a confined local folder, or a bucket/prefix of an
// ObjectStore (S3). Paths are '/'-separated and relative to the connection's root.
//
// Local confinement (LocalFileSystem): the root must lie inside one of the --allow-path folders
// (the allowed folders may be given through symlinks; nothing beneath them may be one). The root
// is held open and every path is opened beneath it with base/fs_beneath.h: no check-then-use
// gap, and no symlink beneath the root is ever followed. A path with a ".." segment (also
// percent-encoded, "%2e%2e"), a backslash, NUL, an absolute path outside the root, or a symlink
// on the way is refused with PermissionDenied naming the user's path (messages never carry a
// server path). Listings return symlinks and special files with FileEntry::refused set.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "connectors/files/byte_stream.h"
#include "objstore/object_store.h"

namespace fluxo::connectors::files {

struct FileEntry {
  std::string path;  // relative to the root, '/'-separated
  int64_t size = 0;  // bytes
  int64_t mtime_ms = 0;
  // Non-empty when the entry was listed but fails a rule and is never read ("is a symlink
  // (...)"): a file error of the run, not its end. Only listings set it (local folders).
  std::string refused;
};

// Normalizes a user path relative to the root: strips "./", leading and trailing '/', and
// refuses ".." segments (also percent-encoded), backslashes and NUL with PermissionDenied.
// `root` (local only) lets an absolute path inside the root through.
Result<std::string> NormalizeRelativePath(const std::string& path, const std::string& root = "");

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Files under folder `dir` ("" = the root): direct children, or every descendant when
  // `recursive`. Sorted by path. NotFound when `dir` does not exist.
  virtual Result<std::vector<FileEntry>> ListFiles(const std::string& dir, bool recursive) = 0;
  // The direct sub-folders of `dir` (names only), for explore.
  virtual Result<std::vector<std::string>> ListFolders(const std::string& dir) = 0;
  // The file at `path`; nullopt when `path` is a folder; NotFound when neither.
  virtual Result<std::optional<FileEntry>> Stat(const std::string& path) = 0;
  // Opens a file for reading; the stream adds the bytes it reads to `bytes_read`. It starts at
  // byte `start` and ends before byte `end` (-1: the end of the file): one byte range of the
  // file (local: a seek; objects: the ranged GETs cover [start, end) only).
  virtual Result<std::unique_ptr<ByteStream>> Open(const FileEntry& file,
                                                   std::atomic<int64_t>* bytes_read,
                                                   int64_t start = 0, int64_t end = -1) = 0;
  // The user path relative to the root (see NormalizeRelativePath); refusals as there.
  virtual Result<std::string> Normalize(const std::string& path) const {
    return NormalizeRelativePath(path);
  }
  // A description of the root for messages ("/data/in", "s3://bucket/folder").
  virtual std::string Describe() const = 0;
};

// Opens the local folder `root_path` under the allowed folders.
Result<std::unique_ptr<FileSystem>> OpenLocalFileSystem(const std::string& root_path,
                                                        const std::vector<std::string>& allow);

// Files of `store` under key prefix `prefix` ("" or ending with '/'). `label` names the root in
// messages ("s3://bucket/folder").
std::unique_ptr<FileSystem> ObjectStoreFileSystem(std::shared_ptr<ObjectStore> store,
                                                  std::string prefix, std::string label);

}  // namespace fluxo::connectors::files
