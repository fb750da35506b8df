// The expression language, data-driven: each case is an expression, evaluated column-at-a-time
// over one fixed 4-row batch, and the 4 values it must answer ("null", or "!text" for a row
// that fails with a message containing text). Compile errors: expression, column, message.
#include "dataprep/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "base/date_format.h"

namespace fluxo::dataprep {
namespace {

RecordBatch Input() {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"name", DataType::String()},
                                                            {"age", DataType::String()},
                                                            {"n", DataType::Int64()},
                                                            {"i32", DataType::Int32()},
                                                            {"price", DataType::Float64()},
                                                            {"day", DataType::String()},
                                                            {"flag", DataType::Boolean()},
                                                            {"ts", DataType::Timestamp()},
                                                            {"amount", DataType::Decimal(10, 2)},
                                                            {"person.first", DataType::String()},
                                                            {"First Name", DataType::String()}});
  RecordBatchBuilder b(schema);
  auto str = [&](int c, std::vector<const char*> v) {
    for (auto* s : v) s ? b.column(c).AppendString(s) : b.column(c).AppendNull();
  };
  str(0, {"  Alice ", "bob", nullptr, "\xc3\x89mile"});
  str(1, {"42", "x", nullptr, " 7 "});
  for (auto v : {1, -2, 0, 100}) v == 0 ? b.column(2).AppendNull() : b.column(2).AppendInt64(v);
  for (int v : {5, 6, 7, 8}) b.column(3).AppendInt32(v);
  for (double v : {2.5, 3.0, double(NAN), -1.25})
    std::isnan(v) ? b.column(4).AppendNull() : b.column(4).AppendDouble(v);
  str(5, {"2024-01-31", "31/12/2020", nullptr, "2024-02-30"});
  b.column(6).AppendBool(true);
  b.column(6).AppendBool(false);
  b.column(6).AppendNull();
  b.column(6).AppendBool(true);
  for (int64_t v : {0LL, 1706695200000000LL, -1LL, 1719835200000000LL})
    v < 0 ? b.column(7).AppendNull() : b.column(7).AppendTimestamp(v);
  for (int64_t v : {1234, -5, 0, 100000}) b.column(8).AppendDecimal(v);
  str(9, {"a", "b", "c", "d"});
  str(10, {"x", "y", "z", "w"});
  return std::move(b.Finish()).value();
}

std::string Render(const Column& c, int64_t i) {
  if (c.IsNull(i)) return "null";
  switch (c.type().id) {
    case TypeId::kBoolean: return c.GetBool(i) ? "true" : "false";
    case TypeId::kInt64: return std::to_string(c.Value<int64_t>(i));
    case TypeId::kFloat64: {
      char buf[64];
      snprintf(buf, sizeof buf, "%g", c.Value<double>(i));
      return buf;
    }
    case TypeId::kDate: return FormatDate(c.Value<int32_t>(i));
    case TypeId::kTimestamp: return FormatTimestamp(c.Value<int64_t>(i));
    default: return "'" + std::string(c.GetString(i)) + "'";
  }
}

struct Case {
  const char* expr;
  const char* type;
  std::vector<const char*> want;
};

