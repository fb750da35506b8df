#include "dataprep/expr.h"

#include <cmath>

#include "dataprep/eval.h"
#include "dataprep/values.h"

namespace fluxo::dataprep {

const char* VTypeName(VType t) {
  switch (t) {
    case VType::kNull: return "null";
    case VType::kAny: return "any";
    case VType::kBool: return "boolean";
    case VType::kInt: return "integer";
    case VType::kFloat: return "float";
    case VType::kString: return "string";
    case VType::kDate: return "date";
    case VType::kTimestamp: return "timestamp";
  }
  return "?";
}

DataType ToDataType(VType t) {
  switch (t) {
    case VType::kBool: return DataType::Boolean();
    case VType::kInt: return DataType::Int64();
    case VType::kFloat: return DataType::Float64();
    case VType::kDate: return DataType::Date();
    case VType::kTimestamp: return DataType::Timestamp();
    default: return DataType::String();
  }
}

VType FromDataType(const DataType& t) {
  switch (t.id) {
    case TypeId::kBoolean: return VType::kBool;
    case TypeId::kInt32:
    case TypeId::kInt64: return VType::kInt;
    case TypeId::kFloat64:
    case TypeId::kDecimal: return VType::kFloat;
    case TypeId::kDate: return VType::kDate;
    case TypeId::kTimestamp: return VType::kTimestamp;
    case TypeId::kString:
    case TypeId::kBinary: return VType::kString;
  }
  return VType::kString;
}

std::string ExprError::ToString() const {
  return "column " + std::to_string(column) + ": " + message;
}

void EvalContext::Reset(int64_t rows, int64_t now_micros) {
  rows_ = rows;
  now_micros_ = now_micros;
  failed_count_ = 0;
  failed_.clear();  // sized at the first failure
  messages_.clear();
  active_ = nullptr;
  broadcast_ = false;
}

void EvalContext::Fail(int64_t i, std::string_view message) {
  int64_t from = broadcast_ ? 0 : i, to = broadcast_ ? rows_ : i + 1;
  if (failed_.size() < static_cast<size_t>(rows_)) failed_.assign(rows_, 0);
  for (int64_t r = from; r < to; ++r) {
    if (active_ && !(*active_)[r]) continue;
    if (failed_[r]) continue;
    failed_[r] = 1;
    ++failed_count_;
    messages_[r] = label_.empty() ? std::string(message) : label_ + ": " + std::string(message);
  }
}

Vec Owned(VType t, Column c, bool constant) {
  Vec v;
  v.type = t;
  v.constant = constant;
  auto p = std::make_shared<Column>(std::move(c));
  v.col = p.get();
  v.owned = std::move(p);
  return v;
}

bool IsNumeric(VType t) {
  return t == VType::kInt || t == VType::kFloat || t == VType::kAny || t == VType::kNull;
}

bool Accepts(VType want, VType got) {
  if (got == want || got == VType::kAny || got == VType::kNull) return true;
  return want == VType::kFloat && got == VType::kInt;
}

bool ArgError(const BindInput& in, size_t arg, std::string message, ExprError* error) {
  int pos = arg < in.call.args.size() ? in.call.args[arg]->pos : in.call.pos;
  *error = {pos, in.call.name + ": " + std::move(message)};
  return false;
}

namespace {

// ---- leaves ----

class LiteralNode : public Node {
 public:
  explicit LiteralNode(const Ast& a) : Node(a.lit_type), s_(a.s) {
    ColumnBuilder b(ToDataType(a.lit_type), 1);
    switch (a.lit_type) {
      case VType::kBool: b.AppendBool(a.b); break;
      case VType::kInt: b.AppendInt64(a.i); break;
      case VType::kFloat: b.AppendDouble(a.f); break;
      case VType::kString: b.AppendString(a.s); break;
      default: b.AppendNull(); break;
    }
    value_ = std::make_shared<Column>(b.Finish());
  }
  Vec Eval(const RecordBatch&, EvalContext&) const override {
    Vec v;
    v.type = type();
    v.constant = true;
    if (type() != VType::kNull) {
      v.owned = value_;
      v.col = value_.get();
    }
    return v;
  }
  const std::string* StringLiteral() const override {
    return type() == VType::kString ? &s_ : nullptr;
  }

