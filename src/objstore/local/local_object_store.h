// LocalObjectStore: an ObjectStore over a directory of the local filesystem.
//
// Key "a/b/c" is the file <root>/a/b/c. A writer writes <dir>/.fluxo-tmp-<random>-<name> in the
// target's own directory, and Commit() fsyncs the file, renames it over the target and fsyncs the
// directory before returning OK: a crash leaves either the old object or the new one, plus at
// worst a temp file that List never shows (keys may not have a segment starting with
// ".fluxo-tmp-"). Error messages name keys, never the root's path. Keys are confined under the root
// lexically (see ValidateObjectKey); symlinks placed under the root by someone else are followed.
//
// Thread-safe. Directories are created on demand; Delete removes directories it leaves empty.
#pragma once

#include <filesystem>

#include "objstore/object_store.h"

namespace fluxo {

class LocalObjectStore : public ObjectStore {
 public:
  // Creates `root` if missing. Errors: Unavailable when it cannot be created.
  static Result<std::unique_ptr<LocalObjectStore>> Open(const std::filesystem::path& root);

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Result<std::string> Get(std::string_view key, ByteRange range = {}) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(const ObjectListOptions& options) override;
  Status Delete(std::string_view key) override;
  Status DeleteIncomplete(std::string_view prefix) override;

  const std::filesystem::path& root() const { return root_; }
  // The file that holds `key` (whether or not it exists). The key must be valid.
  std::filesystem::path PathOf(std::string_view key) const { return root_ / std::string(key); }

  // Temp files are named with this prefix.
  static constexpr std::string_view kTempPrefix = ".fluxo-tmp-";

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}
  Status CheckKey(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace fluxo
