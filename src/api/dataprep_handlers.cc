// The Data Prep API under /data/foundation/conversion (AEP's mapping sets and expression
// language), scoped to the caller's org and sandbox like every entity:
//
//   POST /mappingSets[?validate=true]     create (version 0)
//   GET  /mappingSets                     list (offset paging; keyset continuation in next)
//   GET  /mappingSets/{id}[?version=N]    one version
//   PUT  /mappingSets/{id}                a new version
//   DELETE /mappingSets/{id}              the set and all its versions (not while a flow names it)
//   GET  /mappingSets/{id}/mappings[/{mappingId}][?version=N]
//   POST /mappingSets/validate, /mappingSets/preview (sample rows posted)
//   GET  /languages/el/functions, /languages/el/operators; POST /languages/el/validate
//
// A mapping set is stored twice through the MetaStore: its current version (kind mappingSets,
// listed and filtered) and every version as an immutable entity (kind mappingSetVersions, id
// "<id>_v<N>"), which flows name and runs apply.
#include <algorithm>

#include "api/dataprep.h"
#include "api/list_query.h"
#include "api/resources.h"
#include "base/ids.h"
#include "connectors/files/inference.h"
#include "dataprep/json_rows.h"
#include "dataprep/mapping_transform.h"
#include "lake/lake.h"

