// POST /connectionSpecs, PUT /connectionSpecs/{id}, POST /flowSpecs, PUT /flowSpecs/{id}; the
// metastore-backed CustomSpecSource. See custom_spec_handlers.h and api/CONTRACT.md
// ("Self-Serve Sources and REST").
#include "api/custom_spec_handlers.h"

#include <map>
#include <memory>
#include <vector>

#include "api/etag.h"
#include "api/resources.h"
#include "base/ids.h"
#include "base/mutex.h"
#include "model/custom_specs.h"
#include "model/spec_ids.h"
#ifdef FLUXO_CONNECTOR_REST
#include "connectors/rest/rest_connector.h"
#endif

namespace fluxo {
namespace {

constexpr const char* kConnectionSpecs = "connectionSpecs";
constexpr const char* kFlowSpecs = "flowSpecs";

Scope OrgScope(const std::string& org) { return Scope{org, ""}; }

// Finds custom specs by id in the metastore on every call (so that a spec written by another
// node is seen at once), and keeps the parsed spec of each (id, etag) for the rest of the
// program: pointers handed out stay valid when the spec is updated. Thread-safe. Reads run in
// their own read transaction, so callers may hold a write transaction (the SQLite and PostgreSQL
// stores read on another connection).
class StoreSpecSource : public CustomSpecSource {
 public:
  explicit StoreSpecSource(MetaStore* store) : store_(store) {}

  const ConnectionSpec* FindConnectionSpec(std::string_view id) override {
    auto e = Load(kConnectionSpecs, id);
    if (!e) return nullptr;
    MutexLock lock(&mu_);
    auto& slot = connection_[e->entity.id + "\n" + e->entity.etag];
    if (!slot) {
      auto spec = CustomConnectionSpecFromJson(e->entity.doc, e->entity.id, e->scope.org);
      if (!spec.ok()) return nullptr;  // validated when written; unreachable for stored specs
      slot = std::make_unique<ConnectionSpec>(std::move(spec).value());
    }
    return slot.get();
  }

  const FlowSpec* FindFlowSpec(std::string_view id) override {
    auto e = Load(kFlowSpecs, id);
    if (!e) return nullptr;
    MutexLock lock(&mu_);
    auto& slot = flow_[e->entity.id + "\n" + e->entity.etag];
    if (!slot) {
      auto spec = CustomFlowSpecFromJson(e->entity.doc, e->entity.id, e->scope.org);
      if (!spec.ok()) return nullptr;
      slot = std::make_unique<FlowSpec>(std::move(spec).value());
    }
    return slot.get();
  }

  void Detach() {
    MutexLock lock(&mu_);
    store_ = nullptr;
  }
  MetaStore* store() {
    MutexLock lock(&mu_);
    return store_;
  }

 private:
  std::optional<ScopedEntity> Load(const char* kind, std::string_view id) {
    MetaStore* store = this->store();
    if (store == nullptr) return std::nullopt;
    ListQuery q;
    q.limit = 1;
    q.order_field = "id";
    q.filters.push_back(Filter{.path = "id", .values = {std::string(id)}});
    std::optional<ScopedEntity> out;
    Status s = store->Read([&](MetaTxn& txn) -> Status {
      out.reset();
      ASSIGN_OR_RETURN(auto rows, txn.ListAcrossScopes(kind, q));
      if (!rows.empty()) out = std::move(rows.front());
      return Status::OK();
    });
    if (!s.ok()) return std::nullopt;
    return out;
  }

  Mutex mu_;
  MetaStore* store_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<ConnectionSpec>> connection_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<FlowSpec>> flow_ GUARDED_BY(mu_);
};

Mutex g_sources_mu;
StoreSpecSource* g_installed GUARDED_BY(g_sources_mu) = nullptr;

// Every source ever installed stays alive: FindConnectionSpec hands out pointers into it that
// callers may keep after the service is gone. The list keeps them reachable (LeakSanitizer saw each
// replaced one as a leak) and is itself never destroyed, so no thread races its exit-time
// destructor.
std::vector<std::unique_ptr<StoreSpecSource>>& AllSources() REQUIRES(g_sources_mu) {
  static auto* all = new std::vector<std::unique_ptr<StoreSpecSource>>();
  return *all;
}

// The body without the fields fluxo sets (id, audit fields) so that a GET-modify-PUT works.
json::object CleanBody(json::object body) {
  for (const char* k :
       {"id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient",
        "sandboxId", "sandboxName", "imsOrgId", "etag", "version"}) {
    body.erase(k);
  }
  return body;
}

Status CheckConnectionSpec(const json::object& doc, const std::string& id, const Call& call) {
  auto spec = CustomConnectionSpecFromJson(doc, id, call.scope.org);
  if (!spec.ok()) return BadRequest(kCodeBadRequest, spec.status().message());
#ifdef FLUXO_CONNECTOR_REST
  Status st = connectors::rest::ValidateCustomSourceSpec(*spec);
  if (!st.ok()) return BadRequest(kCodeBadRequest, st.message());
#endif
  return Status::OK();
}

Status CheckFlowSpec(const json::object& doc, const std::string& id, const Call& call) {
  auto spec = CustomFlowSpecFromJson(doc, id, call.scope.org);
  if (!spec.ok()) return BadRequest(kCodeBadRequest, spec.status().message());
  for (size_t i = 0; i < spec->source_connection_spec_ids.size(); ++i) {
    const std::string& sid = spec->source_connection_spec_ids[i];
    const ConnectionSpec* cs = FindConnectionSpec(sid);
    if (cs == nullptr || !SpecVisible(call, cs->org) || !cs->rest_based()) {
      return BadRequest(kCodeBadRequest, "sourceConnectionSpecIds[" + std::to_string(i) + "] " +
                                             sid.substr(0, 64) +
                                             " is not a REST connection spec of this org");
    }
  }
  return Status::OK();
}

using Checker = Status (*)(const json::object&, const std::string&, const Call&);

Result<HttpResponse> Create(Call& call, const char* kind, Checker check, const std::string& base) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  Entity e;
  e.kind = kind;
  e.id = NewUuid();
  e.doc = CleanBody(std::move(body));
  RETURN_IF_ERROR(check(e.doc, e.id, call));
  StampCreate(e, call);
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) -> Status {
    return StoreError(txn.Insert(OrgScope(call.scope.org), e), kind, e.id);
  }));
  return CreatedResponse(base + "/" + kind + "/" + e.id, e);
}

