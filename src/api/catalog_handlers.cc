// Catalog subset (api/CONTRACT.md "Catalog"): /dataSets (create, get, list, PUT, PATCH, delete)
// and /batches (get, list with Catalog's filters, uniques, delete).
//
// Shapes follow the Catalog API: create answers 201 ["@/dataSets/<id>"], updates and deletes
// 200 ["@/dataSets/<id>"], GET and list answer an object keyed by id ({"<id>": {...}}); ids are 24
// hex characters. Batches are written by the run engine (kind "batches", with a top-level
// dataSetId); here they are read, and deleted through the lake (which hides their data).
#include <regex>
#include <set>

#include "api/dataprep.h"
#include "api/etag.h"
#include "api/resources.h"
#include "base/ids.h"
#include "lake/lake.h"

namespace fluxo {

namespace {

constexpr const char* kDataSets = "dataSets";
constexpr const char* kBatches = "batches";

// fluxo's column types (src/formats): boolean, int32, int64, float64, decimal(p,s), string,
// binary, date, timestamp.
bool ValidColumnType(const std::string& t) {
  static const std::regex kDecimal(R"(decimal\((\d{1,2}),\s*(\d{1,2})\))");
  static const char* kTypes[] = {"boolean", "int32",  "int64", "float64",
                                 "string",  "binary", "date",  "timestamp"};
  for (const char* k : kTypes) {
    if (t == k) return true;
  }
  std::smatch m;
  if (std::regex_match(t, m, kDecimal)) {
    int p = std::stoi(m[1]), s = std::stoi(m[2]);
    return p >= 1 && p <= 38 && s >= 0 && s <= p;
  }
  return false;
}

Result<json::array> ValidateColumns(const json::value& v) {
  if (!v.is_array()) return BadRequest(kCodeBadRequest, "columns must be an array of {name, type}");
  json::array out;
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& c : v.as_array()) {
    std::string at = "columns[" + std::to_string(i++) + "]";
    if (!c.is_object()) return BadRequest(kCodeBadRequest, at + " must be an object {name, type}");
    auto name = GetString(c.as_object(), "name");
    auto type = GetString(c.as_object(), "type");
    if (!name || name->empty()) return BadRequest(kCodeBadRequest, at + ".name is required");
    if (!type || !ValidColumnType(*type)) {
      return BadRequest(kCodeBadRequest, at +
                                             ".type must be one of boolean, int32, int64, float64, "
                                             "decimal(p,s), string, binary, date, timestamp");
    }
    if (!names.insert(*name).second)
      return BadRequest(kCodeBadRequest, at + ".name " + *name + " is repeated");
    json::object col{{"name", *name}, {"type", *type}};
    if (auto n = c.as_object().if_contains("nullable")) {
      auto b = AsBoolLenient(*n);
      if (!b) return BadRequest(kCodeBadRequest, at + ".nullable must be a boolean");
      col["nullable"] = *b;
    } else {
      col["nullable"] = true;
    }
    out.push_back(std::move(col));
  }
  return out;
}

// The dataset members a client sets; every other member of a dataset is fluxo's.
const std::vector<std::string>& DatasetClientFields() {
  static const std::vector<std::string> kFields = {"name", "description", "tags", "columns",
                                                   "schemaRef"};
  return kFields;
}

// Catalog `tags`: {"<name>": ["value", ...]}.
Status ValidateTags(const json::value& v) {
  if (!v.is_object()) return BadRequest(kCodeBadRequest, "tags must be an object of string arrays");
  for (const auto& kv : v.as_object()) {
    std::string at = "tags." + std::string(kv.key());
    if (!kv.value().is_array())
      return BadRequest(kCodeBadRequest, at + " must be an array of strings");
    for (const auto& t : kv.value().as_array()) {
      if (!t.is_string()) return BadRequest(kCodeBadRequest, at + " must be an array of strings");
    }
  }
  return Status::OK();
}

// Validates the client fields of a dataset body and returns them. `strict` (PUT, PATCH): any
// other member is refused, naming it, rather than dropped. `schemaRef` is checked against the
// Schema Registry through `txn`.
Result<json::object> DatasetFields(Call& call, MetaTxn& txn, const json::object& body,
                                   bool strict) {
  const auto& known = DatasetClientFields();
  if (strict) {
    for (const auto& kv : body) {
      if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
        return BadRequest(kCodeBadRequest, std::string(kv.key()) +
                                               " is not a dataset field fluxo applies (name, "
                                               "description, tags, columns, schemaRef)");
      }
    }
  }
  json::object out;
  auto name = GetString(body, "name");
  if (!name || name->empty())
    return BadRequest(kCodeBadRequest, "name is required and must be a non-empty string");
  out["name"] = *name;
  if (auto d = body.if_contains("description")) {
    if (!d->is_string()) return BadRequest(kCodeBadRequest, "description must be a string");
    out["description"] = *d;
  }
  if (auto t = body.if_contains("tags")) {
    RETURN_IF_ERROR(ValidateTags(*t));
    out["tags"] = *t;
  }
  if (auto c = body.if_contains("columns")) {
    ASSIGN_OR_RETURN(json::array cols, ValidateColumns(*c));
    out["columns"] = std::move(cols);
  }
  if (const json::value* ref = body.if_contains("schemaRef")) {  // must name a schema
    const json::value* id = ref->is_object() ? ref->as_object().if_contains("id") : nullptr;
    if (!id || !id->is_string())
      return BadRequest(kCodeBadRequest, "schemaRef.id is required: a schema's $id");
    RETURN_IF_ERROR(SchemaFields(call, txn, std::string(id->as_string())).status());
    out["schemaRef"] = *ref;
  }
  return out;
}

