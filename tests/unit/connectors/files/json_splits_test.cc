// Intra-file splits of JSON Lines files: FindJsonCuts at every range size (so every byte
// offset is a first cut, and 2-4 ranges for the larger sizes), each range split alone after
// StartAtCut, gives exactly the records (text, line, error) of one split of the whole file; and
// the local source reading the ranges on one thread each gives the rows, row errors, lines and
// input_bytes of one split. JSON arrays are not cut.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "connectors/files/byte_stream.h"
#include "connectors/files/file_system.h"
#include "connectors/files/files_connector.h"
#include "connectors/files/json_splitter.h"

namespace fluxo {
namespace {

namespace fs = std::filesystem;
using connectors::files::FindJsonCuts;
using connectors::files::JsonCut;
using connectors::files::JsonCuts;
using connectors::files::JsonRecordText;
using connectors::files::JsonSplitter;
using connectors::files::StringStream;

struct Rec {
  std::string text;
  int64_t line;
  std::string error;
  bool operator==(const Rec& o) const {
    return text == o.text && line == o.line && error == o.error;
  }
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << r.line << ":" << r.text << (r.error.empty() ? "" : " !" + r.error);
}

// The records of `data` split from its start (or, after a cut, from `first_line`).
std::vector<Rec> SplitAll(const std::string& data, int64_t first_line = 0) {
  auto in = StringStream(data);
  JsonSplitter s(in.get());
  if (first_line > 0) s.StartAtCut(first_line);
  std::vector<Rec> out;
  JsonRecordText r;
  while (true) {
    auto got = s.Next(&r);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    out.push_back({std::string(r.text), r.line, r.error});
  }
  return out;
}

std::vector<JsonCut> Cuts(const std::string& data, int64_t range) {
  auto in = StringStream(data);
  auto cuts = FindJsonCuts(in.get(), range, static_cast<int64_t>(data.size()));
  EXPECT_TRUE(cuts.ok()) << cuts.status().ToString();
  return cuts.ok() && !cuts->array ? cuts->cuts : std::vector<JsonCut>{};
}

// The records of the ranges [0, c1), [c1, c2), ... split one by one, in order.
std::vector<Rec> SplitRanges(const std::string& data, const std::vector<JsonCut>& cuts) {
  std::vector<Rec> out;
  int64_t start = 0, line = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const int64_t end = k < cuts.size() ? cuts[k].offset : static_cast<int64_t>(data.size());
    std::vector<Rec> part = SplitAll(data.substr(start, end - start), line);
    out.insert(out.end(), part.begin(), part.end());
    if (k < cuts.size()) {
      start = cuts[k].offset;
      line = cuts[k].line;
    }
  }
  return out;
}

// Checks every range size from 1 to the file's size; returns how many had 2-4 ranges.
int CheckEveryRange(const std::string& data) {
  const std::vector<Rec> whole = SplitAll(data);
  int two_to_four = 0;
  for (int64_t r = 1; r <= static_cast<int64_t>(data.size()); ++r) {
    std::vector<JsonCut> cuts = Cuts(data, r);
    int64_t prev = 0;
    for (const JsonCut& c : cuts) {
      EXPECT_GT(c.offset, prev) << "range " << r;
      EXPECT_LT(c.offset, static_cast<int64_t>(data.size())) << "range " << r;
      EXPECT_EQ(data[c.offset - 1], '\n') << "range " << r;  // a line start
      EXPECT_EQ(c.line, 1 + std::count(data.begin(), data.begin() + c.offset, '\n'));
      prev = c.offset;
    }
    if (cuts.size() >= 1 && cuts.size() <= 3) ++two_to_four;
    std::vector<Rec> got = SplitRanges(data, cuts);
    EXPECT_EQ(got, whole) << "range " << r << ", " << cuts.size() + 1 << " ranges";
    if (got != whole) break;
  }
  return two_to_four;
}

TEST(JsonLinesCutsTest, EveryRangeSizeGivesEveryRecordOnce) {
  // A BOM, CRLF line ends, blank lines (also of blanks only and a lone CR), escaped quotes and
  // backslashes, brackets in strings, records that are not objects, broken JSON, a non-object
  // line starting with '[', and a last line without '\n'.
  std::string data = "\xEF\xBB\xBF{\"id\":1,\"s\":\"a\\\"b\"}\r\n\n";
  for (int i = 2; i <= 40; ++i) {
    std::string id = std::to_string(i);
    if (i % 9 == 0) {
      data += "[" + id + ", 2]\n";
    } else if (i % 7 == 0) {
      data += "{\"id\":" + id + ", broken\n";
    } else if (i % 5 == 0) {
      data += "  {\"id\":" + id + ",\"s\":\"[{\\\\\"}  \r\n   \n\r\n";
    } else {
      data += "{\"id\":" + id + ",\"s\":\"x" + id + "\"}\n";
    }
  }
  data += "{\"id\":41}";
  ASSERT_GE(SplitAll(data).size(), 41u);
  EXPECT_GT(CheckEveryRange(data), 100);
  // With a trailing newline, and with leading blank lines.
  EXPECT_GT(CheckEveryRange(data + "\n"), 100);
  EXPECT_GT(CheckEveryRange("\n\n  \r\n" + data), 100);
}

TEST(JsonLinesCutsTest, RandomThreeCutFilesAndALongRecord) {
  std::mt19937 rng(17);
  for (int t = 0; t < 30; ++t) {
    std::string data = t % 2 ? "\xEF\xBB\xBF" : "";
    const int n = 1 + rng() % 60;
    for (int i = 0; i < n; ++i) {
      data += "{\"k\":\"" + std::string(rng() % 40, 'v') + "\"}";
      data += rng() % 3 == 0 ? "\r\n" : "\n";
      if (rng() % 5 == 0) data += "\n";
    }
    if (rng() % 2) data.pop_back();
    SCOPED_TRACE("file " + std::to_string(t));
    CheckEveryRange(data);
  }
  // A record longer than the splitter's 1 MiB buffer, between short ones; cut in 2-4 ranges.
  std::string data = "{\"a\":1}\n{\"big\":\"" + std::string(1536 << 10, 'x') + "\"}\r\n{\"a\":2}\n";
  data += "{\"a\":3}";
  const std::vector<Rec> whole = SplitAll(data);
  ASSERT_EQ(whole.size(), 4u);
  for (int64_t r : {int64_t{3}, int64_t{8}, int64_t{9}, int64_t{100}, int64_t{700000},
                    static_cast<int64_t>(data.size()) / 2, static_cast<int64_t>(data.size()) - 9,
                    static_cast<int64_t>(data.size()) - 8}) {
    std::vector<JsonCut> cuts = Cuts(data, r);
    EXPECT_FALSE(cuts.empty()) << r;
    EXPECT_EQ(SplitRanges(data, cuts), whole) << r;
  }
}

TEST(JsonSplitterTest, AStrayClosingBraceInAnArrayIsOneBrokenRecord) {
  // Before, an element starting with '}' consumed nothing: "[}" gave empty records forever.
  EXPECT_EQ(SplitAll("[}]"), (std::vector<Rec>{{"}", 1, ""}}));
  EXPECT_EQ(SplitAll("[1,\n}} ,{\"a\":1}]\n"),
            (std::vector<Rec>{{"1", 1, ""}, {"}", 2, ""}, {"}", 2, ""}, {"{\"a\":1}", 2, ""}}));
  EXPECT_EQ(SplitAll("[}"),
            (std::vector<Rec>{{"}", 1, ""},
                              {"", 1, "the JSON array is not closed before the end of the file"}}));
}

TEST(JsonLinesCutsTest, ArraysAreTold) {
  const std::string arr = "[\n{\"a\":1},\n{\"a\":\"x\\n]\"}\n]\n";
  for (const std::string& data : {arr, "\xEF\xBB\xBF" + arr, "\n \r\n\t" + arr}) {
    auto in = StringStream(data);
    auto cuts = FindJsonCuts(in.get(), 1, static_cast<int64_t>(data.size()));
    ASSERT_TRUE(cuts.ok());
    EXPECT_TRUE(cuts->array);
    ASSERT_EQ(cuts->cuts.size(), 1u);  // after the comma between the two elements
    EXPECT_EQ(data[cuts->cuts[0].offset - 1], ',');
  }
  // A line starting with '[' after the first record is a JSON Lines record (not an object).
  EXPECT_EQ(Cuts("{\"a\":1}\n[1]\n{\"a\":2}\n", 1).size(), 2u);
  EXPECT_TRUE(Cuts("", 1).empty());
}

// ---- JSON arrays cut into byte ranges (FindJsonCuts, StartInArray, EndAtArrayCut).

// The records of the ranges of an array file [0, c1), [c1, c2), ... split one by one, in order:
// every range after the first starts in the array, every range but the last ends at a cut.
std::vector<Rec> SplitArrayRanges(const std::string& data, const std::vector<JsonCut>& cuts,
                                  std::string* error = nullptr) {
  std::vector<Rec> out;
  int64_t start = 0, line = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const int64_t end = k < cuts.size() ? cuts[k].offset : static_cast<int64_t>(data.size());
    auto in = StringStream(data.substr(start, end - start));
    JsonSplitter s(in.get());
    if (k > 0) s.StartInArray(line);
    if (k < cuts.size()) s.EndAtArrayCut();
    JsonRecordText r;
    while (true) {
      auto got = s.Next(&r);
      if (!got.ok()) {
        if (error != nullptr) {
          *error = got.status().ToString();
        } else {
          ADD_FAILURE() << got.status().ToString();
        }
        return out;
      }
      if (!*got) break;
      out.push_back({std::string(r.text), r.line, r.error});
    }
    if (k < cuts.size()) {
      start = cuts[k].offset;
      line = cuts[k].line;
    }
  }
  return out;
}

