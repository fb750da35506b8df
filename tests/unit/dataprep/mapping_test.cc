// Mapping sets: validation issues (index, field, column), binding, and Apply (attributes passed
// through, expressions computed, failed rows left out and reported), and the flow's Mapping.
#include "dataprep/mapping.h"

#include <gtest/gtest.h>

#include <map>

#include "dataprep/json_rows.h"
#include "dataprep/mapping_transform.h"
#include "dataprep/xdm_schema.h"

namespace fluxo::dataprep {
namespace {

// Sample rows as a flat batch: nested objects flattened into dotted field names, types inferred
// over every row (the preview's reading before it read sample rows as a JSON file's records,
// connectors/files; kept here as the tests' way to write batches).
enum class Kind { kNone, kBool, kInt, kFloat, kString };

void Flatten(const json::object& o, const std::string& prefix,
             std::vector<std::pair<std::string, const json::value*>>* out) {
  for (const auto& kv : o) {
    std::string name = prefix + std::string(kv.key());
    if (kv.value().is_object()) {
      Flatten(kv.value().as_object(), name + ".", out);
    } else {
      out->push_back({name, &kv.value()});
    }
  }
}

Kind KindOf(const json::value& v) {
  if (v.is_bool()) return Kind::kBool;
  if (v.is_int64() || v.is_uint64()) return Kind::kInt;
  if (v.is_double()) return Kind::kFloat;
  return Kind::kString;
}

Kind Join(Kind a, Kind b) {
  if (a == Kind::kNone || a == b) return b;
  if ((a == Kind::kInt && b == Kind::kFloat) || (a == Kind::kFloat && b == Kind::kInt))
    return Kind::kFloat;
  return Kind::kString;
}

DataType TypeOf(Kind k) {
  switch (k) {
    case Kind::kBool: return DataType::Boolean();
    case Kind::kInt: return DataType::Int64();
    case Kind::kFloat: return DataType::Float64();
    default: return DataType::String();
  }
}

void AppendValue(ColumnBuilder& b, const json::value* v) {
  if (!v || v->is_null()) return b.AppendNull();
  switch (b.type().id) {
    case TypeId::kBoolean: return b.AppendBool(v->as_bool());
    case TypeId::kInt64:
      return b.AppendInt64(v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64()));
    case TypeId::kFloat64: return b.AppendDouble(v->to_number<double>());
    default: return b.AppendString(v->is_string() ? std::string(v->as_string()) : ToJson(*v));
  }
}

Result<RecordBatch> RowsToBatch(const json::array& rows, size_t max_rows = 1000) {
  if (rows.size() > max_rows)
    return Status::InvalidArgument("at most " + std::to_string(max_rows) + " sample rows, not " +
                                   std::to_string(rows.size()));
  std::vector<std::vector<std::pair<std::string, const json::value*>>> flat(rows.size());
  std::vector<std::string> order;
  std::map<std::string, Kind> kinds;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (!rows[r].is_object())
      return Status::InvalidArgument("data[" + std::to_string(r) + "] must be an object");
    Flatten(rows[r].as_object(), "", &flat[r]);
    // {"a.b": 1, "a": {"b": 2}} names the field a.b twice: refused, never one of them dropped.
    std::map<std::string_view, int> seen;
    for (const auto& [name, v] : flat[r])
      if (++seen[name] == 2)
        return Status::InvalidArgument("data[" + std::to_string(r) + "] gives the field '" + name +
                                       "' twice (a nested member and a dotted name)");
    for (const auto& [name, v] : flat[r]) {
      auto [it, fresh] = kinds.emplace(name, Kind::kNone);
      if (fresh) order.push_back(name);
      if (!v->is_null()) it->second = Join(it->second, KindOf(*v));
    }
  }
  std::vector<Field> fields;
  for (const auto& name : order) fields.push_back({name, TypeOf(kinds[name]), true});
  auto schema = std::make_shared<const Schema>(std::move(fields));
  RecordBatchBuilder b(schema, static_cast<int64_t>(rows.size()));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::map<std::string, const json::value*> row(flat[r].begin(), flat[r].end());
    for (int f = 0; f < schema->num_fields(); ++f) {
      auto it = row.find(schema->field(f).name);
      AppendValue(b.column(f), it == row.end() ? nullptr : it->second);
    }
  }
  return b.Finish();
}

