// Logging: spdlog with a per-thread request id in every line.
//
// InitLogging() is called once by main. Log lines carry the current thread's request id (set with
// ScopedRequestId while a request is handled) or "-". Formats: "text" (human) and "json" (one JSON
// object per line with ts, level, rid, msg).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace fluxo {

void InitLogging(const std::string& format, const std::string& level = "info");

// The request id of the calling thread ("" when none).
const std::string& CurrentRequestId();

// Sets the calling thread's request id for the lifetime of this object.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace fluxo
