// Data access: /data/foundation/export (api/CONTRACT.md "Data Access").
//   GET  /batches/{id}/files         the data files of a committed batch (start, limit, _links)
//   GET  /batches/{id}/failed        its failed-record files; ?path=NAME downloads one
//   GET  /batches/{id}/meta          its meta files; ?path=row_errors downloads the row errors
//   GET  /files/{fileId}             download one file (Range: bytes=a-b | a- | -n -> 206)
//   HEAD /files/{fileId}             the same headers, no body
//   GET  /datasets/{id}/preview[?limit=N]     the first rows of a dataset (src/lake/preview.h)
// Only batches that are `success` AND have their manifest are visible (see src/lake); a batch of
// another org or sandbox, an inactive (replaced or deleted) one and an unknown id answer the
// same 404.
#include "api/resources.h"
#include "base/log.h"
#include "lake/lake.h"
#include "lake/preview.h"
#include "objstore/local/local_object_store.h"
#include "objstore/range_reader.h"

namespace fluxo {

namespace {

// The failed-record file of a batch: its id suffix, its name, its key below the batch prefix.
constexpr const char* kRowErrorsSuffix = "-row_errors";
constexpr const char* kRowErrorsName = "row_errors.jsonl";
constexpr const char* kRowErrorsKey = "meta/row_errors.jsonl";
constexpr int kMaxFilesPage = 100;  // AEP: 100 files per answer at most

struct VisibleBatch {
  Entity batch;
  std::string prefix;
};

Result<Entity> ReadBatch(Call& call, const std::string& batch_id) {
  Entity b;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(b, txn.Get(call.scope, "batches", batch_id));
    return Status::OK();
  });
  if (!s.ok()) return StoreError(s, "batches", batch_id);
  return b;
}

// 404 for a batch that is not `success` (loading, failed, inactive).
Result<VisibleBatch> FindVisibleBatch(Call& call, const std::string& batch_id) {
  if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
  ASSIGN_OR_RETURN(Entity b, ReadBatch(call, batch_id));
  std::string prefix =
      Lake::BatchPrefix(call.scope, GetString(b.doc, "dataSetId").value_or(""), b.id);
  Result<bool> visible = call.deps.lake->EnsureVisible(b);
  if (!visible.ok()) return StoreError(visible.status(), "batches", batch_id);
  if (!*visible) {
    std::string status = GetString(b.doc, "status").value_or("?");
    if (status == "inactive") return NotFoundError("batches", batch_id);
    return FlowError(404, 1101,
                     "batch " + batch_id + " has no committed files (status " + status + ")",
                     "batches", batch_id);
  }
  return VisibleBatch{std::move(b), std::move(prefix)};
}

// One downloadable file of a visible batch.
struct BatchFile {
  std::string id;
  std::string name;
  std::string key;
  std::string content_type;
};

bool HasRowErrors(const Entity& batch) {
  const json::value* v = batch.doc.if_contains("hasRowErrors");
  return v && v->is_bool() && v->as_bool();
}

BatchFile RowErrorsFile(const VisibleBatch& vb) {
  return BatchFile{vb.batch.id + kRowErrorsSuffix, kRowErrorsName, vb.prefix + kRowErrorsKey,
                   "application/x-ndjson"};
}

// File ids: "<batchId>-<n>" (the n-th data file) and "<batchId>-row_errors". Batch ids have no
// '-', so the batch is what precedes the first one.
Result<BatchFile> FindFile(Call& call, const std::string& file_id) {
  auto dash = file_id.find('-');
  if (dash == std::string::npos || dash == 0) return NotFoundError("files", file_id);
  Result<VisibleBatch> vb = FindVisibleBatch(call, file_id.substr(0, dash));
  if (!vb.ok()) {
    if (vb.status().code() == StatusCode::kNotFound) return NotFoundError("files", file_id);
    return vb.status();
  }
  if (file_id == vb->batch.id + kRowErrorsSuffix && HasRowErrors(vb->batch)) {
    return RowErrorsFile(*vb);
  }
  if (auto files = vb->batch.doc.if_contains("files"); files && files->is_array()) {
    for (const auto& f : files->as_array()) {
      const json::object& o = f.as_object();
      if (GetString(o, "fileId") != std::optional<std::string>(file_id)) continue;
      return BatchFile{file_id, GetString(o, "name").value_or("part"),
                       GetString(o, "key").value_or(""), "application/octet-stream"};
    }
  }
  return NotFoundError("files", file_id);
}