std::vector<Mapping> M(std::vector<std::vector<std::string>> rows) {
  std::vector<Mapping> out;
  for (auto& r : rows) out.push_back({r[0], r[1], r[2]});
  return out;
}

RecordBatch Sample() {
  auto rows = ParseJson(R"([{"id": 1, "first": "Ann", "age": "41", "person": {"city": "Oslo"}},
                            {"id": 2, "first": "bob", "age": "x"},
                            {"id": 3, "first": null, "age": "7", "person": {"city": "Rome"}}])");
  return std::move(RowsToBatch(rows->as_array())).value();
}

TEST(MappingTest, ValidationNamesIndexFieldAndColumn) {
  auto issues = ValidateMappings(M({{"ATTRIBUTE", "first", "person.firstName"},
                                    {"EXPRESSION", "upper(first", "person.upper"},
                                    {"COLUMN", "x", "a"},
                                    {"ATTRIBUTE", "id", "person.firstName"},
                                    {"ATTRIBUTE", "id", "bad path"},
                                    {"EXPRESSION", "", "b"},
                                    {"ATTRIBUTE", "id", "person"}}));
  ASSERT_EQ(issues.size(), 6u);
  EXPECT_EQ(issues[0].index, 1);
  EXPECT_EQ(issues[0].field, "source");
  EXPECT_EQ(issues[0].column, 12);
  EXPECT_EQ(issues[0].ToString(),
            "mappings[1].source: column 12: expected ',' or ')' in the arguments of upper but "
            "found end of expression (in \"upper(first\")");
  EXPECT_EQ(issues[1].index, 2);
  EXPECT_EQ(issues[1].field, "sourceType");
  EXPECT_EQ(issues[2].index, 3);
  EXPECT_NE(issues[2].message.find("mapped twice"), std::string::npos);
  EXPECT_EQ(issues[3].index, 4);
  EXPECT_EQ(issues[3].column, 4);
  EXPECT_EQ(issues[4].index, 5);
  EXPECT_EQ(issues[4].message, "source is required");
  EXPECT_EQ(issues[5].index, 6);
  EXPECT_NE(issues[5].message.find("parent of person.firstName"), std::string::npos);
  EXPECT_FALSE(ValidateMappings({}).empty());
}

TEST(MappingTest, BindChecksFieldsAndTypes) {
  RecordBatch b = Sample();
  MappingIssue issue;
  auto p = MappingProgram::Bind(M({{"ATTRIBUTE", "nope", "a"}}), b.schema(), &issue);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(issue.index, 0);
  EXPECT_NE(p.status().message().find("no field 'nope'"), std::string::npos);
  p = MappingProgram::Bind(M({{"ATTRIBUTE", "id", "a"}, {"EXPRESSION", "upper(id)", "b"}}),
                           b.schema(), &issue);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(issue.index, 1);
  EXPECT_EQ(issue.column, 7);
}

TEST(MappingTest, SourceFieldsAreWhatTheMappingsRead) {
  // ATTRIBUTE sources and the fields of expressions, each once, in order of first use (what the
  // executor asks a source with nested records to give as member columns).
  auto ms = M({{"ATTRIBUTE", "person.address.city", "a"},
               {"EXPRESSION", "concat(person.name, ${first name}, id)", "b"},
               {"EXPRESSION", "upper(person.name", "c"},
               {"ATTRIBUTE", "id", "d"},
               {"EXPRESSION", "iif(is_null(x.y), 1, 2)", "e"}});
  EXPECT_EQ(SourceFields(ms), (std::vector<std::string>{"person.address.city", "person.name",
                                                        "first name", "id", "x.y"}));
  MappingTransform t(ms, &SystemClock::Instance());
  EXPECT_EQ(t.SourceFields(), SourceFields(ms));
}

