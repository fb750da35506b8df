// JsonFileReader's fast path (JsonFastParser: bytes straight into cells) against its DOM path
// (boost::json::parse + JsonToCell): on a corpus of tricky records (escapes, unicode, \u
// surrogate pairs, big integers, floats, exponents, nulls, missing, extra and repeated keys,
// nested values, broken JSON), in JSON Lines and JSON array layout, under several schemas, and
// on random records, the two give exactly the same rows (values bit for bit, row origins) and
// the same row errors (code, message, line, record). The fast path must decide most plain
// records itself.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <sstream>

#include "connectors/files/byte_stream.h"
#include "connectors/files/file_options.h"
#include "connectors/files/json_reader.h"

namespace fluxo {
namespace {

using connectors::files::FileOptions;
using connectors::files::JsonFileReader;
using connectors::files::ReaderContext;
using connectors::files::StringStream;

struct Outcome {
  std::vector<std::string> rows;    // one line per row: origin, then every cell
  std::vector<std::string> errors;  // code|message|line|record
  int64_t fast = 0;
  int64_t records = 0;
};

std::string Cells(const RecordBatch& b, int64_t i) {
  std::ostringstream os;
  std::string file;
  int64_t line = 0;
  if (b.origins() != nullptr && b.origins()->Find(i, &file, &line)) os << file << ":" << line;
  for (int j = 0; j < b.num_columns(); ++j) {
    const Column& c = b.column(j);
    os << " | ";
    if (c.IsNull(i)) {
      os << "NULL";
      continue;
    }
    switch (c.type().id) {
      case TypeId::kBoolean: os << c.GetBool(i); break;
      case TypeId::kInt32:
      case TypeId::kDate: os << c.Value<int32_t>(i); break;
      case TypeId::kInt64:
      case TypeId::kTimestamp: os << c.Value<int64_t>(i); break;
      case TypeId::kFloat64: {
        const double d = c.Value<double>(i);
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        os << d << "#" << std::hex << bits << std::dec;
        break;
      }
      case TypeId::kDecimal: os << static_cast<int64_t>(c.GetDecimal(i)); break;
      case TypeId::kString:
      case TypeId::kBinary: os << "[" << c.GetString(i) << "]"; break;
    }
  }
  return os.str();
}

using Keys = std::vector<connectors::files::MemberPath>;

Outcome Read(const std::string& data, const Schema& schema, bool fast, const Keys* keys = nullptr) {
  Outcome out;
  FileOptions options;
  SourceCounters counters;
  std::function<void(const RowError&)> on_error = [&](const RowError& e) {
    out.errors.push_back(e.code + "|" + e.message + "|" + std::to_string(e.line) + "|" + e.record);
  };
  ReaderContext ctx(&options, &counters, &on_error);
  JsonFileReader r(&ctx, "f.json", StringStream(data));
  r.Init(schema, keys);
  r.set_fast_path(fast);
  auto shared = std::make_shared<const Schema>(schema);
  RecordBatchBuilder builder(shared);
  while (true) {
    auto got = r.ReadRow(&builder);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
  }
  auto batch = builder.Finish();
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (batch.ok()) {
    for (int64_t i = 0; i < batch->num_rows(); ++i) out.rows.push_back(Cells(*batch, i));
  }
  out.fast = r.fast_records();
  out.records = counters.input_records.load();
  return out;
}

// Both paths on `data`; returns the fast path's count of records it decided.
int64_t ExpectSame(const std::string& data, const Schema& schema, const Keys* keys = nullptr) {
  Outcome dom = Read(data, schema, false, keys);
  Outcome fast = Read(data, schema, true, keys);
  EXPECT_EQ(dom.fast, 0);
  EXPECT_EQ(fast.records, dom.records);
  EXPECT_EQ(fast.rows.size(), dom.rows.size());
  for (size_t i = 0; i < std::min(fast.rows.size(), dom.rows.size()); ++i) {
    EXPECT_EQ(fast.rows[i], dom.rows[i]) << "row " << i << " of schema " << schema.ToString();
  }
  EXPECT_EQ(fast.errors, dom.errors) << schema.ToString();
  return fast.fast;
}

const char* kCorpus[] = {
    R"({"s":"plain","i":1,"i32":7,"f":1.5,"b":true,"t":"2024-01-02 03:04:05","d":"2024-01-02","n":null})",
    R"({"s":"esc \"q\" \\ \/ \b\f\n\r\t end","i":-42,"f":-0.25,"b":false})",
    R"({"s":"\u00e9\u4E2d\ud83d\ude00 \u0041\u0000x","i":9223372036854775807})",
    "{\"s\":\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80 raw\",\"i\":0}",
    R"({"i":123456789012345678,"f":123456789012345678,"s":123456789012345678})",
    R"({"i":1234567890123456789,"f":12345678901234567890,"s":-1234567890123456789})",
    R"({"i":18446744073709551615})",
    R"({"i":18446744073709551616,"s":99999999999999999999999})",
    R"({"i":-9223372036854775808,"s":-9223372036854775808})",
    R"({"f":1e10,"i":1E2,"s":1e-7,"f2":-2.5E+3})",
    R"({"f":0.1,"f2":0.30000000000000004,"s":0.1})",
    R"({"f":123456789.123456,"f2":1234567890.1234567,"s":123456789.123456})",
    R"({"f":0.000000000000001,"f2":0.0000000000000001,"s":100.0})",
    R"({"f":-0.0,"i":-0,"s":-0,"f2":0.0})",
    R"({"f":5e-324,"f2":1.7976931348623157e308,"s":1e999})",
    R"({"s":123,"s2":1.5,"s3":true,"s4":null,"s5":{"a":[1,2,{"b":"x"}],"a":2},"s6":[],"s7":[1.0,"x\u0041",{}]})",
    R"({"s":false,"s2":{"k":"v","u":"\u00e9"},"s3":[null,true,-1,2.50,"\/"]})",
    R"({})",
    R"(  { "s" : "spaces" , "i" : 1 ,"f":	2.0	}  )",
    "{\"s\"\t:\r\"cr and tab\"\r,\"i\":\t3}",
    R"({"extra":{"deep":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]},"s":"after deep"})",
    R"({"s5":[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]],"s":"deep known"})",
    R"({"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",
    R"({"i":1,"i":2})",
    R"({"s":"x","s":"y","i":5})",
    R"({"u":"x","u":{"y":1},"s":"z"})",
    R"({"S":"case","s":"lower"})",
    R"({"\u0073":"escaped key","\u0069":4})",
    R"({"s":"only s"})",
    R"({"i":"12","f":"1.5","b":"yes","d":"2024-01-02 00:00:00","t":"2024-01-01T00:00:00.123456Z"})",
    R"({"i":"","f":"","b":"","d":"","s":""})",
    R"({"i":" 12"})",
    R"({"i":1.0})",
    R"({"i":1.5})",
    R"({"b":1})",
    R"({"b":"maybe"})",
    R"({"dec":12.34,"s":"decimal from a double"})",
    R"({"dec":"12.34","dec2":12,"dec3":"-0.5"})",
    R"({"dec":123456789012})",
    R"({"i32":2147483647,"s":"int32 max"})",
    R"({"i32":2147483648})",
    R"({"i32":-2147483649})",
    R"({"t":"2024-13-01 00:00:00"})",
    R"({"t":"2024-01-01T00:00:00+02:00","d":"2024-02-30"})",
    R"({"t":12})",
    R"({"d":{"a":1}})",
    R"({"i":[1]})",
    R"({"bin":"bytes","bin2":{"a":1}})",
    R"([1,2])",
    R"("just a string")",
    R"(null)",
    R"(12)",
    R"({"s":"x"} x)",
    R"({"s":"x"}})",
    R"({"s":"unterminated})",
    "{\"s\":\"raw ctl \x01\"}",
    "{\"s\":\"raw tab \t\"}",
    "{\"x\":\"raw ctl in extra \x1f\"}",
    R"({"s":"\ud800"})",
    R"({"s":"\udc00x"})",
    R"({"s":"\ud800\u0041"})",
    R"({"s":"\ud800\udbff"})",
    R"({"x":"\ud83d\ude00 in extra","s":"\uD83D\uDE00"})",
    R"({"x":"\ud800 lone in extra"})",
    R"({"s":"bad \x escape"})",
    R"({"s":"bad \u12G4"})",
    R"({"s":"short \u12"})",
    "{\"s\":\"\xC3\x28 bad utf8\"}",
    "{\"s\":\"ok\"}\xFF",
    R"({"a":01})",
    R"({"a":1.})",
    R"({"a":.5})",
    R"({"a":-})",
    R"({"a":+1})",
    R"({"a":1e})",
    R"({"a":1e+})",
    R"({"a":-01})",
    R"({"a":1e999,"s":"huge exponent in extra"})",
    R"({"a":1e2147483648})",
    R"({"a":1e214748364,"s":"9-digit exponent"})",
    R"({"a":tru})",
    R"({"a":nul,"b":true})",
    R"({"a":true false})",
    R"({"a":[1,2,]})",
    R"({"a":{"x":1,}})",
    R"({,})",
    R"({"a":1,})",
    R"({"a" 1})",
    R"({"a":1 "b":2})",
    R"({"a"})",
    R"({"a":})",
    R"({1:2})",
    R"({'a':1})",
    R"({"s":"x"/*c*/})",
    R"({"s":"trailing"}   )",
    R"({"s":"NaN","f":NaN})",
    R"({"f":Infinity})",
    R"({"f":"nan","f2":"inf"})",
    R"({"s":"last","i":-7,"f":3.25,"b":false,"t":"2024-06-30 23:59:59","d":"2024-02-29","n":"x"})",
};

