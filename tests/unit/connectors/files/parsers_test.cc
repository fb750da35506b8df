// Tokenizers, codecs, value parsing and globs of the file sources.
#include <bzlib.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <charconv>
#include <random>

#include "base/date_format.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/csv_parser.h"
#include "connectors/files/json_splitter.h"
#include "connectors/files/selection.h"
#include "connectors/files/values.h"

namespace fluxo::connectors::files {
namespace {

// A stream that hands out at most `step` bytes per Read, to exercise every buffer boundary.
class TrickleStream : public ByteStream {
 public:
  TrickleStream(std::string d, size_t step) : d_(std::move(d)), step_(step) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t take = std::min({n, step_, d_.size() - pos_});
    std::memcpy(buf, d_.data() + pos_, take);
    pos_ += take;
    return take;
  }

 private:
  std::string d_;
  size_t step_;
  size_t pos_ = 0;
};

struct Rec {
  std::vector<std::string> fields;
  std::vector<bool> quoted;
  int64_t line;
  std::string error;
};

std::vector<Rec> ParseCsv(const std::string& text, char delim = ',', size_t step = 1 << 20) {
  TrickleStream in(text, step);
  CsvParser p(&in, delim);
  CsvRecord r;
  std::vector<Rec> out;
  while (true) {
    auto got = p.Next(&r);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    Rec x;
    for (auto& f : r.fields) {
      x.fields.emplace_back(f.value);
      x.quoted.push_back(f.quoted);
    }
    x.line = r.line;
    x.error = r.error;
    out.push_back(x);
  }
  return out;
}

TEST(CsvParser, Rfc4180EdgesAtEveryBufferBoundary) {
  const std::string text =
      "\xEF\xBB\xBF"
      "id,name,note\r\n"
      "1,\"Smith, John\",\"say \"\"hi\"\"\"\r\n"
      "2,\"multi\nline\",plain\n"
      "\n"
      "3,,\"\"\r\n"
      "4,a\"b,x";  // no final line end; a quote inside an unquoted field is literal
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{1} << 20}) {
    SCOPED_TRACE(step);
    auto recs = ParseCsv(text, ',', step);
    ASSERT_EQ(recs.size(), 5u);
    EXPECT_EQ(recs[0].fields, (std::vector<std::string>{"id", "name", "note"}));  // BOM gone
    EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"1", "Smith, John", "say \"hi\""}));
    EXPECT_EQ(recs[1].line, 2);
    EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"2", "multi\nline", "plain"}));
    EXPECT_EQ(recs[2].line, 3);
    EXPECT_EQ(recs[3].fields, (std::vector<std::string>{"3", "", ""}));
    EXPECT_EQ(recs[3].line, 6);  // line 5 is empty
    EXPECT_FALSE(recs[3].quoted[1]);
    EXPECT_TRUE(recs[3].quoted[2]);
    EXPECT_EQ(recs[4].fields, (std::vector<std::string>{"4", "a\"b", "x"}));
    EXPECT_EQ(recs[4].line, 7);
  }
}

TEST(CsvParser, OtherDelimitersAndTrailingEmptyField) {
  auto recs = ParseCsv("a|b|\n1|\"x|y\"|\n", '|');
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"1", "x|y", ""}));
  auto tabs = ParseCsv("a\tb\n1\t2", '\t');
  EXPECT_EQ(tabs[1].fields, (std::vector<std::string>{"1", "2"}));
  auto semis = ParseCsv("a;b\r1;2\r", ';');  // old Mac line ends
  ASSERT_EQ(semis.size(), 2u);
  EXPECT_EQ(semis[1].fields, (std::vector<std::string>{"1", "2"}));
}

TEST(CsvParser, MalformedRecordsAreReportedAndParsingGoesOn) {
  auto recs = ParseCsv("a,b\n\"x\"y,1\n2,3\n\"open,4\n");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_FALSE(recs[1].error.empty());
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_TRUE(recs[2].error.empty());
  EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"2", "3"}));
  EXPECT_FALSE(recs[3].error.empty());  // quote never closed
  EXPECT_EQ(recs[3].line, 4);
}