TEST(MappingTest, AttributeSourcesWithEscapesAndMemberPaths) {
  // "Full\.Name" is the column "Full.Name" (AEP's escape for a dot in a name); a member
  // column of a nested source is found by its path; a missing member path says which field
  // it is under.
  Schema s({{"Full.Name", DataType::String(), true},
            {"person", DataType::String(), true},
            {"person.age", DataType::Int64(), true}});
  auto input = std::make_shared<const Schema>(s);
  MappingIssue issue;
  auto p = MappingProgram::Bind(
      M({{"ATTRIBUTE", "Full\\.Name", "a"}, {"ATTRIBUTE", "person.age", "b"}}), input, &issue);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->output_schema()->field(1).type, DataType::Int64());
  p = MappingProgram::Bind(M({{"ATTRIBUTE", "person.zip", "a"}}), input, &issue);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(issue.ToString(),
            "mappings[0].source: the source has no field 'person.zip' (no sampled record has a "
            "value at that member path of 'person', or the source has no nested records) (in "
            "\"person.zip\")");
  p = MappingProgram::Bind(M({{"ATTRIBUTE", "Full\\.Nam", "a"}}), input, &issue);
  EXPECT_FALSE(p.ok());
}

TEST(MappingTest, ApplyMapsAndLeavesFailedRowsOut) {
  RecordBatch b = Sample();
  MappingIssue issue;
  auto p = MappingProgram::Bind(M({{"ATTRIBUTE", "id", "person.id"},
                                   {"ATTRIBUTE", "id", "copyOfId"},
                                   {"ATTRIBUTE", "person.city", "person.city"},
                                   {"EXPRESSION", "to_integer(age) + id", "person.age"},
                                   {"EXPRESSION", "coalesce(upper(first), 'N/A')", "name"}}),
                                b.schema(), &issue);
  ASSERT_TRUE(p.ok()) << issue.ToString();
  EXPECT_EQ((*p)->output_schema()->ToString().find("person.id") != std::string::npos, true);
  std::vector<std::pair<int64_t, std::string>> failed;
  std::vector<std::string> records;
  EvalContext ctx;
  RecordBatch out = (*p)->Apply(std::move(b), ctx, 0,
                                [&](const RecordBatch& in, int64_t row, const std::string& m) {
                                  failed.push_back({row, m});
                                  records.push_back(RowToJson(in, row));
                                });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].first, 1);
  EXPECT_NE(failed[0].second.find("mappings[3] (destination person.age): to_integer"),
            std::string::npos);
  EXPECT_EQ(records[0], R"({"id":2,"first":"bob","age":"x","person.city":null})");
  ASSERT_EQ(out.num_rows(), 2);
  EXPECT_EQ(ToJson(BatchToRows(out)),
            R"([{"person":{"id":1,"city":"Oslo","age":42},"copyOfId":1,"name":"ANN"},)"
            R"({"person":{"id":3,"city":"Rome","age":10},"copyOfId":3,"name":"N/A"}])");
}

// Rows from two files, with a skipped line (a bad record) and a record over two lines: each
// row's origin is its file and first line.
RecordBatch WithOrigins() {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{{"id", DataType::Int64()}, {"age", DataType::String()}});
  RecordBatchBuilder b(schema);
  auto a = std::make_shared<const std::string>("in/a.csv");
  auto c = std::make_shared<const std::string>("in/c.csv");
  struct Row {
    std::shared_ptr<const std::string> file;
    int64_t line;
    int64_t id;
    const char* age;
  };
  for (const Row& r : std::vector<Row>{{a, 2, 0, "1"},
                                       {a, 3, 1, "x"},  // fails: line 3 of a
                                       {a, 5, 2, "3"},  // line 4 was a bad record
                                       {a, 6, 3, "y"},  // fails: line 6 of a
                                       {a, 8, 4, "5"},  // line 6's record took two lines
                                       {c, 2, 5, "z"},  // fails: line 2 of c
                                       {c, 3, 6, "7"}}) {
    b.SetRowOrigin(r.file, r.line);
    b.column(0).AppendInt64(r.id);
    b.column(1).AppendString(r.age);
  }
  return std::move(b.Finish()).value();
}

TEST(MappingTest, RowOriginsAreRunsOfConsecutiveLines) {
  RecordBatch b = WithOrigins();
  const RowOrigins* o = b.origins();
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->runs().size(), 4u);  // lines 2-3, 5-6, 8 of a; 2-3 of c
  EXPECT_EQ(o->files().size(), 2u);
  std::vector<std::pair<std::string, int64_t>> got;
  for (int64_t i = 0; i < b.num_rows(); ++i) {
    std::string file;
    int64_t line = 0;
    ASSERT_TRUE(o->Find(i, &file, &line));
    got.push_back({file, line});
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int64_t>>{{"in/a.csv", 2},
                                                               {"in/a.csv", 3},
                                                               {"in/a.csv", 5},
                                                               {"in/a.csv", 6},
                                                               {"in/a.csv", 8},
                                                               {"in/c.csv", 2},
                                                               {"in/c.csv", 3}}));
  // The builder starts afresh: a batch without SetRowOrigin has none.
  RecordBatchBuilder plain(b.schema());
  plain.column(0).AppendInt64(1);
  plain.column(1).AppendString("1");
  EXPECT_EQ(std::move(plain.Finish()).value().origins(), nullptr);
  EXPECT_EQ(Sample().origins(), nullptr);
}