Schema Typed() {
  return Schema({{"s", DataType::String(), true},          {"i", DataType::Int64(), true},
                 {"i32", DataType::Int32(), true},         {"f", DataType::Float64(), true},
                 {"f2", DataType::Float64(), true},        {"b", DataType::Boolean(), true},
                 {"t", DataType::Timestamp(), true},       {"d", DataType::Date(), true},
                 {"n", DataType::String(), true},          {"dec", DataType::Decimal(10, 2), true},
                 {"dec2", DataType::Decimal(10, 2), true}, {"dec3", DataType::Decimal(4, 1), true},
                 {"s2", DataType::String(), true},         {"s3", DataType::String(), true},
                 {"s4", DataType::String(), true},         {"s5", DataType::String(), true},
                 {"s6", DataType::String(), true},         {"s7", DataType::String(), true},
                 {"bin", DataType::Binary(), true},        {"bin2", DataType::Binary(), true},
                 {"S", DataType::String(), true}});
}

// Every name of the corpus as a string column, in another order.
Schema AllStrings() {
  std::vector<Field> f;
  for (const char* n :
       {"n",  "f2", "f",  "i",  "s",  "b",   "t",    "d", "dec", "dec2", "dec3", "i32",  "s2",
        "s3", "s4", "s5", "s6", "s7", "bin", "bin2", "S", "a",   "u",    "x",    "extra"}) {
    f.push_back({n, DataType::String(), true});
  }
  return Schema(std::move(f));
}