const Case kCases[] = {
    // literals and operators
    {"1 + 2 * 3", "integer", {"7", "7", "7", "7"}},
    {"(1 + 2) * 3 - -1", "integer", {"10", "10", "10", "10"}},
    {"7 / 2", "float", {"3.5", "3.5", "3.5", "3.5"}},
    {"7 % 3 + 7 mod 3", "integer", {"2", "2", "2", "2"}},
    {"n * 2", "integer", {"2", "-4", "null", "200"}},
    {"n + price", "float", {"3.5", "1", "null", "98.75"}},
    {"i32 + 1", "integer", {"6", "7", "8", "9"}},
    {"amount * 2", "float", {"24.68", "-0.1", "0", "2000"}},
    {"10 / (n - 1)", "float", {"!division by zero", "-3.33333", "null", "0.10101"}},
    {"9223372036854775807 + n",
     "integer",
     {"!overflow", "9223372036854775805", "null", "!overflow"}},
    {"'a' + n", "string", {"'a1'", "'a-2'", "null", "'a100'"}},
    {"n > 0 && flag", "boolean", {"true", "false", "null", "true"}},
    {"n > 0 && false", "boolean", {"false", "false", "false", "false"}},
    {"n > 0 || flag", "boolean", {"true", "false", "null", "true"}},
    {"not flag", "boolean", {"false", "true", "null", "false"}},
    {"n ge 1 and n lt 100", "boolean", {"true", "false", "null", "false"}},
    {"name == \"bob\"", "boolean", {"false", "true", "null", "false"}},
    {"${person.first} + ${First Name}", "string", {"'ax'", "'by'", "'cz'", "'dw'"}},
    {"person.first", "string", {"'a'", "'b'", "'c'", "'d'"}},
    {"'it\\'s' + \"\\\"q\\\"\"",
     "string",
     {"'it's\"q\"'", "'it's\"q\"'", "'it's\"q\"'", "'it's\"q\"'"}},
    {"null", "null", {"null", "null", "null", "null"}},
    // null handling
    {"iif(n > 0, 'pos', 'neg')", "string", {"'pos'", "'neg'", "'neg'", "'pos'"}},
    {"iif(age == 'x', 0, to_integer(age))", "integer", {"42", "0", "null", "7"}},
    {"iif(is_null(age), -1, iif(age == 'x', 0, to_integer(age)))",
     "integer",
     {"42", "0", "-1", "7"}},
    {"iif(flag, 1, 2.5)", "float", {"1", "2.5", "2.5", "1"}},
    {"coalesce(name, age, 'none')", "string", {"'  Alice '", "'bob'", "'none'", "'\xc3\x89mile'"}},
    {"coalesce(n, 0)", "integer", {"1", "-2", "0", "100"}},
    {"is_null(n)", "boolean", {"false", "false", "true", "false"}},
    {"is_not_null(name)", "boolean", {"true", "true", "false", "true"}},
    // strings
    {"concat(trim(name), '-', n)",
     "string",
     {"'Alice-1'", "'bob--2'", "'-'", "'\xc3\x89mile-100'"}},
    {"upper(trim(name))", "string", {"'ALICE'", "'BOB'", "null", "'\xc3\x89MILE'"}},
    {"lower('AbC')", "string", {"'abc'", "'abc'", "'abc'", "'abc'"}},
    {"ltrim(name) + '|' + rtrim(name)",
     "string",
     {"'Alice |  Alice'", "'bob|bob'", "null", "'\xc3\x89mile|\xc3\x89mile'"}},
    {"substr('This is a substring test', 7, 8)",
     "string",
     {"' a subst'", "' a subst'", "' a subst'", "' a subst'"}},
    {"substr(trim(name), 1)", "string", {"'lice'", "'ob'", "null", "'\x89mile'"}},
    {"substr('abc', 1, n)", "string", {"'b'", "!negative length", "null", "'bc'"}},
    {"split('a,b,,c', ',', n + 1)", "string", {"''", "null", "null", "null"}},
    {"split(day, '-', 1)", "string", {"'01'", "null", "null", "'02'"}},
    {"replacestr(day, '-', '')", "string", {"'20240131'", "'31/12/2020'", "null", "'20240230'"}},
    {"replace('aaa', 'a', 'bb')", "string", {"'bbbbbb'", "'bbbbbb'", "'bbbbbb'", "'bbbbbb'"}},
    {"length(name)", "integer", {"8", "3", "null", "5"}},
    // math
    {"round(price)", "integer", {"3", "3", "null", "-1"}},
    {"round(2.567, 2)", "float", {"2.57", "2.57", "2.57", "2.57"}},
    {"ceil(price) + floor(price)", "integer", {"5", "6", "null", "-3"}},
    {"abs(n)", "integer", {"1", "2", "null", "100"}},
    // conversions
    {"to_integer(age)", "integer", {"42", "!cannot convert 'x' to an integer", "null", "7"}},
    {"to_bigint(price)", "integer", {"2", "3", "null", "-1"}},
    {"to_float(age) / 2", "float", {"21", "!to_float", "null", "3.5"}},
    {"to_boolean(iif(n > 0, 'yes', 'off'))", "boolean", {"true", "false", "false", "true"}},
    {"to_boolean(name)", "boolean", {"!to_boolean", "!to_boolean", "null", "!to_boolean"}},
    {"to_string(price)", "string", {"'2.5'", "'3'", "null", "'-1.25'"}},
    {"to_string(flag) + to_string(ts)",
     "string",
     {"'true1970-01-01T00:00:00Z'", "'false2024-01-31T10:00:00Z'", "null",
      "'true2024-07-01T12:00:00Z'"}},
    // dates
    {"to_date(day)", "date", {"2024-01-31", "!does not match ISO 8601", "null", "!does not match"}},
    {"to_date(day, 'dd/MM/yyyy')",
     "date",
     {"!does not match the pattern dd/MM/yyyy", "2020-12-31", "null", "!does not match"}},
    {"date(day, 'yyyy-MM-dd', '1970-01-02')",
     "timestamp",
     {"2024-01-31T00:00:00.000000Z", "!does not match", "1970-01-02T00:00:00.000000Z",
      "!does not match"}},
    {"format(ts, 'yyyy/MM/dd HH:mm')",
     "string",
     {"'1970/01/01 00:00'", "'2024/01/31 10:00'", "null", "'2024/07/01 12:00'"}},
    {"format(to_date('20201231', 'yyyyMMdd'), 'dd.MM.yyyy')",
     "string",
     {"'31.12.2020'", "'31.12.2020'", "'31.12.2020'", "'31.12.2020'"}},
    {"zone_date_to_utc(ts, 'Europe/Paris')",
     "timestamp",
     {"1969-12-31T23:00:00.000000Z", "2024-01-31T09:00:00.000000Z", "null",
      "2024-07-01T10:00:00.000000Z"}},
    {"zone_date_to_utc(ts, '+05:30')",
     "timestamp",
     {"1969-12-31T18:30:00.000000Z", "2024-01-31T04:30:00.000000Z", "null",
      "2024-07-01T06:30:00.000000Z"}},
    {"ts > date('2024-01-01T00:00:00Z')", "boolean", {"false", "true", "null", "true"}},
    {"now() == now()", "boolean", {"true", "true", "true", "true"}},
    // hashing
    {"sha256('abc')",
     "string",
     {"'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'",
      "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'",
      "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'",
      "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'"}},
    {"md5(age)",
     "string",
     {"'a1d0c6e83f027327d8461063f4ac58a6'", "'9dd4e461268c8034f5c8564e155c67a6'", "null",
      "'048350c2d6b47a176f5d038af2465484'"}},
    {"length(uuid())", "integer", {"36", "36", "36", "36"}},
};

