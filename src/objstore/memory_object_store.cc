#include "objstore/memory_object_store.h"

#include <algorithm>

namespace fluxo {

class MemoryObjectWriter : public ObjectWriter {
 public:
  MemoryObjectWriter(MemoryObjectStore* store, std::string key)
      : store_(store), key_(std::move(key)) {}
  ~MemoryObjectWriter() override { Abort(); }

  Status Append(std::string_view data) override {
    if (done_) return Status::FailedPrecondition("object writer is closed");
    data_.append(data);
    written_ += static_cast<int64_t>(data.size());
    return Status::OK();
  }
  Status Commit() override {
    if (done_) return Status::FailedPrecondition("object writer is closed");
    done_ = true;
    store_->CommitObject(key_, std::move(data_));
    return Status::OK();
  }
  void Abort() override {
    if (done_) return;
    done_ = true;
    MutexLock lock(&store_->mu_);
    --store_->open_writers_;
  }
  int64_t bytes_written() const override { return written_; }
  const std::string& key() const override { return key_; }

 private:
  MemoryObjectStore* store_;
  std::string key_;
  std::string data_;
  int64_t written_ = 0;
  bool done_ = false;
};

Result<std::unique_ptr<ObjectWriter>> MemoryObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  {
    MutexLock lock(&mu_);
    ++open_writers_;
  }
  return std::unique_ptr<ObjectWriter>(new MemoryObjectWriter(this, std::string(key)));
}

void MemoryObjectStore::CommitObject(const std::string& key, std::string data) {
  MutexLock lock(&mu_);
  --open_writers_;
  objects_[key] = Object{std::move(data), clock_.NowMillis()};
}

int MemoryObjectStore::open_writers() const {
  MutexLock lock(&mu_);
  return open_writers_;
}

Result<std::string> MemoryObjectStore::Get(std::string_view key, ByteRange range) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  MutexLock lock(&mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("object '" + std::string(key) + "' not found");
  const std::string& d = it->second.data;
  int64_t size = static_cast<int64_t>(d.size());
  if (range.offset < 0 || (range.offset > 0 && range.offset >= size)) {
    return Status::InvalidArgument("range starts past the end of '" + std::string(key) + "'");
  }
  int64_t len =
      range.length < 0 ? size - range.offset : std::min(range.length, size - range.offset);
  return d.substr(static_cast<size_t>(range.offset), static_cast<size_t>(len));
}

Result<ObjectInfo> MemoryObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  MutexLock lock(&mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("object '" + std::string(key) + "' not found");
  return ObjectInfo{it->first, static_cast<int64_t>(it->second.data.size()),
                    it->second.last_modified_ms};
}

Result<ListPage> MemoryObjectStore::List(const ObjectListOptions& options) {
  if (options.max_keys < 1 || options.max_keys > 1000) {
    return Status::InvalidArgument("max_keys must be in 1..1000");
  }
  MutexLock lock(&mu_);
  ListPage page;
  auto it = options.continuation_token.empty() ? objects_.lower_bound(options.prefix)
                                               : objects_.upper_bound(options.continuation_token);
  for (; it != objects_.end(); ++it) {
    if (it->first.compare(0, options.prefix.size(), options.prefix) != 0) {
      if (it->first > options.prefix) break;
      continue;
    }
    if (static_cast<int>(page.objects.size()) == options.max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    page.objects.push_back(ObjectInfo{it->first, static_cast<int64_t>(it->second.data.size()),
                                      it->second.last_modified_ms});
  }
  return page;
}

Status MemoryObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  MutexLock lock(&mu_);
  objects_.erase(std::string(key));
  return Status::OK();
}

}  // namespace fluxo