// Every name as each other type, so the type conversions all meet every value.
Schema AllAs(DataType t) {
  std::vector<Field> f;
  for (const char* n : {"s",    "i",  "i32", "f",  "f2", "b",  "t",  "d",   "n",    "dec", "dec2",
                        "dec3", "s2", "s3",  "s4", "s5", "s6", "s7", "bin", "bin2", "a",   "x"}) {
    f.push_back({n, t, true});
  }
  return Schema(std::move(f));
}

std::vector<Schema> Schemas() {
  std::vector<Schema> v = {Typed(), AllStrings(), Schema()};
  for (DataType t : {DataType::Int64(), DataType::Int32(), DataType::Float64(), DataType::Boolean(),
                     DataType::Timestamp(), DataType::Date(), DataType::Decimal(18, 3),
                     DataType::Decimal(38, 10), DataType::Binary()}) {
    v.push_back(AllAs(t));
  }
  return v;
}

std::string Lines() {
  std::string data;
  for (const char* r : kCorpus) data += std::string(r) + "\n";
  return data;
}

TEST(JsonFastPath, CorpusAsJsonLinesGivesTheDomPathsRowsAndErrors) {
  const std::string data = Lines();
  for (const Schema& s : Schemas()) ExpectSame(data, s);
  // The fast path decides the plain records itself (the typed schema: most of the corpus is
  // errors or cases it hands over).
  EXPECT_GE(ExpectSame(data, Typed()), 20);
  EXPECT_GE(ExpectSame(data, AllStrings()), 30);
}

