// Process metrics in the Prometheus text format (served at GET /metrics).
//
// Counters are registered once (by name and labels) and live for the whole process; Add() is a
// relaxed atomic increment, cheap enough for hot paths. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

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

// A gauge family computed each time the metrics are rendered (a state read from elsewhere, such
// as split rows by state in the metastore): `read` returns (labels, value) pairs, labels as for
// GetCounter; an empty vector lists no sample (the family's HELP and TYPE lines still appear).
// Listed while the object lives; RenderMetrics calls `read` outside the counters' lock, one
// family at a time, and the destructor waits for a read in progress. Thread-safe.
class GaugeFamily {
 public:
  using Samples = std::vector<std::pair<std::string, double>>;
  GaugeFamily(std::string name, std::string help, std::function<Samples()> read);
  ~GaugeFamily();
  GaugeFamily(const GaugeFamily&) = delete;
  GaugeFamily& operator=(const GaugeFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Samples Read() const { return read_(); }

 private:
  std::string name_, help_;
  std::function<Samples()> read_;
};

// Every counter, every live GaugeFamily, plus process gauges (uptime, resident memory), in the text
// exposition format.
std::string RenderMetrics();

}  // namespace fluxo