JsonCuts ArrayCuts(const std::string& data, int64_t range, bool with_size = true) {
  auto in = StringStream(data);
  auto cuts = FindJsonCuts(in.get(), range, with_size ? static_cast<int64_t>(data.size()) : -1);
  EXPECT_TRUE(cuts.ok()) << cuts.status().ToString();
  return cuts.ok() ? *cuts : JsonCuts{};
}

// Every range size from 1 to the file's size (with and without the size known): the cuts follow
// a comma, carry their line, and the ranges give the whole file's records. Returns how many
// range sizes made 2-4 ranges.
int CheckEveryArrayRange(const std::string& data) {
  const std::vector<Rec> whole = SplitAll(data);
  int two_to_four = 0;
  for (int64_t r = 1; r <= static_cast<int64_t>(data.size()); ++r) {
    for (bool with_size : {true, false}) {
      JsonCuts cuts = ArrayCuts(data, r, with_size);
      EXPECT_TRUE(cuts.array) << "range " << r;
      int64_t prev = 0;
      for (const JsonCut& c : cuts.cuts) {
        EXPECT_GT(c.offset, prev) << "range " << r;
        EXPECT_LT(c.offset, static_cast<int64_t>(data.size())) << "range " << r;
        EXPECT_EQ(data[c.offset - 1], ',') << "range " << r;
        EXPECT_EQ(c.line, 1 + std::count(data.begin(), data.begin() + c.offset, '\n'));
        prev = c.offset;
      }
      if (with_size && cuts.cuts.size() >= 1 && cuts.cuts.size() <= 3) ++two_to_four;
      std::vector<Rec> got = SplitArrayRanges(data, cuts.cuts);
      EXPECT_EQ(got, whole) << "range " << r << ", " << cuts.cuts.size() + 1 << " ranges";
      if (got != whole) return two_to_four;
    }
  }
  return two_to_four;
}

