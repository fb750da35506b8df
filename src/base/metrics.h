// Process metrics in the Prometheus text format (served at GET /metrics).
//
// Counters are registered once (by name and labels) and live for the whole process; Add() is a
// relaxed atomic increment, cheap enough for hot paths. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace fluxo {

class Counter {
 public:
  void Add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// The counter `name{labels}` (labels in Prometheus syntax without braces, e.g. `status="2xx"`);
// created on first use. `help` is recorded the first time a name is seen.
Counter& GetCounter(const std::string& name, const std::string& labels, const std::string& help);

// Every counter, plus process gauges (uptime, resident memory), in the text exposition format.
std::string RenderMetrics();

}  // namespace fluxo