 private:
  std::string s_;
  std::shared_ptr<const Column> value_;
};

class FieldNode : public Node {
 public:
  FieldNode(VType t, std::string name) : Node(t), name_(std::move(name)) {}
  Vec Eval(const RecordBatch& batch, EvalContext&) const override {
    int idx = batch.schema()->FieldIndex(name_);
    const Column& c = batch.column(idx);
    Vec v;
    v.type = type();
    v.constant = false;
    switch (c.type().id) {
      case TypeId::kInt32: return Owned(type(), Widen(c), false);
      case TypeId::kDecimal: return Owned(type(), DecimalToFloat(c), false);
      default: v.col = &c; return v;  // the layouts match: borrowed
    }
  }

 private:
  static Column Widen(const Column& c) {
    ColumnBuilder b(DataType::Int64(), c.length());
    for (int64_t i = 0; i < c.length(); ++i) {
      if (c.IsNull(i))
        b.AppendNull();
      else
        b.AppendInt64(c.Value<int32_t>(i));
    }
    return b.Finish();
  }
  static Column DecimalToFloat(const Column& c) {
    ColumnBuilder b(DataType::Float64(), c.length());
    double scale = std::pow(10.0, c.type().scale);
    if (c.type().precision <= 18 && c.null_count() == 0) {
      // int64 storage: the same double as through int128, without libgcc's int128 conversion.
      const int64_t* v = c.values<int64_t>();
      for (int64_t i = 0; i < c.length(); ++i) b.AppendDouble(static_cast<double>(v[i]) / scale);
      return b.Finish();
    }
    for (int64_t i = 0; i < c.length(); ++i) {
      if (c.IsNull(i))
        b.AppendNull();
      else
        b.AppendDouble(static_cast<double>(c.GetDecimal(i)) / scale);
    }
    return b.Finish();
  }
  std::string name_;
};

// ---- calls ----

class CallNode : public Node {
 public:
  CallNode(Bound b, std::vector<NodePtr> args)
      : Node(b.type), kernel_(std::move(b.kernel)), args_(std::move(args)) {}
  Vec Eval(const RecordBatch& batch, EvalContext& ctx) const override {
    std::vector<Vec> vals;
    vals.reserve(args_.size());
    for (const auto& a : args_) vals.push_back(a->Eval(batch, ctx));
    return kernel_(vals, ctx);
  }

 private:
  Kernel kernel_;
  std::vector<NodePtr> args_;
};

// iif(cond, a, b): `a` is evaluated with the rows where cond is true active, `b` with the
// others, so a failure in the branch a row does not take is no failure.
class IifNode : public Node {
 public:
  IifNode(VType t, std::vector<NodePtr> args) : Node(t), args_(std::move(args)) {}
  Vec Eval(const RecordBatch& batch, EvalContext& ctx) const override {
    Vec cond = args_[0]->Eval(batch, ctx);
    const std::vector<uint8_t>* outer = ctx.active();
    int64_t n = ctx.rows();
    std::vector<uint8_t> yes(n), no(n);
    for (int64_t i = 0; i < n; ++i) {
      bool on = !outer || (*outer)[i];
      bool c = !cond.IsNull(i) && cond.Bool(i);
      yes[i] = on && c;
      no[i] = on && !c;
    }
    ctx.set_active(&yes);
    Vec a = args_[1]->Eval(batch, ctx);
    ctx.set_active(&no);
    Vec b = args_[2]->Eval(batch, ctx);
    ctx.set_active(outer);
    std::vector<Vec> all{cond, a, b};
    // The value of the branch each row takes, with the append chosen once for the result type.
    auto merge = [&](auto append) {
      return MapRows(type(), all, ctx, true, [&](int64_t i, ColumnBuilder& out) {
        const Vec& v = !cond.IsNull(i) && cond.Bool(i) ? a : b;
        if (v.IsNull(i)) return out.AppendNull();
        append(v, i, out);
      });
    };
    switch (type()) {
      case VType::kString:
        return merge([](const Vec& v, int64_t i, ColumnBuilder& o) { o.AppendString(v.Str(i)); });
      case VType::kInt:
      case VType::kTimestamp:
        return merge([](const Vec& v, int64_t i, ColumnBuilder& o) { o.AppendInt64(v.Int(i)); });
      case VType::kFloat:
        return merge([](const Vec& v, int64_t i, ColumnBuilder& o) { o.AppendDouble(v.Float(i)); });
      default:
        return merge([t = type()](const Vec& v, int64_t i, ColumnBuilder& o) {
          AppendConverted(v, i, t, o);
        });
    }
  }