TEST(JsonArrayCutsTest, TrickyArraysGiveEveryElementOnceAtEveryRangeSize) {
  // Strings holding brackets, braces, commas, escaped quotes, runs of backslashes before a quote
  // (even and odd), \u escapes and a backslash before a raw line break; nested objects and
  // arrays with commas at every depth; scalars, also over lines; empty elements; CRLF.
  std::string data =
      "\xEF\xBB\xBF  \r\n[\r\n"
      "{\"id\":1,\"s\":\"a,b]c}d[e{f\"},\n"
      "{\"id\":2,\"s\":\"q\\\"],[\\\"\",\"t\":[1,[2,{\"u\":\",\"}],3]},\n"
      "{\"id\":3,\"s\":\"\\\\\"},{\"id\":4,\"s\":\"\\\\\\\"],\"},\n"
      "{\"id\":5,\"s\":\"\\u005d\\u002c\\\\\\\\\",\"n\":{\"m\":{\"k\":[[],{}]}}},\n"
      "  12 ,\n-3.5e2,true,null,\"str,]\"\n,\n,{\"id\":6},,\n"
      "{\"id\":7,\"s\":\"line\\\nbreak,]\"},\n"
      "[\"nested\",\"array\",[\",\"]],\r\n"
      "{\"id\":8,\"s\":\"\\\\\\\\\\\\\"}\r\n]\r\n";
  ASSERT_GE(SplitAll(data).size(), 14u);
  for (const Rec& r : SplitAll(data)) EXPECT_TRUE(r.error.empty()) << r;
  EXPECT_GT(CheckEveryArrayRange(data), 100);
  // Broken arrays: a stray closing brace, an unterminated string at the end, an array never
  // closed, text after the closing bracket, a stray ']' inside (the array's end).
  EXPECT_GT(CheckEveryArrayRange("[{\"a\":1},}},{\"b\":\"x\"}, {\"c\":[1,2]]"), 10);
  EXPECT_GT(CheckEveryArrayRange("[{\"a\":1},{\"b\":2},{\"c\":\"never closed,},{"), 10);
  EXPECT_GT(CheckEveryArrayRange("[{\"a\":1},{\"b\":2},{\"c\":3}"), 5);
  EXPECT_GT(CheckEveryArrayRange("[{\"a\":1},{\"b\":2}] ,{\"c\":3},{\"d\":4}"), 5);
  EXPECT_GT(CheckEveryArrayRange("[1,2,3],4,5,6,7,8,9"), 3);
  EXPECT_GT(CheckEveryArrayRange("[{\"a\":1},{\"b\":2} x,{\"c\":3}\n\n,{\"d\":4}]\n\n"), 10);
}