// The client fields of a stored dataset, as a PATCH sees them.
json::object ClientView(const json::object& doc) {
  json::object out;
  for (const auto& f : DatasetClientFields()) {
    if (auto v = doc.if_contains(f)) out[f] = *v;
  }
  return out;
}

// `fields` (from DatasetFields) replacing the client fields of `old`. Columns and schemaRef
// decide the schema of the first batch: once a batch committed one (schemaVersion >= 1) they
// cannot change (the schema evolves with batches).
Result<Entity> ReplaceDatasetFields(Call& call, const Entity& old, json::object fields) {
  const json::value* sv = old.doc.if_contains("schemaVersion");
  bool committed = sv && sv->is_int64() && sv->as_int64() > 0;
  for (const char* f : {"columns", "schemaRef"}) {
    const json::value* before = old.doc.if_contains(f);
    const json::value* after = fields.if_contains(f);
    bool same = (!before && !after) ||
                (before && after && json::serialize(*before) == json::serialize(*after));
    if (committed && !same) {
      return BadRequest(kCodeBadRequest,
                        std::string(f) +
                            " cannot change once a batch has committed the dataset's "
                            "schema (version " +
                            json::serialize(*sv) + "); later batches evolve it");
    }
  }
  Entity e = old;
  for (const auto& f : DatasetClientFields()) e.doc.erase(f);
  for (auto& kv : fields) e.doc[kv.key()] = std::move(kv.value());
  StampUpdate(e, call);
  e.doc["updated"] = e.updated_at;
  return e;
}