class FixedClock : public Clock {
 public:
  int64_t NowMillis() const override { return 0; }
};

TEST(MappingTest, RowErrorsNameTheSourceRowsFileAndLine) {
  FixedClock clock;
  MappingTransform t(M({{"ATTRIBUTE", "id", "id"}, {"EXPRESSION", "to_integer(age)", "age"}}),
                     &clock);
  RecordBatch b = WithOrigins();
  ASSERT_TRUE(t.Bind(b.schema()).ok());
  auto state = t.NewState();
  std::vector<RowError> errors;
  auto out = t.Apply(std::move(b), *state, [&](const RowError& e) { errors.push_back(e); });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->num_rows(), 4);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].code, "MAPPER-1201");
  EXPECT_EQ(errors[0].file, "in/a.csv");
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[1].file, "in/a.csv");
  EXPECT_EQ(errors[1].line, 6);
  EXPECT_EQ(errors[2].file, "in/c.csv");
  EXPECT_EQ(errors[2].line, 2);
  EXPECT_EQ(errors[2].record, R"({"id":5,"age":"z"})");
  // A batch without origins (a table source): no file, line 0.
  auto rows = ParseJson(R"([{"id": 1, "age": "q"}])");
  errors.clear();
  ASSERT_TRUE(
      t.Apply(std::move(RowsToBatch(rows->as_array())).value(), *state, [&](const RowError& e) {
         errors.push_back(e);
       }).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "");
  EXPECT_EQ(errors[0].line, 0);
}

TEST(MappingTest, AFieldPassedTwiceIsSharedNotCopied) {
  RecordBatch b = Sample();
  const char* first_chars = b.column(b.schema()->FieldIndex("first")).chars();
  MappingIssue issue;
  auto p = MappingProgram::Bind(M({{"ATTRIBUTE", "first", "a"},
                                   {"ATTRIBUTE", "first", "b.c"},
                                   {"ATTRIBUTE", "id", "id"},
                                   {"ATTRIBUTE", "first", "d"}}),
                                b.schema(), &issue);
  ASSERT_TRUE(p.ok()) << issue.ToString();
  EvalContext ctx;
  RecordBatch out = (*p)->Apply(std::move(b), ctx, 0, nullptr);
  // The input batch is gone; the three outputs read its column.
  for (int k : {0, 1, 3}) EXPECT_EQ(out.column(k).chars(), first_chars) << k;
  EXPECT_EQ(ToJson(BatchToRows(out)),
            R"([{"a":"Ann","b":{"c":"Ann"},"id":1,"d":"Ann"},{"a":"bob","b":{"c":"bob"},"id":2,)"
            R"("d":"bob"},{"a":null,"b":{"c":null},"id":3,"d":null}])");
  // A shared column outlives the other outputs.
  std::vector<Column> cols = std::move(out).TakeColumns();
  Column last = std::move(cols[3]);
  cols.clear();
  EXPECT_EQ(last.GetString(1), "bob");
  EXPECT_TRUE(last.IsNull(2));
}