TEST(JsonArrayCutsTest, RandomBytesAfterABracket) {
  // Any bytes at all after '[' (the structural ones often): the ranges give what the whole file
  // gives, whatever the splitter makes of it.
  std::mt19937 rng(1717);
  const std::string alphabet = "[]{}\",\\\n :a1 \"\",,";
  for (int t = 0; t < 300; ++t) {
    std::string data = "[";
    const int n = 1 + static_cast<int>(rng() % 120);
    for (int i = 0; i < n; ++i) data += alphabet[rng() % alphabet.size()];
    SCOPED_TRACE("file " + std::to_string(t) + ": " + data);
    CheckEveryArrayRange(data);
    if (HasFailure()) break;
  }
}

TEST(JsonArrayCutsTest, ElementsLongerThanTheBufferAndTheRange) {
  // An element longer than the splitter's 1 MiB buffer and the finder's 1 MiB chunks, with
  // commas and brackets in its string; cut in 2-4 ranges.
  std::string big = "{\"big\":\"" + std::string(1536 << 10, 'x') + ",[]{}\\\"" +
                    std::string(700 << 10, 'y') + "\"}";
  std::string data = "[{\"a\":1},\n" + big + ",\n{\"a\":2},{\"a\":3}]";
  const std::vector<Rec> whole = SplitAll(data);
  ASSERT_EQ(whole.size(), 4u);
  for (int64_t r :
       {int64_t{3}, int64_t{9}, int64_t{10}, int64_t{11}, int64_t{100}, int64_t{1 << 20},
        static_cast<int64_t>(data.size()) / 2, static_cast<int64_t>(data.size()) - 10}) {
    JsonCuts cuts = ArrayCuts(data, r);
    EXPECT_TRUE(cuts.array);
    EXPECT_FALSE(cuts.cuts.empty()) << r;
    EXPECT_EQ(SplitArrayRanges(data, cuts.cuts), whole) << r;
  }
}

