#include "api/resources.h"

#include "api/etag.h"
#include "base/ids.h"

namespace fluxo {

std::string ListTokenKey(const ApiDeps& deps) { return "continuation tokens/" + deps.token_key; }

json::object IdEtag(const Entity& e) { return {{"id", e.id}, {"etag", e.etag}}; }

HttpResponse CreatedResponse(const std::string& location, const Entity& e) {
  HttpResponse r = JsonResponse(201, IdEtag(e));
  r.headers.emplace_back("Location", location);
  return r;
}

Status CheckOptionalString(const json::object& obj, std::string_view name, std::string_view field) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr || v->is_string()) return Status::OK();
  return BadRequest(kCodeBadRequest, std::string(field) + " must be a string");
}

Status StoreError(const Status& s, const std::string& kind, const std::string& id) {
  if (!s.detail().empty()) return s;
  switch (s.code()) {
    case StatusCode::kNotFound: return NotFoundError(kind, id);
    case StatusCode::kFailedPrecondition: return FlowError(412, 1404, s.message(), kind, id);
    case StatusCode::kAlreadyExists: return FlowError(409, kCodeBadRequest, s.message(), kind, id);
    default: return s;
  }
}

Status InTransaction(Call& call, const std::function<Status(MetaTxn&)>& fn) {
  Status api_error;
  Status s = call.deps.store->Transact([&](MetaTxn& txn) -> Status {
    api_error = fn(txn);
    // Any error of `fn` rolls the transaction back; it travels in api_error (a Cancelled status
    // is never retried by the store).
    return api_error.ok() ? Status::OK() : Status::Cancelled("rolled back");
  });
  if (!api_error.ok()) return api_error;
  return s;
}

Result<Entity> GetEntity(Call& call, MetaTxn& txn, const std::string& kind, const std::string& id) {
  auto e = txn.Get(call.scope, kind, id);
  if (!e.ok()) return StoreError(e.status(), kind, id);
  return std::move(e).value();
}

Result<HttpResponse> ListEntities(Call& call, const std::string& kind,
                                  const ListOptions& endpoint_options,
                                  const std::string& self_path) {
  ListOptions options = endpoint_options;
  options.token_key = ListTokenKey(call.deps);
  ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(call.query, options));
  if (q.count) {
    int64_t n = 0;
    Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(n, txn.Count(call.scope, kind, q));
      return Status::OK();
    });
    if (s.code() == StatusCode::kInvalidArgument) return BadRequest(1450, s.message());
    if (!s.ok()) return s;
    return JsonResponse(200, json::object{{"count", n}});
  }
  EntityPage page;
  q.raw_documents = true;  // documents pass through as stored
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(page, txn.List(call.scope, kind, q));
    return Status::OK();
  });
  if (s.code() == StatusCode::kInvalidArgument) {
    return BadRequest(
        s.message().find("continuation") != std::string::npos ? kCodeBadRequest : 1450,
        s.message());
  }
  if (!s.ok()) return s;
  // {"items":[<stored documents>],"_links":{...}} without parsing the documents.
  std::string body = "{\"items\":[";
  size_t total = 64;
  for (const auto& e : page.items) total += e.raw_doc.size() + 1;
  body.reserve(total);
  for (size_t i = 0; i < page.items.size(); ++i) {
    if (i) body += ',';
    body += page.items[i].raw_doc;
  }
  json::object links;
  if (page.has_more && !page.items.empty()) {
    std::string token =
        EncodeContinuationToken(q, page.last_sort_value, page.items.back().id, options);
    links["next"] = json::object{{"href", NextPageHref(self_path, token)}};
  }
  body += "],\"_links\":" + json::serialize(links) + "}";
  return HttpResponse::Json(200, std::move(body));
}

bool IsDraft(const json::object& doc) {
  return GetString(doc, "state") == std::optional<std::string>(kDraftState);
}

