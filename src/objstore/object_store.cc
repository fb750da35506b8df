#include "objstore/object_store.h"

namespace fluxo {

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("object key '" + std::string(key.substr(0, 200)) + "': " + why);
  };
  if (key.empty()) return bad("empty");
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  if (key.front() == '/') return bad("absolute keys are not allowed");
  if (key.back() == '/') return bad("ends with '/'");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' and '..' segments are not allowed");
    start = end + 1;
  }
  for (char c : key) {
    if (c == '\0') return bad("contains NUL");
    if (c == '\\') return bad("contains a backslash");
  }
  return Status::OK();
}

Status ObjectStore::Put(std::string_view key, std::string_view data) {
  ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> w, NewWriter(key));
  Status st = w->Append(data);
  if (!st.ok()) {
    w->Abort();
    return st;
  }
  return w->Commit();
}

Result<std::vector<ObjectInfo>> ObjectStore::ListAll(std::string_view prefix) {
  std::vector<ObjectInfo> all;
  ObjectListOptions opts;
  opts.prefix = std::string(prefix);
  while (true) {
    ASSIGN_OR_RETURN(ListPage page, List(opts));
    for (ObjectInfo& o : page.objects) all.push_back(std::move(o));
    if (page.next_token.empty()) break;
    opts.continuation_token = std::move(page.next_token);
  }
  return all;
}

}  // namespace fluxo