namespace fluxo {

namespace {

namespace dp = dataprep;
namespace files = connectors::files;

// The first issue leads; the others follow, so one answer names every problem.
Status Invalid(const std::vector<dp::MappingIssue>& issues) {
  std::string m = issues.front().ToString();
  for (size_t i = 1; i < issues.size(); ++i) m += "; " + issues[i].ToString();
  return BadRequest(kCodeMappingInvalid, "mapping set is invalid: " + m);
}

// The mappings of a mapping-set body, validated.
Result<std::vector<dp::Mapping>> ValidMappings(const json::object& body) {
  dp::MappingIssue issue;
  auto mappings = dp::ParseMappings(body.if_contains("mappings"), &issue);
  if (!mappings.ok()) return Invalid({issue});
  auto issues = dp::ValidateMappings(*mappings);
  if (!issues.empty()) return Invalid(issues);
  return mappings;
}

// The schema a mapping-set body's outputSchema.schemaRef.id (or AEP's older xdmSchema) names;
// "" when none.
std::string OutputSchemaRef(const json::object& body) {
  const json::value* id = FindPath(body, "outputSchema.schemaRef.id");
  if (id && id->is_string()) return std::string(id->as_string());
  return GetString(body, "xdmSchema").value_or("");
}

// With an output schema, every destination must be a field of it that can hold its value.
// Fills the mappings' destinationType from the schema.
Status CheckOutputSchema(Call& call, MetaTxn& txn, const json::object& body,
                         std::vector<dp::Mapping>* mappings) {
  std::string ref = OutputSchemaRef(body);
  if (ref.empty()) {
    if (body.contains("outputSchema") || body.contains("xdmSchema"))
      return BadRequest(kCodeSchemaNotFound,
                        "outputSchema.schemaRef.id must name a schema (or leave outputSchema out)");
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto fields, SchemaFields(call, txn, ref));
  auto issues = dp::CheckDestinations(mappings, fields, ref);
  return issues.empty() ? Status::OK() : Invalid(issues);
}

// Query parameters a route reads, all others refused (1451, as the Flow Service lists do).
Status OnlyParams(const Call& call, std::initializer_list<const char*> known) {
  for (const auto& p : call.query) {
    bool ok = false;
    for (const char* k : known) ok = ok || p.name == k;
    if (!ok)
      return BadRequest(1451, "unknown query parameter " + QuoteForMessage(p.name) + " for " +
                                  call.http.method + " " + call.http.path);
  }
  return Status::OK();
}

Result<std::optional<int64_t>> IntParam(const Call& call, const char* name, int64_t min,
                                        int64_t max) {
  const std::string* v = FindParam(call.query, name);
  if (!v) return std::optional<int64_t>();
  auto n = AsInt64Lenient(json::value(*v));
  if (!n || *n < min || *n > max)
    return BadRequest(kCodeDataPrepParam, std::string("query parameter '") + name +
                                              "' must be an integer from " + std::to_string(min) +
                                              " to " + std::to_string(max));
  return n;
}

// The served document of one version. Mapping ids are given per version.
json::object VersionDoc(const std::string& id, int64_t version, const json::object& body,
                        const std::vector<dp::Mapping>& mappings, const Call& call,
                        int64_t created_ms) {
  int64_t now = call.now_ms();
  std::string who = call.principal.client_id + "@AdobeID";
  json::object d{{"id", id},
                 {"version", version},
                 {"createdDate", created_ms},
                 {"modifiedDate", now},
                 {"createdBy", who},
                 {"modifiedBy", who},
                 {"imsOrgId", call.principal.org},
                 {"sandboxName", call.principal.sandbox_name}};
  for (const char* k : {"name", "description", "outputSchema", "xdmSchema", "xdmVersion"})
    if (auto v = body.if_contains(k)) d[k] = *v;
  json::array ms = dp::MappingsToJson(mappings);
  for (auto& m : ms) {
    json::object& o = m.as_object();
    o["id"] = NewCatalogId();
    o["version"] = version;
    o["createdDate"] = now;
    o["modifiedDate"] = now;
  }
  d["mappings"] = std::move(ms);
  return d;
}

Entity MakeEntity(const char* kind, std::string id, json::object doc, int64_t created_ms,
                  int64_t now_ms) {
  Entity e;
  e.kind = kind;
  e.id = std::move(id);
  e.created_at = created_ms;
  e.updated_at = now_ms;
  e.etag = NewEtag(now_ms);
  e.doc = std::move(doc);
  return e;
}

// {"id","version","createdDate","modifiedDate","createdBy","modifiedBy"}: AEP's answer to
// create and update.
json::object Summary(const json::object& d) {
  json::object o;
  for (const char* k : {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"})
    if (auto v = d.if_contains(k)) o[k] = *v;
  return o;
}

Result<HttpResponse> CreateMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {"validate"}));
  if (const std::string* v = FindParam(call.query, "validate")) {
    std::optional<bool> b = AsBoolLenient(json::value(*v));
    if (!b)
      return BadRequest(kCodeDataPrepParam, "query parameter 'validate' must be true or false");
    // AEP validates only on validate=true; fluxo validates every mapping set (a run must never
    // meet an invalid one), so it refuses to be asked not to.
    if (!*b)
      return BadRequest(kCodeDataPrepParam,
                        "query parameter 'validate': fluxo validates every mapping set; "
                        "validate=false is not supported (omit it or give true)");
  }
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  ASSIGN_OR_RETURN(auto mappings, ValidMappings(body));
  std::string id = NewCatalogId();
  int64_t now = call.now_ms();
  json::object doc;
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) -> Status {
    RETURN_IF_ERROR(CheckOutputSchema(call, txn, body, &mappings));
    doc = VersionDoc(id, 0, body, mappings, call, now);
    RETURN_IF_ERROR(txn.Insert(call.scope, MakeEntity(dp::kMappingSetKind, id, doc, now, now)));
    return txn.Insert(call.scope, MakeEntity(dp::kMappingSetVersionKind,
                                             dp::MappingSetVersionId(id, 0), doc, now, now));
  }));
  return JsonResponse(200, Summary(doc));
}