namespace {

// `?mode=` of a create: "draft" where the collection has drafts, else refused.
Result<bool> DraftMode(const Call& call, const ResourceHooks& h) {
  const std::string* mode = FindParam(call.query, "mode");
  if (mode == nullptr) return false;
  if (!h.drafts) {
    return BadRequest(kCodeBadRequest, "mode=" + *mode + ": fluxo keeps no drafts of " + h.kind);
  }
  std::string m = *mode;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (m != "draft") return BadRequest(kCodeBadRequest, "mode must be draft, not " + *mode);
  return true;
}

std::string UpperCase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void RegisterPublishAction(Router& r, const std::string& base, const std::string& kind,
                           std::function<Status(Call&, MetaTxn&, const Entity&)> before_publish) {
  r.Add("POST", base + "/" + kind + "/{id}/action",
        [kind, before_publish](Call& call) -> Result<HttpResponse> {
          const std::string* op = FindParam(call.query, "op");
          if (!op || op->empty()) return BadRequest(kCodeBadRequest, "op is required: PUBLISH");
          std::string o = UpperCase(*op);
          if (o == "FINALIZE" || o == "FINALIZE_UPDATE") {
            return BadRequest(kCodeBadRequest,
                              "op " + *op +
                                  " is not supported: fluxo applies a PATCH at once, "
                                  "so there is no staged update to finalize");
          }
          if (o != "PUBLISH") {
            return BadRequest(kCodeBadRequest,
                              "op " + *op + " is not an action of " + kind + " (PUBLISH)");
          }
          if (FindParam(call.query, "subOp")) {
            return BadRequest(kCodeBadRequest,
                              "subOp applies to FINALIZE_UPDATE, which fluxo does not support; "
                              "PUBLISH takes none");
          }
          const std::string& id = call.param(0);
          Entity updated;
          Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
            ASSIGN_OR_RETURN(Entity cur, GetEntity(call, txn, kind, id));
            if (!IsDraft(cur.doc)) {
              return FlowError(400, 1422,
                               kind + " " + id + " is " +
                                   GetString(cur.doc, "state").value_or("?") +
                                   ", not a draft; only a draft (created with ?mode=draft) can "
                                   "be published",
                               kind, id);
            }
            if (before_publish) RETURN_IF_ERROR(before_publish(call, txn, cur));
            updated = cur;
            updated.doc["state"] = "enabled";
            StampUpdate(updated, call);
            Status s = txn.Update(call.scope, updated, cur.etag);
            if (!s.ok()) return StoreError(s, kind, id);
            return Status::OK();
          });
          if (!err.ok()) return err;
          return JsonResponse(200, IdEtag(updated));
        });
}