TEST(MappingTest, DestinationTypesCast) {
  RecordBatch b = Sample();
  auto ms = M({{"ATTRIBUTE", "age", "age"},
               {"ATTRIBUTE", "id", "idText"},
               {"EXPRESSION", "id * 2", "double"},
               {"ATTRIBUTE", "id", "id"}});
  ms[0].destination_type = "integer";
  ms[1].destination_type = "string";
  ms[2].destination_type = "number";
  ms[3].destination_type = "integer";  // already an integer: moved, no cast
  MappingIssue issue;
  auto p = MappingProgram::Bind(ms, b.schema(), &issue);
  ASSERT_TRUE(p.ok()) << issue.ToString();
  std::vector<std::string> failed;
  EvalContext ctx;
  RecordBatch out =
      (*p)->Apply(std::move(b), ctx, 0,
                  [&](const RecordBatch&, int64_t, const std::string& m) { failed.push_back(m); });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].find("mappings[0] (destination age): to_integer: cannot convert 'x'"),
            std::string::npos);
  EXPECT_EQ(ToJson(BatchToRows(out)), R"([{"age":41,"idText":"1","double":2E0,"id":1},)"
                                      R"({"age":7,"idText":"3","double":6E0,"id":3}])");
  auto bad = M({{"EXPRESSION", "to_date('2024-01-01')", "x"}});
  bad[0].destination_type = "boolean";
  EXPECT_FALSE(MappingProgram::Bind(bad, Sample().schema(), &issue).ok());
  EXPECT_EQ(issue.field, "destinationType");
  bad[0].destination_type = "map";
  EXPECT_FALSE(ValidateMappings(bad).empty());
}

TEST(MappingTest, ArrayDestinationsParseJsonTextIntoLists) {
  auto rows = ParseJson(R"([{"id": 1, "tags": "[\"a\", null, \"b\"]", "n": "[1, 2]"},
                            {"id": 2, "tags": "[]", "n": "[1.5]"},
                            {"id": 3, "tags": null, "n": "[3]"},
                            {"id": 4, "tags": "not json", "n": "[]"}])");
  RecordBatch b = std::move(RowsToBatch(rows->as_array())).value();
  auto ms = M({{"ATTRIBUTE", "id", "person.id"},
               {"ATTRIBUTE", "tags", "person.tags"},
               {"EXPRESSION", "n", "codes"}});
  ms[1].destination_type = "array<string>";
  ms[2].destination_type = "array<integer>";
  MappingIssue issue;
  auto p = MappingProgram::Bind(ms, b.schema(), &issue);
  ASSERT_TRUE(p.ok()) << issue.ToString();
  const Schema& out_schema = *(*p)->output_schema();
  EXPECT_TRUE(out_schema.nested());
  EXPECT_EQ(out_schema.field(1).type, DataType::List(DataType::String()));
  EXPECT_EQ(out_schema.field(2).type, DataType::List(DataType::Int64()));
  std::vector<std::string> failed;
  EvalContext ctx;
  RecordBatch out =
      (*p)->Apply(std::move(b), ctx, 0,
                  [&](const RecordBatch&, int64_t, const std::string& m) { failed.push_back(m); });
  ASSERT_EQ(failed.size(), 2u);  // 1.5 is not an integer; "not json" is not an array
  EXPECT_NE(failed[0].find("mappings[2] (destination codes): array<integer>: '[1.5]' has an item"),
            std::string::npos)
      << failed[0];
  EXPECT_NE(failed[1].find("array<string>: 'not json' is not a JSON array"), std::string::npos);
  EXPECT_EQ(ToJson(BatchToRows(out)), R"([{"person":{"id":1,"tags":["a",null,"b"]},"codes":[1,2]},)"
                                      R"({"person":{"id":3,"tags":null},"codes":[3]}])");
  // A non-string source cannot become an array; array<object> is not a destinationType.
  auto bad = M({{"ATTRIBUTE", "id", "x"}});
  bad[0].destination_type = "array<string>";
  EXPECT_FALSE(MappingProgram::Bind(bad, Sample().schema(), &issue).ok());
  EXPECT_NE(issue.message.find("a integer cannot be cast to array<string>"), std::string::npos)
      << issue.message;
  bad[0].destination_type = "array<object>";
  EXPECT_FALSE(ValidateMappings(bad).empty());
}

TEST(MappingTest, FlowMappingRef) {
  auto doc = [](const char* t) { return ParseJson(t)->as_object(); };
  auto none = FlowMappingRef(doc(R"({"transformations": [{"name": "Copy", "params": {}}]})"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto ref = FlowMappingRef(doc(
      R"({"transformations": [{"name": "Mapping", "params": {"mappingId": "m1", "mappingVersion": "2"}}]})"));
  ASSERT_TRUE(ref.ok() && ref->has_value());
  EXPECT_EQ((*ref)->id, "m1");
  EXPECT_EQ((*ref)->version, 2);
  for (
      const char* bad :
      {R"({"transformations": [{"name": "Mapping", "params": {"mappingId": "m1"}}]})",
       R"({"transformations": [{"name": "Mapping", "params": {"mappingVersion": 0}}]})",
       R"({"transformations": [{"name": "Mapping", "params": {"mappingId": "m", "mappingVersion": 0, "x": 1}}]})",
       R"({"transformations": [{"name": "Mapping", "params": {"mappingId": "m", "mappingVersion": 0}},
                                   {"name": "Mapping", "params": {"mappingId": "m", "mappingVersion": 0}}]})"}) {
    EXPECT_FALSE(FlowMappingRef(doc(bad)).ok()) << bad;
  }
}

