// fluxo: one binary. `fluxo serve` runs the API server (and, with the run engine, the scheduler
// and workers); `fluxo clients create` and `fluxo sandboxes create` are operator commands that
// work on the metastore directly.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "api/service.h"
#include "auth/authenticator.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "cli/app.h"
#include "cli/client_commands.h"
#include "cli/demo.h"
#include "cli/metastore_migrate.h"
#include "connectors/registry.h"
#include "executor/executor.h"
#include "lake/lake.h"
#include "metastore/split_queue.h"
#include "objstore/local/local_object_store.h"
#include "objstore/s3/s3_object_store.h"
#include "scheduler/scheduler.h"
#include "server/server.h"

namespace fluxo {
namespace {

// glibc malloc, set before any thread starts (bench/soak/README.md has the measurements). By
// default a process gets up to 8 arenas per core, and every free of a large block (a Parquet
// page buffer, a zstd context, a CSV chunk) raises the mmap threshold to that block's size and
// the trim threshold to twice it, so that from the first run on, the runs' megabyte-sized
// buffers come from the arenas and their freed memory stays there: under a steady load of
// short runs, each on fresh threads, the arenas kept growing (RSS +20% in 10 minutes) while
// the memory in use stayed flat. 2 arenas keep the freed memory small, fixed thresholds stop the
// drift, and the executor's malloc_trim(0) after each run returns what a run freed. The mmap
// threshold is fixed at 32 MiB (the dynamic one's ceiling), not 128 KiB: at 128 KiB every
// column buffer of a batch was mmapped and unmapped, page-faulted again for each batch, and
// bench/csv ran about 30% slower (2026-12-03, same run). An operator's own GLIBC_TUNABLES malloc
// settings win.
void TuneMalloc() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return;
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

void AddStoreOptions(CLI::App* cmd, StoreOptions* o) {
  cmd->add_option("--data", o->data_dir, "Data directory (metastore, key, credentials)")
      ->envname("FLUXO_DATA");
  cmd->add_option("--metastore", o->metastore,
                  "sqlite:PATH (default <data>/meta.db) or postgresql://USER:PASSWORD@HOST:PORT/DB "
                  "(many nodes)")
      ->envname("FLUXO_METASTORE");
  cmd->add_option("--lake", o->lake,
                  "Lake root: PATH (default <data>/lake) or s3://bucket/prefix (credentials from "
                  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, endpoint from FLUXO_S3_ENDPOINT)")
      ->envname("FLUXO_LAKE");
  cmd->add_option("--master-key-file", o->master_key_file,
                  "Master key file shared by every node of one metastore (default "
                  "<data>/master.key, created on first start)")
      ->envname("FLUXO_MASTER_KEY_FILE");
  cmd->add_option("--allow-path", o->allow_paths,
                  "Folder that local-file and SQLite sources may read (repeatable)")
      ->envname("FLUXO_ALLOW_PATH");
}

std::string Env(const char* name, const std::string& def = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : def;
}

// The lake's object store: a local folder, or s3://bucket/prefix with credentials and endpoint
// from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, FLUXO_S3_ENDPOINT,
// FLUXO_S3_PATH_STYLE) so that no secret appears on a command line.
Result<std::unique_ptr<ObjectStore>> OpenLakeStore(const std::string& url) {
  if (url.rfind("s3://", 0) == 0) {
    S3Options base;
    base.endpoint = Env("FLUXO_S3_ENDPOINT");
    base.region = Env("AWS_REGION", Env("AWS_DEFAULT_REGION", "us-east-1"));
    base.path_style =
        Env("FLUXO_S3_PATH_STYLE", base.endpoint.empty() ? "false" : "true") == "true";
    base.access_key = Env("AWS_ACCESS_KEY_ID");
    base.secret_key = Env("AWS_SECRET_ACCESS_KEY");
    if (base.access_key.empty() || base.secret_key.empty()) {
      return Status::InvalidArgument(
          "--lake s3://... needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
    }
    ASSIGN_OR_RETURN(S3Options opts, ParseS3Url(url, base));
    ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(opts));
    RETURN_IF_ERROR(store->CheckAccess());
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  ASSIGN_OR_RETURN(auto local, LocalObjectStore::Open(url));
  return std::unique_ptr<ObjectStore>(std::move(local));
}

// The folders local-file and SQLite sources may read (--allow-path), one line at start.
void LogAllowedPaths(const std::vector<std::string>& paths) {
  if (paths.empty()) {
    spdlog::info("local-file and SQLite sources may read no folder (add --allow-path DIR)");
    return;
  }
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "" : ", ") + p;
  spdlog::info("local-file and SQLite sources may read: {}", list);
}

int Fail(const Status& s) {
  spdlog::error("{}", s.ToString());
  return s.code() == StatusCode::kUnavailable ? 3 : 1;
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Status::InvalidArgument("--listen port is not a number");
  }
  if (port < 0 || port > 65535) return Status::InvalidArgument("--listen port out of range");
  return std::make_pair(host.empty() ? std::string("0.0.0.0") : host, static_cast<uint16_t>(port));
}

// `fluxo serve` (with_api) and `fluxo worker` (scheduler and workers only, for scale-out).
int Serve(const StoreOptions& so_in, const ServeOptions& o, bool with_api) {
  // Block the signals before any thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());
  StoreOptions so = so_in;
  if (o.demo) so.allow_paths.push_back(DemoDir(so));
  auto state = OpenState(so);
  if (!state.ok()) return Fail(state.status());
  auto first = EnsureAdminClient(so, *state);
  if (!first.ok()) return Fail(first.status());

  if (o.test_time_scale != 1) {
    const char* allow = std::getenv("FLUXO_ALLOW_TEST_FLAGS");
    if (!allow || std::string(allow) != "1") {
      return Fail(Status::InvalidArgument(
          "--test-time-scale is for tests only (set FLUXO_ALLOW_TEST_FLAGS=1 to use it)"));
    }
  }
  std::string lake_url = so.LakeUrl();
  auto objects = OpenLakeStore(lake_url);
  if (!objects.ok()) return Fail(objects.status());
  Lake lake(objects->get(), state->store.get());
  auto connectors = BuiltinConnectors();

  ApiDeps deps;
  deps.store = state->store.get();
  deps.master_key = state->master_key.get();
  deps.token_key = state->token_key;
  deps.connectors = connectors.get();
  deps.lake = &lake;
  deps.allow_paths = so.allow_paths;
  deps.pool_options.threads = o.connection_workers;
  deps.pool_options.queue_limit = static_cast<size_t>(o.connection_queue);
  ApiService api(deps);

  ExecutorOptions eo;
  eo.workers = o.workers;
  eo.source_parallelism = o.source_parallelism;
  eo.run_splits = o.run_splits;
  eo.lease_ms = int64_t{o.lease_seconds} * 1000;
  eo.heartbeat_ms = std::min<int64_t>(500, eo.lease_ms / 3);
  eo.allow_paths = so.allow_paths;
  eo.codec = o.codec;
  Executor executor(state->store.get(), &lake, connectors.get(), state->master_key.get(), eo);
  SchedulerOptions sch;
  sch.time_scale = o.test_time_scale;
  Scheduler scheduler(state->store.get(), sch);
  if (o.demo && with_api) {
    Status d = SeedDemo(api, *state->store, so);
    if (!d.ok()) spdlog::warn("demo: {}", d.ToString());
  }
  if (!o.no_engine) {
    executor.Start();
    scheduler.Start();
  }

  if (!with_api) {
    spdlog::info("fluxo worker {} running (data {}, metastore {}, lake {})", executor.owner(),
                 so.data_dir, RedactMetastoreUrl(so.MetastoreUrl()), so.LakeUrl());
    LogAllowedPaths(so.allow_paths);
    std::printf("worker %s\n", executor.owner().c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, handing running runs back", sig == SIGINT ? "SIGINT" : "SIGTERM");
    scheduler.Stop();
    executor.Stop();
    return 0;
  }

  // fluxo_splits{state}: the split rows of every node's runs in progress, read from the metastore
  // at each scrape (four indexed counts); no sample while the metastore cannot be reached.
  MetaStore* store = state->store.get();
  GaugeFamily split_gauge(
      "fluxo_splits",
      "Split rows of distributed runs in progress (every node's), by state: scheduled, running, "
      "expired (running under a lease that ended: redone by the next claimer), done (waiting for "
      "the run's commit).",
      [store]() -> GaugeFamily::Samples {
        SplitStateCounts c;
        Status s = store->Read([&](MetaTxn& txn) -> Status {
          ASSIGN_OR_RETURN(c, CountSplitsByState(txn, SystemClock::Instance().NowMillis()));
          return Status::OK();
        });
        if (!s.ok()) return {};
        return {{"state=\"scheduled\"", static_cast<double>(c.scheduled)},
                {"state=\"running\"", static_cast<double>(c.running)},
                {"state=\"expired\"", static_cast<double>(c.expired)},
                {"state=\"done\"", static_cast<double>(c.done)}};
      });

  HttpServerOptions ho;
  ho.host = listen->first;
  ho.port = listen->second;
  ho.threads = o.http_threads;
  HttpServer server(ho, [&api](const HttpRequest& r) { return api.Handle(r); });
  Status s = server.Start();
  if (!s.ok()) return Fail(s);

  std::string url = "http://" + (ho.host == "0.0.0.0" ? std::string("127.0.0.1") : ho.host) + ":" +
                    std::to_string(server.port());
  spdlog::info("fluxo listening on {} (data {}, metastore {}, lake {})", url, so.data_dir,
               RedactMetastoreUrl(so.MetastoreUrl()), so.LakeUrl());
  LogAllowedPaths(so.allow_paths);
  std::string creds = so.data_dir + "/credentials.json";
  if (*first) spdlog::info("first start: created an admin API client in {}", creds);
  spdlog::info(
      "get a token: curl -s -X POST {}/ims/token/v3 -d grant_type=client_credentials "
      "-d client_id=$(jq -r .client_id {}) -d client_secret=$(jq -r .client_secret {})",
      url, creds, creds);
  // Tests and scripts read the port from this line when they listen on port 0.
  std::printf("listening %s\n", url.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down (grace {} s)", sig == SIGINT ? "SIGINT" : "SIGTERM",
               o.shutdown_grace_seconds);
  server.Stop(std::chrono::seconds(o.shutdown_grace_seconds));
  api.Shutdown();  // after the server, before it is destroyed (see api/service.h)
  scheduler.Stop();
  executor.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace fluxo

int main(int argc, char** argv) {
  using namespace fluxo;
  TuneMalloc();
  CLI::App app{"fluxo: batch data ingestion with the Flow Service API"};
  app.require_subcommand(1);
  StoreOptions so;
  ServeOptions o;

  auto* serve = app.add_subcommand("serve", "Run the API server, the scheduler and the workers");
  AddStoreOptions(serve, &so);
  auto* worker = app.add_subcommand("worker", "Run the scheduler and the workers only (no API)");
  AddStoreOptions(worker, &so);
  worker->add_option("--workers", o.workers, "Run slots of this process")->envname("FLUXO_WORKERS");
  worker->add_option("--source-parallelism", o.source_parallelism, "Splits of one run read at once")
      ->envname("FLUXO_SOURCE_PARALLELISM");
  worker
      ->add_option("--run-splits", o.run_splits,
                   "Splits a run is planned in for the workers of every node (0: its holder "
                   "reads it all)")
      ->envname("FLUXO_RUN_SPLITS")
      ->check(CLI::Range(0, 256));
  worker
      ->add_option("--lease-seconds", o.lease_seconds,
                   "A run whose worker stops heartbeating is taken over after this")
      ->envname("FLUXO_LEASE_SECONDS");
  worker->add_option("--log-format", o.log_format, "text|json")
      ->envname("FLUXO_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  serve->add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->envname("FLUXO_LISTEN");
  serve->add_option("--workers", o.workers, "Run slots of this process")->envname("FLUXO_WORKERS");
  serve->add_option("--http-threads", o.http_threads, "HTTP I/O threads")
      ->envname("FLUXO_HTTP_THREADS");
  serve->add_option("--log-format", o.log_format, "text|json")
      ->envname("FLUXO_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  serve->add_option("--log-level", o.log_level, "trace|debug|info|warn|error")
      ->envname("FLUXO_LOG_LEVEL");
  serve
      ->add_option("--shutdown-grace", o.shutdown_grace_seconds,
                   "Seconds in-flight requests get on SIGTERM")
      ->envname("FLUXO_SHUTDOWN_GRACE");
  serve->add_option("--source-parallelism", o.source_parallelism, "Splits of one run read at once")
      ->envname("FLUXO_SOURCE_PARALLELISM");
  serve
      ->add_option("--run-splits", o.run_splits,
                   "Splits a run is planned in for the workers of every node (0: its holder "
                   "reads it all)")
      ->envname("FLUXO_RUN_SPLITS")
      ->check(CLI::Range(0, 256));
  serve
      ->add_option("--connection-workers", o.connection_workers,
                   "Connection tests and explores run at once (off the HTTP threads)")
      ->envname("FLUXO_CONNECTION_WORKERS")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--connection-queue", o.connection_queue,
                   "Connection tests and explores that may wait for a worker; beyond: 429")
      ->envname("FLUXO_CONNECTION_QUEUE")
      ->check(CLI::Range(0, 100000));
  serve
      ->add_option("--lease-seconds", o.lease_seconds,
                   "A run whose worker stops heartbeating is taken over after this")
      ->envname("FLUXO_LEASE_SECONDS");
  serve->add_option("--codec", o.codec, "Parquet codec of lake files: zstd|snappy|gzip|none")
      ->envname("FLUXO_CODEC")
      ->check(CLI::IsMember({"zstd", "snappy", "gzip", "none"}));
  serve->add_option("--test-time-scale", o.test_time_scale,
                    "TESTS ONLY: divide schedule periods by this (needs FLUXO_ALLOW_TEST_FLAGS=1)");
  serve->add_flag("--no-engine", o.no_engine, "Serve the API only (no workers, no scheduler)")
      ->envname("FLUXO_NO_ENGINE");
  serve
      ->add_flag("--demo", o.demo,
                 "On first start, seed a demo SQLite database, a flow and a run over it")
      ->envname("FLUXO_DEMO");

  std::string org, name = "operator", sandbox;
  auto* clients = app.add_subcommand("clients", "Manage API clients (operator)");
  clients->require_subcommand(1);
  auto* clients_create = clients->add_subcommand("create", "Create an API client of an org");
  AddStoreOptions(clients_create, &so);
  clients_create->add_option("--org", org, "IMS org id")->required();
  clients_create->add_option("--name", name, "A label for the client");

  auto* sandboxes = app.add_subcommand("sandboxes", "Manage sandboxes (operator)");
  sandboxes->require_subcommand(1);
  auto* sandboxes_create = sandboxes->add_subcommand("create", "Create a sandbox in an org");
  AddStoreOptions(sandboxes_create, &so);
  sandboxes_create->add_option("--org", org, "IMS org id")->required();
  sandboxes_create->add_option("name", sandbox, "Sandbox name")->required();

  std::string migrate_from, migrate_to;
  auto* metastore = app.add_subcommand("metastore", "Operate on a metastore (operator)");
  metastore->require_subcommand(1);
  auto* migrate = metastore->add_subcommand(
      "migrate",
      "Copy every entity, secret, client and sandbox into an empty metastore and verify counts");
  migrate->add_option("--from", migrate_from, "Source metastore (sqlite:PATH)")->required();
  migrate->add_option("--to", migrate_to, "Empty target metastore (postgresql://...)")->required();

  ClientCommands client(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error: exit 2.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (client.parsed()) return client.Run();
  InitLogging(o.log_format, o.log_level);

  if (serve->parsed()) return Serve(so, o, /*with_api=*/true);
  if (worker->parsed()) return Serve(so, o, /*with_api=*/false);
  if (migrate->parsed()) {
    auto m = MigrateMetastore(migrate_from, migrate_to);
    if (!m.ok()) return Fail(m.status());
    json::object kinds;
    for (const auto& [kind, n] : m->entities) kinds[kind] = n;
    std::cout << json::serialize(json::object{{"entities", std::move(kinds)},
                                              {"references", m->refs},
                                              {"clients", m->clients},
                                              {"sandboxes", m->sandboxes},
                                              {"settings", m->settings}})
              << std::endl;
    return 0;
  }

  auto state = OpenState(so);
  if (!state.ok()) return Fail(state.status());
  Authenticator auth(state->store.get(), state->token_key, &SystemClock::Instance(), 86400);
  if (clients_create->parsed()) {
    auto c = auth.CreateClient(org, name);
    if (!c.ok()) return Fail(c.status());
    std::cout << json::serialize(json::object{{"client_id", c->client_id},
                                              {"client_secret", c->client_secret},
                                              {"org_id", c->org}})
              << std::endl;
    return 0;
  }
  if (sandboxes_create->parsed()) {
    Status s = auth.CreateSandbox(org, sandbox);
    if (!s.ok()) return Fail(s);
    std::cout << json::serialize(json::object{{"org_id", org}, {"name", sandbox}}) << std::endl;
    return 0;
  }
  return 0;
}
