#include "cli/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fluxo {

namespace {

int64_t IntAt(const json::value& v, std::string_view path, int64_t def) {
  const json::value* x = FindPath(v, path);
  if (!x) return def;
  if (x->is_int64()) return x->as_int64();
  if (x->is_uint64()) return static_cast<int64_t>(x->as_uint64());
  if (x->is_double()) return static_cast<int64_t>(x->as_double());
  return def;
}

std::string Rate(const RunProgress& p, double elapsed_s) {
  if (elapsed_s <= 0.05) return "";
  return Grouped(static_cast<int64_t>(p.rows / elapsed_s)) + " rows/s";
}

std::string Eta(const RunProgress& p, double elapsed_s) {
  double f = p.Fraction();
  if (f <= 0 || f >= 1 || elapsed_s <= 0.05 || p.Finished()) return "";
  return "ETA " + HumanDuration(elapsed_s * (1 - f) / f);
}

}  // namespace

double RunProgress::Fraction() const {
  if (status == "success") return 1;
  if (est_rows > 0) return std::clamp(static_cast<double>(rows) / est_rows, 0.0, 1.0);
  if (est_bytes > 0) return std::clamp(static_cast<double>(bytes) / est_bytes, 0.0, 1.0);
  return -1;
}

RunProgress ProgressOf(const json::value& run) {
  RunProgress p;
  const json::value* s = FindPath(run, "metrics.statusSummary.status");
  if (s && s->is_string()) p.status = std::string(s->as_string());
  p.rows = IntAt(run, "metrics.recordSummary.inputRecordCount", 0);
  p.bytes = IntAt(run, "metrics.sizeSummary.inputBytes", 0);
  p.files = IntAt(run, "metrics.fileSummary.inputFileCount", 0);
  p.est_rows = IntAt(run, "metrics.recordSummary.estimatedInputRecordCount", -1);
  p.est_bytes = IntAt(run, "metrics.sizeSummary.estimatedInputBytes", -1);
  return p;
}

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(std::max<int64_t>(0, bytes));
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

std::string HumanDuration(double seconds) {
  auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string ProgressBar(const RunProgress& p, double elapsed_s, int width) {
  std::string tail = "  " + Grouped(p.rows) + " rows";
  if (std::string r = Rate(p, elapsed_s); !r.empty()) tail += "  " + r;
  tail += "  " + HumanBytes(p.bytes) + "  " + HumanDuration(elapsed_s);
  if (std::string e = Eta(p, elapsed_s); !e.empty()) tail += "  " + e;
  double f = p.Fraction();
  std::string line;
  if (f >= 0) {
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(f * 100));
    int room = width - static_cast<int>(tail.size()) - 7;  // "[", "]", " ", "100%"
    int bar = std::clamp(room, 10, 40);
    int done = static_cast<int>(f * bar);
    line = "[" + std::string(done, '#') + std::string(bar - done, '-') + "] " + pct + tail;
  } else {
    line = p.status + tail;
  }
  if (width > 0 && static_cast<int>(line.size()) > width) line.resize(width);
  return line;
}

std::string ProgressLine(const RunProgress& p, double elapsed_s) {
  std::string line = p.status + " " + Grouped(p.rows) + " rows";
  if (std::string r = Rate(p, elapsed_s); !r.empty()) line += " " + r;
  line += " " + HumanBytes(p.bytes) + " " + HumanDuration(elapsed_s);
  double f = p.Fraction();
  if (f >= 0 && !p.Finished()) line += " " + std::to_string(static_cast<int>(f * 100)) + "%";
  if (std::string e = Eta(p, elapsed_s); !e.empty()) line += " " + e;
  return line;
}

}  // namespace fluxo