TEST(JsonArrayCutsTest, ARangeThatDoesNotEndAfterAnElementIsAChangedFile) {
  const std::string data = "[{\"a\":1},{\"a\":2},{\"a\":3},{\"a\":4}]";
  JsonCuts cuts = ArrayCuts(data, 12);
  ASSERT_FALSE(cuts.cuts.empty());
  // The same cuts over a file whose elements moved.
  const std::string changed = "[{\"a\":10},{\"a\":20},{\"a\":30},{\"a\":40}]";
  std::string error;
  SplitArrayRanges(changed, cuts.cuts, &error);
  EXPECT_NE(error.find("changed since it was cut"), std::string::npos) << error;
  // A range that ends after the array's closing bracket.
  error.clear();
  SplitArrayRanges("[{\"a\":1}],{\"a\":2}", {JsonCut{10, 1}}, &error);
  EXPECT_NE(error.find("changed since it was cut"), std::string::npos) << error;
}

TEST(JsonSplitterTest, LinesCountEveryLineBreak) {
  // A scalar element ended by a line break, and a backslash before a raw line break in a string:
  // each record's line is 1 + the line breaks before it (before, the first counted twice and
  // the second not at all).
  EXPECT_EQ(SplitAll("[1\n,2\n,\n3]"),
            (std::vector<Rec>{{"1", 1, ""}, {"2", 2, ""}, {"3", 4, ""}}));
  EXPECT_EQ(SplitAll("[\"a\\\nb\",\n2]"), (std::vector<Rec>{{"\"a\\\nb\"", 1, ""}, {"2", 3, ""}}));
}

// A stream of `data` that fails once more than `limit` bytes were asked for.
class FailsPast : public connectors::files::ByteStream {
 public:
  FailsPast(std::string data, size_t limit) : data_(std::move(data)), limit_(limit) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ >= limit_) return Status::Unavailable("read past the limit");
    n = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t limit_, pos_ = 0;
};

TEST(JsonLinesCutsTest, TheFinderStopsAfterTheLastCut) {
  // With the size known, nothing past the last possible cut is read: a stream that fails after
  // its first 4 MiB still gives the one cut of 2 ranges of a 6 MiB file (JSON Lines and array).
  std::string lines;
  while (lines.size() < (6u << 20)) lines += "{\"id\":" + std::to_string(lines.size()) + "}\n";
  std::string array = "[" + lines;
  for (size_t i = 1; i + 1 < array.size(); ++i) {
    if (array[i] == '\n') array[i] = ',';
  }
  array.back() = ']';
  for (const std::string* file : {&lines, &array}) {
    const int64_t size = static_cast<int64_t>(file->size());
    FailsPast in(*file, 4u << 20);
    const int64_t range = size / 2 + 1;  // 2 * range > size: one cut
    auto cuts = FindJsonCuts(&in, range, size);
    ASSERT_TRUE(cuts.ok()) << cuts.status().ToString();
    EXPECT_EQ(cuts->array, file == &array);
    ASSERT_EQ(cuts->cuts.size(), 1u);
    EXPECT_GE(cuts->cuts[0].offset, range);
    EXPECT_LT(cuts->cuts[0].offset, range + 40);
    // Without the size, the whole stream is read (and here fails).
    FailsPast in2(*file, 4u << 20);
    EXPECT_FALSE(FindJsonCuts(&in2, range).ok());
  }
}