 private:
  std::vector<NodePtr> args_;
};

// ---- operators ----

// Type rule of a binary operator; false with `*error` when the operand types do not fit.
bool BinaryType(const Ast& a, VType l, VType r, VType* out, ExprError* error) {
  const std::string& op = a.name;
  auto fail = [&](const std::string& why) {
    *error = {a.pos, "operator " + op + " " + why + " (" + VTypeName(l) + " " + op + " " +
                         VTypeName(r) + ")"};
    return false;
  };
  bool any = l == VType::kAny || r == VType::kAny;
  if (op == "&&" || op == "||") {
    if (!Accepts(VType::kBool, l) || !Accepts(VType::kBool, r)) return fail("needs booleans");
    *out = VType::kBool;
    return true;
  }
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    bool ok =
        any || l == VType::kNull || r == VType::kNull || l == r || (IsNumeric(l) && IsNumeric(r));
    if (!ok) return fail("cannot compare these types");
    *out = VType::kBool;
    return true;
  }
  if (op == "+" && (l == VType::kString || r == VType::kString)) {
    *out = VType::kString;  // concatenation, as in Data Prep (JEXL)
    return true;
  }
  if (!IsNumeric(l) || !IsNumeric(r)) return fail("needs numbers");
  if (op == "/")
    *out = VType::kFloat;
  else if (any)
    *out = VType::kAny;
  else if (l == VType::kFloat || r == VType::kFloat)
    *out = VType::kFloat;
  else
    *out = VType::kInt;
  return true;
}

enum class BinOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr
};

BinOp ToBinOp(const std::string& symbol) {
  static const std::pair<const char*, BinOp> kOps[] = {
      {"+", BinOp::kAdd}, {"-", BinOp::kSub}, {"*", BinOp::kMul}, {"/", BinOp::kDiv},
      {"%", BinOp::kMod}, {"==", BinOp::kEq}, {"!=", BinOp::kNe}, {"<", BinOp::kLt},
      {"<=", BinOp::kLe}, {">", BinOp::kGt},  {">=", BinOp::kGe}, {"&&", BinOp::kAnd},
      {"||", BinOp::kOr}};
  for (const auto& [sym, op] : kOps)
    if (symbol == sym) return op;
  return BinOp::kOr;  // unreachable: the parser produces only these symbols
}

template <class T>
int Cmp(T a, T b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

bool CompareResult(BinOp op, int c) {
  switch (op) {
    case BinOp::kEq: return c == 0;
    case BinOp::kNe: return c != 0;
    case BinOp::kLt: return c < 0;
    case BinOp::kLe: return c <= 0;
    case BinOp::kGt: return c > 0;
    default: return c >= 0;
  }
}

// A comparison, with the operand layout chosen once per batch.
Vec Comparison(BinOp op, const Vec& l, const Vec& r, EvalContext& ctx) {
  auto run = [&](auto cmp) {
    return MapRows(VType::kBool, {l, r}, ctx, false,
                   [&](int64_t i, ColumnBuilder& b) { b.AppendBool(CompareResult(op, cmp(i))); });
  };
  if (l.type == VType::kString) return run([&](int64_t i) { return l.Str(i).compare(r.Str(i)); });
  if (l.type == VType::kBool) return run([&](int64_t i) { return Cmp<int>(l.Bool(i), r.Bool(i)); });
  if (l.type == VType::kDate) return run([&](int64_t i) { return Cmp(l.Days(i), r.Days(i)); });
  if ((l.type == VType::kInt && r.type == VType::kInt) || l.type == VType::kTimestamp)
    return run([&](int64_t i) { return Cmp(l.Int(i), r.Int(i)); });
  return run([&](int64_t i) { return Cmp(l.Float(i), r.Float(i)); });
}

Vec Logical(BinOp op, const Vec& l, const Vec& r, EvalContext& ctx) {
  bool is_and = op == BinOp::kAnd;
  return MapRows(VType::kBool, {l, r}, ctx, true, [&](int64_t i, ColumnBuilder& b) {
    // Three-valued logic: false && null = false, true || null = true, otherwise null wins.
    bool ln = l.IsNull(i), rn = r.IsNull(i);
    bool lv = !ln && l.Bool(i), rv = !rn && r.Bool(i);
    if (is_and && ((!ln && !lv) || (!rn && !rv))) return b.AppendBool(false);
    if (!is_and && (lv || rv)) return b.AppendBool(true);
    if (ln || rn) return b.AppendNull();
    b.AppendBool(is_and ? lv && rv : lv || rv);
  });
}

const char* Symbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    default: return "%";
  }
}