std::optional<std::string> QueryValue(const Call& call, const char* name) {
  const std::string* v = FindParam(call.query, name);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

// PUT and PATCH: reads the dataset, checks If-Match when given (optional in Catalog; stale:
// 412 1404), builds the new fields with `make`, stores them; 200 ["@/dataSets/<id>"].
Result<HttpResponse> UpdateDataset(
    Call& call, const std::function<Result<json::object>(MetaTxn&, const Entity&)>& make) {
  const std::string& id = call.param(0);
  Status s = InTransaction(call, [&](MetaTxn& txn) -> Status {
    auto cur = txn.Get(call.scope, kDataSets, id);
    if (!cur.ok()) return StoreError(cur.status(), kDataSets, id);
    auto if_match = call.http.Header("if-match");
    auto if_match_q = QueryValue(call, "if-match");
    if (if_match || if_match_q)
      RETURN_IF_ERROR(CheckIfMatch(if_match, if_match_q, cur->etag, kDataSets, id));
    ASSIGN_OR_RETURN(json::object fields, make(txn, *cur));
    ASSIGN_OR_RETURN(Entity e, ReplaceDatasetFields(call, *cur, std::move(fields)));
    Status u = txn.Update(call.scope, e, cur->etag);
    return u.ok() ? u : StoreError(u, kDataSets, id);
  });
  if (!s.ok()) return s;
  return JsonResponse(200, json::array{"@/dataSets/" + id});
}

// A PATCH body: a JSON Patch array (Content-Type application/json-patch+json, or any array) on
// the client fields, or a JSON merge patch object (members replace, null removes).
Result<json::object> PatchedFields(Call& call, MetaTxn& txn, const Entity& cur) {
  const std::string& body = call.http.body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos)
    return BadRequest(1405,
                      "The request body is empty; a JSON Patch array or an object is required");
  auto parsed = ParseJsonNoDuplicateKeys(body);
  if (!parsed.ok())
    return BadRequest(kCodeBadRequest, "Request body: " + parsed.status().message());
  json::object view = ClientView(cur.doc);
  if (parsed->is_array()) {
    std::vector<std::string> prefixes;
    for (const auto& f : DatasetClientFields()) prefixes.push_back("/" + f);
    PatchOptions opts;
    opts.check = AllowPathPrefixes(prefixes);
    ASSIGN_OR_RETURN(PatchResult r, ApplyJsonPatch(view, *parsed, opts));
    return DatasetFields(call, txn, r.document.as_object(), /*strict=*/true);
  }
  if (!parsed->is_object())
    return BadRequest(kCodeBadRequest, "The PATCH body must be a JSON Patch array or an object");
  for (const auto& kv : parsed->as_object()) {
    if (kv.value().is_null()) {
      view.erase(kv.key());
    } else {
      view[kv.key()] = kv.value();
    }
  }
  return DatasetFields(call, txn, view, /*strict=*/true);
}

// `properties=a,b`: the top-level members to answer (Catalog's allowlist); empty: all.
Result<std::vector<std::string>> PropertiesParam(const Call& call) {
  std::vector<std::string> out;
  const std::string* v = FindParam(call.query, "properties");
  if (!v) return out;
  static const std::regex kName("[A-Za-z0-9_]{1,64}");
  size_t pos = 0;
  while (pos <= v->size()) {
    size_t comma = v->find(',', pos);
    std::string name = v->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!std::regex_match(name, kName)) {
      return BadRequest(kCodeBadRequest,
                        "properties must be a comma-separated list of top-level field names");
    }
    out.push_back(name);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

json::object Project(json::object doc, const std::vector<std::string>& names) {
  if (names.empty()) return doc;
  json::object out;
  for (const auto& n : names) {
    if (auto v = doc.if_contains(n)) out[n] = std::move(*v);
  }
  return out;
}

// Catalog's `start` is an offset; fluxo pages by keyset (the Link header): only 0 is accepted.
Status CheckStart(const Call& call) {
  const std::string* v = FindParam(call.query, "start");
  if (v && *v != "0") {
    return BadRequest(kCodeBadRequest,
                      "start: fluxo pages with the continuationToken of the Link header; only "
                      "start=0 is accepted");
  }
  return Status::OK();
}

// Catalog's `orderBy=asc:created` / `desc:updated` as fluxo's orderby (`+createdAt`); a value
// without ':' is fluxo's own syntax and passes as is.
Result<QueryParam> CatalogOrderBy(const QueryParam& p) {
  auto colon = p.value.find(':');
  if (colon == std::string::npos) return p;
  std::string dir = p.value.substr(0, colon), field = p.value.substr(colon + 1);
  static const std::pair<const char*, const char*> kFields[] = {
      {"created", "createdAt"}, {"updated", "updatedAt"}, {"id", "id"}, {"name", "name"}};
  for (const auto& [catalog, ours] : kFields) {
    if (field == catalog && (dir == "asc" || dir == "desc")) {
      return QueryParam{p.name, (dir == "asc" ? "+" : "-") + std::string(ours)};
    }
  }
  return BadRequest(kCodeBadRequest,
                    "orderBy must be asc:<field> or desc:<field> with one field of created, "
                    "updated, id (name for datasets)");
}

// The query with Catalog's spellings turned into fluxo's list parameters, without the ones
// answered here (properties, start) and the ones `skip` names (turned into filters by the caller).
Result<QueryParams> ListParams(const Call& call, const std::vector<std::string>& skip) {
  QueryParams q;
  for (const auto& p : call.query) {
    bool skipped = EqualsIgnoreCase(p.name, "properties") || EqualsIgnoreCase(p.name, "start");
    for (const auto& s : skip) skipped = skipped || EqualsIgnoreCase(p.name, s);
    if (skipped) continue;
    if (EqualsIgnoreCase(p.name, "orderBy")) {
      ASSIGN_OR_RETURN(QueryParam o, CatalogOrderBy(p));
      q.push_back(std::move(o));
    } else {
      q.push_back(p);
    }
  }
  return q;
}

// Catalog lists answer {"<id>": doc, ...}; the next page is in the Link header.
Result<HttpResponse> CatalogList(Call& call, const std::string& kind, ListOptions opts,
                                 const QueryParams& q, const std::vector<Filter>& extra) {
  opts.token_key = ListTokenKey(call.deps);
  RETURN_IF_ERROR(CheckStart(call));
  ASSIGN_OR_RETURN(std::vector<std::string> props, PropertiesParam(call));
  ASSIGN_OR_RETURN(ListQuery lq, ParseListQuery(q, opts));
  for (const auto& f : extra) lq.filters.push_back(f);
  if (lq.count) {
    int64_t n = 0;
    Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(n, txn.Count(call.scope, kind, lq));
      return Status::OK();
    });
    if (!s.ok()) return s;
    return JsonResponse(200, json::object{{"count", n}});
  }
  EntityPage page;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(page, txn.List(call.scope, kind, lq));
    return Status::OK();
  });
  if (!s.ok()) return AsFlowError(s, 1450);
  json::object out;
  for (auto& e : page.items) out[e.id] = Project(std::move(e.doc), props);
  HttpResponse res = JsonResponse(200, out);
  if (page.has_more && !page.items.empty()) {
    std::string token =
        EncodeContinuationToken(lq, page.last_sort_value, page.items.back().id, opts);
    res.headers.emplace_back("Link", "<" + NextPageHref("/" + kind, token) + ">; rel=\"next\"");
  }
  return res;
}