TEST(ExprTest, Table) {
  RecordBatch batch = Input();
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.expr);
    ExprError err;
    auto e = Expression::Compile(c.expr, *batch.schema(), &err);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_STREQ(VTypeName((*e)->type()), c.type);
    EvalContext ctx;
    ctx.Reset(batch.num_rows(), 1700000000000000);
    Column out = (*e)->Evaluate(batch, ctx);
    ASSERT_EQ(out.length(), 4);
    for (int64_t i = 0; i < 4; ++i) {
      std::string want = c.want[i];
      if (want[0] == '!') {
        ASSERT_TRUE(ctx.failed(i)) << "row " << i << " answered " << Render(out, i);
        EXPECT_NE(ctx.message(i).find(want.substr(1)), std::string::npos) << ctx.message(i);
        EXPECT_TRUE(out.IsNull(i));
      } else {
        EXPECT_FALSE(ctx.failed(i)) << "row " << i << ": " << ctx.message(i);
        EXPECT_EQ(Render(out, i), want) << "row " << i;
      }
    }
  }
}

struct BadCase {
  const char* expr;
  int column;
  const char* message;
};

const BadCase kBad[] = {
    {"", 1, "empty expression"},
    {"1 +", 4, "expected a value but found end of expression"},
    {"lowr(name)", 1, "unknown function 'lowr'"},
    {"upper(nme)", 7, "unknown field 'nme'"},
    {"concat(name, 'x'", 17, "expected ',' or ')'"},
    {"substr(name)", 1, "substr takes 2 to 3 argument(s), not 1"},
    {"upper(n)", 7, "upper: argument 1 must be a string, not integer"},
    {"name * 2", 6, "operator * needs numbers (string * integer)"},
    {"'abc", 1, "unterminated string literal"},
    {"to_date(day, 'yyyy-QQ')", 14, "to_date:"},
    {"to_date(day, name)", 14, "must be a string literal"},
    {"zone_date_to_utc(ts, 'Mars/Olympus')", 22, "zone_date_to_utc:"},
    {"iif(n, 1, 2)", 5, "iif: argument 1 must be a boolean, not integer"},
    {"iif(flag, 1, 'a')", 14, "must have one type"},
    {"n > 1 > 2", 7, "unexpected '>'"},
    {"split(name, ',')", 7, "arrays are not supported"},
    {"name == 1", 6, "cannot compare"},
    {"1 # 2", 3, "unexpected character '#'"},
    {"format(name, 'yyyy')", 8, "must be a date or timestamp"},
    {"99999999999999999999", 1, "out of range"},
};