Result<HttpResponse> UpdateMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  ASSIGN_OR_RETURN(auto mappings, ValidMappings(body));
  const std::string& id = call.param(0);
  json::object doc;
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity cur, GetEntity(call, txn, dp::kMappingSetKind, id));
    RETURN_IF_ERROR(CheckOutputSchema(call, txn, body, &mappings));
    int64_t version = AsInt64Lenient(cur.doc["version"]).value_or(0) + 1;
    doc = VersionDoc(id, version, body, mappings, call, cur.created_at);
    doc["createdBy"] = cur.doc["createdBy"];
    Entity next = MakeEntity(dp::kMappingSetKind, id, doc, cur.created_at, call.now_ms());
    Status s = txn.Update(call.scope, next, cur.etag);
    if (!s.ok()) return StoreError(s, dp::kMappingSetKind, id);
    return txn.Insert(call.scope,
                      MakeEntity(dp::kMappingSetVersionKind, dp::MappingSetVersionId(id, version),
                                 doc, cur.created_at, call.now_ms()));
  }));
  return JsonResponse(200, Summary(doc));
}

// The document of mapping set param(0) at ?version= (the current one without it).
Result<json::object> ReadVersion(Call& call) {
  ASSIGN_OR_RETURN(auto version, IntParam(call, "version", 0, INT32_MAX));
  const std::string& id = call.param(0);
  json::object doc;
  RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity cur, GetEntity(call, txn, dp::kMappingSetKind, id));
    if (!version) {
      doc = std::move(cur.doc);
      return Status::OK();
    }
    auto v = txn.Get(call.scope, dp::kMappingSetVersionKind, dp::MappingSetVersionId(id, *version));
    if (!v.ok() && v.status().code() == StatusCode::kNotFound)
      return NotFoundError(dp::kMappingSetKind, id + " version " + std::to_string(*version));
    if (!v.ok()) return v.status();
    doc = std::move(v->doc);
    return Status::OK();
  }));
  return doc;
}

Result<HttpResponse> GetMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {"version"}));
  ASSIGN_OR_RETURN(json::object doc, ReadVersion(call));
  return JsonResponse(200, doc);
}

Result<HttpResponse> ListMappings(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {"version"}));
  ASSIGN_OR_RETURN(json::object doc, ReadVersion(call));
  return JsonResponse(200, doc["mappings"]);
}

Result<HttpResponse> GetMapping(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {"version"}));
  ASSIGN_OR_RETURN(json::object doc, ReadVersion(call));
  for (const auto& m : doc["mappings"].as_array())
    if (GetString(m.as_object(), "id") == std::optional<std::string>(call.param(1)))
      return JsonResponse(200, m);
  return NotFoundError("mappings", call.param(1));
}

