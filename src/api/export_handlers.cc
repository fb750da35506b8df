// Data access: /data/foundation/export.
//   GET /batches/{id}/files         the files of a committed batch, with sizes and links
//   GET /files/{fileId}             download one file (Range: bytes=a-b | a- | -n -> 206)
//   GET /batches/{id}/meta?path=row_errors   failed-record diagnostics (JSON Lines)
//   GET /datasets/{id}/preview[?limit=N]     the first rows of a dataset (src/lake/preview.h)
// Only batches that are `success` AND have their manifest are visible (see src/lake).
#include "api/resources.h"
#include "lake/lake.h"
#include "lake/preview.h"
#include "objstore/local/local_object_store.h"

namespace fluxo {

namespace {

struct VisibleBatch {
  Entity batch;
  std::string prefix;
};

Result<VisibleBatch> FindVisibleBatch(Call& call, const std::string& batch_id) {
  if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
  Entity b;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(b, txn.Get(call.scope, "batches", batch_id));
    return Status::OK();
  });
  if (!s.ok()) return StoreError(s, "batches", batch_id);
  std::string prefix =
      Lake::BatchPrefix(call.scope, GetString(b.doc, "dataSetId").value_or(""), b.id);
  Result<bool> visible = call.deps.lake->EnsureVisible(b);
  if (!visible.ok()) return StoreError(visible.status(), "batches", batch_id);
  if (!*visible) {
    return FlowError(404, 1101,
                     "batch " + batch_id + " has no committed files (status " +
                         GetString(b.doc, "status").value_or("?") + ")",
                     "batches", batch_id);
  }
  return VisibleBatch{std::move(b), std::move(prefix)};
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

}  // namespace

void RegisterExportRoutes(Router& r, const std::string& base) {
  r.Add("GET", base + "/batches/{id}/files", [base](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, call.param(0)));
    json::array data;
    if (auto files = vb.batch.doc.if_contains("files"); files && files->is_array()) {
      for (const auto& f : files->as_array()) {
        const auto& o = f.as_object();
        std::string file_id = GetString(o, "fileId").value_or("");
        data.push_back(json::object{
            {"dataSetFileId", file_id},
            {"dataSetViewId", vb.batch.doc.at("dataSetId")},
            {"version", "1.0.0"},
            {"created",
             vb.batch.doc.contains("completed") ? vb.batch.doc.at("completed") : json::value()},
            {"updated",
             vb.batch.doc.contains("completed") ? vb.batch.doc.at("completed") : json::value()},
            {"isValid", true},
            {"name", o.at("name")},
            {"length", o.at("size")},
            {"records", o.at("records")},
            {"_links", {{"self", {{"href", base + "/files/" + file_id}}}}}});
      }
    }
    size_t n = data.size();
    return JsonResponse(
        200, json::object{{"data", std::move(data)}, {"_page", {{"limit", 100}, {"count", n}}}});
  });

  r.Add("GET", base + "/files/{id}", [](Call& call) -> Result<HttpResponse> {
    const std::string& file_id = call.param(0);
    auto dash = file_id.rfind('-');
    if (dash == std::string::npos) return NotFoundError("files", file_id);
    ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, file_id.substr(0, dash)));
    const json::object* file = nullptr;
    if (auto files = vb.batch.doc.if_contains("files"); files && files->is_array()) {
      for (const auto& f : files->as_array()) {
        if (GetString(f.as_object(), "fileId") == std::optional<std::string>(file_id))
          file = &f.as_object();
      }
    }
    if (!file) return NotFoundError("files", file_id);
    std::string key = GetString(*file, "key").value_or("");
    ObjectStore* objects = call.deps.lake->objects();
    auto head = objects->Head(key);
    if (!head.ok()) return StoreError(head.status(), "files", file_id);
    uint64_t size = static_cast<uint64_t>(head->size);
    uint64_t offset = 0, length = size;
    int status = 200;
    HttpResponse res;
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
        status = 206;
        res.headers.emplace_back("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                                      std::to_string(offset + length - 1) + "/" +
                                                      std::to_string(size));
      }
    }
    res.status = status;
    res.content_type = "application/octet-stream";
    res.headers.emplace_back("Accept-Ranges", "bytes");
    res.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"" + GetString(*file, "name").value_or("part") + "\"");
    if (auto* local = dynamic_cast<LocalObjectStore*>(objects)) {
      res.file_path = local->PathOf(key).string();
      res.file_offset = offset;
      res.file_length = length;
    } else {
      auto bytes =
          objects->Get(key, ByteRange{static_cast<int64_t>(offset), static_cast<int64_t>(length)});
      if (!bytes.ok()) return bytes.status();
      res.body = std::move(bytes).value();
    }
    return res;
  });

  r.Add("GET", base + "/batches/{id}/meta", [](Call& call) -> Result<HttpResponse> {
    const std::string* path = FindParam(call.query, "path");
    if (!path || path->empty())
      return BadRequest(kCodeBadRequest, "path is required (path=row_errors)");
    if (*path != "row_errors" && *path != "row_errors/") {
      return BadRequest(kCodeBadRequest,
                        "path " + *path + " is not a batch meta path (row_errors)");
    }
    ASSIGN_OR_RETURN(VisibleBatch vb, FindVisibleBatch(call, call.param(0)));
    auto content = call.deps.lake->objects()->Get(vb.prefix + "meta/row_errors.jsonl");
    if (!content.ok()) {
      if (content.status().code() == StatusCode::kNotFound) {
        return FlowError(404, 1101,
                         "batch " + vb.batch.id +
                             " has no row_errors (no failed records, or "
                             "errorDiagnosticsEnabled was off)",
                         "batches", vb.batch.id);
      }
      return content.status();
    }
    HttpResponse res;
    res.content_type = "application/x-ndjson";
    res.body = std::move(content).value();
    return res;
  });

  r.Add("GET", base + "/datasets/{id}/preview", [](Call& call) -> Result<HttpResponse> {
    if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
    PreviewLimits limits;
    ASSIGN_OR_RETURN(limits.max_rows, PreviewLimit(call));
    auto p = PreviewDataset(*call.deps.lake, *call.deps.store, call.scope, call.param(0), limits);
    if (!p.ok()) return StoreError(p.status(), "dataSets", call.param(0));
    json::array batches(p->batch_ids.begin(), p->batch_ids.end());
    return JsonResponse(200, json::object{{"data", std::move(p->rows)},
                                          {"columns", std::move(p->columns)},
                                          {"batches", std::move(batches)},
                                          {"truncated", p->truncated}});
  });
}

}  // namespace fluxo