TEST(JsonFastPath, CorpusAsJsonArrayGivesTheDomPathsRowsAndErrors) {
  // Only the corpus's objects (an array element ends at a top-level comma), one per line and
  // then several per line with line breaks inside.
  std::string a = "\xEF\xBB\xBF[\n", b = "[";
  bool first = true;
  for (const char* r : kCorpus) {
    std::string t = r;
    size_t k = t.find_first_not_of(" \t");
    if (k == std::string::npos || t[k] != '{') continue;
    boost::system::error_code ec;
    json::value v = json::parse(t, ec);
    if (ec || !v.is_object()) continue;  // a broken element would end the array
    a += (first ? "  " : ",\n  ") + t;
    std::string u = t;
    for (size_t i = 0; i + 1 < u.size(); ++i) {
      if (u[i] == ',' && u[i + 1] == '"') u.insert(i + 1, "\n   ");
    }
    b += (first ? "" : " ,\n") + u;
    first = false;
  }
  a += "\n]\n";
  b += "]";
  for (const Schema& s : Schemas()) {
    ExpectSame(a, s);
    ExpectSame(b, s);
  }
  EXPECT_GE(ExpectSame(a, AllStrings()), 20);
  EXPECT_GE(ExpectSame(b, AllStrings()), 20);
}

TEST(JsonFastPath, ExactValuesOfTheFastPath) {
  // A few values checked against expectations, not only against the DOM path.
  Outcome o = Read(
      "{\"s\":\"a\\u00e9\\ud83d\\ude00\\\"\",\"i\":-12,\"f\":0.1,\"b\":true,\"t\":\"2024-01-01 "
      "00:00:01\",\"s2\":1.5,\"s5\":{\"k\" : [1, \"x\"]},\"s3\":-3}\n{}\n",
      Typed(), true);
  EXPECT_EQ(o.fast, 2);
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(
      o.rows[0],
      "f.json:1 | [a\xC3\xA9\xF0\x9F\x98\x80\"] | -12 | NULL | 0.1#3fb999999999999a | NULL | 1 "
      "| 1704067201000000 | NULL | NULL | NULL | NULL | NULL | [1.5E0] | [-3] | NULL | "
      "[{\"k\":[1,\"x\"]}] | NULL | NULL | NULL | NULL | NULL");
  EXPECT_EQ(o.rows[1].substr(0, 16), "f.json:2 | NULL ");
}

TEST(JsonFastPath, JsonNumbersInDecimalColumns) {
  // Before, a double went through json::serialize ("1.234E1"), which no decimal parse accepts:
  // every JSON number with a fraction was a row error in a decimal column.
  Schema dec({{"v", DataType::Decimal(10, 2), true}});
  const std::string data =
      "{\"v\":12.34}\n{\"v\":-0.5}\n{\"v\":7}\n{\"v\":1.5e2}\n{\"v\":12.345}\n{\"v\":1e9}\n";
  for (bool fast : {false, true}) {
    Outcome o = Read(data, dec, fast);
    EXPECT_EQ(o.rows, (std::vector<std::string>{"f.json:1 | 1234", "f.json:2 | -50",
                                                "f.json:3 | 700", "f.json:4 | 15000"}));
    ASSERT_EQ(o.errors.size(), 2u);
    EXPECT_EQ(o.errors[0],
              "INGEST-1201|field 'v': '1.2345E1' is not a valid decimal(10,2)|5|{\"v\":12.345}");
    EXPECT_EQ(o.errors[1].substr(0, 44), "INGEST-1201|field 'v': '1E9' is not a valid ");
  }
  EXPECT_EQ(Read(data, dec, true).fast, 3);  // 12.34, -0.5, 7
  ExpectSame(data, dec);
}