Vec IntArith(BinOp op, const Vec& l, const Vec& r, EvalContext& ctx) {
  auto run = [&](auto fn) {
    return MapRows(VType::kInt, {l, r}, ctx, false, [&](int64_t i, ColumnBuilder& b) {
      int64_t a = l.Int(i), c = r.Int(i), v = 0;
      if (fn(a, c, &v)) return b.AppendInt64(v);
      ctx.Fail(i, c == 0 && op == BinOp::kMod ? std::string("modulo by zero")
                                              : "integer overflow in " + std::to_string(a) + " " +
                                                    Symbol(op) + " " + std::to_string(c));
      b.AppendNull();
    });
  };
  switch (op) {
    case BinOp::kAdd:
      return run([](int64_t a, int64_t b, int64_t* v) { return !__builtin_add_overflow(a, b, v); });
    case BinOp::kSub:
      return run([](int64_t a, int64_t b, int64_t* v) { return !__builtin_sub_overflow(a, b, v); });
    case BinOp::kMul:
      return run([](int64_t a, int64_t b, int64_t* v) { return !__builtin_mul_overflow(a, b, v); });
    default:
      return run([](int64_t a, int64_t b, int64_t* v) {
        if (b == 0) return false;
        *v = b == -1 ? 0 : a % b;
        return true;
      });
  }
}

Vec FloatArith(BinOp op, const Vec& l, const Vec& r, EvalContext& ctx) {
  auto run = [&](auto fn) {
    return MapRows(VType::kFloat, {l, r}, ctx, false, [&](int64_t i, ColumnBuilder& b) {
      double a = l.Float(i), c = r.Float(i);
      if ((op == BinOp::kDiv || op == BinOp::kMod) && c == 0) {
        ctx.Fail(i, "division by zero");
        return b.AppendNull();
      }
      b.AppendDouble(fn(a, c));
    });
  };
  switch (op) {
    case BinOp::kAdd: return run([](double a, double b) { return a + b; });
    case BinOp::kSub: return run([](double a, double b) { return a - b; });
    case BinOp::kMul: return run([](double a, double b) { return a * b; });
    case BinOp::kDiv: return run([](double a, double b) { return a / b; });
    default: return run([](double a, double b) { return std::fmod(a, b); });
  }
}

class BinaryNode : public Node {
 public:
  BinaryNode(VType t, const std::string& op, NodePtr l, NodePtr r)
      : Node(t), op_(ToBinOp(op)), l_(std::move(l)), r_(std::move(r)) {}
  Vec Eval(const RecordBatch& batch, EvalContext& ctx) const override {
    Vec l = l_->Eval(batch, ctx), r = r_->Eval(batch, ctx);
    if (op_ == BinOp::kAnd || op_ == BinOp::kOr) return Logical(op_, l, r, ctx);
    if (type() == VType::kBool) return Comparison(op_, l, r, ctx);
    if (type() == VType::kString) {
      std::string s;
      return MapRows(type(), {l, r}, ctx, false, [&](int64_t i, ColumnBuilder& b) {
        s.clear();
        AppendText(l, i, &s);
        AppendText(r, i, &s);
        b.AppendString(s);
      });
    }
    if (type() == VType::kInt) return IntArith(op_, l, r, ctx);
    return FloatArith(op_, l, r, ctx);
  }

 private:
  BinOp op_;
  NodePtr l_, r_;
};

class UnaryNode : public Node {
 public:
  UnaryNode(VType t, std::string op, NodePtr x) : Node(t), op_(std::move(op)), x_(std::move(x)) {}
  Vec Eval(const RecordBatch& batch, EvalContext& ctx) const override {
    Vec x = x_->Eval(batch, ctx);
    return MapRows(type(), {x}, ctx, false, [&](int64_t i, ColumnBuilder& b) {
      if (op_ == "!") return b.AppendBool(!x.Bool(i));
      if (x.type == VType::kFloat) return b.AppendDouble(-x.Float(i));
      if (x.Int(i) == INT64_MIN) {
        ctx.Fail(i, "integer overflow in -" + std::to_string(x.Int(i)));
        return b.AppendNull();
      }
      b.AppendInt64(-x.Int(i));
    });
  }

 private:
  std::string op_;
  NodePtr x_;
};

// ---- the compiler: Ast to typed nodes ----

class Compiler {
 public:
  Compiler(const FieldResolver& fields, ExprError* error) : fields_(fields), error_(error) {}
  std::vector<std::string> used;

  NodePtr Build(const Ast& a) {
    switch (a.kind) {
      case Ast::Kind::kLiteral: return std::make_unique<LiteralNode>(a);
      case Ast::Kind::kField: return Field(a);
      case Ast::Kind::kUnary: return Unary(a);
      case Ast::Kind::kBinary: return Binary(a);
      case Ast::Kind::kCall: return Call(a);
    }
    return nullptr;
  }

