// Options shared by every command that opens the store (`serve`, `clients create`, ...).
#pragma once

#include <string>
#include <vector>

namespace fluxo {

struct StoreOptions {
  std::string data_dir = "./fluxo-data";
  std::string metastore;  // "" -> sqlite:<data_dir>/meta.db
  std::string lake;       // "" -> <data_dir>/lake
  // "" -> <data_dir>/master.key, created on first start. When set, the file must exist: nodes
  // that share a metastore share this key (one Secret), and none may invent its own.
  std::string master_key_file;
  std::vector<std::string> allow_paths;

  std::string MetastoreUrl() const {
    return metastore.empty() ? "sqlite:" + data_dir + "/meta.db" : metastore;
  }
  std::string LakeUrl() const { return lake.empty() ? data_dir + "/lake" : lake; }
  std::string MasterKeyPath() const {
    return master_key_file.empty() ? data_dir + "/master.key" : master_key_file;
  }
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  int workers = 2;
  int http_threads = 4;  // request handlers may wait on metastore writes
  std::string log_format = "text";
  std::string log_level = "info";
  int shutdown_grace_seconds = 10;
  // The worker pool of connection test and explore (src/server/worker_pool.h).
  int connection_workers = 4;
  int connection_queue = 16;
  int source_parallelism = 2;
  // Splits a run's window is planned in, for any worker of any node (ExecutorOptions::run_splits);
  // 0: the run's holder reads it all (the default; 8 is a good value for many nodes).
  int run_splits = 0;
  int lease_seconds = 15;
  std::string codec = "zstd";
  // Testing only (refused unless FLUXO_ALLOW_TEST_FLAGS=1): schedule periods divided by this.
  int test_time_scale = 1;
  bool no_engine = false;  // API only: no workers, no scheduler
  bool demo = false;       // seed the demo flow on first start
};

}  // namespace fluxo