// The local source: the ranges of a JSON Lines file read on one thread each.
class JsonSplitsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("fluxo-json-splits-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  struct Output {
    std::vector<Split> splits;
    std::vector<std::string> rows;    // in split order
    std::vector<std::string> errors;  // code line message record, sorted
    int64_t input_bytes = 0, input_records = 0, failed_records = 0;
  };

  Result<Output> Read(const std::string& path, int parallelism, int64_t min_range) {
    SourceConfig c;
    c.params = json::object{{"path", path}, {"splitMinRangeBytes", min_range}};
    c.data = json::object{{"format", "json"}};
    c.parallelism = parallelism;
    c.batch_rows = 97;
    std::mutex mu;
    Output out;
    c.on_row_error = [&](const RowError& e) {
      std::lock_guard<std::mutex> lock(mu);
      out.errors.push_back(e.code + " " + std::to_string(e.line) + " " + e.file + " " + e.message +
                           " " + e.record);
    };
    ASSIGN_OR_RETURN(std::unique_ptr<connectors::files::FileSystem> local,
                     connectors::files::OpenLocalFileSystem(root_.string(), {base_.string()}));
    auto src = connectors::files::NewFileSource(std::move(local), c);
    RETURN_IF_ERROR(src->Open());
    ASSIGN_OR_RETURN(out.splits, src->PlanSplits());
    std::vector<std::vector<std::string>> per_split(out.splits.size());
    std::vector<Status> status(out.splits.size());
    std::vector<std::thread> threads;
    for (size_t k = 0; k < out.splits.size(); ++k) {
      threads.emplace_back([&, k] {
        auto r = src->OpenReader(out.splits[k]);
        if (!r.ok()) {
          status[k] = r.status();
          return;
        }
        while (true) {
          auto b = (*r)->Next();
          if (!b.ok()) {
            status[k] = b.status();
            return;
          }
          if (b->num_rows() == 0) return;
          for (int64_t i = 0; i < b->num_rows(); ++i) {
            std::string row;
            for (int j = 0; j < b->num_columns(); ++j) {
              const Column& col = b->column(j);
              if (col.IsNull(i)) {
                row += "NULL|";
              } else if (col.type().id == TypeId::kInt64) {
                row += std::to_string(col.Value<int64_t>(i)) + "|";
              } else {
                row += "'" + std::string(col.GetString(i)) + "'|";
              }
            }
            per_split[k].push_back(std::move(row));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& st : status) RETURN_IF_ERROR(st);
    for (auto& rows : per_split) out.rows.insert(out.rows.end(), rows.begin(), rows.end());
    std::sort(out.errors.begin(), out.errors.end());
    out.input_bytes = src->counters().input_bytes.load();
    out.input_records = src->counters().input_records.load();
    out.failed_records = src->counters().failed_records.load();
    return out;
  }

  fs::path base_, root_;
};

TEST_F(JsonSplitsSourceTest, RangesGiveEveryRowOnceWithTheSameErrorsAndLines) {
  std::string data = "\xEF\xBB\xBF";
  for (int i = 1; i <= 3000; ++i) {
    std::string id = std::to_string(i);
    std::string end = i % 17 == 0 ? "\r\n" : "\n";
    if (i > 1200 && i % 101 == 0) {
      data += "{\"id\":\"x" + id + "\",\"name\":\"n\"}" + end;  // not a long: INGEST-1201
    } else if (i % 211 == 0) {
      data += "{\"id\":" + id + ", broken" + end;  // INGEST-1204
    } else if (i % 307 == 0) {
      data += "{\"id\":" + id + ",\"name\":\"\xff\"}" + end;  // INGEST-1203
    } else {
      data += "{\"id\":" + id + ",\"name\":\"n" + id + " [\\\"}\"}" + end;
    }
    if (i % 50 == 0) data += "\n";
  }
  data += "{\"id\":3001}";  // no '\n' at the end
  std::ofstream(root_ / "big.jsonl", std::ios::binary) << data;

  auto ref = Read("big.jsonl", 1, 1);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->splits.size(), 1u);
  EXPECT_EQ(ref->input_records, 3001);
  EXPECT_EQ(ref->input_bytes, static_cast<int64_t>(data.size()));
  ASSERT_GT(ref->errors.size(), 20u);
  ASSERT_EQ(ref->rows.size() + ref->errors.size(), 3001u);
  EXPECT_EQ(ref->rows[0], "1|'n1 [\"}'|");
  EXPECT_EQ(ref->rows.back(), "3001|NULL|");

  for (int p = 2; p <= 4; ++p) {
    SCOPED_TRACE("parallelism " + std::to_string(p));
    auto out = Read("big.jsonl", p, 1);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->splits.size(), static_cast<size_t>(p));
    int64_t expect_start = 0;
    for (size_t k = 0; k < out->splits.size(); ++k) {
      const json::object& f = out->splits[k].state.at("files").as_array().at(0).as_object();
      EXPECT_EQ(f.at("start").as_int64(), expect_start);
      EXPECT_TRUE(f.at("jsonLines").as_bool());
      EXPECT_EQ(f.at("line").as_int64(),
                1 + std::count(data.begin(), data.begin() + expect_start, '\n'));
      expect_start = f.at("end").as_int64();
    }
    EXPECT_EQ(expect_start, static_cast<int64_t>(data.size()));
    EXPECT_EQ(out->rows, ref->rows);
    EXPECT_EQ(out->errors, ref->errors);  // same codes, lines, messages and records
    EXPECT_EQ(out->input_records, ref->input_records);
    EXPECT_EQ(out->failed_records, ref->failed_records);
    EXPECT_EQ(out->input_bytes, static_cast<int64_t>(data.size()));  // each byte read once
  }
  // Production default: ranges of at least 64 MiB, so this file is one split.
  auto def = Read("big.jsonl", 4, 64 << 20);
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->splits.size(), 1u);
}