TEST(JsonFastPath, ASchemaNamingAFieldTwiceTakesTheDomPath) {
  Schema twice({{"a", DataType::Int64(), true}, {"a", DataType::String(), true}});
  Outcome o = Read("{\"a\":1}\n", twice, true);
  EXPECT_EQ(o.fast, 0);
  ASSERT_EQ(o.rows.size(), 1u);
  EXPECT_EQ(o.rows[0], "f.json:1 | 1 | [1]");
  ExpectSame("{\"a\":1}\n{\"a\":\"x\"}\n", twice);
}

// Random records: values of every kind, spaces, escapes, and now and then a byte changed.
class Gen {
 public:
  explicit Gen(uint32_t seed) : rnd_(seed) {}
  int R(int n) { return static_cast<int>(rnd_() % static_cast<uint32_t>(n)); }
  std::string Ws() {
    static const char* w[] = {"", "", "", " ", "\t", " \r ", "  "};
    return w[R(7)];
  }
  std::string Str() {
    static const char* pieces[] = {"a",
                                   "xyz",
                                   " ",
                                   "\\\"",
                                   "\\\\",
                                   "\\/",
                                   "\\n",
                                   "\\t",
                                   "\\u0041",
                                   "\\u00e9",
                                   "\\ud83d\\ude00",
                                   "\\ud800",
                                   "\\udc00",
                                   "\\u12",
                                   "\\x",
                                   "\xC3\xA9",
                                   "\xF0\x9F\x98\x80",
                                   "2024-01-02",
                                   " 00:00:00",
                                   "12",
                                   "-3.5",
                                   "true",
                                   "\x01",
                                   "\t",
                                   "1e3",
                                   ",",
                                   "}",
                                   "]",
                                   "{"};
    std::string s = "\"";
    for (int k = R(5); k > 0; --k) s += pieces[R(29)];
    return s + "\"";
  }
  std::string Num() {
    std::string s = R(3) == 0 ? "-" : "";
    int d = 1 + R(R(4) == 0 ? 22 : 8);
    for (int k = 0; k < d; ++k) s += static_cast<char>('0' + (k == 0 && d > 1 ? 1 + R(9) : R(10)));
    if (R(4) == 0) s = R(2) ? "0" : "-0";
    if (R(2)) {
      s += ".";
      for (int k = 1 + R(R(4) == 0 ? 20 : 6); k > 0; --k) s += static_cast<char>('0' + R(10));
    }
    if (R(6) == 0) s += std::string(R(2) ? "e" : "E") + (R(2) ? "-" : "+") + std::to_string(R(400));
    return s;
  }
  std::string Value(int depth) {
    switch (R(depth > 3 ? 6 : 8)) {
      case 0:
      case 1: return Str();
      case 2:
      case 3: return Num();
      case 4: return R(2) ? "true" : "false";
      case 5: return "null";
      case 6: {
        std::string s = "[" + Ws();
        for (int k = R(4); k > 0; --k) s += Value(depth + 1) + Ws() + (k > 1 ? "," + Ws() : "");
        return s + "]";
      }
      default: return Object(depth + 1);
    }
  }
  std::string Object(int depth) {
    static const char* keys[] = {"s", "i", "f", "b", "t", "d", "dec", "x", "S", "\\u0073", "i32"};
    std::string s = "{" + Ws();
    for (int k = R(6); k > 0; --k) {
      s += "\"" + std::string(keys[R(11)]) + "\"" + Ws() + ":" + Ws() + Value(depth) + Ws();
      if (k > 1) s += "," + Ws();
    }
    return s + "}";
  }
  std::string Record() {
    std::string s = Object(0);
    if (R(8) == 0 && !s.empty()) {  // damage one byte
      static const char junk[] = "{}[],:\"\\ 0-.e\x01\xC3";
      s[static_cast<size_t>(R(static_cast<int>(s.size())))] = junk[R(sizeof(junk) - 1)];
    }
    return s;
  }

