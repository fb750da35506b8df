// Catalog subset: /dataSets (create, get, list, delete) and the read side of /batches.
//
// Shapes follow the Catalog API: create answers 201 ["@/dataSets/<id>"], GET and list answer an
// object keyed by id ({"<id>": {...}}); ids are 24 hex characters. Batches are written by the run
// engine (kind "batches", with a top-level dataSetId); here they are only read.
#include <regex>
#include <set>

#include "api/dataprep.h"
#include "api/resources.h"
#include "base/ids.h"

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

// Catalog lists answer {"<id>": doc, ...}. `name=X` is accepted as a shorthand filter.
Result<HttpResponse> CatalogList(Call& call, const std::string& kind, ListOptions opts,
                                 const std::vector<Filter>& extra) {
  opts.token_key = ListTokenKey(call.deps);
  QueryParams q;
  for (const auto& p : call.query) {
    if (p.name == "name" && kind == kDataSets) {
      q.push_back({"property", "name==" + p.value});
    } else if (p.name != "dataSet") {
      q.push_back(p);
    }
  }
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
  for (auto& e : page.items) out[e.id] = std::move(e.doc);
  HttpResponse res = JsonResponse(200, out);
  if (page.has_more && !page.items.empty()) {
    std::string token =
        EncodeContinuationToken(lq, page.last_sort_value, page.items.back().id, opts);
    res.headers.emplace_back("Link", "<" + NextPageHref("/" + kind, token) + ">; rel=\"next\"");
  }
  return res;
}

Result<HttpResponse> CatalogGet(Call& call, const std::string& kind) {
  Entity e;
  Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
    ASSIGN_OR_RETURN(e, txn.Get(call.scope, kind, call.param(0)));
    return Status::OK();
  });
  if (!s.ok()) return StoreError(s, kind, call.param(0));
  json::object out;
  out[e.id] = std::move(e.doc);
  return JsonResponse(200, out);
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
    auto name = GetString(body, "name");
    if (!name || name->empty())
      return BadRequest(kCodeBadRequest, "name is required and must be a non-empty string");
    json::object doc{{"name", *name}, {"state", "DRAFT"}};
    if (auto d = body.if_contains("description")) {
      if (!d->is_string()) return BadRequest(kCodeBadRequest, "description must be a string");
      doc["description"] = *d;
    }
    if (auto c = body.if_contains("columns")) {
      ASSIGN_OR_RETURN(json::array cols, ValidateColumns(*c));
      doc["columns"] = std::move(cols);
    }
    if (auto s = body.if_contains("schemaRef")) doc["schemaRef"] = *s;
    if (auto t = body.if_contains("tags")) doc["tags"] = *t;
    e.doc = std::move(doc);
    StampCreate(e, call);
    e.doc["created"] = e.created_at;
    e.doc["updated"] = e.updated_at;
    e.doc["schemaVersion"] = 0;  // becomes 1 when the first batch commits a schema
    Status s = call.deps.store->Transact([&](MetaTxn& txn) -> Status {
      if (const json::value* ref = e.doc.if_contains("schemaRef")) {  // must name a schema
        const json::value* id = ref->is_object() ? ref->as_object().if_contains("id") : nullptr;
        if (!id || !id->is_string())
          return BadRequest(kCodeBadRequest, "schemaRef.id is required: a schema's $id");
        RETURN_IF_ERROR(SchemaFields(call, txn, std::string(id->as_string())).status());
      }
      return txn.Insert(call.scope, e);
    });
    if (!s.ok()) return StoreError(s, kDataSets, e.id);
    HttpResponse res = JsonResponse(201, json::array{"@/dataSets/" + e.id});
    res.headers.emplace_back("Location", "/data/foundation/catalog/dataSets/" + e.id);
    return res;
  });
  r.Add("GET", base + "/dataSets",
        [ds_opts](Call& call) { return CatalogList(call, kDataSets, ds_opts, {}); });
  r.Add("GET", base + "/dataSets/{id}", [](Call& call) { return CatalogGet(call, kDataSets); });
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
  b_opts.filter_paths = {"id", "status", "createdAt", "updatedAt", "dataSetId"};
  b_opts.order_fields = {"createdAt", "updatedAt", "id"};
  b_opts.extra_params = {"dataSet"};
  r.Add("GET", base + "/batches", [b_opts](Call& call) -> Result<HttpResponse> {
    std::vector<Filter> extra;
    if (const std::string* ds = FindParam(call.query, "dataSet")) {
      if (ds->empty()) return BadRequest(1453, "dataSet must not be empty");
      extra.push_back(Filter{"dataSetId", -1, FilterOp::kEq, {*ds}});
    }
    return CatalogList(call, kBatches, b_opts, extra);
  });
  r.Add("GET", base + "/batches/{id}", [](Call& call) { return CatalogGet(call, kBatches); });
}

}  // namespace fluxo
