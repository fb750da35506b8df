// GET /connectionSpecs, /connectionSpecs/{id}, /flowSpecs, /flowSpecs/{id}: the built-in catalog
// of src/model, then the org's custom specs (custom_spec_handlers.h). Filters
// (`property=name==X`, `property=id==a,b`) apply to that list in memory: it has a handful of
// built-in entries and at most 1000 custom ones.
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
  r.Add("GET", base + "/flowSpecs",
        [](Call& call) { return ListSpecs(call, BuiltinFlowSpecs(), "flowSpecs"); });
  r.Add("GET", base + "/flowSpecs/{id}", [](Call& call) -> Result<HttpResponse> {
    const FlowSpec* spec = FindFlowSpec(call.param(0));
    if (!spec || !SpecVisible(call, spec->org)) return NotFoundError("flowSpecs", call.param(0));
    return JsonResponse(200, json::object{{"items", json::array{ToJson(*spec)}}});
  });
}

}  // namespace fluxo