TEST(CsvParser, LongRecordGrowsTheBuffer) {
  std::string big(3 << 20, 'x');
  auto recs = ParseCsv("a,b\n1," + big + "\n2,y\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].fields[1].size(), big.size());
  EXPECT_EQ(recs[2].fields[1], "y");
}

// The unquoted-field scan looks at 16 bytes at a time: a delimiter or line end at every offset of
// such a block, fields longer than a block, and records whose field count grows and shrinks.
TEST(CsvParser, FieldEndsAtEveryOffsetOfAScanBlock) {
  std::string text;
  std::vector<std::vector<std::string>> want;
  for (size_t len = 0; len < 40; ++len) {
    std::vector<std::string> rec = {std::string(len, 'a'), std::string(40 - len, 'b'), "z"};
    want.push_back(rec);
    text += rec[0] + "," + rec[1] + "," + rec[2] + (len % 3 == 0 ? "\r\n" : "\n");
  }
  // 20 fields, then 2, then 33 (rec->fields grows past its first size, shrinks, grows again).
  for (size_t nf : {size_t{20}, size_t{2}, size_t{33}}) {
    std::vector<std::string> rec;
    for (size_t i = 0; i < nf; ++i) rec.push_back(std::to_string(i * 7919));
    want.push_back(rec);
    for (size_t i = 0; i < nf; ++i) text += (i ? ";" : "") + rec[i];
    text += "\n";
  }
  for (char& c : text) {
    if (c == ';') c = ',';
  }
  for (size_t step : {size_t{1}, size_t{5}, size_t{16}, size_t{17}, size_t{1} << 20}) {
    SCOPED_TRACE(step);
    auto recs = ParseCsv(text, ',', step);
    ASSERT_EQ(recs.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(recs[i].fields, want[i]) << "record " << i;
      EXPECT_EQ(recs[i].line, static_cast<int64_t>(i + 1));
    }
  }
}

// Random fields (delimiters, quotes, line feeds, multi-byte UTF-8 inside) written the RFC 4180 way
// and read back at several buffer steps: values, quoted flags and line numbers round-trip.
TEST(CsvParser, RandomRoundTrip) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"a",  "bc", ",",        "\"",
                                           "\n", " ",  "\xC3\xA9", "0123456789abcdef"};
  std::string text;
  std::vector<std::vector<std::string>> want;
  std::vector<std::vector<bool>> want_quoted;
  std::vector<int64_t> want_line;
  int64_t line = 1;
  for (int r = 0; r < 300; ++r) {
    const size_t nf = 2 + rng() % 25;
    std::vector<std::string> rec;
    std::vector<bool> quoted;
    for (size_t f = 0; f < nf; ++f) {
      std::string v;
      const size_t np = rng() % 6;
      for (size_t k = 0; k < np; ++k) v += pieces[rng() % pieces.size()];
      const bool q = v.find_first_of(",\"\n") != std::string::npos || rng() % 5 == 0;
      std::string out = v;
      if (q) {
        out.clear();
        for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out = "\"" + out + "\"";
      }
      text += (f ? "," : "") + out;
      rec.push_back(v);
      quoted.push_back(q);
    }
    want_line.push_back(line);
    for (const auto& v : rec) line += std::count(v.begin(), v.end(), '\n');
    text += rng() % 2 ? "\r\n" : "\n";
    ++line;
    want.push_back(rec);
    want_quoted.push_back(quoted);
  }
  for (size_t step : {size_t{1}, size_t{3}, size_t{16}, size_t{4093}, size_t{1} << 20}) {
    SCOPED_TRACE(step);
    auto recs = ParseCsv(text, ',', step);
    ASSERT_EQ(recs.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(recs[i].fields, want[i]) << "record " << i;
      EXPECT_EQ(recs[i].quoted, want_quoted[i]) << "record " << i;
      EXPECT_EQ(recs[i].line, want_line[i]) << "record " << i;
      EXPECT_TRUE(recs[i].error.empty());
    }
  }
}