// GET /mappingSets?limit&start&name&orderBy[&continuationToken]: AEP's offset paging over the
// store's ordered list (start + limit <= 1000); `_links.next` carries a keyset continuation token
// (the listing state and the last row's position), so following `next` has no depth limit and
// reads only one page from the store.
Result<HttpResponse> ListMappingSets(Call& call) {
  RETURN_IF_ERROR(
      OnlyParams(call, {"limit", "start", "name", "orderBy", "expandSchema", "continuationToken"}));
  ASSIGN_OR_RETURN(auto limit, IntParam(call, "limit", 1, 1000));
  ASSIGN_OR_RETURN(auto start, IntParam(call, "start", 0, 999));
  if (const std::string* e = FindParam(call.query, "expandSchema");
      e && AsBoolLenient(json::value(*e)) != std::optional<bool>(false))
    return BadRequest(kCodeDataPrepParam,
                      "expandSchema=true is not supported: fluxo does not expand the output "
                      "schema into the list");
  ListOptions opts;
  opts.scope = "mappingSets";
  opts.filter_paths = {"name"};
  opts.token_key = ListTokenKey(call.deps);
  ListQuery q;
  int64_t lim = limit.value_or(100), off = start.value_or(0);
  const std::string* token = FindParam(call.query, "continuationToken");
  if (token && !token->empty()) {
    // The token's state wins (as on the Flow Service lists); `start` counts from its position.
    if (off != 0)
      return BadRequest(kCodeDataPrepParam,
                        "query parameter 'start' must be 0 (or absent) with continuationToken");
    auto parsed = ParseListQuery(QueryParams{{"continuationToken", *token}}, opts);
    if (!parsed.ok())
      return BadRequest(kCodeDataPrepParam,
                        "query parameter 'continuationToken' is not a token of this list");
    q = std::move(parsed).value();
    lim = q.limit;
  } else {
    if (lim + off > 1000)
      return BadRequest(kCodeDataPrepParam,
                        "start + limit must not exceed 1000 (follow _links.next to page further)");
    if (const std::string* o = FindParam(call.query, "orderBy")) {
      std::string f = *o;
      q.order_desc = !f.empty() && f[0] == '-';
      if (!f.empty() && (f[0] == '-' || f[0] == '+')) f.erase(0, 1);
      if (f != "createdDate" && f != "updatedDate")
        return BadRequest(
            kCodeDataPrepParam,
            "orderBy must be createdDate or updatedDate, optionally prefixed by + or -");
      q.order_field = f == "createdDate" ? "createdAt" : "updatedAt";
    }
    if (const std::string* n = FindParam(call.query, "name"))
      q.filters.push_back(Filter{"name", -1, FilterOp::kEq, {*n}});
  }
  // The rows before `start` and this page; the store says whether more follow the last one.
  q.limit = static_cast<int>(lim + off);
  EntityPage page;
  RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(page, txn.List(call.scope, dp::kMappingSetKind, q));
    return Status::OK();
  }));
  json::array data;
  for (size_t i = static_cast<size_t>(off); i < page.items.size(); ++i)
    data.push_back(page.items[i].doc);
  json::object out{{"_page", json::object{{"limit", lim}, {"start", off}, {"count", data.size()}}}};
  json::object links;
  if (page.has_more && !data.empty()) {
    ListQuery next = q;
    next.limit = static_cast<int>(lim);
    links["next"] =
        json::object{{"href", NextPageHref(call.http.path,
                                           EncodeContinuationToken(next, page.last_sort_value,
                                                                   page.items.back().id, opts))}};
  }
  out["data"] = std::move(data);
  out["_links"] = std::move(links);
  return JsonResponse(200, out);
}

// DELETE /mappingSets/{id}: the set and every version of it, in one transaction. A set that a
// flow of the sandbox names (any version) is refused (400 1418 naming the flow): its runs apply
// that version. Answers 204.
Result<HttpResponse> DeleteMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  const std::string& id = call.param(0);
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(Entity cur, GetEntity(call, txn, dp::kMappingSetKind, id));
    int64_t last = AsInt64Lenient(cur.doc["version"]).value_or(0);
    Status s = txn.Delete(call.scope, dp::kMappingSetKind, id);
    if (s.code() == StatusCode::kFailedPrecondition)
      return FlowError(400, 1418, "Cannot delete mapping set " + id + ": " + s.message(),
                       dp::kMappingSetKind, id);
    if (!s.ok()) return StoreError(s, dp::kMappingSetKind, id);
    for (int64_t v = 0; v <= last; ++v) {
      Status d = txn.Delete(call.scope, dp::kMappingSetVersionKind, dp::MappingSetVersionId(id, v));
      if (!d.ok() && d.code() != StatusCode::kNotFound) return d;
    }
    return Status::OK();
  }));
  HttpResponse res;
  res.status = 204;
  res.content_type = "application/json";
  return res;
}

Result<HttpResponse> ValidateMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  ASSIGN_OR_RETURN(auto mappings, ValidMappings(body));
  return JsonResponse(200,
                      json::object{{"valid", true}, {"mappings", dp::MappingsToJson(mappings)}});
}