// PUT on the built-in RestStorageToAEP: AEP's self-serve tutorial adds the new connection spec
// to it. It already accepts every REST spec, so the PUT is checked and answered, not stored.
Result<HttpResponse> PutBuiltinRestFlowSpec(Call& call, const FlowSpec& builtin) {
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  json::object doc = CleanBody(std::move(body));
  doc["name"] = builtin.name;
  RETURN_IF_ERROR(CheckFlowSpec(doc, builtin.id, call));
  return JsonResponse(200, json::object{{"id", builtin.id}, {"etag", "\"builtin\""}});
}

Result<HttpResponse> Put(Call& call, const char* kind, Checker check) {
  const std::string& id = call.param(0);
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  json::object doc = CleanBody(std::move(body));
  RETURN_IF_ERROR(check(doc, id, call));
  // If-Match is optional on PUT (AEP's self-serve tutorials send none); when given it is checked.
  std::optional<std::string> header = call.http.Header("if-match");
  const std::string* query = FindParam(call.query, "if-match");
  std::optional<std::string> q = query ? std::optional<std::string>(*query) : std::nullopt;
  Entity out;
  RETURN_IF_ERROR(InTransaction(call, [&](MetaTxn& txn) -> Status {
    auto old = txn.Get(OrgScope(call.scope.org), kind, id);
    if (!old.ok()) return StoreError(old.status(), kind, id);
    if (header || q) {
      if (Status st = CheckIfMatch(header, q, old->etag, kind, id); !st.ok()) return st;
    }
    Entity e = *old;
    json::object stamped = doc;
    for (const char* k : {"id", "createdAt", "createdBy", "createdClient", "sandboxId",
                          "sandboxName", "imsOrgId"}) {
      if (const json::value* v = old->doc.if_contains(k)) stamped[k] = *v;
    }
    e.doc = std::move(stamped);
    StampUpdate(e, call);
    out = e;
    return StoreError(txn.Update(OrgScope(call.scope.org), e, old->etag), kind, id);
  }));
  return JsonResponse(200, IdEtag(out));
}

}  // namespace

void RegisterCustomSpecRoutes(Router& r, const std::string& base, MetaStore* store) {
  {
    MutexLock lock(&g_sources_mu);
    if (g_installed == nullptr || g_installed->store() != store) {
      AllSources().push_back(std::make_unique<StoreSpecSource>(store));
      g_installed = AllSources().back().get();
      SetCustomSpecSource(g_installed);
    }
  }
  r.Add("POST", base + "/connectionSpecs",
        [base](Call& call) { return Create(call, kConnectionSpecs, &CheckConnectionSpec, base); });
  r.Add("PUT", base + "/connectionSpecs/{id}", [](Call& call) -> Result<HttpResponse> {
    const ConnectionSpec* s = FindConnectionSpec(call.param(0));
    if (s != nullptr && s->org.empty()) {
      return BadRequest(1460, "connection spec " + s->id + " (" + s->name +
                                  ") is built in and cannot be replaced");
    }
    return Put(call, kConnectionSpecs, &CheckConnectionSpec);
  });
  r.Add("POST", base + "/flowSpecs",
        [base](Call& call) { return Create(call, kFlowSpecs, &CheckFlowSpec, base); });
  r.Add("PUT", base + "/flowSpecs/{id}", [](Call& call) -> Result<HttpResponse> {
    const FlowSpec* s = FindFlowSpec(call.param(0));
    if (s != nullptr && s->org.empty()) {
      if (s->accepts_any_rest_source) return PutBuiltinRestFlowSpec(call, *s);
      return BadRequest(
          1460, "flow spec " + s->id + " (" + s->name + ") is built in and cannot be replaced");
    }
    return Put(call, kFlowSpecs, &CheckFlowSpec);
  });
}