// format() reuses the text of the previous row when both fall in the pattern's unit (a day, a
// second): every row must still answer exactly what DateFormat formats, across day and second
// boundaries, before 1970, and with quoted letters that are not fields.
TEST(ExprTest, FormatOverManyRowsMatchesDateFormat) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"ts", DataType::Timestamp()}});
  RecordBatchBuilder b(schema);
  std::vector<int64_t> ts;
  const int64_t day = 86400000000LL;
  for (int64_t base : std::vector<int64_t>{-3 * day, -1, 0, day - 1, 1706695200000000LL}) {
    for (int64_t d :
         std::vector<int64_t>{-1000001, -1000000, -1, 0, 1, 999999, 1000000, 3600000000})
      ts.push_back(base + d);
  }
  for (int64_t v : ts) b.column(0).AppendTimestamp(v);
  b.column(0).AppendNull();
  RecordBatch batch = std::move(b.Finish()).value();
  for (const char* pattern : {"yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SSSSSS",
                              "dd 'at HH:mm' yyyy", "yyyy-MM-dd''HH", "HH:mm"}) {
    ExprError err;
    auto e = Expression::Compile("format(ts, \"" + std::string(pattern) + "\")", *schema, &err);
    ASSERT_TRUE(e.ok()) << pattern << ": " << err.ToString();
    EvalContext ctx;
    ctx.Reset(batch.num_rows(), 0);
    Column c = (*e)->Evaluate(batch, ctx);
    auto fmt = DateFormat::Parse(pattern);
    ASSERT_TRUE(fmt.ok());
    for (size_t i = 0; i < ts.size(); ++i)
      EXPECT_EQ(c.GetString(static_cast<int64_t>(i)), fmt->Format(ts[i], 0))
          << pattern << " " << ts[i];
    EXPECT_TRUE(c.IsNull(static_cast<int64_t>(ts.size())));
  }
}