// POST /mappingSets/preview {"mappingSet": {"mappings": [...]}, "data": [rows]}: the mapping
// set applied to the posted rows (types inferred from them, json_rows.h). Besides the mapped
// rows and row errors it answers the shape: `sourceColumns`, the fields the rows gave (nested
// objects as dotted names) with their inferred types, and `columns`, the output columns exactly
// as a run records them in the dataset's schema (lake SchemaToJson: name, type, nullable, path).
Result<HttpResponse> PreviewMappingSet(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  const json::value* set = body.if_contains("mappingSet");
  if (!set || !set->is_object())
    return BadRequest(kCodeBadRequest, "mappingSet is required: an object with mappings");
  ASSIGN_OR_RETURN(auto mappings, ValidMappings(set->as_object()));
  RETURN_IF_ERROR(call.deps.store->Read(
      [&](MetaTxn& txn) { return CheckOutputSchema(call, txn, set->as_object(), &mappings); }));
  const json::value* data = body.if_contains("data");
  if (!data || !data->is_array())
    return BadRequest(kCodeBadRequest, "data is required: an array of sample rows (objects)");
  const json::array& sample = data->as_array();
  constexpr size_t kMaxRows = 1000;
  if (sample.size() > kMaxRows)
    return BadRequest(kCodeBadRequest, "data: at most " + std::to_string(kMaxRows) +
                                           " sample rows, not " + std::to_string(sample.size()));
  for (size_t r = 0; r < sample.size(); ++r) {
    if (!sample[r].is_object())
      return BadRequest(kCodeBadRequest, "data[" + std::to_string(r) + "] must be an object");
  }
  // The rows are read as a JSON file's records are in a run (connectors/files: top-level keys,
  // nested objects and arrays as their JSON text, the member paths the mappings name as their
  // own columns, the same type inference), so the preview answers what a run would.
  json::array errors;
  std::vector<size_t> rows;
  auto batch = files::JsonRecordsToBatch(
      std::vector<json::value>(sample.begin(), sample.end()), dp::SourceFields(mappings),
      "the sample rows",
      [&](size_t row, const char* code, const std::string& m) {
        errors.push_back(json::object{{"row", row}, {"code", code}, {"message", m}});
      },
      &rows);
  if (!batch.ok()) return BadRequest(kCodeBadRequest, batch.status().message());
  json::value source_columns = SchemaToJson(*batch->schema(), 0)["columns"];
  dp::MappingIssue issue;
  auto program = dp::MappingProgram::Bind(mappings, batch->schema(), &issue);
  if (!program.ok()) return Invalid({issue});
  dp::EvalContext ctx;
  RecordBatch out =
      (*program)->Apply(std::move(*batch), ctx, call.now_ms() * 1000,
                        [&](const RecordBatch&, int64_t row, const std::string& m) {
                          errors.push_back(json::object{{"row", rows[static_cast<size_t>(row)]},
                                                        {"code", dp::kMappingRowErrorCode},
                                                        {"message", m}});
                        });
  std::stable_sort(errors.begin(), errors.end(), [](const json::value& a, const json::value& b) {
    return a.as_object().at("row").as_uint64() < b.as_object().at("row").as_uint64();
  });
  return JsonResponse(200, json::object{{"data", dp::BatchToRows(out)},
                                        {"errors", std::move(errors)},
                                        {"columns", SchemaToJson(*out.schema(), 0)["columns"]},
                                        {"sourceColumns", std::move(source_columns)}});
}

Result<HttpResponse> ListFunctions(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  json::array a;
  for (const auto& f : dp::Functions())
    a.push_back(json::object{{"name", f.name},
                             {"category", f.category},
                             {"syntax", f.syntax},
                             {"description", f.description},
                             {"example", f.example},
                             {"exampleResult", f.result}});
  return JsonResponse(200, a);
}

Result<HttpResponse> ListOperators(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  json::array a;
  for (const auto& o : dp::Operators())
    a.push_back(json::object{{"symbol", o.symbol},
                             {"aliases", o.aliases},
                             {"category", o.category},
                             {"description", o.description}});
  return JsonResponse(200, a);
}

