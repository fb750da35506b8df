// ObjectStore: the storage interface under the lake (local filesystem now, S3 later).
//
// Keys are '/'-separated relative paths ("org/sandbox/datasets/d1/batches/b1/part-00000.parquet").
// A valid key is non-empty, at most 1024 bytes, has no leading or trailing '/', no empty, "." or
// ".." segment, no NUL and no backslash. Keys compare as unsigned bytes (S3's order).
//
// Visibility: an object written with an ObjectWriter becomes visible (to Get/Head/List) only
// when Commit() returns OK, all at once; an object is never seen half-written. Put to an
// existing key replaces it atomically.
//
// Thread safety: an ObjectStore may be used from many threads at once. An ObjectWriter belongs
// to one thread at a time.
//
// Errors: NotFound for a missing key, InvalidArgument for a malformed key or range,
// Unavailable (retryable) for I/O or network failures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo {

// Checks the key rules above.
Status ValidateObjectKey(std::string_view key);

struct ObjectInfo {
  std::string key;
  int64_t size = 0;              // bytes
  int64_t last_modified_ms = 0;  // milliseconds since the Unix epoch, UTC
};

// A streaming upload. Append as often as needed, then Commit (or Abort). Maps onto an S3
// multipart upload: implementations may buffer up to one part.
class ObjectWriter {
 public:
  // Destroying a writer that was not committed aborts it.
  virtual ~ObjectWriter() = default;

  // Appends bytes. After an error the writer is unusable: call Abort().
  virtual Status Append(std::string_view data) = 0;
  // Makes the object durable and visible. Returns OK only once the bytes are durable (local:
  // file and directory fsynced). At most once; afterwards the writer is closed.
  virtual Status Commit() = 0;
  // Discards everything written; the key is left as it was. Idempotent, never fails.
  virtual void Abort() = 0;
  // Bytes appended so far.
  virtual int64_t bytes_written() const = 0;
  virtual const std::string& key() const = 0;
};

// A byte range of an object: `length` bytes from `offset`; length < 0 means "to the end".
struct ByteRange {
  int64_t offset = 0;
  int64_t length = -1;
};

struct ObjectListOptions {
  std::string prefix;              // plain string prefix of the key (not only whole segments)
  std::string continuation_token;  // from the previous page; empty for the first page
  int max_keys = 1000;             // 1..1000
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // sorted by key
  std::string next_token;           // empty when this is the last page
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Starts writing `key`. Nothing is visible until the writer's Commit().
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) = 0;
  // Reads a range of `key`. A range starting past the end is InvalidArgument; a range running past
  // the end is cut at the end.
  virtual Result<std::string> Get(std::string_view key, ByteRange range = {}) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // One page of the keys starting with `prefix`, in key order.
  virtual Result<ListPage> List(const ObjectListOptions& options) = 0;
  // Removes `key`. Deleting a missing key is OK (as in S3).
  virtual Status Delete(std::string_view key) = 0;
  // Removes what writers that never committed left under `prefix` (a crashed process's temp
  // files, unfinished multipart uploads), which List() does not show. Only for prefixes no live
  // writer uses (e.g. the folder of an aborted batch). Default: nothing to remove.
  virtual Status DeleteIncomplete(std::string_view prefix) {
    (void)prefix;
    return Status::OK();
  }

  // Convenience: NewWriter + Append + Commit.
  Status Put(std::string_view key, std::string_view data);
  // Convenience: every page of List.
  Result<std::vector<ObjectInfo>> ListAll(std::string_view prefix);
};

}  // namespace fluxo
