// Mapping sets: the mappings of a Data Prep mapping set, their validation, and a mapping set
// bound to a source schema (MappingProgram), applied column-at-a-time to RecordBatches.
//
//   {"sourceType": "ATTRIBUTE",  "source": "first_name",          "destination":
//   "person.firstName"}
//   {"sourceType": "EXPRESSION", "source": "upper(last_name)",    "destination": "person.lastName"}
//
// The output has one field per mapping, named by its destination, in mapping order; source
// fields no mapping names are not in the output (as in AEP). The output schema is nested
// (record_batch.h): "person.firstName" is member firstName of struct person in the Parquet files.
// An ATTRIBUTE keeps the source field's type; an EXPRESSION has its expression's type (expr.h).
// Thread safety: a bound MappingProgram is immutable and shared by every pipeline thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "dataprep/expr.h"
#include "formats/record_batch.h"

namespace fluxo::dataprep {

struct Mapping {
  std::string source_type;  // "ATTRIBUTE" or "EXPRESSION"
  std::string source;       // a field name, or an expression
  std::string destination;  // a dotted path
  // "" (the value keeps its type), or string, integer, number, boolean, date, date-time: the
  // value is cast to it (to_string, to_integer, to_float, to_boolean, to_date, date), a value
  // that does not convert failing its row. array<T> (T string, integer, number or boolean): the
  // value is a string holding a JSON array of T (or nulls), written as a list; other text fails
  // its row. Filled from the output schema when there is one.
  std::string destination_type;
  std::string name;         // optional, echoed
  std::string description;  // optional, echoed
};

// One problem of a mapping set: which mapping, which of its fields, where and why.
struct MappingIssue {
  int index = -1;          // mappings[index]; -1: the set as a whole
  std::string field;       // "source", "destination", "sourceType" ("" for the set)
  std::string expression;  // the offending text (the source or the destination)
  int column = 0;          // 1-based position in `expression`; 0 when none
  std::string message;
  // `mappings[2].source: column 7: unknown function 'lowr' (in "lowr(name)")`
  std::string ToString() const;
  json::object ToJson() const;
};

// Parses the `mappings` array of a mapping-set document. Shape errors (not an array, a mapping
// that is not an object, a field that is not a string) fill `*issue` and answer
// InvalidArgument with its text.
Result<std::vector<Mapping>> ParseMappings(const json::value* mappings, MappingIssue* issue);
// The mappings as stored and served (sourceType, source, destination, name?, description?).
json::array MappingsToJson(const std::vector<Mapping>& mappings);

// Checks a mapping set before any source is read: at least one mapping, sourceType ATTRIBUTE or
// EXPRESSION, a source, destinations that are dotted identifier paths (`[A-Za-z_][A-Za-z0-9_]*`
// segments), unique, none the prefix of another; every expression compiles with every field
// of an unknown type (so unknown functions, arities, literal types, patterns and zones are
// found now; field types are checked again at Bind). Answers every issue found, in order.
std::vector<MappingIssue> ValidateMappings(const std::vector<Mapping>& mappings);

// The source fields the mappings read, each once, in order of first use: ATTRIBUTE sources and
// the fields their expressions name (dotted member paths such as "person.address.city"
// included; a source with nested records gives those as columns: SourceConfig::member_paths).
// Expressions that do not compile are skipped (ValidateMappings reports them).
std::vector<std::string> SourceFields(const std::vector<Mapping>& mappings);

// The destinationType names (see Mapping::destination_type).
bool IsDestinationType(const std::string& t);

// Receives one row a mapping could not compute: the input batch, the row's index in it, why.
using RowFailureFn =
    std::function<void(const RecordBatch& input, int64_t row, const std::string& message)>;

class MappingProgram {
 public:
  // Compiles `mappings` against `input`. InvalidArgument with `*issue` filled (an unknown
  // source field, a type error now that the fields' types are known).
  static Result<std::shared_ptr<const MappingProgram>> Bind(const std::vector<Mapping>& mappings,
                                                            std::shared_ptr<const Schema> input,
                                                            MappingIssue* issue);

  const std::shared_ptr<const Schema>& output_schema() const { return output_; }

  // Maps `batch` (of the bound input schema). Rows where any mapping failed are left out of
  // the result and reported to `failed` once each, in row order. `now_micros`: what now()
  // answers. `ctx` is the caller's scratch state (one per thread).
  RecordBatch Apply(RecordBatch batch, EvalContext& ctx, int64_t now_micros,
                    const RowFailureFn& failed) const;

 private:
  struct Step {
    std::shared_ptr<const Expression> expr;  // EXPRESSION mappings
    int source_field = -1;                   // ATTRIBUTE mappings: the input field
    bool pass = false;     // ATTRIBUTE: the input column is the output (moved, or shared)
    bool share = false;    // pass, and other mappings pass the same field: Column::Share
    bool to_list = false;  // array<T> destinations: the value (JSON text) is parsed into a list
    DataType list_type;
    std::string label;  // "mappings[2] (destination person.age)"
  };
  MappingProgram() = default;

  std::shared_ptr<const Schema> input_;
  std::shared_ptr<const Schema> output_;
  std::vector<Step> steps_;
};

// A copy of `c` with the rows where keep[i] != 0 (all rows when `keep` is null).
Column CopyRows(const Column& c, const std::vector<uint8_t>* keep);

}  // namespace fluxo::dataprep