void RegisterCrud(Router& r, const std::string& base, ResourceHooks hooks) {
  auto h = std::make_shared<ResourceHooks>(std::move(hooks));
  const std::string coll = base + "/" + h->kind;
  const std::string one = coll + "/{id}";
  const std::string self_path = "/" + h->kind;

  r.Add("POST", coll, [h, coll](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(bool draft, DraftMode(call, *h));
    ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
    Entity created;
    Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
      Entity e;
      e.kind = h->kind;
      e.id = NewUuid();
      auto built = h->create(call, txn, body, std::move(e));  // may run again: copy
      if (!built.ok()) return built.status();
      created = std::move(built).value();
      if (draft) created.doc["state"] = kDraftState;
      StampCreate(created, call);
      Status s = txn.Insert(call.scope, created);
      if (!s.ok()) return StoreError(s, h->kind, created.id);
      return Status::OK();
    });
    if (!err.ok()) return err;
    return CreatedResponse(coll + "/" + created.id, created);
  });

  r.Add("GET", coll, [h, self_path](Call& call) -> Result<HttpResponse> {
    return ListEntities(call, h->kind, h->list, self_path);
  });

  r.Add("GET", one, [h](Call& call) -> Result<HttpResponse> {
    Entity e;
    Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(e, txn.Get(call.scope, h->kind, call.param(0)));
      return Status::OK();
    });
    if (!s.ok()) return StoreError(s, h->kind, call.param(0));
    return JsonResponse(200, json::object{{"items", json::array{std::move(e.doc)}}});
  });

  r.Add("PATCH", one, [h](Call& call) -> Result<HttpResponse> {
    const std::string& id = call.param(0);
    auto patch = ParseJsonNoDuplicateKeys(call.http.body);
    if (call.http.body.find_first_not_of(" \t\r\n") == std::string::npos) {
      return BadRequest(1405, "The request body is empty; a JSON Patch array is required");
    }
    if (!patch.ok())
      return BadRequest(kCodeBadRequest, "Request body: " + patch.status().message());
    Entity updated;
    Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
      auto cur = txn.Get(call.scope, h->kind, id);
      if (!cur.ok()) return StoreError(cur.status(), h->kind, id);
      if (Status e =
              CheckIfMatch(call.http.Header("if-match"),
                           FindParam(call.query, "if-match")
                               ? std::optional<std::string>(*FindParam(call.query, "if-match"))
                               : std::nullopt,
                           cur->etag, h->kind, id);
          !e.ok()) {
        return e;
      }
      json::object full = cur->doc;
      PatchOptions opts;
      opts.check = h->patch_check;
      auto applied = ApplyJsonPatch(full, *patch, opts);
      if (!applied.ok()) return applied.status();
      if (!applied->document.is_object()) {
        return BadRequest(kCodeBadRequest, "The patch must leave a JSON object");
      }
      json::object patched = std::move(applied->document.as_object());
      if (h->update) {
        auto u = h->update(call, txn, std::move(patched), *cur);
        if (!u.ok()) return u.status();
        updated = std::move(u).value();
      } else {
        updated = *cur;
        updated.doc = std::move(patched);
      }
      updated.kind = h->kind;
      updated.id = id;
      updated.created_at = cur->created_at;
      // Audit fields are the server's: restore what a patch may have touched.
      for (const char* k : {"id", "createdAt", "createdBy", "createdClient", "sandboxId",
                            "sandboxName", "imsOrgId"}) {
        if (auto it = cur->doc.find(k); it != cur->doc.end()) updated.doc[k] = it->value();
      }
      if (IsDraft(cur->doc)) updated.doc["state"] = kDraftState;  // published only by op=publish
      StampUpdate(updated, call);
      Status s = txn.Update(call.scope, updated, cur->etag);
      if (!s.ok()) return StoreError(s, h->kind, id);
      return Status::OK();
    });
    if (!err.ok()) return err;
    return JsonResponse(200, IdEtag(updated));
  });

  r.Add("DELETE", one, [h](Call& call) -> Result<HttpResponse> {
    const std::string& id = call.param(0);
    Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
      auto cur = txn.Get(call.scope, h->kind, id);
      if (!cur.ok()) return StoreError(cur.status(), h->kind, id);
      // If-Match is optional on delete; when sent it must be current.
      auto header = call.http.Header("if-match");
      const std::string* q = FindParam(call.query, "if-match");
      if ((header && !header->empty()) || (q && !q->empty())) {
        if (Status e = CheckIfMatch(header, q ? std::optional<std::string>(*q) : std::nullopt,
                                    cur->etag, h->kind, id);
            !e.ok()) {
          return e;
        }
      }
      if (h->before_delete) {
        if (Status e = h->before_delete(call, txn, *cur); !e.ok()) return e;
      }
      Status s = txn.Delete(call.scope, h->kind, id);
      if (s.code() == StatusCode::kFailedPrecondition) {
        return FlowError(400, 1418, "Cannot delete " + h->kind + " " + id + ": " + s.message(),
                         h->kind, id);
      }
      if (!s.ok()) return StoreError(s, h->kind, id);
      return Status::OK();
    });
    if (!err.ok()) return err;
    HttpResponse res;
    res.status = 204;
    res.content_type = "application/json";
    return res;
  });
}

}  // namespace fluxo
