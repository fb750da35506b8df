// GET /connectionSpecs, /connectionSpecs/{id}, /flowSpecs, /flowSpecs/{id}: the built-in catalog
// of src/model, then the org's custom specs (custom_spec_handlers.h). Filters
// (`property=name==X`, `property=id==a,b`) apply to that list in memory: it has a handful of
// built-in entries and at most 1000 custom ones. GET /connectionSpecs/{id}/explore serves a spec's
// exploreSpec.
#include <algorithm>

#include "api/custom_spec_handlers.h"
#include "api/list_query.h"
#include "api/router.h"
#include "model/specs.h"

namespace fluxo {

namespace {

bool Matches(const json::value& doc, const Filter& f) {
  const json::value* v = FindPath(doc, f.path);
  std::string s;
  if (v && v->is_string()) {
    s = std::string(v->as_string());
  } else if (v) {
    s = json::serialize(*v);
  }
  bool any = false;
  for (const auto& want : f.values) {
    bool eq = v && s == want;
    switch (f.op) {
      case FilterOp::kEq: any = any || eq; break;
      case FilterOp::kNe: any = any || !eq; break;
      case FilterOp::kGt: any = any || (v && s > want); break;
      case FilterOp::kLt: any = any || (v && s < want); break;
      case FilterOp::kGe: any = any || (v && s >= want); break;
      case FilterOp::kLe: any = any || (v && s <= want); break;
    }
  }
  return any;
}

template <typename Spec>
Result<HttpResponse> ListSpecs(Call& call, const std::vector<Spec>& specs, const char* kind) {
  ListOptions opts;
  opts.scope = kind;
  opts.filter_paths = {"id", "name", "providerId", "attributes.category"};
  opts.order_fields = {"name", "id"};
  opts.default_order = "+name";
  ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(call.query, opts));
  std::vector<json::value> docs;
  for (const auto& spec : specs) docs.push_back(ToJson(spec));
  ASSIGN_OR_RETURN(std::vector<json::value> custom, CustomSpecDocuments(call, kind));
  for (json::value& d : custom) docs.push_back(std::move(d));
  json::array items;
  for (json::value& doc : docs) {
    bool keep = true;
    for (const auto& f : q.filters) keep = keep && Matches(doc, f);
    if (keep) items.push_back(std::move(doc));
  }
  if (q.count) return JsonResponse(200, json::object{{"count", items.size()}});
  return JsonResponse(200, json::object{{"items", std::move(items)}, {"_links", json::object{}}});
}

// GET /connectionSpecs/{id}/explore: the spec's exploreSpec (as GET /connectionSpecs/{id} serves
// it) in AEP's ExploreConnectionResponse shape, {"items": [{name, type, canPreview,
// canFetchSchema, requestSpec, responseSpec}]}. Exploring objects needs credentials, so that is
// GET /connections/{id}/explore; canPreview / canFetchSchema say whether a connection of this
// spec can be explored there. A spec with no exploreSpec (the lake, Generic REST API) is 400 1410.
Result<HttpResponse> ExploreSpec(Call& call) {
  const ConnectionSpec* spec = FindConnectionSpec(call.param(0));
  if (!spec || !SpecVisible(call, spec->org))
    return NotFoundError("connectionSpecs", call.param(0));
  json::value doc = ToJson(*spec);
  const json::value* explore =
      doc.is_object() ? doc.as_object().if_contains("exploreSpec") : nullptr;
  if (explore == nullptr || !explore->is_object()) {
    return BadRequest(kCodeBadRequest, "connection spec " + spec->id + " (" + spec->name +
                                           ") has no exploreSpec: it cannot be explored");
  }
  const auto& ops = spec->permitted_operations;
  bool explorable = std::find(ops.begin(), ops.end(), "explore") != ops.end();
  json::object item = explore->as_object();
  item["canPreview"] = explorable;
  item["canFetchSchema"] = explorable;
  return JsonResponse(200, json::object{{"items", json::array{std::move(item)}}});
}

}  // namespace

void RegisterSpecRoutes(Router& r, const std::string& base) {
  r.Add("GET", base + "/connectionSpecs",
        [](Call& call) { return ListSpecs(call, BuiltinConnectionSpecs(), "connectionSpecs"); });
  r.Add("GET", base + "/connectionSpecs/{id}", [](Call& call) -> Result<HttpResponse> {
    const ConnectionSpec* spec = FindConnectionSpec(call.param(0));
    if (!spec || !SpecVisible(call, spec->org))
      return NotFoundError("connectionSpecs", call.param(0));
    return JsonResponse(200, json::object{{"items", json::array{ToJson(*spec)}}});
  });
  r.Add("GET", base + "/connectionSpecs/{id}/explore", ExploreSpec);
  r.Add("GET", base + "/flowSpecs",
        [](Call& call) { return ListSpecs(call, BuiltinFlowSpecs(), "flowSpecs"); });
  r.Add("GET", base + "/flowSpecs/{id}", [](Call& call) -> Result<HttpResponse> {
    const FlowSpec* spec = FindFlowSpec(call.param(0));
    if (!spec || !SpecVisible(call, spec->org)) return NotFoundError("flowSpecs", call.param(0));
    return JsonResponse(200, json::object{{"items", json::array{ToJson(*spec)}}});
  });
}

}  // namespace fluxo
