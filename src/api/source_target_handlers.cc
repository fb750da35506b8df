// /sourceConnections and /targetConnections (CRUD, drafts, POST .../{id}/action?op=publish).
//
// A source connection names its base connection (`baseConnectionId`, same org and sandbox; the
// base connection cannot be deleted while referenced) and carries `data` and `params` validated
// against the connection spec's source spec (table-based: data.format tabular + params.tableName;
// file-based: data.format delimited|json|parquet + params.path ...). A target connection uses the
// data-lake spec and names an existing dataset (`params.dataSetId`).
#include "api/custom_spec_handlers.h"
#include "api/resources.h"
#include "model/spec_ids.h"
#include "model/specs.h"

namespace fluxo {

namespace {

const json::object kEmpty;

const json::object& ObjectOr(const json::object& body, const char* key, bool* bad) {
  const json::value* v = body.if_contains(key);
  if (!v) return kEmpty;
  if (!v->is_object()) {
    *bad = true;
    return kEmpty;
  }
  return v->as_object();
}

Result<const ConnectionSpec*> SpecOf(const json::object& body) {
  const json::value* ref = body.if_contains("connectionSpec");
  if (!ref || !ref->is_object()) {
    return BadRequest(kCodeBadRequest,
                      "connectionSpec is required: {\"id\": ..., \"version\": \"1.0\"}");
  }
  auto id = GetString(ref->as_object(), "id");
  if (!id) return BadRequest(kCodeBadRequest, "connectionSpec.id is required");
  RETURN_IF_ERROR(CheckOptionalString(ref->as_object(), "version", "connectionSpec.version"));
  const ConnectionSpec* spec = FindConnectionSpec(*id);
  if (!spec)
    return BadRequest(kCodeBadRequest,
                      "connectionSpec.id " + *id + " is not a known connection spec");
  return spec;
}

// Common part of both: name, description, connectionSpec, data, params.
Result<json::object> BaseDoc(const json::object& body, const ConnectionSpec& spec) {
  auto name = GetString(body, "name");
  if (!name || name->empty())
    return BadRequest(kCodeBadRequest, "name is required and must be a non-empty string");
  json::object doc;
  doc["name"] = *name;
  if (auto d = body.if_contains("description")) {
    if (!d->is_string()) return BadRequest(kCodeBadRequest, "description must be a string");
    doc["description"] = *d;
  }
  doc["connectionSpec"] = json::object{{"id", spec.id}, {"version", spec.version}};
  doc["state"] = "enabled";
  return doc;
}

Result<Entity> BuildSource(Call& call, MetaTxn& txn, const json::object& body, Entity e) {
  ASSIGN_OR_RETURN(const ConnectionSpec* spec, SpecOf(body));
  if (!spec->is_source()) {
    return BadRequest(kCodeBadRequest, "connectionSpec.id " + spec->id + " (" + spec->name +
                                           ") is not a source; use it in a target connection");
  }
  ASSIGN_OR_RETURN(json::object doc, BaseDoc(body, *spec));
  auto base_id = GetString(body, "baseConnectionId");
  if (!base_id || base_id->empty()) {
    return BadRequest(kCodeBadRequest, "baseConnectionId is required (the id of a connection)");
  }
  auto base = txn.Get(call.scope, "connections", *base_id);
  if (!base.ok()) {
    if (base.status().code() == StatusCode::kNotFound) {
      return FlowError(404, 1101, "baseConnectionId: connection not found with id " + *base_id,
                       "connections", *base_id);
    }
    return base.status();
  }
  const json::value* base_spec = FindPath(base->doc, "connectionSpec.id");
  if (!base_spec || !base_spec->is_string() || base_spec->as_string() != spec->id) {
    return BadRequest(kCodeBadRequest,
                      "connectionSpec.id " + spec->id +
                          " differs from the connection spec of baseConnectionId " + *base_id);
  }
  bool bad = false;
  const json::object& data = ObjectOr(body, "data", &bad);
  if (bad) return BadRequest(kCodeBadRequest, "data must be an object");
  const json::object& params = ObjectOr(body, "params", &bad);
  if (bad) return BadRequest(kCodeBadRequest, "params must be an object");
  Status valid = ValidateSourceConnection(*spec, data, params);
  if (valid.ok()) valid = CheckRestSourceParams(*spec, params);
  if (!valid.ok()) return BadRequest(kCodeBadRequest, valid.message());
  doc["baseConnectionId"] = *base_id;
  doc["data"] = data;
  doc["params"] = params;
  e.doc = std::move(doc);
  e.refs = {*base_id};
  return e;
}

Result<Entity> BuildTarget(Call& call, MetaTxn& txn, const json::object& body, Entity e) {
  ASSIGN_OR_RETURN(const ConnectionSpec* spec, SpecOf(body));
  if (!spec->is_target()) {
    return BadRequest(kCodeBadRequest,
                      "connectionSpec.id " + spec->id + " (" + spec->name +
                          ") is not a target; a target connection uses the data lake spec " +
                          std::string(spec_ids::kDataLake));
  }
  ASSIGN_OR_RETURN(json::object doc, BaseDoc(body, *spec));
  bool bad = false;
  const json::object& data = ObjectOr(body, "data", &bad);
  if (bad) return BadRequest(kCodeBadRequest, "data must be an object");
  const json::object& params = ObjectOr(body, "params", &bad);
  if (bad) return BadRequest(kCodeBadRequest, "params must be an object");
  Status valid = ValidateTargetConnection(*spec, data, params);
  if (!valid.ok()) return BadRequest(kCodeBadRequest, valid.message());
  auto dataset_id = GetString(params, "dataSetId");
  if (!dataset_id || dataset_id->empty()) {
    return BadRequest(kCodeBadRequest, "params.dataSetId is required (the id of a dataset)");
  }
  auto ds = txn.Get(call.scope, "dataSets", *dataset_id);
  if (!ds.ok()) {
    if (ds.status().code() == StatusCode::kNotFound) {
      return BadRequest(kCodeBadRequest,
                        "params.dataSetId: dataset not found with id " + *dataset_id);
    }
    return ds.status();
  }
  if (auto b = body.if_contains("baseConnectionId")) doc["baseConnectionId"] = *b;
  doc["data"] = data;
  doc["params"] = params;
  e.doc = std::move(doc);
  e.refs = {*dataset_id};
  return e;
}

PatchCheck ConnectionPatchCheck() {
  PatchCheck allowed = AllowPathPrefixes({"/name", "/description", "/params", "/data"});
  return [allowed](const PatchOp& op) -> Status {
    if (op.path.rfind("/connectionSpec", 0) == 0) {
      return BadRequest(1414, "connectionSpec cannot be changed (" + op.path + ")");
    }
    return allowed(op);
  };
}

}  // namespace

void RegisterSourceTargetRoutes(Router& r, const std::string& base) {
  ResourceHooks s;
  s.kind = "sourceConnections";
  s.list.scope = s.kind;
  s.list.filter_paths = {"id",          "name",       "baseConnectionId", "connectionSpec.id",
                         "state",       "createdAt",  "updatedAt",        "params.tableName",
                         "params.path", "data.format"};
  s.list.order_fields = {"createdAt", "updatedAt", "name", "id"};
  s.create = [](Call& call, MetaTxn& txn, json::object body, Entity e) {
    return BuildSource(call, txn, body, std::move(e));
  };
  s.patch_check = ConnectionPatchCheck();
  s.update = [](Call& call, MetaTxn& txn, json::object patched, const Entity& old) {
    return BuildSource(call, txn, patched, old);
  };
  s.drafts = true;
  RegisterCrud(r, base, std::move(s));
  // A source connection is published after its base connection (AEP's order of publishing).
  RegisterPublishAction(r, base, "sourceConnections",
                        [](Call& call, MetaTxn& txn, const Entity& e) -> Status {
                          auto base_id = GetString(e.doc, "baseConnectionId").value_or("");
                          ASSIGN_OR_RETURN(Entity b, GetEntity(call, txn, "connections", base_id));
                          if (!IsDraft(b.doc)) return Status::OK();
                          return FlowError(400, 1422,
                                           "base connection " + base_id +
                                               " is a draft: publish it first "
                                               "(POST /connections/" +
                                               base_id + "/action?op=publish)",
                                           "sourceConnections", e.id);
                        });

  ResourceHooks t;
  t.kind = "targetConnections";
  t.list.scope = t.kind;
  t.list.filter_paths = {"id",        "name",      "connectionSpec.id", "state",
                         "createdAt", "updatedAt", "params.dataSetId"};
  t.list.order_fields = {"createdAt", "updatedAt", "name", "id"};
  t.create = [](Call& call, MetaTxn& txn, json::object body, Entity e) {
    return BuildTarget(call, txn, body, std::move(e));
  };
  t.patch_check = ConnectionPatchCheck();
  t.update = [](Call& call, MetaTxn& txn, json::object patched, const Entity& old) {
    return BuildTarget(call, txn, patched, old);
  };
  t.drafts = true;
  RegisterCrud(r, base, std::move(t));
  RegisterPublishAction(r, base, "targetConnections", nullptr);
}

}  // namespace fluxo
