// The record reader of JSON Lines files and JSON arrays of objects: fields matched by name,
// values converted (JsonToCell); row errors for broken JSON, non-objects, invalid UTF-8 and
// values that do not convert. Also used to sample files for schema inference. One reader per
// file, used by one thread.
//
// Two paths give the same cells. The fast one (JsonFastParser) scans a record's bytes straight
// into cells, with no DOM; it decides only the records it can decide exactly as the DOM path
// does, and hands every other record (any error, a repeated field, a number it cannot convert
// bit for bit like Boost.JSON, ...) to the DOM path: boost::json::parse, then JsonToCell.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/json.h"
#include "connectors/files/byte_stream.h"
#include "connectors/files/json_splitter.h"
#include "connectors/files/record_reader.h"

namespace fluxo::connectors::files {

// Converts one JSON value to `type`; strings of other values go to `scratch`. A JSON number in a
// decimal column is read from its text, a double's being the shortest fixed-point text that
// reads back as it (12.34 -> "12.34").
bool JsonToCell(const json::value& v, const DataType& type, std::string* scratch, Cell* c);
// That text of `d` into *out; false for infinities and NaN.
bool DoubleAsDecimalText(double d, std::string* out);

// Member paths. A source field a mapping names may be a member of a nested object or an element
// of an array: the steps from a record down to its value. MemberKeys("person.address.city") is
// {person, address, city}; "emails[0].email" is {emails, [0], email} (AEP Data Prep's "field
// within an array"); `\.` is a dot inside a key and `\\` a backslash ("address.street\.name" is
// {address, street.name}, AEP's escape); a segment that is not `key`, `key[i]...` (i a decimal
// index) is a key as written; a name with an empty segment is one key, itself.
struct MemberStep {
  std::string key;     // an object's member...
  int64_t index = -1;  // ...or, when >= 0, an array's element
  bool operator==(const MemberStep& o) const { return key == o.key && index == o.index; }
};
using MemberPath = std::vector<MemberStep>;
MemberPath MemberKeys(std::string_view name);
// True when `path` is the one top-level key `name` (no member path).
bool IsTopLevelKey(const MemberPath& path, std::string_view name);
// The value at `path` in `record`: nullptr when a key is missing, an index is past the end, or a
// value on the way is not an object (for a key) or an array (for an index): a member of a string,
// number or null is absent, NULL, as AEP Data Prep resolves a path that does not exist.
const json::value* FindMember(const json::object& record, const MemberPath& path);

// The cells of one record (a JSON object) for the fields of `schema` (paths: JsonColumns::keys,
// or nullptr: every field the top-level key of its name); a missing value is null. False with
// `*error` set ("field 'a': "x" is not a valid int64") when a value does not convert.
bool JsonObjectCells(const json::object& record, const Schema& schema,
                     const std::vector<MemberPath>* paths, Cell* cells, std::string* scratch,
                     std::string* error);

// Where the columns of a JSON source come from: keys[j] leads from a record to column j's value,
// {name} for a top-level field (whatever its name holds: a declared or inferred "a.b" is the key
// "a.b"), more keys for a member column (named by the member path a mapping gave, e.g.
// "person.address.city", typed from the sample as a top-level field is).
struct JsonColumns {
  std::vector<Field> fields;
  std::vector<MemberPath> keys;
};

// Parses one record (a JSON object, as its text) straight into the cells of a schema's fields,
// without building a DOM. Parse() answers true only when the record is valid JSON, an object,
// and every field converts to exactly the cell that boost::json::parse + JsonToCell give (missing
// fields null); false means "not decided here" (the record may still be good): the caller then
// takes the DOM path, which also words the errors. What it leaves to the DOM path: errors of any
// kind, a schema field given twice, numbers with an exponent or more than 15 digits (Boost.JSON's
// double conversion depends on the digits that follow), -0, numbers in fields that are not
// numbers or strings, nested objects and arrays in fields that are not strings, nesting deeper
// than 16. Strings (escapes, \u surrogate pairs) are decoded as Boost.JSON does; a nested value
// in a string field is parsed alone and serialized like the DOM path does.
//
// Member columns (keys with more than one entry) are read in the same pass: the parser descends
// into the objects on their paths, and any other value on the way leaves them null.
class JsonFastParser {
 public:
  // `schema` (and `keys`, when given: one entry per field, JsonColumns::keys) outlive the parser.
  // Without `keys` field j is the top-level key schema.field(j).name. A schema that names one
  // field (or key path) twice disables the fast path.
  void Init(const Schema& schema, const std::vector<MemberPath>* keys = nullptr);
  // REQUIRES: Init; `text` is valid UTF-8; cells and scratch have one entry per field. String
  // cells may point into `text` or into scratch.
  bool Parse(std::string_view text, Cell* cells, std::string* scratch);

 private:
  // A step on the path of one or more fields: the field it holds (-1: none) and the members
  // (keys) or elements (indexes) below it that lead to fields.
  struct Node {
    int field = -1;
    std::vector<std::pair<std::string_view, int>> kids;  // key, node
    std::vector<std::pair<int64_t, int>> items;          // index, node
  };
  int Find(std::string_view key) const;
  int Kid(int node, std::string_view key) const;
  int Item(int node, int64_t index) const;
  const char* Field(const char* p, const char* e, int j, Cell* c, std::string* scratch, int depth);
  // The value at p of key node `node` (its field, and its kids when it is an object).
  const char* Value(const char* p, const char* e, int node, int depth, Cell* cells,
                    std::string* scratch);
  const char* Members(const char* p, const char* e, int node, int depth, Cell* cells,
                      std::string* scratch);
  const char* Elements(const char* p, const char* e, int node, int depth, Cell* cells,
                       std::string* scratch);