 private:
  NodePtr Fail(int pos, std::string m) {
    *error_ = {pos, std::move(m)};
    return nullptr;
  }
  NodePtr Field(const Ast& a) {
    std::optional<VType> t = fields_(a.name);
    if (!t) return Fail(a.pos, "unknown field '" + a.name + "'");
    if (std::find(used.begin(), used.end(), a.name) == used.end()) used.push_back(a.name);
    return std::make_unique<FieldNode>(*t, a.name);
  }
  NodePtr Unary(const Ast& a) {
    NodePtr x = Build(*a.args[0]);
    if (!x) return nullptr;
    VType t = x->type();
    if (a.name == "!" && !Accepts(VType::kBool, t))
      return Fail(a.pos, std::string("operator ! needs a boolean, not ") + VTypeName(t));
    if (a.name == "-" && !IsNumeric(t))
      return Fail(a.pos, std::string("operator - needs a number, not ") + VTypeName(t));
    VType out = a.name == "!" ? VType::kBool : t == VType::kNull ? VType::kInt : t;
    return std::make_unique<UnaryNode>(out, a.name, std::move(x));
  }
  NodePtr Binary(const Ast& a) {
    NodePtr l = Build(*a.args[0]);
    if (!l) return nullptr;
    NodePtr r = Build(*a.args[1]);
    if (!r) return nullptr;
    VType out;
    if (!BinaryType(a, l->type(), r->type(), &out, error_)) return nullptr;
    return std::make_unique<BinaryNode>(out, a.name, std::move(l), std::move(r));
  }
  NodePtr Call(const Ast& a) {
    const FunctionDef* f = FindFunction(a.name);
    if (!f) return Fail(a.pos, "unknown function '" + a.name + "'");
    int n = static_cast<int>(a.args.size());
    if (n < f->min_args || (f->max_args >= 0 && n > f->max_args)) {
      std::string want = f->max_args < 0 ? "at least " + std::to_string(f->min_args)
                         : f->min_args == f->max_args
                             ? std::to_string(f->min_args)
                             : std::to_string(f->min_args) + " to " + std::to_string(f->max_args);
      return Fail(a.pos, a.name + " takes " + want + " argument(s), not " + std::to_string(n) +
                             ": " + f->info.syntax);
    }
    std::vector<NodePtr> args;
    for (const auto& x : a.args) {
      args.push_back(Build(*x));
      if (!args.back()) return nullptr;
    }
    BindInput in{a, args, {}};
    for (const auto& x : args) in.types.push_back(x->type());
    Bound b;
    if (!f->bind(in, &b, error_)) return nullptr;
    if (b.conditional) return std::make_unique<IifNode>(b.type, std::move(args));
    return std::make_unique<CallNode>(std::move(b), std::move(args));
  }

  const FieldResolver& fields_;
  ExprError* error_;
};

}  // namespace

Expression::~Expression() = default;

Result<std::shared_ptr<const Expression>> Expression::Compile(std::string_view text,
                                                              const FieldResolver& fields,
                                                              ExprError* error) {
  std::unique_ptr<Ast> ast = Parse(text, error);
  if (!ast) return Status::InvalidArgument(error->ToString());
  Compiler c(fields, error);
  NodePtr root = c.Build(*ast);
  if (!root) return Status::InvalidArgument(error->ToString());
  std::shared_ptr<Expression> e(new Expression());
  e->text_ = std::string(text);
  e->type_ = root->type();
  e->fields_ = std::move(c.used);
  e->is_field_ = ast->kind == Ast::Kind::kField;
  e->root_ = std::move(root);
  return std::shared_ptr<const Expression>(std::move(e));
}

Result<std::shared_ptr<const Expression>> Expression::Compile(std::string_view text,
                                                              const Schema& schema,
                                                              ExprError* error) {
  FieldResolver r = [&schema](const std::string& name) -> std::optional<VType> {
    int i = schema.FieldIndex(name);
    if (i < 0) return std::nullopt;
    return FromDataType(schema.field(i).type);
  };
  return Compile(text, r, error);
}

Column Expression::Evaluate(const RecordBatch& batch, EvalContext& ctx) const {
  Vec v = root_->Eval(batch, ctx);
  // A result column the root built for this call (owned by nobody else, one value per row, of
  // the expression's type) is the answer itself: moved out, not copied. Owned() makes its
  // columns as non-const objects, so the cast is sound; constants (literals') are never moved.
  if (!v.constant && v.owned && v.owned.use_count() == 1 && v.col->length() == batch.num_rows() &&
      v.col->type() == ToDataType(type_)) {
    return std::move(*const_cast<Column*>(v.col));
  }
  return Materialize(v, type_, batch.num_rows());
}

}  // namespace fluxo::dataprep