// Intra-file splits: the ranges between the cuts, parsed one by one, give exactly the records of
// one parse of the whole file (quoted line breaks, CR/CRLF/LF, empty lines, a BOM, malformed
// records, a quote left open at the end), at any range size and buffer step.
TEST(CsvParser, CutsIntoRangesOfWholeRecords) {
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {
      "a", "bc", ",", "\"", "\n", "\r", "\r\n", " ", "\"\"", "x\"y", "0123456789abcdef"};
  std::string text =
      "\xEF\xBB\xBF"
      "h1,h2,h3\n";
  for (int r = 0; r < 400; ++r) {
    const int kind = static_cast<int>(rng() % 20);
    if (kind == 0) {
      text += "\n";  // an empty line
    } else if (kind == 1) {
      text += "\"bad\"x,1\n";  // text after a closing quote
    } else {
      const size_t nf = 1 + rng() % 6;
      for (size_t f = 0; f < nf; ++f) {
        std::string v;
        for (size_t k = rng() % 5; k > 0; --k) v += pieces[rng() % pieces.size()];
        if (v.find_first_of(",\"\r\n") != std::string::npos || rng() % 4 == 0) {
          std::string q;
          for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
          v = "\"" + q + "\"";
        }
        text += (f ? "," : "") + v;
      }
      const int end = static_cast<int>(rng() % 3);
      text += end == 0 ? "\n" : end == 1 ? "\r\n" : "\r";
    }
  }
  text += "1,\"never closed\n2,3\n";

  auto parse_range = [&](size_t from, size_t to, int64_t first_line, size_t step) {
    TrickleStream in(text.substr(from, to - from), step);
    CsvParser p(&in, ',');
    if (from > 0) p.StartAtCut(first_line);
    CsvRecord r;
    std::vector<Rec> out;
    while (true) {
      auto got = p.Next(&r);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || !*got) break;
      Rec x;
      for (auto& f : r.fields) {
        x.fields.emplace_back(f.value);
        x.quoted.push_back(f.quoted);
      }
      x.line = r.line;
      x.error = r.error;
      out.push_back(x);
    }
    return out;
  };
  const auto whole = parse_range(0, text.size(), 1, 1 << 20);
  ASSERT_GT(whole.size(), 300u);
  for (int64_t range : {int64_t{1}, int64_t{7}, int64_t{64}, int64_t{1000}, int64_t{1} << 30}) {
    for (size_t step : {size_t{3}, size_t{1} << 20}) {
      SCOPED_TRACE(testing::Message() << "range " << range << " step " << step);
      TrickleStream in(text, step);
      auto cuts = FindCsvCuts(&in, ',', range);
      ASSERT_TRUE(cuts.ok());
      if (range == 64) {
        EXPECT_GT(cuts->size(), text.size() / 64 / 2);
      }
      if (range == int64_t{1} << 30) {
        EXPECT_TRUE(cuts->empty());
      }
      std::vector<Rec> joined;
      size_t from = 0;
      int64_t line = 1;
      for (size_t k = 0; k <= cuts->size(); ++k) {
        const size_t to = k < cuts->size() ? static_cast<size_t>((*cuts)[k].offset) : text.size();
        ASSERT_LT(from, to);
        for (auto& rec : parse_range(from, to, line, step)) joined.push_back(rec);
        if (k < cuts->size()) {
          from = to;
          line = (*cuts)[k].line;
        }
      }
      ASSERT_EQ(joined.size(), whole.size());
      for (size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(joined[i].fields, whole[i].fields) << "record " << i;
        EXPECT_EQ(joined[i].quoted, whole[i].quoted) << "record " << i;
        EXPECT_EQ(joined[i].line, whole[i].line) << "record " << i;
        EXPECT_EQ(joined[i].error, whole[i].error) << "record " << i;
      }
    }
  }
}

// The cuts of one parse of every record (what FindCsvCuts did before its quote-free fast path).
std::vector<CsvCut> ReferenceCuts(const std::string& text, int64_t range) {
  TrickleStream in(text, 1 << 20);
  CsvParser p(&in, ',');
  CsvRecord r;
  std::vector<CsvCut> cuts;
  int64_t target = range;
  while (true) {
    auto got = p.Next(&r);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || !*got) break;
    if (r.offset < target) continue;
    cuts.push_back(CsvCut{r.offset, r.line});
    while (target <= r.offset) target += range;
  }
  return cuts;
}

