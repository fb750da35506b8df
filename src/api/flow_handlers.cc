// /flows (CRUD) and POST /flows/{id}/action?op=enable|disable.
//
// A flow moves one source connection into one or more target connections under a flow spec
// (CRMToAEP for table-based sources, CloudStorageToAEP for file-based ones), on a schedule
// (flow_rules.h). Its connections must exist in the caller's org and sandbox; they cannot be
// deleted while the flow references them.
#include "api/custom_spec_handlers.h"
#include "api/dataprep.h"
#include "api/flow_rules.h"
#include "api/resources.h"
#include "model/specs.h"

namespace fluxo {

namespace {

constexpr const char* kKind = "flows";

Result<std::vector<std::string>> IdList(const json::object& body, const char* field) {
  const json::value* v = body.if_contains(field);
  if (!v || !v->is_array() || v->as_array().empty()) {
    return BadRequest(kCodeBadRequest,
                      std::string(field) + " is required: a non-empty array of ids");
  }
  std::vector<std::string> out;
  for (const auto& x : v->as_array()) {
    if (!x.is_string() || x.as_string().empty()) {
      return BadRequest(kCodeBadRequest, std::string(field) + " must contain only id strings");
    }
    out.emplace_back(x.as_string());
  }
  return out;
}

// Looks up a referenced entity; absent (in this scope) is 404 naming the field, a draft 400.
Result<Entity> Referenced(Call& call, MetaTxn& txn, const std::string& kind, const std::string& id,
                          const std::string& field) {
  auto e = txn.Get(call.scope, kind, id);
  if (e.ok() && IsDraft(e->doc)) {
    return BadRequest(kCodeBadRequest, field + ": " + kind + " " + id +
                                           " is a draft; publish it first (POST /" + kind + "/" +
                                           id + "/action?op=publish)");
  }
  if (e.ok()) return std::move(e).value();
  if (e.status().code() == StatusCode::kNotFound) {
    return FlowError(404, 1101, field + ": " + kind + " not found with id " + id, kind, id);
  }
  return e.status();
}

std::string SpecIdOf(const json::object& doc) {
  const json::value* v = FindPath(doc, "connectionSpec.id");
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// Builds the stored flow from a create body (old == nullptr) or a patched document.
Result<Entity> BuildFlow(Call& call, MetaTxn& txn, const json::object& body, Entity e,
                         const Entity* old) {
  auto name = GetString(body, "name");
  if (!name || name->empty())
    return BadRequest(kCodeBadRequest, "name is required and must be a non-empty string");
  if (!old && body.contains("state")) {
    return BadRequest(1410,
                      "state cannot be set on create (a flow starts enabled); use "
                      "POST /flows/{id}/action?op=disable");
  }
  const json::value* fs = body.if_contains("flowSpec");
  std::optional<std::string> fs_id =
      fs && fs->is_object() ? GetString(fs->as_object(), "id") : std::nullopt;
  if (!fs_id) return BadRequest(kCodeBadRequest, "flowSpec.id is required");
  RETURN_IF_ERROR(CheckOptionalString(fs->as_object(), "version", "flowSpec.version"));
  RETURN_IF_ERROR(CheckOptionalString(body, "description", "description"));
  const FlowSpec* spec = FindFlowSpec(*fs_id);
  if (!spec) spec = FindFlowSpecByName(*fs_id);
  if (spec && !SpecVisible(call, spec->org)) spec = nullptr;
  if (!spec)
    return BadRequest(kCodeBadRequest, "flowSpec.id " + *fs_id + " is not a known flow spec");
  if (old) {
    const json::value* was = FindPath(old->doc, "flowSpec.id");
    if (was && was->is_string() && was->as_string() != spec->id) {
      return BadRequest(1414, "flowSpec of a flow cannot be changed");
    }
  }

  ASSIGN_OR_RETURN(auto source_ids, IdList(body, "sourceConnectionIds"));
  ASSIGN_OR_RETURN(auto target_ids, IdList(body, "targetConnectionIds"));
  if (source_ids.size() != 1) {
    return BadRequest(kCodeBadRequest,
                      "sourceConnectionIds must hold exactly one source connection id");
  }
  json::array inherited_sources, inherited_targets;
  for (const auto& id : source_ids) {
    ASSIGN_OR_RETURN(Entity sc,
                     Referenced(call, txn, "sourceConnections", id, "sourceConnectionIds"));
    std::string sid = SpecIdOf(sc.doc);
    if (!spec->accepts_source(sid)) {
      const ConnectionSpec* cs = FindConnectionSpec(sid);
      return BadRequest(kCodeBadRequest, "sourceConnectionIds: source connection " + id + " (" +
                                             (cs ? cs->name : sid) +
                                             ") cannot be used with flow spec " + spec->name);
    }
    json::object item{{"id", id}, {"connectionSpec", sc.doc["connectionSpec"]}};
    if (auto b = GetString(sc.doc, "baseConnectionId")) {
      auto base = txn.Get(call.scope, "connections", *b);
      if (base.ok() && IsDraft(base->doc)) {
        return BadRequest(kCodeBadRequest, "sourceConnectionIds: the base connection " + *b +
                                               " of source connection " + id +
                                               " is a draft; publish it first");
      }
      if (base.ok())
        item["baseConnection"] =
            json::object{{"id", *b}, {"connectionSpec", base->doc["connectionSpec"]}};
    }
    inherited_sources.push_back(std::move(item));
  }
  for (const auto& id : target_ids) {
    ASSIGN_OR_RETURN(Entity tc,
                     Referenced(call, txn, "targetConnections", id, "targetConnectionIds"));
    if (!spec->accepts_target(SpecIdOf(tc.doc))) {
      return BadRequest(kCodeBadRequest, "targetConnectionIds: target connection " + id +
                                             " cannot be used with flow spec " + spec->name);
    }
    inherited_targets.push_back(
        json::object{{"id", id}, {"connectionSpec", tc.doc["connectionSpec"]}});
  }

  // startTime must not be in the past on create, or when a patch changes it.
  bool start_changed = true;
  if (old) {
    const json::value* a = FindPath(old->doc, "scheduleParams.startTime");
    const json::value* b = FindPath(body, "scheduleParams.startTime");
    start_changed = b && (!a || AsInt64Lenient(*a) != AsInt64Lenient(*b));
  }
  const json::value* sp = body.if_contains("scheduleParams");
  ASSIGN_OR_RETURN(Schedule schedule, ParseSchedule(sp, call.now_ms() / 1000, start_changed));

  json::array transformations;
  if (const json::value* ts = body.if_contains("transformations")) {
    if (!ts->is_array()) return BadRequest(kCodeBadRequest, "transformations must be an array");
    size_t i = 0;
    for (const auto& t : ts->as_array()) {
      std::string at = "transformations[" + std::to_string(i++) + "]";
      if (!t.is_object() || !GetString(t.as_object(), "name")) {
        return BadRequest(kCodeBadRequest, at + " must be an object with a name and params");
      }
      if (auto p = t.as_object().if_contains("params"); p && !p->is_object()) {
        return BadRequest(kCodeBadRequest, at + ".params must be an object");
      }
      transformations.push_back(t);
    }
  }
  json::object tmp{{"transformations", transformations}};
  if (!old && schedule.frequency == "once" && FlowDeltaColumn(tmp)) {
    return BadRequest(1365,
                      "transformations[Copy].params.deltaColumn cannot be set when creating a "
                      "flow with frequency once: the first run's params.deltaColumn sets it");
  }
  if (spec->source_category == SpecCategory::kDatabase && schedule.frequency != "once" &&
      !FlowDeltaColumn(tmp)) {
    return BadRequest(1383,
                      "transformations[Copy].params.deltaColumn.name is required: a scheduled "
                      "table-based flow selects each window's rows by its delta column");
  }
  const json::value* options = body.if_contains("options");
  if (Status err = ValidateFlowOptions(options); !err.ok()) return err;
  std::vector<std::string> mapping_refs;  // Data Prep: the mapping set a Mapping names
  RETURN_IF_ERROR(CheckFlowTransformations(call, txn, tmp, &mapping_refs));

  json::object doc;
  doc["name"] = *name;
  if (auto d = body.if_contains("description")) doc["description"] = *d;
  doc["flowSpec"] = json::object{{"id", spec->id}, {"version", spec->version}};
  doc["state"] = old ? old->doc.at("state") : json::value("enabled");
  json::array sids, tids;
  for (auto& s : source_ids) sids.push_back(json::value(s));
  for (auto& t : target_ids) tids.push_back(json::value(t));
  doc["sourceConnectionIds"] = std::move(sids);
  doc["targetConnectionIds"] = std::move(tids);
  doc["inheritedAttributes"] = json::object{{"sourceConnections", std::move(inherited_sources)},
                                            {"targetConnections", std::move(inherited_targets)}};
  doc["scheduleParams"] = *sp;  // echoed as received
  doc["transformations"] = std::move(transformations);
  if (options) doc["options"] = *options;
  doc["runs"] = "/runs?property=flowId==" + e.id;
  int64_t now = call.now_ms();
  if (old) {
    json::object op = old->doc.contains("lastOperation") && old->doc.at("lastOperation").is_object()
                          ? old->doc.at("lastOperation").as_object()
                          : json::object{{"started", now}};
    op["updated"] = now;
    op["operation"] = "update";
    doc["lastOperation"] = std::move(op);
    if (auto l = old->doc.if_contains("lastRunDetails")) doc["lastRunDetails"] = *l;
  } else {
    doc["lastOperation"] =
        json::object{{"started", now}, {"updated", now}, {"operation", "create"}};
  }
  e.doc = std::move(doc);
  e.refs.clear();
  for (auto& s : source_ids) e.refs.push_back(s);
  for (auto& t : target_ids) e.refs.push_back(t);
  for (auto& m : mapping_refs) e.refs.push_back(m);
  return e;
}

}  // namespace

void RegisterFlowRoutes(Router& r, const std::string& base) {
  ResourceHooks h;
  h.kind = kKind;
  h.list.scope = kKind;
  h.list.filter_paths = {"id",
                         "name",
                         "state",
                         "flowSpec.id",
                         "sourceConnectionIds[]",
                         "targetConnectionIds[]",
                         "createdAt",
                         "updatedAt",
                         "createdClient",
                         "scheduleParams.frequency",
                         "lastRunDetails.state",
                         "lastRunDetails.startedAtUTC",
                         "lastRunDetails.completedAtUTC",
                         "inheritedAttributes.sourceConnections[].connectionSpec.id"};
  h.list.order_fields = {"createdAt", "updatedAt", "name", "id", "lastRunDetails.startedAtUTC"};
  h.create = [](Call& call, MetaTxn& txn, json::object body, Entity e) {
    return BuildFlow(call, txn, body, std::move(e), nullptr);
  };
  h.patch_check = AllowPathPrefixes(
      {"/name", "/description", "/scheduleParams", "/transformations", "/options"});
  h.update = [](Call& call, MetaTxn& txn, json::object patched, const Entity& old) {
    return BuildFlow(call, txn, patched, old, &old);
  };
  RegisterCrud(r, base, std::move(h));

  r.Add("POST", base + "/flows/{id}/action", [](Call& call) -> Result<HttpResponse> {
    const std::string* op = FindParam(call.query, "op");
    if (!op || op->empty()) return BadRequest(kCodeBadRequest, "op is required: enable or disable");
    std::string o = *op;
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (o != "enable" && o != "disable") {
      return BadRequest(kCodeBadRequest, "op " + *op + " is not a flow action (enable, disable)");
    }
    const std::string& id = call.param(0);
    Entity updated;
    Status err = InTransaction(call, [&](MetaTxn& txn) -> Status {
      auto cur = txn.Get(call.scope, kKind, id);
      if (!cur.ok()) return StoreError(cur.status(), kKind, id);
      updated = *cur;
      updated.doc["state"] = o == "enable" ? "enabled" : "disabled";
      int64_t now = call.now_ms();
      json::object lo =
          cur->doc.contains("lastOperation") && cur->doc.at("lastOperation").is_object()
              ? cur->doc.at("lastOperation").as_object()
              : json::object{};
      lo["updated"] = now;
      lo["operation"] = o;
      updated.doc["lastOperation"] = std::move(lo);
      StampUpdate(updated, call);
      Status s = txn.Update(call.scope, updated, cur->etag);
      if (!s.ok()) return StoreError(s, kKind, id);
      return Status::OK();
    });
    if (!err.ok()) return err;
    return JsonResponse(200, IdEtag(updated));
  });
}

}  // namespace fluxo