Result<HttpResponse> CatalogGet(Call& call, const std::string& kind) {
  ASSIGN_OR_RETURN(std::vector<std::string> props, PropertiesParam(call));
  Entity e;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(e, txn.Get(call.scope, kind, call.param(0)));
    return Status::OK();
  });
  if (!s.ok()) return StoreError(s, kind, call.param(0));
  json::object out;
  out[e.id] = Project(std::move(e.doc), props);
  return JsonResponse(200, out);
}

// Catalog's batch filters: query parameter -> condition on the stored batch, run by the
// metastore. Numbers are epoch milliseconds or counts.
struct BatchFilterParam {
  const char* name;
  const char* path;
  FilterOp op;
  bool number;
};
constexpr BatchFilterParam kBatchFilters[] = {
    {"dataSet", "dataSetId", FilterOp::kEq, false},
    {"batch", "id", FilterOp::kEq, false},
    {"status", "status", FilterOp::kEq, false},
    {"createdAfter", "createdAt", FilterOp::kGt, true},
    {"createdBefore", "createdAt", FilterOp::kLt, true},
    {"created", "createdAt", FilterOp::kEq, true},
    {"updated", "updatedAt", FilterOp::kEq, true},
    {"completed", "completed", FilterOp::kEq, true},
    {"recordCount", "metrics.outputRecordCount", FilterOp::kEq, true},
    {"failedRecordCount", "metrics.failedRecordCount", FilterOp::kEq, true},
};
// Documented by Catalog, but fluxo's batches keep no such field: refused rather than ignored.
constexpr const char* kBatchFiltersNotKept[] = {
    "createdClient", "createdUser", "updatedUser", "version",   "tags",       "size",     "started",
    "startAfter",    "startBefore", "endAfter",    "endBefore", "externalId", "transform"};

std::vector<std::string> BatchFilterNames() {
  std::vector<std::string> out;
  for (const auto& f : kBatchFilters) out.push_back(f.name);
  return out;
}