// Parses "bytes=a-b", "bytes=a-", "bytes=-n" against `size`. nullopt: no (usable) Range header.
// Sets *unsatisfiable for a syntactically valid range outside the file.
std::optional<std::pair<uint64_t, uint64_t>> ParseRange(const std::string& h, uint64_t size,
                                                        bool* unsatisfiable) {
  *unsatisfiable = false;
  if (h.rfind("bytes=", 0) != 0 || h.find(',') != std::string::npos) return std::nullopt;
  std::string r = h.substr(6);
  auto dash = r.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string a = r.substr(0, dash), b = r.substr(dash + 1);
  auto num = [](const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      return false;
    *out = std::stoull(s);
    return true;
  };
  uint64_t first = 0, last = 0;
  if (a.empty()) {
    uint64_t n = 0;
    if (!num(b, &n)) return std::nullopt;
    if (n == 0 || size == 0) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    first = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    if (!num(a, &first)) return std::nullopt;
    if (b.empty()) {
      last = size - 1;
    } else if (!num(b, &last) || last < first) {
      return std::nullopt;
    }
    if (first >= size) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    if (last >= size) last = size - 1;
  }
  return std::make_pair(first, last - first + 1);
}

// The body of a download from a remote lake: ranged GETs of the file, a few ahead
// (objstore/range_reader.h), pulled by the server as the client reads. Counts itself in
// `active` while it lives; destroying it (the answer ended, early or not) cancels the reads.
class ObjectBodyStream : public HttpBodyStream {
 public:
  ObjectBodyStream(std::shared_ptr<RangeReader> reader, std::atomic<int>* active)
      : reader_(std::move(reader)), active_(active) {}
  ~ObjectBodyStream() override {
    reader_->Cancel();
    active_->fetch_sub(1);
  }
  void Pull(Ready ready) override {
    reader_->Next([ready = std::move(ready)](Result<std::string> chunk) {
      if (!chunk.ok()) {
        spdlog::warn("download cut short: {}", chunk.status().ToString());
        return ready(false, std::string());
      }
      ready(true, std::move(*chunk));
    });
  }

 private:
  std::shared_ptr<RangeReader> reader_;
  std::atomic<int>* active_;
};

// Answers GET (streamed from a local lake or with ranged GETs from a remote one) or HEAD (headers
// only) of `file`. Files of a batch never change once committed, so id and size make a strong ETag.
Result<HttpResponse> ServeFile(Call& call, const BatchFile& file, bool head) {
  ObjectStore* objects = call.deps.lake->objects();
  auto info = objects->Head(file.key);
  if (!info.ok()) return StoreError(info.status(), "files", file.id);
  uint64_t size = static_cast<uint64_t>(info->size);
  uint64_t offset = 0, length = size;
  HttpResponse res;
  res.status = 200;
  res.content_type = file.content_type;
  res.headers.emplace_back("Accept-Ranges", "bytes");
  res.headers.emplace_back("ETag", "\"" + file.id + "-" + std::to_string(size) + "\"");
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + file.name + "\"");
  if (auto range = call.http.Header("range")) {
    bool unsatisfiable = false;
    auto rg = ParseRange(*range, size, &unsatisfiable);
    if (unsatisfiable) {
      HttpResponse r416 = ErrorResponse(FlowError(416, 1410,
                                                  "Range " + *range + " is outside the file of " +
                                                      std::to_string(size) + " bytes"),
                                        call.http.request_id);
      r416.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return r416;
    }
    if (rg) {
      offset = rg->first;
      length = rg->second;
      res.status = 206;
      res.headers.emplace_back("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                                    std::to_string(offset + length - 1) + "/" +
                                                    std::to_string(size));
    }
  }
  if (head) {
    res.head_length = length;
  } else if (auto* local = dynamic_cast<LocalObjectStore*>(objects)) {
    res.file_path = local->PathOf(file.key).string();
    res.file_offset = offset;
    res.file_length = length;
  } else {
    const ApiDeps& d = call.deps;
    if (d.download_pool == nullptr || d.downloads_active == nullptr) {
      return Status::Internal("no download pool");
    }
    if (d.downloads_active->fetch_add(1) >= d.max_downloads) {
      d.downloads_active->fetch_sub(1);
      HttpResponse busy =
          ErrorResponse(FlowError(429, kCodePoolFull,
                                  "too many downloads in progress (" +
                                      std::to_string(d.max_downloads) + "); retry later"),
                        call.http.request_id);
      busy.headers.emplace_back("Retry-After", "1");
      return busy;
    }
    WorkerPool* pool = d.download_pool;
    JobRunner runner = [pool](std::function<void()> job) {
      // A job dropped at shutdown runs anyway: after the server stopped, its reader is
      // cancelled and the job only ends the read (RangeReader::Fetch).
      WorkerPool::Job j{job, job};
      return pool->TrySubmit(std::move(j));
    };
    auto reader = RangeReader::Start(
        objects, file.key, static_cast<int64_t>(offset), static_cast<int64_t>(length),
        RangeReadOptions{d.download_chunk, d.download_read_ahead}, std::move(runner));
    res.stream = std::make_shared<ObjectBodyStream>(std::move(reader), d.downloads_active);
    res.stream_length = length;
  }
  return res;
}

