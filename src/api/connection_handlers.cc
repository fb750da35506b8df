// Base connections: /connections (CRUD, drafts and POST /connections/{id}/action?op=publish:
// resources.h). `auth.params` are validated against the connection
// spec's auth spec; secret fields are sealed with the master key (AAD: the connection id) and
// stored masked, so neither GET nor the metastore file ever shows them.
#include "api/custom_spec_handlers.h"
#include "api/resources.h"
#include "connectors/registry.h"
#include "model/connection_string.h"
#include "model/secrets.h"
#include "model/specs.h"
#include "secrets/connection_secrets.h"

namespace fluxo {

namespace {

constexpr const char* kKind = "connections";

Status SecretRequired(const std::string& secret, const std::string& changed) {
  return BadRequest(kCodeBadRequest, "auth.params." + secret + " is required again: auth.params." +
                                         changed +
                                         " changed, and a stored secret is never sent to a new "
                                         "address");
}

// A secret connection string that changed (its host, port, database or anything else: it is not
// GET's masked form sent back) but still holds the mask as its password would store "***" as the
// password, or, were the stored password put back, send it to the new address: refused, the
// password must be given again. (An unchanged echo is restored by RestoreEchoedSecrets.)
Status RequirePasswordsInChangedConnectionStrings(const AuthSpec& auth_spec,
                                                  const json::object& incoming,
                                                  const json::object& stored) {
  for (const ParamSpec& p : auth_spec.params) {
    if (!p.secret || !p.connection_string) continue;
    const json::value* now = incoming.if_contains(p.name);
    const json::value* before = stored.if_contains(p.name);
    if (!now || !now->is_string() || !before || !before->is_string()) continue;
    std::string_view text = now->as_string();
    bool echo = text == MaskConnectionString(before->as_string());
    bool holds_mask = text.find(kMaskedValue) != std::string_view::npos &&
                      MaskConnectionString(text) == text;  // no real password beside the mask
    if (!echo && holds_mask) {
      return BadRequest(kCodeBadRequest,
                        "auth.params." + p.name +
                            " changed and its password is the mask ***: give the password "
                            "again (a stored secret is never copied into a changed connection "
                            "string, so it cannot follow a new host, port or database)");
    }
  }
  return Status::OK();
}

// A PATCH (`stored` set) that changes a param that addresses the peer (ParamSpec::addresses_peer)
// must give every secret again: a secret left out, or echoed as GET's mask, is refused naming it.
Status RequireSecretsForNewPeer(const AuthSpec& auth_spec, const json::object& incoming,
                                const json::object& stored) {
  RETURN_IF_ERROR(RequirePasswordsInChangedConnectionStrings(auth_spec, incoming, stored));
  std::string changed;
  for (const ParamSpec& p : auth_spec.params) {
    if (!p.addresses_peer) continue;
    const json::value* now = incoming.if_contains(p.name);
    const json::value* before = stored.if_contains(p.name);
    bool same = (now == nullptr && before == nullptr) || (now && before && *now == *before);
    if (!same) {
      changed = p.name;
      break;
    }
  }
  if (changed.empty())
    return RequirePasswordsInChangedConnectionStrings(auth_spec, incoming, stored);
  for (const ParamSpec& p : auth_spec.params) {
    if (!p.secret) continue;
    const json::value* now = incoming.if_contains(p.name);
    const json::value* before = stored.if_contains(p.name);
    if (now == nullptr) return SecretRequired(p.name, changed);
    if (before && *now == MaskSecrets(auth_spec.params, json::object{{p.name, *before}})[p.name]) {
      return SecretRequired(p.name, changed);  // GET's mask sent back
    }
  }
  return Status::OK();
}

// Validates name/description/connectionSpec/auth of `body` (a create body or a patched full
// document) and fills `e.doc` (masked) and `e.secret`.
Status BuildConnection(Call& call, const json::object& body, Entity& e,
                       const json::object* stored_params) {
  auto name = GetString(body, "name");
  if (!name || name->empty())
    return BadRequest(kCodeBadRequest, "name is required and must be a non-empty string");
  const json::value* spec_ref = body.if_contains("connectionSpec");
  if (!spec_ref || !spec_ref->is_object()) {
    return BadRequest(kCodeBadRequest,
                      "connectionSpec is required: {\"id\": ..., \"version\": \"1.0\"}");
  }
  auto spec_id = GetString(spec_ref->as_object(), "id");
  if (!spec_id) return BadRequest(kCodeBadRequest, "connectionSpec.id is required");
  RETURN_IF_ERROR(CheckOptionalString(spec_ref->as_object(), "version", "connectionSpec.version"));
  RETURN_IF_ERROR(CheckOptionalString(body, "description", "description"));
  const ConnectionSpec* spec = FindConnectionSpec(*spec_id);
  if (!spec || !SpecVisible(call, spec->org)) {
    return BadRequest(kCodeBadRequest,
                      "connectionSpec.id " + *spec_id + " is not a known connection spec");
  }
  if (spec->auth_specs.empty()) {
    return BadRequest(kCodeBadRequest, "connectionSpec.id " + *spec_id + " (" + spec->name +
                                           ") takes no base connection");
  }
  const json::value* auth = body.if_contains("auth");
  if (!auth || !auth->is_object()) {
    return BadRequest(kCodeBadRequest, "auth is required: {\"specName\": ..., \"params\": {...}}");
  }
  const auto& auth_obj = auth->as_object();
  RETURN_IF_ERROR(CheckOptionalString(auth_obj, "specName", "auth.specName"));
  std::string spec_name;
  if (auto sn = GetString(auth_obj, "specName")) {
    spec_name = *sn;
  } else if (spec->auth_specs.size() == 1) {
    spec_name = spec->auth_specs.front().name;
  } else {
    return BadRequest(kCodeBadRequest, "auth.specName is required");
  }
  const json::value* params = auth_obj.if_contains("params");
  if (!params || !params->is_object())
    return BadRequest(kCodeBadRequest, "auth.params is required");
  const AuthSpec* auth_spec = FindAuthSpec(*spec, spec_name);
  json::object full_params = params->as_object();
  // A client may send back the masked values GET showed it: keep the stored secrets then.
  if (stored_params && auth_spec) {
    RETURN_IF_ERROR(RequireSecretsForNewPeer(*auth_spec, full_params, *stored_params));
    full_params = RestoreEchoedSecrets(auth_spec->params, full_params, *stored_params);
  }
  Status valid = ValidateConnectionAuth(*spec, spec_name, full_params);
  if (!valid.ok()) return BadRequest(kCodeBadRequest, valid.message());

  json::object doc;
  doc["name"] = *name;
  if (auto d = body.if_contains("description")) doc["description"] = *d;
  doc["connectionSpec"] = json::object{{"id", spec->id}, {"version", spec->version}};
  doc["state"] = "enabled";
  doc["auth"] = json::object{{"specName", auth_spec->name},
                             {"params", MaskSecrets(auth_spec->params, full_params)}};
  e.doc = std::move(doc);
  e.secret = SealConnectionParams(*call.deps.master_key, e.id, full_params);
  return Status::OK();
}

}  // namespace

void RegisterConnectionRoutes(Router& r, const std::string& base) {
  ResourceHooks h;
  h.kind = kKind;
  h.list.scope = kKind;
  h.list.filter_paths = {"id",        "name",      "connectionSpec.id", "state",
                         "createdAt", "updatedAt", "createdClient",     "auth.specName"};
  h.list.order_fields = {"createdAt", "updatedAt", "name", "id"};
  h.list.extra_params = {"if-match"};

  h.create = [](Call& call, MetaTxn&, json::object body, Entity e) -> Result<Entity> {
    if (Status err = BuildConnection(call, body, e, nullptr); !err.ok()) return err;
    return e;
  };
  // A JSON Patch applies to the stored (masked) document: a secret the patch leaves alone is
  // GET's mask, which BuildConnection restores (RestoreEchoedSecrets), unless the patch changes
  // where requests go (RequireSecretsForNewPeer).
  PatchCheck allowed = AllowPathPrefixes({"/name", "/description", "/auth"});
  h.patch_check = [allowed](const PatchOp& op) -> Status {
    if (op.path.rfind("/connectionSpec", 0) == 0) {
      return BadRequest(1414, "connectionSpec of a connection cannot be changed (" + op.path + ")");
    }
    return allowed(op);
  };
  h.update = [](Call& call, MetaTxn&, json::object patched, const Entity& old) -> Result<Entity> {
    Entity e = old;
    auto stored = OpenConnectionParams(*call.deps.master_key, old.id, old.secret);
    if (!stored.ok()) return stored.status();
    if (Status err = BuildConnection(call, patched, e, &*stored); !err.ok()) return err;
    return e;
  };
  h.drafts = true;
  RegisterCrud(r, base, std::move(h));
  RegisterPublishAction(r, base, kKind, nullptr);

  // GET /connections/{id}/test and /explore: through the connector of the connection's spec.
  // The connection is read here (metastore, I/O thread); the connector call, which waits on the
  // remote peer, runs on the worker pool (Deferred).
  using ConnectorWork = std::function<Result<HttpResponse>(Connector&, const ConnectionConfig&)>;
  auto with_connector = [](Call& call, ConnectorWork fn) -> Result<HttpResponse> {
    const std::string& id = call.param(0);
    Entity e;
    Status s = call.deps.store->Read([&](MetaTxn& txn) -> Status {
      ASSIGN_OR_RETURN(e, txn.Get(call.scope, kKind, id));
      return Status::OK();
    });
    if (!s.ok()) return StoreError(s, kKind, id);
    const json::value* spec_id = FindPath(e.doc, "connectionSpec.id");
    std::string sid = spec_id && spec_id->is_string() ? std::string(spec_id->as_string()) : "";
    Connector* c = call.deps.connectors ? call.deps.connectors->Find(sid) : nullptr;
    if (!c)
      return BadRequest(kCodeBadRequest,
                        "no connector for connection spec " + sid + " in this build");
    ConnectionConfig cfg;
    cfg.spec = FindConnectionSpec(sid);
    auto params = OpenConnectionParams(*call.deps.master_key, e.id, e.secret);
    if (!params.ok()) return params.status();
    cfg.auth_params = std::move(params).value();
    if (const json::value* n = FindPath(e.doc, "auth.specName"); n && n->is_string())
      cfg.auth_spec_name = std::string(n->as_string());
    cfg.allow_paths = call.deps.allow_paths;
    return Deferred(call, [c, cfg = std::move(cfg), fn = std::move(fn)] { return fn(*c, cfg); });
  };
  r.Add("GET", base + "/connections/{id}/test", [with_connector](Call& call) {
    std::string id = call.param(0);
    return with_connector(call,
                          [id](Connector& c, const ConnectionConfig& cfg) -> Result<HttpResponse> {
                            Status t = c.Test(cfg);
                            if (!t.ok()) {
                              int http = t.retryable() ? 503 : 400;
                              return FlowError(http, http == 400 ? 1410 : kCodeServerError,
                                               "connection test failed: " + t.message(), kKind, id);
                            }
                            return JsonResponse(200, json::object{{"result", true}});
                          });
  });
  r.Add("GET", base + "/connections/{id}/explore", [with_connector](Call& call) {
    std::string id = call.param(0);
    const std::string* type_param = FindParam(call.query, "objectType");
    const std::string* object_param = FindParam(call.query, "object");
    std::string type = type_param ? *type_param : "root";
    std::string object = object_param ? *object_param : "";
    return with_connector(
        call,
        [id, type, object](Connector& c, const ConnectionConfig& cfg) -> Result<HttpResponse> {
          auto out = c.Explore(cfg, type, object);
          if (!out.ok()) {
            if (out.status().code() == StatusCode::kNotFound) {
              return FlowError(404, 1101, out.status().message(), kKind, id);
            }
            return FlowError(out.status().retryable() ? 503 : 400, 1410, out.status().message(),
                             kKind, id);
          }
          return JsonResponse(200, *out);
        });
  });
}

}  // namespace fluxo