// The filters of the batch query parameters; 400 naming a bad value or a filter not kept.
Result<std::vector<Filter>> BatchFilters(const Call& call) {
  std::vector<Filter> out;
  for (const char* name : kBatchFiltersNotKept) {
    if (FindParam(call.query, name)) {
      return BadRequest(1451, std::string(name) +
                                  " is a Catalog batch filter fluxo does not apply: its batches "
                                  "keep no such field");
    }
  }
  static const std::regex kInt("-?[0-9]{1,18}");
  for (const auto& bf : kBatchFilters) {
    for (const std::string& v : FindAllParams(call.query, bf.name)) {
      if (v.empty()) return BadRequest(1453, std::string(bf.name) + " must not be empty");
      if (bf.number && !std::regex_match(v, kInt)) {
        return BadRequest(kCodeBadRequest, std::string(bf.name) + " must be an integer (" +
                                               (std::string(bf.path).find("At") != std::string::npos
                                                    ? "epoch milliseconds)"
                                                    : "a count)"));
      }
      out.push_back(Filter{bf.path, -1, bf.op, {v}});
    }
  }
  return out;
}

// The batch fields `uniques` answers, by their Catalog name.
std::optional<std::string> UniquesPath(const std::string& field) {
  static const std::pair<const char*, const char*> kFields[] = {{"status", "status"},
                                                                {"dataSet", "dataSetId"},
                                                                {"dataSetId", "dataSetId"},
                                                                {"flowId", "flowId"},
                                                                {"runId", "runId"}};
  for (const auto& [name, path] : kFields) {
    if (field == name) return std::string(path);
  }
  return std::nullopt;
}

// The distinct values of `path` among the batches `filters` select, ascending, at most `limit`:
// one indexed metastore query per value (the smallest value not yet seen), never a scan of the
// batches in memory.
Result<json::array> UniqueValues(Call& call, const std::string& path, std::vector<Filter> filters,
                                 int limit) {
  json::array out;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    std::vector<std::string> seen;
    while (static_cast<int>(seen.size()) < limit) {
      ListQuery q;
      q.limit = 1;
      q.filters = filters;
      if (!seen.empty()) q.filters.push_back(Filter{path, -1, FilterOp::kNe, seen});
      q.order_field = path;
      q.order_desc = false;
      ASSIGN_OR_RETURN(EntityPage page, txn.List(call.scope, kBatches, q));
      if (page.items.empty()) break;
      std::optional<std::string> v = GetString(page.items[0].doc, path);
      if (!v || std::find(seen.begin(), seen.end(), *v) != seen.end()) break;
      seen.push_back(*v);
    }
    for (auto& v : seen) out.push_back(json::string(v));
    return Status::OK();
  });
  if (!s.ok()) return AsFlowError(s, 1450);
  return out;
}

}  // namespace