// The kernels' fast paths (no null in the batch: concat's, decimal to float) answer what the
// row-by-row paths answer (the same batch with one null row more), and upper/lower/round what a
// byte loop and std::round do, over random strings with letters, their neighbours in ASCII and
// UTF-8 bytes, of every length from 0 to 40.
TEST(ExprTest, FastPathsMatchTheRowByRowKernels) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::String()},
                                                            {"k", DataType::Int64()},
                                                            {"amount", DataType::Decimal(12, 2)},
                                                            {"x", DataType::Float64()}});
  std::mt19937_64 rng(11);
  const std::string alphabet = "azAZmM@[`{09 -_\xc3\xa9\x80\xff";
  const int64_t n = 3000;
  auto make = [&](bool with_null) {
    std::mt19937_64 r(5);
    RecordBatchBuilder b(schema);
    for (int64_t i = 0; i < n; ++i) {
      std::string v;
      for (int64_t k = static_cast<int64_t>(r() % 41); k > 0; --k)
        v += alphabet[r() % alphabet.size()];
      b.column(0).AppendString(v);
      b.column(1).AppendInt64(static_cast<int64_t>(r()) >> (r() % 64));
      b.column(2).AppendDecimal(static_cast<int64_t>(r() % 2000000000) - 1000000000);
      const double specials[] = {0.5,
                                 -0.5,
                                 1.5,
                                 -2.5,
                                 0.49999999999999994,
                                 -0.3,
                                 4503599627370495.5,
                                 9007199254740993.0,
                                 -1e300,
                                 2.0};
      b.column(3).AppendDouble(
          i % 3 == 0 ? specials[r() % 10]
                     : static_cast<double>(static_cast<int64_t>(r() % 2000001) - 1000000) / 8);
    }
    if (with_null) {
      for (int c = 0; c < 4; ++c) b.column(c).AppendNull();
    }
    return std::move(b.Finish()).value();
  };
  RecordBatch fast = make(false), slow = make(true);
  auto eval = [&](const std::string& expr, const RecordBatch& batch) {
    ExprError err;
    auto e = Expression::Compile(expr, *schema, &err);
    EXPECT_TRUE(e.ok()) << expr << ": " << err.ToString();
    EvalContext ctx;
    ctx.Reset(batch.num_rows(), 0);
    return (*e)->Evaluate(batch, ctx);
  };
  for (const char* expr :
       {"concat(s, '-', k)", "concat(k, s, 1.5, amount, s)", "concat('[', s)", "amount * 100",
        "round(amount * 100)", "upper(s)", "lower(s)", "round(x)", "round(x, 1)"}) {
    Column a = eval(expr, fast), b = eval(expr, slow);
    ASSERT_EQ(a.length(), n);
    ASSERT_EQ(b.length(), n + 1);
    if (std::string_view(expr).substr(0, 6) != "concat") {
      EXPECT_TRUE(b.IsNull(n)) << expr;
    }
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(a.IsNull(i), b.IsNull(i)) << expr << " row " << i;
      if (a.IsNull(i)) continue;
      ASSERT_EQ(Render(a, i), Render(b, i)) << expr << " row " << i;
    }
  }
  Column up = eval("upper(s)", fast), low = eval("lower(s)", fast), r = eval("round(x)", fast);
  for (int64_t i = 0; i < n; ++i) {
    std::string u(fast.column(0).GetString(i)), l = u;
    for (char& c : u) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    for (char& c : l) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    ASSERT_EQ(up.GetString(i), u) << "row " << i;
    ASSERT_EQ(low.GetString(i), l) << "row " << i;
    const double want = std::round(fast.column(3).Value<double>(i));
    if (std::fabs(want) < 9.2e18) {
      ASSERT_EQ(r.Value<int64_t>(i), static_cast<int64_t>(want)) << "row " << i;
    } else {
      ASSERT_TRUE(r.IsNull(i)) << "row " << i;
    }
  }
}

TEST(ExprTest, CompileErrorsPointAtTheProblem) {
  RecordBatch batch = Input();
  for (const BadCase& c : kBad) {
    SCOPED_TRACE(c.expr);
    ExprError err;
    auto e = Expression::Compile(c.expr, *batch.schema(), &err);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(err.column, c.column) << err.message;
    EXPECT_NE(err.message.find(c.message), std::string::npos) << err.message;
    EXPECT_EQ(e.status().message(), err.ToString());
  }
}

TEST(ExprTest, UnknownFieldTypesCheckLaterButFunctionsNow) {
  FieldResolver any = [](const std::string&) { return VType::kAny; };
  ExprError err;
  EXPECT_TRUE(Expression::Compile("to_integer(a) + upper(b)", any, &err).ok());
  auto e = Expression::Compile("upper(to_integer(a))", any, &err);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(err.column, 7);
  auto fields = Expression::Compile("concat(a, b.c, a)", any, &err);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ((*fields)->fields(), (std::vector<std::string>{"a", "b.c"}));
  EXPECT_FALSE((*fields)->is_field());
}

TEST(ExprTest, CatalogListsEveryFunctionOnce) {
  std::set<std::string> names;
  for (const auto& f : Functions()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_FALSE(f.syntax.empty());
    // Every documented example compiles.
    ExprError err;
    auto e = Expression::Compile(f.example, Schema(), &err);
    EXPECT_TRUE(e.ok()) << f.name << ": " << err.ToString();
  }
  for (const char* required :
       {"iif",      "coalesce",  "is_null",          "concat", "lower",  "upper", "trim",
        "substr",   "split",     "replace",          "length", "round",  "now",   "to_date",
        "date",     "format",    "zone_date_to_utc", "uuid",   "sha256", "md5",   "to_integer",
        "to_float", "to_string", "to_boolean"})
    EXPECT_TRUE(names.count(required)) << required;
  EXPECT_GE(Operators().size(), 14u);
}

}  // namespace
}  // namespace fluxo::dataprep
