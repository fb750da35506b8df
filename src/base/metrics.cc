#include "base/metrics.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "base/mutex.h"

namespace fluxo {

namespace {

struct Registry {
  Mutex mu;
  std::map<std::string, std::string> help GUARDED_BY(mu);  // name -> help
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Counter>> counters GUARDED_BY(mu);
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Live gauge families; the mutex is held while one is read, so a destructor waits for it.
struct Gauges {
  Mutex mu;
  std::vector<const GaugeFamily*> families GUARDED_BY(mu);
};

Gauges& G() {
  static Gauges* g = new Gauges();
  return *g;
}

Registry& R() {
  static Registry* r = new Registry();  // never destroyed: counters may be used at exit
  return *r;
}

int64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

Counter& GetCounter(const std::string& name, const std::string& labels, const std::string& help) {
  Registry& r = R();
  MutexLock lock(&r.mu);
  r.help.emplace(name, help);
  auto& slot = r.counters[{name, labels}];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::function<Samples()> read)
    : name_(std::move(name)), help_(std::move(help)), read_(std::move(read)) {
  Gauges& g = G();
  MutexLock lock(&g.mu);
  g.families.push_back(this);
}

GaugeFamily::~GaugeFamily() {
  Gauges& g = G();
  MutexLock lock(&g.mu);
  std::erase(g.families, this);
}

std::string RenderMetrics() {
  Registry& r = R();
  std::ostringstream out;
  {
    MutexLock lock(&r.mu);
    std::string last;
    for (const auto& [key, counter] : r.counters) {
      const auto& [name, labels] = key;
      if (name != last) {
        out << "# HELP " << name << " " << r.help[name] << "\n# TYPE " << name << " counter\n";
        last = name;
      }
      out << name;
      if (!labels.empty()) out << "{" << labels << "}";
      out << " " << counter->value() << "\n";
    }
  }
  {
    Gauges& g = G();
    MutexLock lock(&g.mu);
    for (const GaugeFamily* f : g.families) {
      out << "# HELP " << f->name() << " " << f->help() << "\n# TYPE " << f->name() << " gauge\n";
      for (const auto& [labels, value] : f->Read()) {
        out << f->name();
        if (!labels.empty()) out << "{" << labels << "}";
        out << " " << value << "\n";
      }
    }
  }
  auto up = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
  out << "# HELP fluxo_uptime_seconds Seconds since the process started.\n"
      << "# TYPE fluxo_uptime_seconds gauge\nfluxo_uptime_seconds " << up << "\n"
      << "# HELP fluxo_resident_memory_bytes Resident set size of the process.\n"
      << "# TYPE fluxo_resident_memory_bytes gauge\nfluxo_resident_memory_bytes " << ResidentBytes()
      << "\n";
  return out.str();
}

}  // namespace fluxo