TEST_F(JsonSplitsSourceTest, ArrayRangesGiveEveryRowOnceWithTheSameErrorsAndLines) {
  // A pretty-printed array (elements over several lines) with strings full of brackets, commas
  // and escaped quotes, nested values, and bad records of each kind.
  std::string data = "\xEF\xBB\xBF[\r\n";
  for (int i = 1; i <= 3000; ++i) {
    std::string id = std::to_string(i);
    if (i > 1) data += i % 13 == 0 ? " ,\n\n" : ",\n";
    if (i > 1200 && i % 101 == 0) {
      data += "{\"id\":\"x" + id + "\",\"name\":\"n\"}";  // not a long: INGEST-1201
    } else if (i % 211 == 0) {
      data += "{\"id\":" + id + ", broken}";  // INGEST-1204
    } else if (i % 307 == 0) {
      data += "{\"id\":" + id + ",\"name\":\"\xff\"}";  // INGEST-1203
    } else if (i % 5 == 0) {
      data += "{\n  \"id\": " + id + ",\n  \"name\": \"n" + id +
              " ],[{\\\"}\\\\\",\n  \"x\": [1,{\"y\":\",\"}]\n}";
    } else {
      data += "{\"id\":" + id + ",\"name\":\"n" + id + " [\\\"}\"}";
    }
  }
  data += "\r\n]\r\n";
  std::ofstream(root_ / "big.json", std::ios::binary) << data;

  auto ref = Read("big.json", 1, 1);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->splits.size(), 1u);
  EXPECT_EQ(ref->input_records, 3000);
  EXPECT_EQ(ref->input_bytes, static_cast<int64_t>(data.size()));
  ASSERT_GT(ref->errors.size(), 20u);
  ASSERT_EQ(ref->rows.size() + ref->errors.size(), 3000u);
  EXPECT_EQ(ref->rows[0], "1|'n1 [\"}'|NULL|");  // id, name, x (nested: its JSON text)
  EXPECT_EQ(ref->rows[4], "5|'n5 ],[{\"}\\'|'[1,{\"y\":\",\"}]'|");

  for (int p = 2; p <= 4; ++p) {
    SCOPED_TRACE("parallelism " + std::to_string(p));
    auto out = Read("big.json", p, 1);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->splits.size(), static_cast<size_t>(p));
    int64_t expect_start = 0;
    for (size_t k = 0; k < out->splits.size(); ++k) {
      const json::object& f = out->splits[k].state.at("files").as_array().at(0).as_object();
      EXPECT_EQ(f.at("start").as_int64(), expect_start);
      EXPECT_TRUE(f.at("jsonArray").as_bool());
      EXPECT_EQ(f.at("line").as_int64(),
                1 + std::count(data.begin(), data.begin() + expect_start, '\n'));
      if (k > 0) {
        EXPECT_EQ(data[expect_start - 1], ',');
      }
      expect_start = f.at("end").as_int64();
    }
    EXPECT_EQ(expect_start, static_cast<int64_t>(data.size()));
    EXPECT_EQ(out->rows, ref->rows);
    EXPECT_EQ(out->errors, ref->errors);  // same codes, lines, messages and records
    EXPECT_EQ(out->input_records, ref->input_records);
    EXPECT_EQ(out->failed_records, ref->failed_records);
    EXPECT_EQ(out->input_bytes, static_cast<int64_t>(data.size()));  // each byte read once
  }
  // Production default: ranges of at least 64 MiB, so this file is one split.
  auto def = Read("big.json", 4, 64 << 20);
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->splits.size(), 1u);
}

}  // namespace
}  // namespace fluxo