// POST /languages/el/validate {"expression": "..."}: 200 {"valid": true, "type"} or 400 1480
// naming the column. Field types are not known here: fields are taken as of any type.
Result<HttpResponse> ValidateExpression(Call& call) {
  RETURN_IF_ERROR(OnlyParams(call, {}));
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  auto text = GetString(body, "expression");
  if (!text) return BadRequest(kCodeBadRequest, "expression is required: a string");
  dp::ExprError err;
  dp::FieldResolver any = [](const std::string&) { return dp::VType::kAny; };
  auto e = dp::Expression::Compile(*text, any, &err);
  if (!e.ok())
    return BadRequest(kCodeMappingInvalid,
                      "expression is invalid: " + err.ToString() + " (in \"" + *text + "\")");
  json::array fields;
  for (const auto& f : (*e)->fields()) fields.push_back(json::value(f));
  return JsonResponse(200, json::object{{"valid", true},
                                        {"type", dp::VTypeName((*e)->type())},
                                        {"fields", std::move(fields)}});
}

}  // namespace

void RegisterDataPrepRoutes(Router& r, const std::string& base) {
  r.Add("POST", base + "/mappingSets", CreateMappingSet);
  r.Add("GET", base + "/mappingSets", ListMappingSets);
  r.Add("POST", base + "/mappingSets/validate", ValidateMappingSet);
  r.Add("POST", base + "/mappingSets/preview", PreviewMappingSet);
  r.Add("GET", base + "/mappingSets/{id}", GetMappingSet);
  r.Add("PUT", base + "/mappingSets/{id}", UpdateMappingSet);
  r.Add("DELETE", base + "/mappingSets/{id}", DeleteMappingSet);
  r.Add("GET", base + "/mappingSets/{id}/mappings", ListMappings);
  r.Add("GET", base + "/mappingSets/{id}/mappings/{mappingId}", GetMapping);
  r.Add("GET", base + "/languages/el/functions", ListFunctions);
  r.Add("GET", base + "/languages/el/operators", ListOperators);
  r.Add("POST", base + "/languages/el/validate", ValidateExpression);
}

Status CheckFlowTransformations(Call& call, MetaTxn& txn, const json::object& flow_doc,
                                std::vector<std::string>* refs) {
  const json::value* ts = flow_doc.if_contains("transformations");
  size_t i = 0;
  for (const auto& t : ts && ts->is_array() ? ts->as_array() : json::array()) {
    std::string at = "transformations[" + std::to_string(i++) + "]";
    std::string name = GetString(t.as_object(), "name").value_or("");
    if (name != "Copy" && name != "Mapping")
      return BadRequest(kCodeTransformation, at + ".name " + QuoteForMessage(name) +
                                                 " is not a transformation fluxo applies "
                                                 "(Copy, Mapping)");
    const json::value* p = t.as_object().if_contains("params");
    if (name == "Copy" && p && p->is_object()) {
      for (const auto& kv : p->as_object())
        if (kv.key() != "deltaColumn")
          return BadRequest(kCodeTransformation, at + ".params." + std::string(kv.key()) +
                                                     " is not a Copy parameter (deltaColumn)");
    }
  }
  auto ref = dp::FlowMappingRef(flow_doc);
  if (!ref.ok()) return BadRequest(kCodeTransformation, ref.status().message());
  if (!*ref) return Status::OK();
  auto v = txn.Get(call.scope, dp::kMappingSetVersionKind,
                   dp::MappingSetVersionId((*ref)->id, (*ref)->version));
  if (v.ok()) {
    refs->push_back((*ref)->id);
    return Status::OK();
  }
  if (v.status().code() != StatusCode::kNotFound) return v.status();
  return BadRequest(kCodeMappingNotFound,
                    "transformations[Mapping].params: mapping set " + (*ref)->id + " version " +
                        std::to_string((*ref)->version) + " does not exist in this sandbox");
}

}  // namespace fluxo