// `start` (offset, default 0) and `limit` (1..100, default 100) of the file lists.
struct FilesPage {
  size_t start = 0;
  size_t limit = kMaxFilesPage;
};

Result<FilesPage> ParseFilesPage(const Call& call) {
  FilesPage p;
  auto number = [](const std::string& v, size_t max, size_t* out) {
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
      return false;
    *out = std::stoul(v);
    return *out <= max;
  };
  if (const std::string* v = FindParam(call.query, "start"); v && !number(*v, 999999999, &p.start))
    return BadRequest(kCodeBadRequest, "start must be an integer >= 0");
  if (const std::string* v = FindParam(call.query, "limit");
      v && (!number(*v, kMaxFilesPage, &p.limit) || p.limit == 0)) {
    return BadRequest(kCodeBadRequest, "limit must be an integer from 1 to 100");
  }
  return p;
}

// The list answer of AEP's Data Access: {data, _page: {limit, count}, _links: {next?}} where
// `count` is the number of items on this page and `next` links the following page.
HttpResponse FilesAnswer(json::array all, const FilesPage& page, const std::string& self) {
  json::array data;
  for (size_t i = page.start; i < all.size() && data.size() < page.limit; ++i)
    data.push_back(std::move(all[i]));
  json::object links;
  if (page.start + data.size() < all.size()) {
    std::string sep = self.find('?') == std::string::npos ? "?" : "&";
    links["next"] =
        json::object{{"href", self + sep + "start=" + std::to_string(page.start + data.size()) +
                                  "&limit=" + std::to_string(page.limit)}};
  }
  size_t n = data.size();
  return JsonResponse(200, json::object{{"data", std::move(data)},
                                        {"_page", {{"limit", page.limit}, {"count", n}}},
                                        {"_links", std::move(links)}});
}

// The failed-record files of a batch with row errors; empty for one without.
Result<json::array> FailedFiles(Call& call, const VisibleBatch& vb, const std::string& base) {
  json::array out;
  if (!HasRowErrors(vb.batch)) return out;
  BatchFile f = RowErrorsFile(vb);
  auto info = call.deps.lake->objects()->Head(f.key);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) return out;
    return info.status();
  }
  out.push_back(json::object{{"name", f.name},
                             {"length", std::to_string(info->size)},
                             {"_links", {{"self", {{"href", base + "/files/" + f.id}}}}}});
  return out;
}

// `limit` of the preview: 1..1000, default 100.
Result<int64_t> PreviewLimit(const Call& call) {
  const std::string* v = FindParam(call.query, "limit");
  if (!v) return 100;
  if (v->empty() || v->size() > 4 || v->find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(*v) < 1 || std::stoi(*v) > 1000) {
    return BadRequest(kCodeBadRequest, "limit must be an integer from 1 to 1000");
  }
  return std::stoi(*v);
}

json::array DataFilesOf(const VisibleBatch& vb, const std::string& base) {
  json::array data;
  const json::value* files = vb.batch.doc.if_contains("files");
  if (!files || !files->is_array()) return data;
  json::value completed =
      vb.batch.doc.contains("completed") ? vb.batch.doc.at("completed") : json::value();
  for (const auto& f : files->as_array()) {
    const auto& o = f.as_object();
    std::string file_id = GetString(o, "fileId").value_or("");
    data.push_back(json::object{{"dataSetFileId", file_id},
                                {"dataSetViewId", vb.batch.doc.at("dataSetId")},
                                {"version", "1.0.0"},
                                {"created", completed},
                                {"updated", completed},
                                {"isValid", true},
                                {"name", o.at("name")},
                                {"length", o.at("size")},
                                {"records", o.at("records")},
                                {"_links", {{"self", {{"href", base + "/files/" + file_id}}}}}});
  }
  return data;
}

}  // namespace

