// The Schema Registry subset under /data/foundation/schemaregistry: tenant schemas (create, get,
// list), scoped to org and sandbox like every entity. A schema is a JSON Schema of nested
// objects, arrays of primitives and XDM's common types and formats (dataprep/xdm_schema.h);
// mapping sets with an outputSchema and datasets with a schemaRef must name one.
//
//   POST /tenant/schemas   201 {"$id", "meta:altId", "meta:resourceType", "version", "title", ...}
//   GET  /tenant/schemas   200 {"results": [{"$id", "meta:altId", "version", "title"}], "_page",
//   "_links"} GET  /tenant/schemas/{id}   by URL-encoded $id, meta:altId, or the bare id
#include "api/dataprep.h"
#include "api/resources.h"
#include "base/ids.h"
#include "dataprep/xdm_schema.h"

namespace fluxo {

namespace {

constexpr const char* kSchemas = "schemas";

// The tenant namespace of an org: its id's letters and digits before '@', lower case.
std::string TenantOf(const std::string& org) {
  std::string t;
  for (char c : org.substr(0, org.find('@')))
    if (std::isalnum(static_cast<unsigned char>(c)))
      t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t.empty() ? "tenant" : t;
}

// The entity id inside any of a schema's names ($id URL, meta:altId, or the id itself).
std::string EntityIdOf(const std::string& ref) {
  size_t cut = ref.find_last_of("/.");
  return cut == std::string::npos ? ref : ref.substr(cut + 1);
}

Result<HttpResponse> CreateSchema(Call& call) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  auto title = GetString(body, "title");
  if (!title || title->empty())
    return BadRequest(kCodeBadRequest, "title is required and must be a non-empty string");
  auto fields = dataprep::FlattenXdmSchema(body);
  if (!fields.ok())
    return BadRequest(kCodeSchemaInvalid, "schema is invalid: " + fields.status().message());
  Entity e;
  e.kind = kSchemas;
  e.id = NewCatalogId();
  std::string tenant = TenantOf(call.principal.org);
  json::object doc;
  doc["$id"] = "https://ns.adobe.com/" + tenant + "/schemas/" + e.id;
  doc["meta:altId"] = "_" + tenant + ".schemas." + e.id;
  doc["meta:resourceType"] = "schemas";
  doc["version"] = "1.0";
  doc["title"] = *title;
  for (const char* k : {"description", "type", "properties", "meta:class", "meta:extends"})
    if (auto v = body.if_contains(k)) doc[k] = *v;
  e.doc = std::move(doc);
  e.created_at = e.updated_at = call.now_ms();
  e.etag = NewEtag(e.created_at);
  e.doc["meta:registryMetadata"] =
      json::object{{"repo:createdDate", e.created_at}, {"repo:lastModifiedDate", e.created_at}};
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) { return txn.Insert(call.scope, e); }));
  return JsonResponse(201, e.doc);
}

Result<HttpResponse> GetSchema(Call& call) {
  json::object doc;
  RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
    auto e = txn.Get(call.scope, kSchemas, EntityIdOf(call.param(0)));
    if (!e.ok()) return StoreError(e.status(), kSchemas, call.param(0));
    doc = std::move(e->doc);
    return Status::OK();
  }));
  return JsonResponse(200, doc);
}

Result<HttpResponse> ListSchemas(Call& call) {
  ListQuery q;
  q.limit = 1000;
  q.order_field = "createdAt";
  EntityPage page;
  RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(page, txn.List(call.scope, kSchemas, q));
    return Status::OK();
  }));
  json::array results;
  for (auto& e : page.items) {
    json::object o;
    for (const char* k : {"$id", "meta:altId", "version", "title"})
      if (auto v = e.doc.if_contains(k)) o[k] = *v;
    results.push_back(std::move(o));
  }
  size_t n = results.size();
  return JsonResponse(200, json::object{{"results", std::move(results)},
                                        {"_page", json::object{{"count", n}, {"next", nullptr}}},
                                        {"_links", json::object{}}});
}

}  // namespace

void RegisterSchemaRoutes(Router& r, const std::string& base) {
  r.Add("POST", base + "/tenant/schemas", CreateSchema);
  r.Add("GET", base + "/tenant/schemas", ListSchemas);
  r.Add("GET", base + "/tenant/schemas/{id}", GetSchema);
}

Result<std::vector<dataprep::XdmField>> SchemaFields(Call& call, MetaTxn& txn,
                                                     const std::string& ref) {
  auto e = txn.Get(call.scope, kSchemas, EntityIdOf(ref));
  if (!e.ok() && e.status().code() == StatusCode::kNotFound)
    return BadRequest(kCodeSchemaNotFound, "schema " + ref + " does not exist in this sandbox");
  if (!e.ok()) return e.status();
  auto fields = dataprep::FlattenXdmSchema(e->doc);
  if (!fields.ok())
    return Status::Internal("stored schema " + ref + ": " + fields.status().message());
  return fields;
}

}  // namespace fluxo
