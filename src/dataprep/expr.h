// The Data Prep expression language (the subset fluxo supports; README.md lists it): a parser
// that reports error positions, a compiler that types an expression against the input schema,
// and a column-at-a-time evaluator over RecordBatch.
//
//   Expression::Compile("iif(age >= 18, upper(name), null)", fields, &err)
//   Column c = expr->Evaluate(batch, ctx);   // one pass per node over the whole batch
//
// Thread safety: a compiled Expression is immutable and may be evaluated by many threads at
// once, each with its own EvalContext. Errors are values: nothing here throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "formats/record_batch.h"

namespace fluxo::dataprep {

// The value types of the language. kAny is a field whose type is not known yet (a mapping set
// validated before any source is read): it is compatible with everything, and the real type
// check happens again when the mapping binds to the source's schema. kNull is the type of the
// `null` literal.
enum class VType : uint8_t { kNull, kAny, kBool, kInt, kFloat, kString, kDate, kTimestamp };

const char* VTypeName(VType t);
// The RecordBatch type a value of `t` is stored as (kNull and kAny: string).
DataType ToDataType(VType t);
// The language type of a RecordBatch column: int32/int64 -> kInt, float64/decimal -> kFloat,
// string/binary -> kString, boolean, date, timestamp as such.
VType FromDataType(const DataType& t);

// Why an expression is refused: `column` is the 1-based byte position in the expression text.
struct ExprError {
  int column = 0;
  std::string message;
  // "column 7: unknown function 'lowr'"
  std::string ToString() const;
};

// Answers the type of a field the expression names (nullopt: no such field). A field is a
// column name; dotted names ("person.name") are column names too.
using FieldResolver = std::function<std::optional<VType>(const std::string& name)>;

// Per-call evaluation state: which rows failed and why. One per thread; reusable (Reset).
class EvalContext {
 public:
  // Starts a batch of `rows` rows. `now_micros` is what now() answers for the whole batch.
  void Reset(int64_t rows, int64_t now_micros);
  int64_t rows() const { return rows_; }
  int64_t now_micros() const { return now_micros_; }
  // Prefix of the messages of failures recorded from now on ("mappings[2] (destination x)").
  void set_label(std::string label) { label_ = std::move(label); }

  // Records that row `i` could not be computed (the first message of a row is kept). While a
  // constant is computed (broadcast), every active row fails. Rows outside the active mask
  // (the branch of an iif that a row does not take) never fail.
  void Fail(int64_t i, std::string_view message);
  int64_t failed_count() const { return failed_count_; }
  bool failed(int64_t i) const { return failed_count_ > 0 && failed_[i] != 0; }
  // REQUIRES: failed(i).
  const std::string& message(int64_t i) const { return messages_.at(i); }

  // Evaluator internals (expr.cc): the active-row mask and the broadcast flag.
  const std::vector<uint8_t>* active() const { return active_; }
  void set_active(const std::vector<uint8_t>* a) { active_ = a; }
  void set_broadcast(bool b) { broadcast_ = b; }

 private:
  int64_t rows_ = 0;
  int64_t now_micros_ = 0;
  std::string label_;
  std::vector<uint8_t> failed_;
  std::unordered_map<int64_t, std::string> messages_;  // of failed rows only
  int64_t failed_count_ = 0;
  const std::vector<uint8_t>* active_ = nullptr;  // nullptr: every row
  bool broadcast_ = false;
};

class Node;  // a typed expression tree node (expr.cc)

class Expression {
 public:
  // Parses and types `text`. On failure returns InvalidArgument with the message of `*error`
  // (which gets the position and reason). Unknown fields, unknown functions, wrong argument
  // counts or types, bad date patterns or zones are all refused here, never at evaluation.
  static Result<std::shared_ptr<const Expression>> Compile(std::string_view text,
                                                           const FieldResolver& fields,
                                                           ExprError* error);
  // The same against a schema's fields.
  static Result<std::shared_ptr<const Expression>> Compile(std::string_view text,
                                                           const Schema& schema, ExprError* error);
  ~Expression();

  VType type() const { return type_; }
  const std::string& text() const { return text_; }
  // The field names the expression reads.
  const std::vector<std::string>& fields() const { return fields_; }
  // True when the expression is exactly one field reference.
  bool is_field() const { return is_field_; }

  // Evaluates over `batch` (whose schema holds every field the expression names, with the
  // types it was compiled for) into a column of ToDataType(type()) with batch.num_rows() values.
  // A row whose value cannot be computed (a failed cast, a division by zero) is null in the
  // result and recorded in `ctx`. REQUIRES: ctx.Reset(batch.num_rows(), ...) was called.
  Column Evaluate(const RecordBatch& batch, EvalContext& ctx) const;

 private:
  Expression() = default;
  std::string text_;
  VType type_ = VType::kNull;
  std::vector<std::string> fields_;
  bool is_field_ = false;
  std::unique_ptr<const Node> root_;
};

// The catalog of functions and operators (GET /languages/el/functions and /operators).
struct FunctionInfo {
  std::string name;
  std::string category;  // "string", "null", "math", "conversion", "date", "hashing"
  std::string syntax;    // "substr(STRING, START, LENGTH)"
  std::string description;
  std::string example;  // an expression...
  std::string result;   // ...and what it answers, as JSON text
};
const std::vector<FunctionInfo>& Functions();
struct OperatorInfo {
  std::string symbol;    // "+", "&&"
  std::string aliases;   // "and", "" when none
  std::string category;  // "arithmetic", "comparison", "logical"
  std::string description;
};
const std::vector<OperatorInfo>& Operators();

}  // namespace fluxo::dataprep