namespace {

// The list query a search body stands for: `queryString` (the query string of the GET list,
// e.g. "property=name==x&orderby=-createdAt"), then `limit`, `orderby`, `count`, plus the POST's
// own query parameters (continuationToken).
Result<QueryParams> SearchQuery(const Call& call) {
  QueryParams q = call.query;
  if (call.http.body.empty()) return q;
  ASSIGN_OR_RETURN(json::object body, BodyObject(call.http));
  for (const auto& kv : body) {
    std::string key(kv.key());
    const json::value& v = kv.value();
    if (key == "queryString") {
      if (!v.is_string()) return BadRequest(kCodeBadRequest, "queryString must be a string");
      auto parsed = ParseQueryString(v.get_string());
      if (!parsed.ok())
        return BadRequest(kCodeBadRequest, "queryString: " + parsed.status().message());
      q.insert(q.end(), parsed->begin(), parsed->end());
    } else if (key == "limit" || key == "orderby" || key == "count") {
      if (v.is_object() || v.is_array() || v.is_null()) {
        return BadRequest(kCodeBadRequest, key + " must be a number, string or boolean");
      }
      q.push_back({key, v.is_string() ? std::string(v.get_string()) : json::serialize(v)});
    } else {
      return BadRequest(1451, "unknown search field " + QuoteForMessage(key) +
                                  " (queryString, limit, orderby, count)");
    }
  }
  return q;
}

// The GET handler of `path` in `r` (registered before).
const Handler* GetHandler(const Router& r, const std::string& path) {
  auto segments = SplitPath(path);
  if (!segments.ok()) return nullptr;
  const Handler* h = nullptr;
  std::vector<std::string> params;
  return r.Find("GET", *segments, &h, &params) == Router::Match::kFound ? h : nullptr;
}

json::object Configs(const std::vector<ParamSpec>& params) {
  json::array items;
  for (const ParamSpec& p : params) {
    items.push_back(json::object{{"columnName", p.name}, {"columnType", ParamTypeName(p.type)}});
  }
  return json::object{{"items", std::move(items)}};
}

Result<const ConnectionSpec*> VisibleSpec(Call& call, const std::string& id) {
  const ConnectionSpec* spec = FindConnectionSpec(id);
  if (spec == nullptr || !SpecVisible(call, spec->org)) return NotFoundError("connectionSpecs", id);
  return spec;
}

}  // namespace

void RegisterSearchAndConfigRoutes(Router& r, const std::string& base) {
  for (const char* kind : {"connections", "flows", "flowSpecs"}) {
    std::string list = base + "/" + kind;
    const Handler* found = GetHandler(r, list);
    if (found == nullptr) continue;  // unreachable: the list routes are registered first
    // A copy: the router's table may grow (and move its handlers) after this.
    r.Add("POST", list + "/search", [get = *found](Call& call) -> Result<HttpResponse> {
      ASSIGN_OR_RETURN(QueryParams q, SearchQuery(call));
      Call list_call = call;
      list_call.query = std::move(q);
      return get(list_call);
    });
  }
  // The params a source connection of the spec takes, as AEP's ExploreConnectionResponse items.
  r.Add("GET", base + "/connectionSpecs/{id}/configs", [](Call& call) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(const ConnectionSpec* spec, VisibleSpec(call, call.param(0)));
    return JsonResponse(200, Configs(spec->source_params));
  });
  r.Add("GET", base + "/connections/{id}/configs", [](Call& call) -> Result<HttpResponse> {
    Entity conn;
    RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(conn, GetEntity(call, txn, "connections", call.param(0)));
      return Status::OK();
    }));
    const json::value* sid = FindPath(conn.doc, "connectionSpec.id");
    std::string id = sid && sid->is_string() ? std::string(sid->get_string()) : "";
    ASSIGN_OR_RETURN(const ConnectionSpec* spec, VisibleSpec(call, id));
    return JsonResponse(200, Configs(spec->source_params));
  });
}

Status CheckRestSourceParams(const ConnectionSpec& spec, const json::object& params) {
#ifdef FLUXO_CONNECTOR_REST
  if (spec.rest_based() && spec.rest_attributes.empty()) {
    return connectors::rest::RestSpecFor(spec, params).status();
  }
#endif
  (void)spec;
  (void)params;
  return Status::OK();
}

void UninstallCustomSpecSource(MetaStore* store) {
  MutexLock lock(&g_sources_mu);
  if (g_installed != nullptr && g_installed->store() == store) {
    g_installed->Detach();
    SetCustomSpecSource(nullptr);
    g_installed = nullptr;
  }
}

Result<std::vector<json::value>> CustomSpecDocuments(Call& call, const std::string& kind) {
  std::vector<json::value> out;
  ListQuery q;
  q.limit = 1000;
  q.order_field = "createdAt";
  q.order_desc = false;
  RETURN_IF_ERROR(call.deps.store->Read([&](MetaTxn& txn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(EntityPage page, txn.List(OrgScope(call.scope.org), kind, q));
    for (Entity& e : page.items) out.emplace_back(std::move(e.doc));
    return Status::OK();
  }));
  return out;
}

}  // namespace fluxo