TEST(MappingTest, NewFlowTransformLoadsTheNamedVersion) {
  auto flow = ParseJson(
      R"({"transformations": [{"name": "Mapping", "params": {"mappingId": "m1", "mappingVersion": 1}}]})");
  std::string asked;
  auto t = NewFlowTransform(
      flow->as_object(),
      [&](const std::string& id, int64_t v) -> Result<json::object> {
        asked = MappingSetVersionId(id, v);
        return ParseJson(R"({"mappings": [{"sourceType": "EXPRESSION", "source": "id * 10",
                                           "destination": "x"}]})")
            ->as_object();
      },
      &SystemClock::Instance());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(asked, "m1_v1");
  RecordBatch b = Sample();
  auto schema = (*t)->Bind(b.schema());
  ASSERT_TRUE(schema.ok());
  auto state = (*t)->NewState();
  auto out = (*t)->Apply(std::move(b), *state, [](const RowError&) {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToJson(BatchToRows(*out)), R"([{"x":10},{"x":20},{"x":30}])");
  auto missing = NewFlowTransform(
      flow->as_object(),
      [](const std::string&, int64_t) -> Result<json::object> { return Status::NotFound("x"); },
      &SystemClock::Instance());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fluxo::dataprep

namespace fluxo::dataprep {
namespace {

TEST(XdmSchemaTest, FlattensAndChecksDestinations) {
  auto schema = ParseJson(R"({"title": "P", "type": "object", "properties": {
      "person": {"type": "object", "properties": {
        "name": {"type": "string"}, "age": {"type": "integer"},
        "birth": {"type": "string", "format": "date"}}},
      "score": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}}})");
  auto fields = FlattenXdmSchema(schema->as_object());
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  ASSERT_EQ(fields->size(), 5u);
  EXPECT_EQ((*fields)[2].Describe(), "string (date)");
  EXPECT_EQ((*fields)[4].Describe(), "array of string");
  auto ms = M({{"ATTRIBUTE", "n", "person.name"},
               {"EXPRESSION", "to_integer(a)", "person.age"},
               {"EXPRESSION", "to_integer(a)", "score"},
               {"EXPRESSION", "upper(a)", "person.age"},
               {"EXPRESSION", "to_date(a)", "person.birth"},
               {"ATTRIBUTE", "n", "person.nick"},
               {"EXPRESSION", "now()", "person.birth"}});
  auto issues = CheckDestinations(&ms, *fields, "S");
  EXPECT_EQ(ms[0].destination_type, "string");
  EXPECT_EQ(ms[2].destination_type, "number");
  EXPECT_EQ(ms[4].destination_type, "date");
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].index, 3);
  EXPECT_EQ(issues[0].message,
            "the expression answers string but field 'person.age' of schema S is integer");
  EXPECT_EQ(issues[1].index, 5);
  EXPECT_EQ(issues[1].message, "'person.nick' is not a field of schema S");
  EXPECT_EQ(issues[2].index, 6);
  for (
      const char* bad :
      {R"({"type": "string"})", R"({"type": "object", "properties": {"a": {"type": "map"}}})",
       R"({"type": "object", "properties": {"a": {"$ref": "x"}}})",
       R"({"type": "object", "allOf": [], "properties": {"a": {"type": "string"}}})",
       R"({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object"}}}})",
       R"({"type": "object", "properties": {"a": {"type": "string", "format": "ipv4"}}})"}) {
    EXPECT_FALSE(FlattenXdmSchema(ParseJson(bad)->as_object()).ok()) << bad;
  }
  auto err = FlattenXdmSchema(
      ParseJson(
          R"({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "map"}}}}})")
          ->as_object());
  EXPECT_NE(err.status().message().find("a.b: type map"), std::string::npos)
      << err.status().message();
}

}  // namespace
}  // namespace fluxo::dataprep