 private:
  std::mt19937 rnd_;
};

TEST(JsonFastPath, RandomRecordsGiveTheDomPathsRowsAndErrors) {
  Schema typed({{"s", DataType::String(), true},
                {"i", DataType::Int64(), true},
                {"f", DataType::Float64(), true},
                {"b", DataType::Boolean(), true},
                {"t", DataType::Timestamp(), true},
                {"d", DataType::Date(), true},
                {"dec", DataType::Decimal(12, 3), true},
                {"x", DataType::String(), true},
                {"i32", DataType::Int32(), true}});
  std::vector<Schema> schemas = {typed, AllStrings(), AllAs(DataType::Float64()),
                                 AllAs(DataType::Int64()), AllAs(DataType::Decimal(20, 4))};
  int64_t fast = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Gen g(seed);
    std::string data;
    for (int k = 0; k < 100; ++k) data += g.Record() + "\n";
    for (const Schema& s : schemas) fast += ExpectSame(data, s);
    if (HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      break;
    }
  }
  EXPECT_GT(fast, 10000);  // of 100,000 record reads
}

// Member columns (JsonColumns::keys): values inside nested objects, read in the same pass.
struct Members {
  Schema schema;
  Keys keys;
};
Members MemberSchema(const std::vector<std::pair<std::string, DataType>>& cols) {
  Members m;
  std::vector<Field> f;
  for (const auto& [path, type] : cols) {
    f.push_back({path, type, true});
    m.keys.push_back(connectors::files::MemberKeys(path));
  }
  m.schema = Schema(std::move(f));
  return m;
}

const char* kNested[] = {
    R"({"id":1,"person":{"name":"ann","age":41,"address":{"city":"Oslo","zip":123}}})",
    R"({"id":2,"person":{"name":"bo"}})",
    R"({"id":3,"person":"anonymous"})",
    R"({"id":4,"person":null})",
    R"({"id":5,"person":[{"name":"in an array"}]})",
    R"({"id":6})",
    R"({"id":7,"person":{"age":"41"}})",
    R"({"id":8,"person":{"age":"old"}})",
    R"({"id":9,"person":{"age":4.5,"address":{"city":{"k":[1,"x"]},"zip":null}}})",
    R"({"id":10,"person":{"name":"a","name":"b"}})",
    R"({"id":11,"person":{"address":{"city":"x"},"address":{"zip":1}}})",
    R"({"id":12,"person":{"address":{"zip":1e3}}})",
    R"({"id":13,"person":{"extra":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]],"name":"deep skip"}})",
    R"({"id":14,"person":{"address":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":1}}}}}}}}}}}}}}}})",
    R"({"id":15,"person":{"name":"escaped key","address":{"zip":-0}}})",
    R"({"id":16,"person":{"name":"x"},"person.name":"a dotted key"})",
    R"({"id":17,"person":{"name":"broken",}})",
    R"({"id":18,"a.b":{"c":"dot in a key"},"person":{"street.name":"dot in a member"}})",
    R"({"id":19,"person":{"address":{}}})",
    R"({"id":20,"person":{"age":18446744073709551615}})",
    R"({"id":21,"person":{"emails":[{"email":"a@x"},{"email":"b@x","n":[1,2]}]}})",
    R"({"id":22,"person":{"emails":"not an array"}})",
    R"({"id":23,"person":{"emails":[]}})",
    R"({"id":24,"person":{"emails":[1,{"email":2},null]}})",
    R"({"id":25,"person":{"emails":{"0":{"email":"an object"}}}})",
    R"({"id":26,"person":{"emails":[[{"email":"nested array"}],{"email":"x","email":"y"}]}})",
};