void RegisterCatalogRoutes(Router& r, const std::string& base) {
  ListOptions ds_opts;
  ds_opts.scope = kDataSets;
  ds_opts.filter_paths = {"id", "name", "createdAt", "updatedAt", "state"};
  ds_opts.order_fields = {"createdAt", "updatedAt", "name", "id"};
  ds_opts.extra_params = {"name"};

  r.Add("POST", base + "/dataSets", [](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
    Entity e;
    e.kind = kDataSets;
    e.id = NewCatalogId();
    Status s = call.deps.store->Transact([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(json::object fields, DatasetFields(call, txn, body, /*strict=*/false));
      e.doc = std::move(fields);
      e.doc["state"] = "DRAFT";
      StampCreate(e, call);
      e.doc["created"] = e.created_at;
      e.doc["updated"] = e.updated_at;
      e.doc["schemaVersion"] = 0;  // becomes 1 when the first batch commits a schema
      return txn.Insert(call.scope, e);
    });
    if (!s.ok()) return StoreError(s, kDataSets, e.id);
    HttpResponse res = JsonResponse(201, json::array{"@/dataSets/" + e.id});
    res.headers.emplace_back("Location", "/data/foundation/catalog/dataSets/" + e.id);
    return res;
  });
  r.Add("GET", base + "/dataSets", [ds_opts](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(QueryParams q, ListParams(call, {"name"}));
    if (const std::string* name = FindParam(call.query, "name")) {  // shorthand filter
      q.push_back({"property", "name==" + *name});
    }
    return CatalogList(call, kDataSets, ds_opts, q, {});
  });
  r.Add("GET", base + "/dataSets/{id}", [](Call& call) { return CatalogGet(call, kDataSets); });
  r.Add("PUT", base + "/dataSets/{id}", [](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
    return UpdateDataset(call, [&](MetaTxn& txn, const Entity&) {
      return DatasetFields(call, txn, body, /*strict=*/true);
    });
  });
  r.Add("PATCH", base + "/dataSets/{id}", [](Call& call) -> Result<HttpResponse> {
    return UpdateDataset(
        call, [&](MetaTxn& txn, const Entity& cur) { return PatchedFields(call, txn, cur); });
  });
  r.Add("DELETE", base + "/dataSets/{id}", [](Call& call) -> Result<HttpResponse> {
    const std::string& id = call.param(0);
    Status s = call.deps.store->Transact(
        [&](MetaTxn& txn) { return txn.Delete(call.scope, kDataSets, id); });
    if (s.code() == StatusCode::kFailedPrecondition) {
      return FlowError(400, 1418, "Cannot delete dataset " + id + ": " + s.message(), kDataSets,
                       id);
    }
    if (!s.ok()) return StoreError(s, kDataSets, id);
    return JsonResponse(200, json::array{"@/dataSets/" + id});
  });

  ListOptions b_opts;
  b_opts.scope = kBatches;
  b_opts.filter_paths = {"id",        "status", "createdAt", "updatedAt", "dataSetId",
                         "completed", "runId",  "flowId",    "metrics.*"};
  b_opts.order_fields = {"createdAt", "updatedAt", "id"};
  r.Add("GET", base + "/batches", [b_opts](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(std::vector<Filter> filters, BatchFilters(call));
    ASSIGN_OR_RETURN(QueryParams q, ListParams(call, BatchFilterNames()));
    return CatalogList(call, kBatches, b_opts, q, filters);
  });
  // GET /batches/uniques/{field}?<batch filters>&limit=N (1..100, default 100).
  r.Add("GET", base + "/batches/uniques/{field}", [](Call& call) -> Result<HttpResponse> {
    std::optional<std::string> path = UniquesPath(call.param(0));
    if (!path) {
      return BadRequest(kCodeBadRequest, "uniques field " + QuoteForMessage(call.param(0)) +
                                             " is not one of status, dataSet, flowId, runId");
    }
    ASSIGN_OR_RETURN(std::vector<Filter> filters, BatchFilters(call));
    int limit = 100;
    for (const auto& p : call.query) {
      bool known = EqualsIgnoreCase(p.name, "limit");
      for (const auto& n : BatchFilterNames()) known = known || EqualsIgnoreCase(p.name, n);
      if (!known) return BadRequest(1451, "Unknown query parameter " + QuoteForMessage(p.name));
    }
    if (const std::string* v = FindParam(call.query, "limit")) {
      static const std::regex kLimit("[1-9][0-9]{0,2}");
      if (!std::regex_match(*v, kLimit) || std::stoi(*v) > 100)
        return BadRequest(kCodeBadRequest, "limit must be an integer from 1 to 100");
      limit = std::stoi(*v);
    }
    ASSIGN_OR_RETURN(json::array values, UniqueValues(call, *path, std::move(filters), limit));
    return JsonResponse(200, values);
  });
  r.Add("GET", base + "/batches/{id}", [](Call& call) { return CatalogGet(call, kBatches); });
  // Hides the batch's data at once (Data Access and preview stop serving it) and removes its
  // files; the record stays, `inactive` with `deleted`. A loading batch: 400 1422.
  r.Add("DELETE", base + "/batches/{id}", [](Call& call) -> Result<HttpResponse> {
    const std::string& id = call.param(0);
    if (!call.deps.lake) return FlowError(503, kCodeServerError, "the data lake is not configured");
    Status s = call.deps.lake->DeleteBatch(call.scope, id, call.principal.client_id);
    if (s.code() == StatusCode::kFailedPrecondition)
      return FlowError(400, 1422, s.message(), kBatches, id);
    if (!s.ok()) return StoreError(s, kBatches, id);
    return JsonResponse(200, json::array{"@/batches/" + id});
  });
}

}  // namespace fluxo
