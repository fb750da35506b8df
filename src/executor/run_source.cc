#include "executor/run_source.h"

#include "model/specs.h"
#include "model/transformations.h"
#include "secrets/connection_secrets.h"

namespace fluxo {

Status LoadFlowSource(MetaTxn& txn, const Scope& scope, const Entity& flow, const RunTarget& target,
                      ConnectorRegistry& connectors, const MasterKey& key,
                      const SourceAccess& access, FlowSource* out) {
  const json::value* sids = flow.doc.if_contains("sourceConnectionIds");
  if (!sids || !sids->is_array() || sids->as_array().empty() || !sids->as_array()[0].is_string()) {
    return Status::FailedPrecondition("flow " + flow.id + " has no source connection");
  }
  std::string sid(sids->as_array()[0].as_string());
  ASSIGN_OR_RETURN(Entity source_conn, txn.Get(scope, "sourceConnections", sid));
  std::string bid = GetString(source_conn.doc, "baseConnectionId").value_or("");
  ASSIGN_OR_RETURN(Entity base_conn, txn.Get(scope, "connections", bid));
  const json::value* spec_id = FindPath(base_conn.doc, "connectionSpec.id");
  std::string spec = spec_id && spec_id->is_string() ? std::string(spec_id->as_string()) : "";
  SourceConfig& cfg = out->config;
  cfg.connection.spec = FindConnectionSpec(spec);
  out->connector = connectors.Find(spec);
  if (!cfg.connection.spec || !out->connector)
    return Status::FailedPrecondition("no connector for connection spec " + spec +
                                      " in this build");
  out->options = FlowOptionsOf(flow.doc);
  cfg.late_commit.enabled = out->options.late_commit_guard;
  cfg.late_commit.max_wait_ms = out->options.late_commit_wait_s * 1000;
  cfg.null_delta_policy = out->options.null_delta_in_first_window
                              ? NullDeltaPolicy::kIncludeInFirstWindow
                              : NullDeltaPolicy::kSkip;
  ASSIGN_OR_RETURN(cfg.connection.auth_params,
                   OpenConnectionParams(key, base_conn.id, base_conn.secret));
  if (const json::value* n = FindPath(base_conn.doc, "auth.specName"); n && n->is_string())
    cfg.connection.auth_spec_name = std::string(n->as_string());
  cfg.connection.allow_paths = access.allow_paths;
  if (auto p = source_conn.doc.if_contains("params"); p && p->is_object())
    cfg.params = p->as_object();
  if (auto d = source_conn.doc.if_contains("data"); d && d->is_object()) cfg.data = d->as_object();
  cfg.delta_column = target.delta_column;
  cfg.window = SourceWindow{target.window_start, target.window_end};
  if (auto f = GetString(cfg.params, "dateFormat")) cfg.date_format = *f;
  if (auto tz = GetString(cfg.params, "timezone")) cfg.timezone = *tz;
  ASSIGN_OR_RETURN(CopyTransformation copy, ParseCopyTransformation(flow.doc));
  if (copy.date_format) cfg.date_format = *copy.date_format;
  if (copy.timezone) cfg.timezone = *copy.timezone;
  cfg.parallelism = access.parallelism;
  return Status::OK();
}

}  // namespace fluxo