TEST(CsvParser, QuoteFreeFastPathOfTheCutsFindsTheParsersCuts) {
  std::mt19937 rng(17);
  // Line ends of every kind, empty lines, a BOM, quotes now and then (with line breaks inside),
  // a quote inside an unquoted field, and a last record with no line end.
  for (int t = 0; t < 60; ++t) {
    std::string text = t % 3 == 0 ? "\xEF\xBB\xBFh1,h2\n" : "h1,h2\r\n";
    const int quotes_every = t % 4 == 0 ? 0 : 1 + t % 7;  // 0: no quote at all
    const int ends = t % 5;                               // 0: LF, 1: CRLF, 2: CR, 3-4: mixed
    for (int r = 0; r < 300; ++r) {
      if (rng() % 25 == 0) text += ends == 2 ? "\r" : "\n";  // an empty line
      text += std::to_string(rng() % 100000) + ",";
      if (quotes_every > 0 && rng() % quotes_every == 0) {
        text += rng() % 2 ? "\"a,\nb\"\"c\"" : "x\"y";
      } else {
        text += std::string(rng() % 40, 'v');
      }
      const int e = ends < 3 ? ends : static_cast<int>(rng() % 3);
      text += e == 0 ? "\n" : e == 1 ? "\r\n" : "\r";
    }
    if (t % 2) text += "9,last";
    for (int64_t range : {int64_t{1}, int64_t{5}, int64_t{64}, int64_t{997}, int64_t{1} << 30}) {
      const std::vector<CsvCut> want = ReferenceCuts(text, range);
      for (size_t step : {size_t{1}, size_t{3}, size_t{61}, size_t{1} << 20}) {
        SCOPED_TRACE(testing::Message() << "text " << t << " range " << range << " step " << step);
        TrickleStream in(text, step);
        auto cuts = FindCsvCuts(&in, ',', range);
        ASSERT_TRUE(cuts.ok()) << cuts.status().ToString();
        ASSERT_EQ(cuts->size(), want.size());
        for (size_t k = 0; k < want.size(); ++k) {
          EXPECT_EQ((*cuts)[k].offset, want[k].offset) << "cut " << k;
          EXPECT_EQ((*cuts)[k].line, want[k].line) << "cut " << k;
        }
      }
    }
  }
}

std::vector<JsonRecordText> SplitJson(const std::string& text, size_t step,
                                      std::vector<std::string>* texts) {
  TrickleStream in(text, step);
  JsonSplitter s(&in);
  JsonRecordText r;
  std::vector<JsonRecordText> out;
  while (true) {
    auto got = s.Next(&r);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || !*got) break;
    texts->emplace_back(r.text);
    out.push_back(r);
  }
  return out;
}

TEST(JsonSplitter, LinesAndArrays) {
  for (size_t step : {size_t{1}, size_t{5}, size_t{1} << 20}) {
    std::vector<std::string> t;
    auto recs = SplitJson("{\"a\":1}\r\n\n  {\"a\":\"x\\n]\"}\n{broken\n", step, &t);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(t[0], "{\"a\":1}");
    EXPECT_EQ(t[1], "{\"a\":\"x\\n]\"}");
    EXPECT_EQ(recs[1].line, 3);
    EXPECT_EQ(recs[2].line, 4);

    std::vector<std::string> a;
    auto arr = SplitJson(
        "\xEF\xBB\xBF [\n {\"a\": [1, {\"b\": \"]}\\\"\"}]},\n {\"a\": 2}\n , 3 ]\n", step, &a);
    ASSERT_EQ(arr.size(), 3u) << ::testing::PrintToString(a) << " step " << step;
    EXPECT_EQ(a[0], "{\"a\": [1, {\"b\": \"]}\\\"\"}]}");
    EXPECT_EQ(arr[0].line, 2);
    EXPECT_EQ(a[1], "{\"a\": 2}");
    EXPECT_EQ(arr[1].line, 3);
    EXPECT_EQ(a[2], "3");
    for (auto& r : arr) EXPECT_TRUE(r.error.empty());
  }
  std::vector<std::string> t;
  auto bad = SplitJson("[{\"a\":1}, {\"a\":", 1 << 20, &t);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_FALSE(bad[1].error.empty());
  t.clear();
  auto trailing = SplitJson("[{\"a\":1}] junk", 1 << 20, &t);
  ASSERT_EQ(trailing.size(), 2u);
  EXPECT_FALSE(trailing[1].error.empty());
}

std::string Gzip(const std::string& data, int window_bits = 15 + 16) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string Bzip2(const std::string& data) {
  std::string out(data.size() + data.size() / 100 + 1000, '\0');
  unsigned len = static_cast<unsigned>(out.size());
  BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(data.data()),
                           static_cast<unsigned>(data.size()), 9, 0, 0);
  out.resize(len);
  return out;
}
std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

