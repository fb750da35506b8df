// MemoryObjectStore: an in-memory ObjectStore for unit tests (the fake of the interface).
// Same visibility rules as the real stores: an object appears only at Commit. Thread-safe.
// last_modified_ms comes from the Clock given at construction.
#pragma once

#include <map>

#include "base/clock.h"
#include "base/mutex.h"
#include "objstore/object_store.h"

namespace fluxo {

class MemoryObjectStore : public ObjectStore {
 public:
  // `clock` must outlive the store.
  explicit MemoryObjectStore(const Clock& clock = SystemClock::Instance()) : clock_(clock) {}

  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Result<std::string> Get(std::string_view key, ByteRange range = {}) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(const ObjectListOptions& options) override;
  Status Delete(std::string_view key) override;

  // Number of writers created and not yet committed or aborted.
  int open_writers() const EXCLUDES(mu_);

 private:
  friend class MemoryObjectWriter;
  struct Object {
    std::string data;
    int64_t last_modified_ms = 0;
  };
  void CommitObject(const std::string& key, std::string data) EXCLUDES(mu_);

  const Clock& clock_;
  mutable Mutex mu_;
  std::map<std::string, Object> objects_ GUARDED_BY(mu_);
  int open_writers_ GUARDED_BY(mu_) = 0;
};

}  // namespace fluxo