void RegisterExportRoutes(Router& r, const std::string& base) {
  r.Add("GET", base + "/batches/{id}/files", [base](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(FilesPage page, ParseFilesPage(call));
    ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, call.param(0)));
    return FilesAnswer(DataFilesOf(vb, base), page, base + "/batches/" + vb.batch.id + "/files");
  });

  // `path`, when given, must be the file's name: a fluxo file id names one file, never a folder.
  for (const char* method : {"GET", "HEAD"}) {
    bool head = std::string(method) == "HEAD";
    r.Add(method, base + "/files/{id}", [head](Call& call) -> Result<HttpResponse> {
      ASSIGN_OR_RETURN(BatchFile f, FindFile(call, call.param(0)));
      const std::string* path = FindParam(call.query, "path");
      if (path && *path != f.name) {
        return FlowError(404, 1101,
                         "file " + f.id + " has no path " + *path + " (it is " + f.name + ")",
                         "files", f.id);
      }
      return ServeFile(call, f, head);
    });
  }

  // A `failed` batch keeps nothing (Abort removes its objects; its reason is the Catalog batch's
  // `errors`): an empty list. A `success` batch lists its row errors file when it has one.
  r.Add("GET", base + "/batches/{id}/failed", [base](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(FilesPage page, ParseFilesPage(call));
    const std::string* path = FindParam(call.query, "path");
    if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
    ASSIGN_OR_RETURN(Entity b, ReadBatch(call, call.param(0)));
    json::array files;
    if (GetString(b.doc, "status") != std::optional<std::string>("failed")) {
      ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, b.id));
      ASSIGN_OR_RETURN(files, FailedFiles(call, vb, base));
      if (path && !files.empty() && *path == kRowErrorsName) {
        return ServeFile(call, RowErrorsFile(vb), /*head=*/false);
      }
    }
    if (path) {
      return FlowError(404, 1101,
                       "batch " + b.id + " has no failed-record file " + *path +
                           (files.empty() ? " (it has none)" : " (it has row_errors.jsonl)"),
                       "batches", b.id);
    }
    return FilesAnswer(std::move(files), page, base + "/batches/" + b.id + "/failed");
  });

  // Meta files: `row_errors` (a directory of one file in fluxo, served as its content). AEP's
  // `input_files` and `row_errors_sample.json` are not kept: 404 like any other path.
  r.Add("GET", base + "/batches/{id}/meta", [base](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(FilesPage page, ParseFilesPage(call));
    const std::string* path = FindParam(call.query, "path");
    ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, call.param(0)));
    ASSIGN_OR_RETURN(json::array failed, FailedFiles(call, vb, base));
    std::string self = base + "/batches/" + vb.batch.id + "/meta";
    if (!path) {
      json::array data;
      for (auto& f : failed) {
        data.push_back(json::object{{"name", "row_errors"},
                                    {"length", f.as_object().at("length")},
                                    {"_links", {{"self", {{"href", self + "?path=row_errors"}}}}}});
      }
      return FilesAnswer(std::move(data), page, self);
    }
    if ((*path == "row_errors" || *path == "row_errors/") && !failed.empty()) {
      return ServeFile(call, RowErrorsFile(vb), /*head=*/false);
    }
    if (*path == "row_errors" || *path == "row_errors/") {
      return FlowError(404, 1101,
                       "batch " + vb.batch.id +
                           " has no row_errors (no failed records, or "
                           "errorDiagnosticsEnabled was off)",
                       "batches", vb.batch.id);
    }
    return FlowError(404, 1101,
                     "path " + *path + " is not a meta file of batch " + vb.batch.id +
                         " (fluxo keeps row_errors only)",
                     "batches", vb.batch.id);
  });

  r.Add("GET", base + "/datasets/{id}/preview", [](Call& call) -> Result<HttpResponse> {
    if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
    PreviewLimits limits;
    ASSIGN_OR_RETURN(limits.max_rows, PreviewLimit(call));
    auto p = PreviewDataset(*call.deps.lake, *call.deps.store, call.scope, call.param(0), limits);
    if (p.status().code() == StatusCode::kInvalidArgument) {  // a file the reader refuses
      return BadRequest(kCodeBadRequest, "dataset " + call.param(0) +
                                             " cannot be previewed: " + p.status().message());
    }
    if (!p.ok()) return StoreError(p.status(), "dataSets", call.param(0));
    json::array batches(p->batch_ids.begin(), p->batch_ids.end());
    return JsonResponse(200, json::object{{"data", std::move(p->rows)},
                                          {"columns", std::move(p->columns)},
                                          {"batches", std::move(batches)},
                                          {"truncated", p->truncated}});
  });
}

}  // namespace fluxo
