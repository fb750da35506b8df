#include "cli/progress.h"

#include <gtest/gtest.h>

namespace fluxo {
namespace {

json::value RunDoc(std::string_view text) { return json::parse(text); }

TEST(Progress, ReadsTheRunMetricsAndItsEstimates) {
  RunProgress p = ProgressOf(RunDoc(R"({"metrics":{
      "statusSummary":{"status":"inProgress"},
      "recordSummary":{"inputRecordCount":250,"estimatedInputRecordCount":1000},
      "sizeSummary":{"inputBytes":2048,"estimatedInputBytes":999999},
      "fileSummary":{"inputFileCount":3}}})"));
  EXPECT_EQ(p.status, "inProgress");
  EXPECT_EQ(p.rows, 250);
  EXPECT_EQ(p.bytes, 2048);
  EXPECT_EQ(p.files, 3);
  EXPECT_DOUBLE_EQ(p.Fraction(), 0.25);  // the record estimate wins over the byte estimate
  p.est_rows = -1;
  p.est_bytes = 4096;
  EXPECT_DOUBLE_EQ(p.Fraction(), 0.5);
  p.est_bytes = -1;
  EXPECT_LT(p.Fraction(), 0);  // no estimate
  p.status = "success";
  EXPECT_DOUBLE_EQ(p.Fraction(), 1);
  EXPECT_TRUE(p.Finished());
  RunProgress empty = ProgressOf(RunDoc("{}"));
  EXPECT_EQ(empty.rows, 0);
  EXPECT_EQ(empty.est_rows, -1);
}

TEST(Progress, BarWithEstimateShowsPercentRateAndEta) {
  RunProgress p;
  p.status = "inProgress";
  p.rows = 12345;
  p.bytes = 3 * 1024 * 1024 / 2;
  p.est_rows = 24690;
  std::string bar = ProgressBar(p, 5.0, 100);
  EXPECT_EQ(bar.rfind("[", 0), 0u) << bar;
  EXPECT_NE(bar.find("]  50%"), std::string::npos) << bar;
  EXPECT_NE(bar.find("12,345 rows"), std::string::npos) << bar;
  EXPECT_NE(bar.find("2,469 rows/s"), std::string::npos) << bar;
  EXPECT_NE(bar.find("1.5 MiB"), std::string::npos) << bar;
  EXPECT_NE(bar.find("0:05"), std::string::npos) << bar;
  EXPECT_NE(bar.find("ETA 0:05"), std::string::npos) << bar;
  EXPECT_LE(bar.size(), 100u);
  EXPECT_LE(ProgressBar(p, 5.0, 40).size(), 40u);  // cut to the terminal width
  size_t hashes = std::count(bar.begin(), bar.end(), '#');
  size_t dashes = std::count(bar.begin(), bar.begin() + bar.find(']'), '-');
  EXPECT_EQ(hashes, dashes);  // half full
}

TEST(Progress, WithoutEstimateThereIsNoBarNoPercentNoEta) {
  RunProgress p;
  p.status = "inProgress";
  p.rows = 10;
  std::string bar = ProgressBar(p, 2.0, 100);
  EXPECT_EQ(bar.rfind("inProgress  10 rows", 0), 0u) << bar;
  EXPECT_EQ(bar.find('%'), std::string::npos);
  EXPECT_EQ(bar.find("ETA"), std::string::npos);
  std::string line = ProgressLine(p, 2.0);
  EXPECT_EQ(line, "inProgress 10 rows 5 rows/s 0 B 0:02");
  p.est_rows = 40;
  EXPECT_EQ(ProgressLine(p, 2.0), "inProgress 10 rows 5 rows/s 0 B 0:02 25% ETA 0:06");
}

TEST(Progress, Formats) {
  EXPECT_EQ(Grouped(0), "0");
  EXPECT_EQ(Grouped(999), "999");
  EXPECT_EQ(Grouped(1000), "1,000");
  EXPECT_EQ(Grouped(1234567), "1,234,567");
  EXPECT_EQ(Grouped(-1234), "-1,234");
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(int64_t{5} << 30), "5.0 GiB");
  EXPECT_EQ(HumanDuration(7), "0:07");
  EXPECT_EQ(HumanDuration(62), "1:02");
  EXPECT_EQ(HumanDuration(3723), "1:02:03");
}

}  // namespace
}  // namespace fluxo