Result<std::string> ReadAll(std::string compressed, Codec declared, size_t step = 1 << 16) {
  ASSIGN_OR_RETURN(auto s, Decompress(std::make_unique<TrickleStream>(std::move(compressed), step),
                                      declared, "f.csv"));
  std::string out;
  char buf[4096];
  while (true) {
    ASSIGN_OR_RETURN(size_t n, s->Read(buf, sizeof(buf)));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

TEST(Codecs, EachCodecDetectedAndDeclared) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += std::to_string(i) + ",some text\n";
  struct Case {
    std::string packed;
    Codec codec;
  };
  std::vector<Case> cases = {{Gzip(data), Codec::kGzip},
                             {Gzip(data, 15), Codec::kDeflate},
                             {Bzip2(data), Codec::kBzip2},
                             {Zstd(data), Codec::kZstd}};
  for (const Case& c : cases) {
    SCOPED_TRACE(CodecName(c.codec));
    EXPECT_EQ(DetectCodec(c.packed.substr(0, 4)), c.codec);
    auto detected = ReadAll(c.packed, Codec::kNone);
    ASSERT_TRUE(detected.ok()) << detected.status().ToString();
    EXPECT_EQ(*detected, data);
    auto declared = ReadAll(c.packed, c.codec, 3);
    ASSERT_TRUE(declared.ok()) << declared.status().ToString();
    EXPECT_EQ(*declared, data);
  }
  // Raw deflate (no zlib header) when declared.
  auto raw = ReadAll(Gzip(data, -15), Codec::kDeflate);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(*raw, data);
  // Plain text passes through.
  EXPECT_EQ(*ReadAll(data, Codec::kNone), data);
  EXPECT_EQ(*ReadAll("", Codec::kNone), "");
}

TEST(Codecs, MultiMemberGzipAndConcatenatedStreams) {
  EXPECT_EQ(*ReadAll(Gzip("a,b\n") + Gzip("1,2\n") + Gzip("3,4\n"), Codec::kNone),
            "a,b\n1,2\n3,4\n");
  EXPECT_EQ(*ReadAll(Zstd("x\n") + Zstd("y\n"), Codec::kNone), "x\ny\n");
  EXPECT_EQ(*ReadAll(Bzip2("x\n") + Bzip2("y\n"), Codec::kNone), "x\ny\n");
}

TEST(Codecs, CorruptAndTruncatedStreamsAreErrorsNamingTheFile) {
  std::string data(100000, 'a');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>('a' + i % 26);
  std::string gz = Gzip(data);
  std::string corrupt = gz;
  for (size_t i = 20; i < 60; ++i) corrupt[i] ^= 0x5a;
  auto r = ReadAll(corrupt, Codec::kNone);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("f.csv"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("gzip"), std::string::npos);
  auto truncated = ReadAll(gz.substr(0, gz.size() / 2), Codec::kNone);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
  EXPECT_FALSE(ReadAll(Zstd(data).substr(0, 30), Codec::kNone).ok());
  EXPECT_FALSE(ReadAll(Bzip2(data).substr(0, 30), Codec::kNone).ok());
  EXPECT_FALSE(ReadAll("plain text", Codec::kGzip).ok());  // declared gzip, not gzip
}

TEST(Values, ParsersAndInference) {
  int64_t i;
  EXPECT_TRUE(ParseInt64("-42", &i));
  EXPECT_EQ(i, -42);
  EXPECT_TRUE(ParseInt64("+7", &i));
  EXPECT_FALSE(ParseInt64("1.5", &i));
  EXPECT_FALSE(ParseInt64("99999999999999999999", &i));
  double d;
  EXPECT_TRUE(ParseDouble("1e3", &d));
  EXPECT_EQ(d, 1000);
  int32_t days;
  EXPECT_TRUE(ParseDate("2024-02-29", &days));
  EXPECT_FALSE(ParseDate("2023-02-29", &days));
  int64_t us;
  EXPECT_TRUE(ParseTimestamp("2024-01-01T00:00:01Z", &us));
  EXPECT_EQ(us, 1704067201000000);
  EXPECT_TRUE(ParseTimestamp("2024-01-01 01:00:00+01:00", &us));
  EXPECT_EQ(us, 1704067200000000);
  int128_t dec;
  EXPECT_TRUE(ParseDecimal("-12.3", 5, 2, &dec));
  EXPECT_TRUE(dec == -1230);
  EXPECT_FALSE(ParseDecimal("1234.5", 5, 2, &dec));
  // Longer than any precision (a double's fixed text has up to 309 digits): refused, with no
  // __int128 overflow on the way (the sanitize build reports one).
  EXPECT_FALSE(ParseDecimal(std::string(60, '7') + ".25", 38, 2, &dec));
  EXPECT_TRUE(ParseDecimal(std::string(36, '9') + ".99", 38, 2, &dec));
  EXPECT_TRUE(ParseDecimal("0000000000000000000000000000000000000000012.5", 5, 2, &dec));
  EXPECT_TRUE(dec == 1250);
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xFF"));

  auto infer = [](std::vector<std::string> vals) {
    TypeInference t;
    for (auto& v : vals) t.Offer(v);
    return t.Result();
  };
  EXPECT_EQ(infer({"true", "FALSE"}), DataType::Boolean());
  EXPECT_EQ(infer({"1", "-2"}), DataType::Int64());
  EXPECT_EQ(infer({"1", "2.5"}), DataType::Float64());
  EXPECT_EQ(infer({"2024-01-01", "2024-12-31"}), DataType::Date());
  EXPECT_EQ(infer({"2024-01-01", "2024-01-02T03:04:05Z"}), DataType::Timestamp());
  EXPECT_EQ(infer({"1", "x"}), DataType::String());
  EXPECT_EQ(infer({}), DataType::String());
  EXPECT_EQ(*ParseTypeName("Decimal(10,2)"), DataType::Decimal(10, 2));
  EXPECT_FALSE(ParseTypeName("blob").ok());
}

// The fast paths of the value parsers agree with the general ones (from_chars, the ISO parser)
// on the shapes they take and leave every other input to them.
TEST(Values, FastPathsAgreeWithTheGeneralParsers) {
  auto ref_int = [](std::string_view s, int64_t* v) {
    const char* b = s.data();
    const char* e = b + s.size();
    if (b != e && *b == '+') ++b;
    auto r = std::from_chars(b, e, *v);
    return !s.empty() && r.ec == std::errc() && r.ptr == e && b != e;
  };
  for (std::string_view s : {"0",
                             "-0",
                             "+0",
                             "7",
                             "-42",
                             "000123",
                             "123456789012345678",
                             "-123456789012345678",
                             "999999999999999999",
                             "1234567890123456789",
                             "9223372036854775807",
                             "-9223372036854775808",
                             "9223372036854775808",
                             "+-5",
                             "-",
                             "+",
                             "",
                             " 1",
                             "1 ",
                             "1a",
                             "0x10",
                             "--1",
                             "1.0"}) {
    SCOPED_TRACE(s);
    int64_t a = 0, b = 0;
    bool ra = ParseInt64(s, &a), rb = ref_int(s, &b);
    EXPECT_EQ(ra, rb);
    if (ra && rb) {
      EXPECT_EQ(a, b);
    }
  }

  auto ref_double = [](std::string_view s, double* v) {
    const char* b = s.data();
    const char* e = b + s.size();
    if (b != e && *b == '+') ++b;
    auto r = std::from_chars(b, e, *v);
    return !s.empty() && r.ec == std::errc() && r.ptr == e && b != e;
  };
  std::vector<std::string> doubles = {"0",
                                      "-0",
                                      "-0.0",
                                      "1.5",
                                      "+2.25",
                                      "0.1",
                                      "0.3",
                                      "123456.789012",
                                      "999999999999999",
                                      "9999999999999999",
                                      "0.000000000000001",
                                      "1.",
                                      ".5",
                                      "-",
                                      "1e3",
                                      "1.5E-2",
                                      "inf",
                                      "nan",
                                      "1.2.3",
                                      "12345678901234567890.5",
                                      "1,5",
                                      "00.10"};
  std::mt19937_64 rng(7);
  for (int k = 0; k < 20000; ++k) {  // random decimals of 1..17 digits, the point anywhere
    std::string d = std::to_string(rng() % 100000000000000000ull);
    size_t dot = rng() % (d.size() + 1);
    if (dot > 0 && dot < d.size()) d.insert(dot, ".");
    if (rng() % 3 == 0) d = "-" + d;
    doubles.push_back(d);
  }
  for (const std::string& s : doubles) {
    SCOPED_TRACE(s);
    double a = 0, b = 0;
    bool ra = ParseDouble(s, &a), rb = ref_double(s, &b);
    ASSERT_EQ(ra, rb);
    if (ra) {
      ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << a << " vs " << b;  // bit for bit (-0.0 too)
    }
  }

  int128_t dec = 0;
  struct DecCase {
    const char* text;
    int p, s;
    bool ok;
    int64_t want;
  };
  for (const DecCase& c : std::vector<DecCase>{
           {"12345.67", 12, 2, true, 1234567},
           {"-0.5", 5, 2, true, -50},
           {"+007.10", 5, 2, true, 710},
           {"1234567890123456.78", 18, 2, true, 123456789012345678},
           {"5.", 5, 2, true, 500},     // general path
           {".5", 5, 2, true, 50},      // general path
           {"1.990", 5, 2, true, 199},  // extra zero digits: general path
           {"1.999", 5, 2, false, 0},
           {"12345.6", 5, 2, false, 0},  // too many integer digits
           {"000123.4", 5, 2, true, 12340},
           {"-", 5, 2, false, 0},
           {"1e5", 10, 2, false, 0},
           {"1.2.3", 10, 2, false, 0},
           {"42", 10, 0, true, 42},
       }) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseDecimal(c.text, c.p, c.s, &dec), c.ok);
    if (c.ok) {
      EXPECT_TRUE(dec == c.want);
    }
  }
  // More digits than a uint64 holds: the general path.
  EXPECT_TRUE(ParseDecimal("-99999999999999999999.99", 22, 2, &dec));
  EXPECT_TRUE(dec == -(static_cast<int128_t>(99999999999999999ll) * 100000 + 99999));

  for (std::string_view s : {"2024-02-29 23:59:59",
                             "2023-02-29 00:00:00",
                             "2024-01-01T00:00:00.5Z",
                             "2024-01-01t00:00:00z",
                             "2024-01-01T00:00:00.123456789",
                             "2024-01-01T00:00:00.1234567890",
                             "2024-01-01 24:00:00",
                             "2024-01-01 00:60:00",
                             "2024-13-01 00:00:00",
                             "0000-01-01 00:00:00",
                             "0001-01-01 00:00:00",
                             "9999-12-31 23:59:59.999999",
                             "2024-01-01 00:00:00.",
                             "2024-01-01 00:00",
                             "2024-01-01 00:00:00 ",
                             "2024-01-01 00:00:00+02:00",
                             "2024-01-01 00:00:00,25",
                             "1969-12-31 23:59:59",
                             "2024-01-01",
                             "2024-01-01X00:00:00"}) {
    SCOPED_TRACE(s);
    int64_t us = 0;
    auto ref = ParseIsoTimestampMicros(s);
    EXPECT_EQ(ParseTimestamp(s, &us), ref.ok());
    if (ref.ok()) {
      EXPECT_EQ(us, *ref);
    }
  }

  // The 64-byte ASCII check: one non-ASCII byte at every offset of a 130-byte text.
  for (size_t at = 0; at + 2 <= 130; ++at) {
    std::string t(130, 'x');
    t.replace(at, 2, "\xC3\xA9");
    EXPECT_TRUE(IsValidUtf8(t)) << at;
    t[at] = '\xFF';
    EXPECT_FALSE(IsValidUtf8(t)) << at;
  }
}

TEST(Glob, Patterns) {
  EXPECT_TRUE(GlobMatch("*.csv", "a.csv"));
  EXPECT_FALSE(GlobMatch("*.csv", "d/a.csv"));
  EXPECT_TRUE(GlobMatch("**/*.json", "a.json"));
  EXPECT_TRUE(GlobMatch("**/*.json", "x/y/a.json"));
  EXPECT_FALSE(GlobMatch("**/*.json", "x/y/a.csv"));
  EXPECT_TRUE(GlobMatch("sales/2024-0[1-3]/*.csv", "sales/2024-02/x.csv"));
  EXPECT_FALSE(GlobMatch("sales/2024-0[1-3]/*.csv", "sales/2024-04/x.csv"));
  EXPECT_TRUE(GlobMatch("a/**/b/*.csv", "a/b/x.csv"));
  EXPECT_TRUE(GlobMatch("a/**/b/*.csv", "a/1/2/b/x.csv"));
  EXPECT_TRUE(GlobMatch("data-??.csv", "data-01.csv"));
}

}  // namespace
}  // namespace fluxo::connectors::files
