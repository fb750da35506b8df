// Generic CRUD for a collection of entities (connections, sourceConnections, flows, ...):
// POST (create), GET list, GET one, PATCH (JSON Patch + If-Match), DELETE, with the contract's
// shapes and codes. Each collection supplies hooks for what is specific to it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/json_patch.h"
#include "api/list_query.h"
#include "api/router.h"

namespace fluxo {

struct ResourceHooks {
  std::string kind;  // collection and entity kind, e.g. "connections"
  ListOptions list;  // filterable paths, extra params

  // Builds the entity to store from a create body. `e.id` is set; the hook fills `doc` (without
  // audit fields), `refs` and `secret`. Other entities may be read through `txn`.
  std::function<Result<Entity>(Call&, MetaTxn&, json::object body, Entity e)> create;

  // Which paths may be patched (e.g. AllowPathPrefixes({"/name", "/auth/params"})).
  PatchCheck patch_check;

  // Validates a patched full document and returns the entity to store (doc, refs, secret).
  // `old` is the stored entity. Default: store `patched` as is.
  std::function<Result<Entity>(Call&, MetaTxn&, json::object patched, const Entity& old)> update;

  // Checks before a delete (beyond references, which the store enforces with code 1418). OK:
  // the delete may go ahead.
  std::function<Status(Call&, MetaTxn&, const Entity&)> before_delete;

  // AEP's drafts: `POST ...?mode=draft` stores the entity with state "draft" (validated like any
  // other), a PATCH keeps that state, and `POST .../{id}/action?op=publish` (RegisterPublishAction)
  // makes it "enabled". Without `drafts`, a `mode` parameter on create is refused (1410).
  bool drafts = false;
};

inline constexpr const char* kDraftState = "draft";

// True when `doc` (an entity document) is a draft.
bool IsDraft(const json::object& doc);

// POST {base}/{kind}/{id}/action?op=PUBLISH (AEP's op names, any case): a draft becomes
// "enabled"; 200 {"id","etag"}. `before_publish` may refuse (e.g. a source connection whose base
// connection is still a draft). Another state: 400 1422. FINALIZE / FINALIZE_UPDATE (AEP's staged
// updates; fluxo applies a PATCH at once) and `subOp`: 400 1410 saying so.
void RegisterPublishAction(Router& r, const std::string& base, const std::string& kind,
                           std::function<Status(Call&, MetaTxn&, const Entity&)> before_publish);

// Registers the five CRUD routes of `hooks.kind` under `base` (e.g. ".../flowservice").
void RegisterCrud(Router& r, const std::string& base, ResourceHooks hooks);

// Shared pieces for hand-written handlers.
Result<Entity> GetEntity(Call& call, MetaTxn& txn, const std::string& kind, const std::string& id);
// Answers a list request for `kind` with `options` (filters, count, paging, _links).
Result<HttpResponse> ListEntities(Call& call, const std::string& kind, const ListOptions& options,
                                  const std::string& self_path);
// The key continuation tokens are signed with (derived from the server's key).
std::string ListTokenKey(const ApiDeps& deps);
// 201 + Location + {"id","etag"}.
HttpResponse CreatedResponse(const std::string& location, const Entity& e);
// {"id","etag"}.
json::object IdEtag(const Entity& e);
// Maps a Status from the store: NotFound -> 404 1101 for `kind`/`id`, FailedPrecondition from
// an update -> 412 1404, AlreadyExists -> 409; others unchanged (answered by AsFlowError's table).
Status StoreError(const Status& s, const std::string& kind, const std::string& id);
// 400 1410 naming `field` when `obj` has member `name` and it is not a string (absent is fine:
// the caller decides whether it is required). For `description`, `connectionSpec.version`,
// `flowSpec.version`, `auth.specName`.
Status CheckOptionalString(const json::object& obj, std::string_view name, std::string_view field);
// Runs `fn` in a write transaction; an error it returns rolls the transaction back and is
// returned as is. `fn` may run more than once (MetaStore::Transact retries on contention).
Status InTransaction(Call& call, const std::function<Status(MetaTxn&)>& fn);

}  // namespace fluxo
