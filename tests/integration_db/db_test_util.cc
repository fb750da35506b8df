#include "db_test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "formats/output_stream.h"
#include "formats/parquet/parquet_sink.h"

namespace fluxo::testing {

std::string RunCommand(const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  int st = pclose(f);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::unique_ptr<TestService> TestService::Start(const std::string& script) {
  char tmpl[] = "/tmp/fluxo-db-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return nullptr;
  auto s = std::unique_ptr<TestService>(new TestService());
  s->script_ = std::string(FLUXO_ROOT) + "/scripts/test-services/" + script;
  s->dir_ = tmpl;
  int rc = 0;
  std::string out = RunCommand(s->script_ + " start " + s->dir_ + "/srv", &rc);
  if (rc != 0) {
    std::fprintf(stderr, "%s start failed (%d): %s\n", script.c_str(), rc, out.c_str());
    return nullptr;
  }
  s->port_ = std::atoi(out.c_str());
  return s;
}

TestService::~TestService() {
  int rc = 0;
  RunCommand(script_ + " stop " + dir_ + "/srv", &rc);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int64_t ReadResult::rows() const {
  int64_t n = 0;
  for (const auto& b : batches) n += b.num_rows();
  return n;
}

ReadResult ReadAll(Source* source, bool threads) {
  ReadResult r;
  r.status = source->Open();
  if (!r.status.ok()) return r;
  auto splits = source->PlanSplits();
  if (!splits.ok()) {
    r.status = splits.status();
    return r;
  }
  r.splits = *splits;
  std::vector<std::vector<RecordBatch>> per(r.splits.size());
  std::vector<Status> st(r.splits.size());
  auto run = [&](size_t i) {
    auto reader = source->OpenReader(r.splits[i]);
    if (!reader.ok()) {
      st[i] = reader.status();
      return;
    }
    for (;;) {
      auto b = (*reader)->Next();
      if (!b.ok()) {
        st[i] = b.status();
        return;
      }
      if (b->num_rows() == 0) return;
      per[i].push_back(std::move(*b));
    }
  };
  if (threads) {
    std::vector<std::thread> ts;
    for (size_t i = 0; i < r.splits.size(); ++i) ts.emplace_back(run, i);
    for (auto& t : ts) t.join();
  } else {
    for (size_t i = 0; i < r.splits.size(); ++i) run(i);
  }
  for (size_t i = 0; i < r.splits.size(); ++i) {
    if (!st[i].ok() && r.status.ok()) r.status = st[i];
    for (auto& b : per[i]) r.batches.push_back(std::move(b));
  }
  return r;
}

std::vector<json::object> ParquetRoundTrip(const std::vector<RecordBatch>& batches,
                                           std::shared_ptr<const Schema> schema,
                                           const std::string& dir, const std::string& order_by) {
  std::string path = dir + "/out.parquet";
  auto sink = parquet::NewParquetSink(schema, parquet::ParquetWriterOptions{}, [&](int index) {
    return OpenLocalFile(dir + "/out" + (index ? std::to_string(index) : "") + ".parquet");
  });
  for (const auto& b : batches) {
    Status st = sink->Write(b);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) return {};
  }
  std::vector<WrittenFile> files;
  Status st = sink->Close(&files);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(files.size(), 1u);
  if (!st.ok() || files.size() != 1) return {};
  int rc = 0;
  std::string out =
      RunCommand(std::string(FLUXO_NODE) + " " + FLUXO_ROOT + "/tests/node/read_parquet.mjs " +
                     files[0].name + " " + order_by + " 2>&1",
                 &rc);
  EXPECT_EQ(rc, 0) << out;
  std::vector<json::object> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto v = ParseJson(line);
    EXPECT_TRUE(v.ok() && v->is_object()) << line;
    if (!v.ok() || !v->is_object()) return {};
    rows.push_back(v->as_object());
  }
  return rows;
}

std::string CellText(const std::vector<RecordBatch>& batches, int64_t row, int column) {
  for (const auto& b : batches) {
    if (row >= b.num_rows()) {
      row -= b.num_rows();
      continue;
    }
    const Column& c = b.column(column);
    if (c.IsNull(row)) return "NULL";
    switch (c.type().id) {
      case TypeId::kBoolean: return c.GetBool(row) ? "true" : "false";
      case TypeId::kInt32: return std::to_string(c.Value<int32_t>(row));
      case TypeId::kInt64: return std::to_string(c.Value<int64_t>(row));
      case TypeId::kFloat64: {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.17g", c.Value<double>(row));
        return buf;
      }
      case TypeId::kDecimal: return FormatDecimal(c.GetDecimal(row), c.type().scale);
      case TypeId::kString: return std::string(c.GetString(row));
      case TypeId::kBinary: {
        std::string hex;
        static const char* k = "0123456789abcdef";
        for (unsigned char ch : c.GetString(row)) {
          hex.push_back(k[ch >> 4]);
          hex.push_back(k[ch & 15]);
        }
        return hex;
      }
      case TypeId::kDate: return FormatDate(c.Value<int32_t>(row));
      case TypeId::kTimestamp: return FormatTimestamp(c.Value<int64_t>(row));
    }
  }
  return "<out of range>";
}

}  // namespace fluxo::testing