std::vector<Members> MemberSchemas() {
  const DataType S = DataType::String(), I = DataType::Int64(), F = DataType::Float64();
  return {
      MemberSchema({{"id", I},
                    {"person", S},
                    {"person.name", S},
                    {"person.age", I},
                    {"person.address.city", S},
                    {"person.address.zip", I}}),
      // Members without their parent column, in another order, and other types.
      MemberSchema({{"person.address.zip", F},
                    {"person.age", F},
                    {"id", S},
                    {"person.address", S},
                    {"person.name", I}}),
      MemberSchema({{"person.age", S},
                    {"person.address.zip", S},
                    {"a\\.b.c", S},
                    {"person.street\\.name", S},
                    {"person.address.a.b.c.d.e.f.g.h.i.j.k.l.m.n", I}}),
      // Elements of arrays (AEP's "field within an array").
      MemberSchema({{"person.emails[0].email", S},
                    {"person.emails[1].email", S},
                    {"person.emails[1]", S},
                    {"person.emails[1].n[1]", I},
                    {"person.emails[0][0].email", S},
                    {"person.emails", S}}),
  };
}

TEST(JsonMemberColumns, NestedCorpusGivesTheDomPathsRowsAndErrors) {
  std::string data;
  for (const char* r : kNested) data += std::string(r) + "\n";
  for (const Members& m : MemberSchemas()) ExpectSame(data, m.schema, &m.keys);
  const Members first = MemberSchemas()[0];
  EXPECT_GE(ExpectSame(data, first.schema, &first.keys), 10);
}

TEST(JsonMemberColumns, ExactValues) {
  // A nested number stays a number, a missing member is NULL, a member of a non-object (a
  // string, null, an array) is NULL, an object member is its JSON text, a value that does not
  // fit the column's type is a row error naming the member path.
  const Members m = MemberSchemas()[0];
  std::string data;
  for (const char* r : kNested) data += std::string(r) + "\n";
  for (bool fast : {false, true}) {
    Outcome o = Read(data, m.schema, fast, &m.keys);
    ASSERT_GE(o.rows.size(), 9u);
    EXPECT_EQ(o.rows[0],
              "f.json:1 | 1 | "
              "[{\"name\":\"ann\",\"age\":41,\"address\":{\"city\":\"Oslo\",\"zip\":123}}] "
              "| [ann] | 41 | [Oslo] | 123");
    EXPECT_EQ(o.rows[1], "f.json:2 | 2 | [{\"name\":\"bo\"}] | [bo] | NULL | NULL | NULL");
    EXPECT_EQ(o.rows[2], "f.json:3 | 3 | [anonymous] | NULL | NULL | NULL | NULL");
    EXPECT_EQ(o.rows[3], "f.json:4 | 4 | NULL | NULL | NULL | NULL | NULL");
    EXPECT_EQ(o.rows[4],
              "f.json:5 | 5 | [[{\"name\":\"in an array\"}]] | NULL | NULL | NULL | NULL");
    EXPECT_EQ(o.rows[5], "f.json:6 | 6 | NULL | NULL | NULL | NULL | NULL");
    EXPECT_EQ(o.rows[6], "f.json:7 | 7 | [{\"age\":\"41\"}] | NULL | 41 | NULL | NULL");
    ASSERT_GE(o.errors.size(), 2u);
    EXPECT_EQ(o.errors[0].substr(0, 70),
              "INGEST-1201|field 'person.age': '\"old\"' is not a valid int64|8|{\"id\":8");
    EXPECT_EQ(o.errors[1].substr(0, 67),
              "INGEST-1201|field 'person.age': '4.5E0' is not a valid int64|9|{\"id");
  }
  // Keys with dots: "a\\.b.c" is member c of the key "a.b".
  const Members dots = MemberSchemas()[2];
  Outcome o = Read(std::string(kNested[17]) + "\n", dots.schema, true, &dots.keys);
  EXPECT_EQ(o.fast, 1);
  ASSERT_EQ(o.rows.size(), 1u);
  EXPECT_EQ(o.rows[0], "f.json:1 | NULL | NULL | [dot in a key] | [dot in a member] | NULL");
  // Elements of arrays: an index past the end, or a step into a value that is not an array, is
  // NULL.
  const Members items = MemberSchemas()[3];
  std::string arrays;
  for (int k = 20; k < 25; ++k) arrays += std::string(kNested[k]) + "\n";
  for (bool fast : {false, true}) {
    o = Read(arrays, items.schema, fast, &items.keys);
    EXPECT_EQ(o.fast, fast ? 5 : 0);
    ASSERT_EQ(o.rows.size(), 5u);
    EXPECT_EQ(o.rows[0],
              "f.json:1 | [a@x] | [b@x] | [{\"email\":\"b@x\",\"n\":[1,2]}] | 2 | NULL | "
              "[[{\"email\":\"a@x\"},{\"email\":\"b@x\",\"n\":[1,2]}]]");
    EXPECT_EQ(o.rows[1], "f.json:2 | NULL | NULL | NULL | NULL | NULL | [not an array]");
    EXPECT_EQ(o.rows[2], "f.json:3 | NULL | NULL | NULL | NULL | NULL | [[]]");
    EXPECT_EQ(o.rows[3],
              "f.json:4 | NULL | [2] | [{\"email\":2}] | NULL | NULL | [[1,{\"email\":2},null]]");
    EXPECT_EQ(o.rows[4],
              "f.json:5 | NULL | NULL | NULL | NULL | NULL | [{\"0\":{\"email\":\"an object\"}}]");
  }
}

