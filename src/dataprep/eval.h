// Evaluator internals shared by expr.cc and functions.cc: the value vectors nodes produce, the
// typed node interface, and the function table. Not part of src/dataprep's interface.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataprep/expr.h"
#include "dataprep/parser.h"

namespace fluxo::dataprep {

// The values of one node over a batch: a column (borrowed from the input or owned), or one
// value broadcast to every row (`constant`, a column of length 1). kNull: no column at all.
struct Vec {
  VType type = VType::kNull;
  bool constant = true;
  std::shared_ptr<const Column> owned;
  const Column* col = nullptr;

  int64_t At(int64_t i) const { return constant ? 0 : i; }
  bool IsNull(int64_t i) const { return col == nullptr || col->IsNull(At(i)); }
  bool Bool(int64_t i) const { return col->GetBool(At(i)); }
  // kInt, kTimestamp (int64 layout).
  int64_t Int(int64_t i) const { return col->Value<int64_t>(At(i)); }
  int32_t Days(int64_t i) const { return col->Value<int32_t>(At(i)); }
  // kFloat, or kInt promoted.
  double Float(int64_t i) const {
    return type == VType::kInt ? static_cast<double>(Int(i)) : col->Value<double>(At(i));
  }
  std::string_view Str(int64_t i) const { return col->GetString(At(i)); }
};

// A Vec owning `c`.
Vec Owned(VType t, Column c, bool constant);

// Calls `f(i, builder)` for each row (once when every argument is constant: the result is then
// constant too) to build a result of type `out`. Rows where an argument is null get null
// without calling `f` unless `null_aware`. `f` appends exactly one value (or null) per call and
// reports failures with ctx.Fail(i, ...) (appending null).
template <class F>
Vec MapRows(VType out, const std::vector<Vec>& args, EvalContext& ctx, bool null_aware, F&& f) {
  bool constant = true, nullable = false;
  for (const auto& a : args) {
    constant = constant && a.constant;
    nullable = nullable || a.col == nullptr || a.col->null_count() > 0;
  }
  int64_t n = constant ? 1 : ctx.rows();
  ColumnBuilder b(ToDataType(out), n);
  ctx.set_broadcast(constant);
  if (null_aware || !nullable) {
    for (int64_t i = 0; i < n; ++i) f(i, b);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      bool any_null = false;
      for (const auto& a : args) any_null = any_null || a.IsNull(i);
      if (any_null) {
        b.AppendNull();
      } else {
        f(i, b);
      }
    }
  }
  ctx.set_broadcast(false);
  return Owned(out, b.Finish(), constant);
}

// A typed node. Eval answers one Vec for the whole batch.
class Node {
 public:
  explicit Node(VType t) : type_(t) {}
  virtual ~Node() = default;
  VType type() const { return type_; }
  virtual Vec Eval(const RecordBatch& batch, EvalContext& ctx) const = 0;
  // The literal's value when this node is a string literal (function arguments that must be
  // constant: date patterns, zones, separators); nullptr otherwise.
  virtual const std::string* StringLiteral() const { return nullptr; }

 private:
  VType type_;
};

using NodePtr = std::unique_ptr<const Node>;

// What a function's binder sees and answers at compile time.
struct BindInput {
  const Ast& call;                   // positions for messages
  const std::vector<NodePtr>& args;  // typed arguments
  std::vector<VType> types;          // their types
};
// The kernel of a bound call: arguments evaluated, result built (with MapRows).
using Kernel = std::function<Vec(const std::vector<Vec>& args, EvalContext& ctx)>;
struct Bound {
  VType type = VType::kNull;
  Kernel kernel;
  // iif only: the arguments are evaluated with row masks (expr.cc), not by the kernel.
  bool conditional = false;
};

struct FunctionDef {
  FunctionInfo info;
  int min_args = 0;
  int max_args = 0;  // -1: any number
  // Checks argument types (and constant arguments) and answers the result type and kernel, or
  // an error (its column: the offending argument's position).
  std::function<bool(const BindInput&, Bound*, ExprError*)> bind;
};

// The function named `name`, or nullptr.
const FunctionDef* FindFunction(const std::string& name);
const std::vector<FunctionDef>& FunctionTable();

// Helpers for binders.
bool IsNumeric(VType t);              // kInt, kFloat (kAny and kNull too: they may be)
bool Accepts(VType want, VType got);  // got is want, kAny or kNull (int for float as well)
bool ArgError(const BindInput& in, size_t arg, std::string message, ExprError* error);

}  // namespace fluxo::dataprep