  const Schema* schema_ = nullptr;
  bool enabled_ = false;
  std::vector<std::string_view> names_;              // the record's keys that are on a field's path
  std::vector<int> tops_;                            // names_[k]'s node
  std::unordered_map<std::string_view, int> index_;  // names_[k] -> k
  std::vector<Node> nodes_;
  std::vector<uint32_t> seen_;  // seen_[node] == gen_: its key given in this record
  uint32_t gen_ = 0;
  std::string key_, skip_;  // decoded keys, strings of skipped values
};

// `src` outlives the reader.
class JsonFileReader : public RecordFileReader {
 public:
  JsonFileReader(ReaderContext* src, std::string name, std::unique_ptr<ByteStream> stream)
      : src_(src),
        name_(std::move(name)),
        origin_name_(std::make_shared<const std::string>(name_)),
        stream_(std::move(stream)),
        splitter_(stream_.get()) {}

  // `schema` (and `keys`, JsonColumns::keys, when the schema has member columns) outlive the
  // reader; without `keys` every field is the top-level key of its name.
  void Init(const Schema& schema, const std::vector<MemberPath>* keys = nullptr) {
    schema_ = &schema;
    keys_ = keys && !keys->empty() ? keys : nullptr;
    cells_.resize(schema.num_fields());
    scratch_.resize(schema.num_fields());
    fast_.Init(schema, keys_);
  }
  // For a byte range that starts at a cut (JsonSplitter::StartAtCut). Call before ReadRow.
  void StartAtCut(int64_t first_line) { splitter_.StartAtCut(first_line); }
  // For a byte range of a JSON array (JsonSplitter::StartInArray, EndAtArrayCut).
  void StartInArray(int64_t first_line) { splitter_.StartInArray(first_line); }
  void EndAtArrayCut() { splitter_.EndAtArrayCut(); }
  // Off: every record takes the DOM path (tests and the fuzzer compare the two).
  void set_fast_path(bool on) { use_fast_ = on; }
  // Records that ReadRow decided on the fast path.
  int64_t fast_records() const { return fast_records_; }

  // The next record parsed; nullopt-like false at the end. `error` set for a bad record.
  Result<bool> NextParsed(json::value* out, std::string* error) {
    ASSIGN_OR_RETURN(bool got, NextText(error));
    if (got && error->empty()) ParseRecord(out, error);
    return got;
  }
  const JsonRecordText& record() const { return rec_; }

  Result<bool> ReadRow(RecordBatchBuilder* builder) override {
    std::string error;
    ASSIGN_OR_RETURN(bool got, NextText(&error));
    if (!got) return false;
    src_->counters().input_records.fetch_add(1, std::memory_order_relaxed);
    if (error == "utf8") {
      src_->ReportRowError(kBadUtf8, "the record is not valid UTF-8", name_, rec_.line, rec_.text);
      return true;
    }
    const int n = schema_->num_fields();
    if (error.empty() && use_fast_ && fast_.Parse(rec_.text, cells_.data(), scratch_.data())) {
      ++fast_records_;
      builder->SetRowOrigin(origin_name_, rec_.line);
      for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
      return true;
    }
    if (error.empty()) ParseRecord(&value_, &error);
    if (!error.empty()) {
      src_->ReportRowError(kMalformed, error, name_, rec_.line, rec_.text);
      return true;
    }
    const json::object* obj = value_.if_object();
    if (obj == nullptr) {
      src_->ReportRowError(kMalformed, "the record is not a JSON object", name_, rec_.line,
                           rec_.text);
      return true;
    }
    std::string why;
    if (!JsonObjectCells(*obj, *schema_, keys_, cells_.data(), scratch_.data(), &why)) {
      src_->ReportRowError(kBadValue, why, name_, rec_.line, rec_.text);
      return true;
    }
    builder->SetRowOrigin(origin_name_, rec_.line);  // the record's file and first line
    for (int j = 0; j < n; ++j) AppendCell(builder->column(j), cells_[j]);
    return true;
  }

 private:
  // The next record's text in rec_; `error` "utf8" for invalid UTF-8, the splitter's message for
  // structural damage, else empty.
  Result<bool> NextText(std::string* error) {
    ASSIGN_OR_RETURN(bool got, splitter_.Next(&rec_));
    if (!got) return false;
    error->clear();
    if (!rec_.error.empty()) {
      *error = rec_.error;
    } else if (!IsValidUtf8(rec_.text)) {
      *error = "utf8";
    }
    return true;
  }
  void ParseRecord(json::value* out, std::string* error) {
    boost::system::error_code ec;
    *out = json::parse(rec_.text, ec);
    if (ec) *error = "broken JSON: " + ec.message();
  }

  ReaderContext* src_;
  std::string name_;
  std::shared_ptr<const std::string> origin_name_;  // name_, shared by the batches' RowOrigins
  std::unique_ptr<ByteStream> stream_;
  JsonSplitter splitter_;
  JsonRecordText rec_;
  json::value value_;
  const Schema* schema_ = nullptr;
  const std::vector<MemberPath>* keys_ = nullptr;
  std::vector<Cell> cells_;
  std::vector<std::string> scratch_;
  JsonFastParser fast_;
  bool use_fast_ = true;
  int64_t fast_records_ = 0;
};

}  // namespace fluxo::connectors::files
