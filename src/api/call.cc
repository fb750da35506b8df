#include "api/call.h"

#include "base/ids.h"
#include "base/log.h"

namespace fluxo {

HttpResponse JsonResponse(int status, const json::value& body) {
  return HttpResponse::Json(status, json::serialize(body));
}

HttpResponse ErrorResponse(const Status& s, const std::string& request_id,
                           const std::string& what) {
  ApiError e = ToApiError(s);
  if (e.http_status >= 500) spdlog::error("{} -> {}: {}", what, e.http_status, e.message);
  return JsonResponse(e.http_status, ToJsonBody(e, request_id));
}

HttpResponse Deferred(const Call& call, std::function<Result<HttpResponse>()> work,
                      const std::string& busy_what) {
  HttpResponse r;
  WorkerPool* pool = call.deps.pool;
  std::string rid = call.http.request_id;
  std::string what = call.http.method + " " + call.http.path;
  r.deferred = [pool, rid, what, busy_what, work = std::move(work)](HttpCompletion complete) {
    auto answer = [rid, what, complete](Result<HttpResponse> res) {
      complete(res.ok() ? std::move(res).value() : ErrorResponse(res.status(), rid, what));
    };
    if (!pool) return answer(work());  // no pool configured (tests of single handlers)
    WorkerPool::Job job;
    job.run = [rid, answer, work] {
      ScopedRequestId scoped(rid);
      answer(work());
    };
    job.drop = [answer] {
      answer(FlowError(503, kCodePoolFull, "the server is shutting down; retry on another node"));
    };
    if (pool->TrySubmit(std::move(job))) return;
    const WorkerPoolOptions& o = pool->options();
    HttpResponse busy = ErrorResponse(
        FlowError(429, kCodePoolFull,
                  "too many " + busy_what + " in progress (" + std::to_string(o.threads) +
                      " running, " + std::to_string(o.queue_limit) + " waiting); retry later"),
        rid, what);
    busy.headers.emplace_back("Retry-After", "1");
    complete(std::move(busy));
  };
  return r;
}

Result<json::object> BodyObject(const HttpRequest& req) {
  bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) return BadRequest(1405, "The request body is empty; a JSON object is required");
  auto v = ParseJsonNoDuplicateKeys(req.body);
  if (!v.ok()) return BadRequest(kCodeBadRequest, "Request body: " + v.status().message());
  if (!v->is_object()) return BadRequest(kCodeBadRequest, "Request body must be a JSON object");
  return std::move(v->as_object());
}

void StampCreate(Entity& e, const Call& call) {
  int64_t now = call.now_ms();
  e.created_at = e.updated_at = now;
  e.etag = NewEtag(now);
  auto& d = e.doc;
  d["id"] = e.id;
  d["createdAt"] = now;
  d["updatedAt"] = now;
  d["createdBy"] = call.principal.client_id + "@AdobeID";
  d["updatedBy"] = call.principal.client_id + "@AdobeID";
  d["createdClient"] = call.principal.client_id;
  d["updatedClient"] = call.principal.client_id;
  d["sandboxId"] = call.principal.sandbox_id;
  d["sandboxName"] = call.principal.sandbox_name;
  d["imsOrgId"] = call.principal.org;
  d["etag"] = e.etag;
  d["version"] = e.etag;
}

void StampUpdate(Entity& e, const Call& call) {
  int64_t now = call.now_ms();
  e.updated_at = now;
  e.etag = NewEtag(now);
  auto& d = e.doc;
  d["updatedAt"] = now;
  d["updatedBy"] = call.principal.client_id + "@AdobeID";
  d["updatedClient"] = call.principal.client_id;
  d["etag"] = e.etag;
  d["version"] = e.etag;
}

}  // namespace fluxo