TEST(JsonMemberColumns, MemberKeysParsesPathsEscapesAndIndexes) {
  using connectors::files::MemberKeys;
  using connectors::files::MemberPath;
  EXPECT_EQ(MemberKeys("a.b.c"), (MemberPath{{"a", -1}, {"b", -1}, {"c", -1}}));
  EXPECT_EQ(MemberKeys("a\\.b.c"), (MemberPath{{"a.b", -1}, {"c", -1}}));
  EXPECT_EQ(MemberKeys("a\\\\b"), (MemberPath{{"a\\b", -1}}));
  EXPECT_EQ(MemberKeys("e[0].m[12][3]"),
            (MemberPath{{"e", -1}, {"", 0}, {"m", -1}, {"", 12}, {"", 3}}));
  EXPECT_EQ(MemberKeys("e[x].m[]"), (MemberPath{{"e[x]", -1}, {"m[]", -1}}));
  EXPECT_EQ(MemberKeys("[0].a"), (MemberPath{{"[0]", -1}, {"a", -1}}));
  EXPECT_EQ(MemberKeys("a..b"), (MemberPath{{"a..b", -1}}));
  EXPECT_EQ(MemberKeys(".a"), (MemberPath{{".a", -1}}));
  EXPECT_EQ(MemberKeys("plain"), (MemberPath{{"plain", -1}}));
}

TEST(JsonMemberColumns, RandomNestedRecordsGiveTheDomPathsRowsAndErrors) {
  const DataType S = DataType::String(), I = DataType::Int64(), F = DataType::Float64();
  std::vector<Members> schemas = {
      MemberSchema({{"x", S}, {"x.s", S}, {"x.i", I}, {"x.x.f", F}, {"s", S}}),
      MemberSchema({{"x.x", S}, {"x.x.x", S}, {"S.s", S}, {"x.f", F}, {"x.x.x.x.s", S}}),
      MemberSchema({{"x.i", F}, {"i", S}, {"x.x.i", I}, {"x.dec", DataType::Decimal(20, 4)}}),
  };
  int64_t fast = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Gen g(seed);
    std::string data;
    for (int k = 0; k < 100; ++k) data += g.Record() + "\n";
    for (const Members& m : schemas) fast += ExpectSame(data, m.schema, &m.keys);
    if (HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      break;
    }
  }
  EXPECT_GT(fast, 10000);  // of 60,000 record reads
}

}  // namespace
}  // namespace fluxo
