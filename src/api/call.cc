#include "api/call.h"

#include "base/ids.h"

namespace fluxo {

HttpResponse JsonResponse(int status, const json::value& body) {
  return HttpResponse::Json(status, json::serialize(body));
}

ApiResult<json::object> BodyObject(const HttpRequest& req) {
  bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank)
    return ApiError::BadRequest(1405, "The request body is empty; a JSON object is required");
  auto v = ParseJson(req.body);
  if (!v.ok())
    return ApiError::BadRequest(kCodeBadRequest, "Request body: " + v.status().message());
  if (!v->is_object())
    return ApiError::BadRequest(kCodeBadRequest, "Request body must be a JSON object");
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
