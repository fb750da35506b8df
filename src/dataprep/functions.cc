// The function table of the expression language: catalog text, type rules and kernels.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/date_format.h"
#include "base/ids.h"
#include "dataprep/eval.h"
#include "dataprep/values.h"

namespace fluxo::dataprep {

namespace {

using K = Kernel;

// ---- binder helpers ----

// Every argument must accept `want`.
bool AllArgs(const BindInput& in, VType want, ExprError* e) {
  for (size_t i = 0; i < in.types.size(); ++i) {
    if (!Accepts(want, in.types[i]))
      return ArgError(in, i,
                      std::string("argument ") + std::to_string(i + 1) + " must be a " +
                          VTypeName(want) + ", not " + VTypeName(in.types[i]),
                      e);
  }
  return true;
}

bool Arg(const BindInput& in, size_t i, VType want, ExprError* e) {
  if (i >= in.types.size() || Accepts(want, in.types[i])) return true;
  return ArgError(in, i,
                  std::string("argument ") + std::to_string(i + 1) + " must be a " +
                      VTypeName(want) + ", not " + VTypeName(in.types[i]),
                  e);
}

// A string-literal argument (a pattern, a zone, a separator): its text, or an error.
const std::string* LiteralArg(const BindInput& in, size_t i, const char* what, ExprError* e) {
  const std::string* s = in.args[i]->StringLiteral();
  if (!s)
    ArgError(in, i,
             std::string("argument ") + std::to_string(i + 1) + " (" + what +
                 ") must be a string literal",
             e);
  return s;
}

bool Done(Bound* b, VType t, K k) {
  b->type = t;
  b->kernel = std::move(k);
  return true;
}

// A kernel mapping one string argument to a string of at most the input's length plus `extra`
// bytes: f(input, out) writes the result into the column's own buffer (ColumnBuilder::
// StringSpace) and answers its length: no temporary and no allocation per row.
using StringFn = size_t (*)(std::string_view, char*);
K StringMap(StringFn f, size_t extra = 0) {
  return [f, extra](const std::vector<Vec>& a, EvalContext& ctx) {
    bool first = true;
    return MapRows(VType::kString, a, ctx, false, [&](int64_t i, ColumnBuilder& b) {
      if (first && !a[0].constant) {  // room for about the input's bytes, once
        const Column& c = *a[0].col;
        b.StringSpace(static_cast<size_t>(c.offsets()[c.length()] - c.offsets()[0]) +
                      extra * static_cast<size_t>(c.length()));
      }
      first = false;
      std::string_view in = a[0].Str(i);
      b.CommitString(f(in, b.StringSpace(in.size() + extra)));
    });
  };
}

// ASCII case mapping of 8 bytes at once: the bytes in [kFirst, kFirst + 25] get bit 0x20
// flipped; other bytes, UTF-8 ones (>= 0x80) included, are left alone. No carry crosses a byte:
// each sum below stays under 0x100.
template <char kFirst>
inline uint64_t FlipCase8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const uint64_t low7 = w & ~kHigh;
  const uint64_t from = low7 + (0x80 - kFirst) * kOnes;       // high bit: byte >= kFirst
  const uint64_t past = low7 + (0x80 - kFirst - 26) * kOnes;  // high bit: byte > kFirst + 25
  return w ^ ((from & ~past & ~w & kHigh) >> 2);
}
template <char kFirst>
size_t CaseMap(std::string_view in, char* out) {
  const size_t n = in.size();
  const char* p = in.data();
  if (n < 8) {
    for (size_t k = 0; k < n; ++k) {
      char c = p[k];
      out[k] = c >= kFirst && c <= kFirst + 25 ? static_cast<char>(c ^ 0x20) : c;
    }
    return n;
  }
  uint64_t w;
  for (size_t k = 0; k + 8 <= n; k += 8) {
    std::memcpy(&w, p + k, 8);
    w = FlipCase8<kFirst>(w);
    std::memcpy(out + k, &w, 8);
  }
  if (n % 8 != 0) {  // the last 8 bytes again, from the input: the overlap maps to the same bytes
    std::memcpy(&w, p + n - 8, 8);
    w = FlipCase8<kFirst>(w);
    std::memcpy(out + n - 8, &w, 8);
  }
  return n;
}
size_t Lower(std::string_view in, char* out) { return CaseMap<'A'>(in, out); }
size_t Upper(std::string_view in, char* out) { return CaseMap<'a'>(in, out); }
std::string_view LStrip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}
std::string_view RStrip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
size_t Put(std::string_view v, char* out) {
  if (!v.empty()) std::memcpy(out, v.data(), v.size());
  return v.size();
}
size_t Trim(std::string_view in, char* out) { return Put(RStrip(LStrip(in)), out); }
size_t LTrim(std::string_view in, char* out) { return Put(LStrip(in), out); }
size_t RTrim(std::string_view in, char* out) { return Put(RStrip(in), out); }

// The digest of `s` as lowercase hex into `out` (2 * the digest's size bytes).
size_t Digest(const EVP_MD* md, std::string_view s, char* out) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, md, nullptr);
  static const char* kHex = "0123456789abcdef";
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  return 2 * n;
}
// The hex digests are written where the input's length plus 64 bytes fit (StringMap's extra).
size_t Sha256(std::string_view in, char* out) { return Digest(EVP_sha256(), in, out); }
size_t Md5(std::string_view in, char* out) { return Digest(EVP_md5(), in, out); }

// ---- null handling ----

bool BindIif(const BindInput& in, Bound* b, ExprError* e) {
  if (!Arg(in, 0, VType::kBool, e)) return false;
  auto t = CommonType(in.types[1], in.types[2]);
  if (!t)
    return ArgError(in, 2,
                    std::string("the two results must have one type, not ") +
                        VTypeName(in.types[1]) + " and " + VTypeName(in.types[2]),
                    e);
  b->type = *t;
  b->conditional = true;
  return true;
}

bool BindCoalesce(const BindInput& in, Bound* b, ExprError* e) {
  VType t = VType::kNull;
  for (size_t i = 0; i < in.types.size(); ++i) {
    auto c = CommonType(t, in.types[i]);
    if (!c)
      return ArgError(in, i,
                      std::string("every argument must have one type: ") + VTypeName(t) + " and " +
                          VTypeName(in.types[i]),
                      e);
    t = *c;
  }
  return Done(b, t, [t](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(t, a, ctx, true, [&](int64_t i, ColumnBuilder& out) {
      for (const auto& v : a)
        if (!v.IsNull(i)) return AppendConverted(v, i, t, out);
      out.AppendNull();
    });
  });
}

Bound NullTest(bool want_null) {
  Bound b;
  b.type = VType::kBool;
  b.kernel = [want_null](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kBool, a, ctx, true, [&](int64_t i, ColumnBuilder& out) {
      out.AppendBool(a[0].IsNull(i) == want_null);
    });
  };
  return b;
}

// ---- strings ----

// Bytes the text form of any non-string value fits in (AppendText): an int64 takes 20, a
// double 24, a date 14, a timestamp 31 (six-digit years with a sign and a fraction).
constexpr size_t kMaxValueText = 48;

// Copies n bytes with a few word moves instead of a call (concat's parts are mostly short).
inline void CopySmall(char* to, const char* from, size_t n) {
  if (n >= 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, from, 4);
    std::memcpy(&b, from + n - 4, 4);
    std::memcpy(to, &a, 4);
    std::memcpy(to + n - 4, &b, 4);
  } else {
    for (size_t k = 0; k < n; ++k) to[k] = from[k];
  }
}

// concat over arguments none of which has a null in this batch, and one at least not a
// constant: each argument's layout is decided once (a string column, a constant's text, an
// integer column, or any other value through AppendText), and the whole result's bytes are
// reserved at once. Writes what the row-by-row kernel writes.
Vec ConcatNoNulls(const std::vector<Vec>& a, EvalContext& ctx) {
  struct Part {
    enum Kind { kStrings, kText, kInts, kOther } kind;
    const int64_t* offsets = nullptr;
    const char* chars = nullptr;
    const int64_t* ints = nullptr;
    std::string text;
    const Vec* v = nullptr;
  };
  const int64_t n = ctx.rows();
  std::vector<Part> parts(a.size());
  size_t fixed = 0, total = 0;  // room per row for non-string parts; bytes of string columns
  for (size_t k = 0; k < a.size(); ++k) {
    const Vec& v = a[k];
    Part& p = parts[k];
    p.v = &v;
    if (v.constant) {
      p.kind = Part::kText;
      AppendText(v, 0, &p.text);
      fixed += p.text.size();
    } else if (v.type == VType::kString) {
      p.kind = Part::kStrings;
      p.offsets = v.col->offsets();
      p.chars = v.col->chars();
      total += static_cast<size_t>(p.offsets[n] - p.offsets[0]);
    } else if (v.type == VType::kInt) {
      p.kind = Part::kInts;
      p.ints = v.col->values<int64_t>();
      fixed += kMaxValueText;
    } else {
      p.kind = Part::kOther;
      fixed += kMaxValueText;
    }
  }
  ColumnBuilder out(DataType::String(), n);
  out.StringSpace(total + fixed * static_cast<size_t>(n));  // reserved once
  std::string scratch;
  for (int64_t i = 0; i < n; ++i) {
    size_t room = fixed;
    for (const Part& p : parts)
      if (p.kind == Part::kStrings) room += static_cast<size_t>(p.offsets[i + 1] - p.offsets[i]);
    char* const start = out.StringSpace(room);
    char* q = start;
    for (const Part& p : parts) {
      switch (p.kind) {
        case Part::kStrings: {
          const size_t len = static_cast<size_t>(p.offsets[i + 1] - p.offsets[i]);
          CopySmall(q, p.chars + p.offsets[i], len);
          q += len;
          break;
        }
        case Part::kText:
          CopySmall(q, p.text.data(), p.text.size());
          q += p.text.size();
          break;
        case Part::kInts: q = std::to_chars(q, q + kMaxValueText, p.ints[i]).ptr; break;
        case Part::kOther:
          scratch.clear();
          AppendText(*p.v, i, &scratch);
          std::memcpy(q, scratch.data(), scratch.size());
          q += scratch.size();
          break;
      }
    }
    out.CommitString(static_cast<size_t>(q - start));
  }
  return Owned(VType::kString, out.Finish(), false);
}

bool BindConcat(const BindInput& in, Bound* b, ExprError*) {
  // Any type is accepted (converted to text); null arguments are skipped, as in SQL's concat().
  (void)in;
  return Done(b, VType::kString, [](const std::vector<Vec>& a, EvalContext& ctx) {
    bool constant = true, nulls = false;
    for (const Vec& v : a) {
      constant = constant && v.constant;
      nulls = nulls || v.col == nullptr || v.col->null_count() > 0;
    }
    if (!constant && !nulls) return ConcatNoNulls(a, ctx);
    // The text is written straight into the result column: room for the longest text each
    // argument can have (strings: their length), then each part in place.
    std::string scratch;
    return MapRows(VType::kString, a, ctx, true, [&](int64_t i, ColumnBuilder& out) {
      size_t room = 0;
      for (const auto& v : a)
        if (!v.IsNull(i)) room += v.type == VType::kString ? v.Str(i).size() : kMaxValueText;
      char* const start = out.StringSpace(room);
      char* p = start;
      for (const auto& v : a) {
        if (v.IsNull(i)) continue;
        switch (v.type) {
          case VType::kString: {
            std::string_view s = v.Str(i);
            if (!s.empty()) std::memcpy(p, s.data(), s.size());
            p += s.size();
            break;
          }
          case VType::kInt: p = std::to_chars(p, p + kMaxValueText, v.Int(i)).ptr; break;
          default:
            scratch.clear();
            AppendText(v, i, &scratch);
            std::memcpy(p, scratch.data(), scratch.size());
            p += scratch.size();
        }
      }
      out.CommitString(static_cast<size_t>(p - start));
    });
  });
}

bool BindSubstr(const BindInput& in, Bound* b, ExprError* e) {
  if (!Arg(in, 0, VType::kString, e) || !Arg(in, 1, VType::kInt, e) || !Arg(in, 2, VType::kInt, e))
    return false;
  return Done(b, VType::kString, [](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kString, a, ctx, false, [&](int64_t i, ColumnBuilder& out) {
      std::string_view s = a[0].Str(i);
      int64_t start = std::clamp<int64_t>(a[1].Int(i), 0, static_cast<int64_t>(s.size()));
      int64_t len = a.size() > 2 ? a[2].Int(i) : static_cast<int64_t>(s.size());
      if (len < 0) {
        ctx.Fail(i, "substr: negative length " + std::to_string(len));
        return out.AppendNull();
      }
      out.AppendString(s.substr(static_cast<size_t>(start), static_cast<size_t>(len)));
    });
  });
}

bool BindSplit(const BindInput& in, Bound* b, ExprError* e) {
  if (in.types.size() < 3)
    return ArgError(in, 0,
                    "arrays are not supported in fluxo's subset: give the index of the part, "
                    "split(STRING, SEPARATOR, INDEX)",
                    e);
  if (!Arg(in, 0, VType::kString, e) || !Arg(in, 2, VType::kInt, e)) return false;
  const std::string* sep = LiteralArg(in, 1, "separator", e);
  if (!sep) return false;
  if (sep->empty()) return ArgError(in, 1, "the separator must not be empty", e);
  std::string d = *sep;
  return Done(b, VType::kString, [d](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kString, a, ctx, false, [&](int64_t i, ColumnBuilder& out) {
      std::string_view s = a[0].Str(i);
      int64_t want = a[2].Int(i);
      size_t from = 0;
      for (int64_t k = 0;; ++k) {
        size_t at = s.find(d, from);
        if (k == want) return out.AppendString(s.substr(from, at == s.npos ? s.npos : at - from));
        if (at == s.npos || want < 0) return out.AppendNull();  // no such part: null
        from = at + d.size();
      }
    });
  });
}

bool BindReplace(const BindInput& in, Bound* b, ExprError* e) {
  if (!AllArgs(in, VType::kString, e)) return false;
  return Done(b, VType::kString, [](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kString, a, ctx, false, [&](int64_t i, ColumnBuilder& out) {
      std::string_view s = a[0].Str(i), find = a[1].Str(i), repl = a[2].Str(i);
      if (find.empty()) return out.AppendString(s);
      std::string r;
      size_t from = 0;
      for (size_t at; (at = s.find(find, from)) != s.npos; from = at + find.size()) {
        r.append(s.substr(from, at - from));
        r.append(repl);
      }
      r.append(s.substr(from));
      out.AppendString(r);
    });
  });
}

bool BindLength(const BindInput& in, Bound* b, ExprError* e) {
  if (!Arg(in, 0, VType::kString, e)) return false;
  return Done(b, VType::kInt, [](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kInt, a, ctx, false, [&](int64_t i, ColumnBuilder& out) {
      int64_t n = 0;  // characters (UTF-8 sequences), not bytes
      for (char c : a[0].Str(i)) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      out.AppendInt64(n);
    });
  });
}

bool BindStringFn(const BindInput& in, Bound* b, ExprError* e, StringFn f) {
  if (!Arg(in, 0, VType::kString, e)) return false;
  return Done(b, VType::kString, StringMap(f));
}

// ---- math ----

// std::round (halves away from zero, the sign kept: round(-0.3) is -0.0) without the call:
// below 2^52 the fraction x - trunc(x) is exact; from 2^52 on every double is a whole number.
inline double RoundHalfAway(double x) {
  if (!(std::fabs(x) < 4503599627370496.0)) return x;  // whole already, inf or NaN
  double t = static_cast<double>(static_cast<int64_t>(x));
  const double frac = x - t;
  if (frac >= 0.5) {
    t += 1;
  } else if (frac <= -0.5) {
    t -= 1;
  }
  return std::copysign(t, x);
}

bool BindRound(const BindInput& in, Bound* b, ExprError* e, const char* mode) {
  if (!IsNumeric(in.types[0]))
    return ArgError(in, 0,
                    std::string("argument 1 must be a number, not ") + VTypeName(in.types[0]), e);
  if (!Arg(in, 1, VType::kInt, e)) return false;
  std::string m = mode;
  bool digits = in.types.size() > 1;
  VType out = digits ? VType::kFloat : VType::kInt;
  auto kernel = [m, digits, out](auto op) {
    return [m, digits, out, op](const std::vector<Vec>& a, EvalContext& ctx) {
      auto run = [&](auto value) {
        return MapRows(out, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
          double scale = digits ? std::pow(10.0, static_cast<double>(a[1].Int(i))) : 1.0;
          double r = op(value(i) * scale);
          if (digits) return o.AppendDouble(r / scale);
          if (!(r >= -9.2e18 && r <= 9.2e18)) {
            ctx.Fail(i, m + ": " + ToText(a[0], i) + " does not fit an integer");
            return o.AppendNull();
          }
          o.AppendInt64(static_cast<int64_t>(r));
        });
      };
      const Vec& x = a[0];
      if (x.type == VType::kInt)
        return run([&](int64_t i) { return static_cast<double>(x.Int(i)); });
      return run([&](int64_t i) { return x.Float(i); });
    };
  };
  if (m == "round") return Done(b, out, kernel(RoundHalfAway));
  if (m == "ceil") return Done(b, out, kernel([](double x) { return std::ceil(x); }));
  return Done(b, out, kernel([](double x) { return std::floor(x); }));
}

bool BindAbs(const BindInput& in, Bound* b, ExprError* e) {
  if (!IsNumeric(in.types[0]))
    return ArgError(in, 0,
                    std::string("argument 1 must be a number, not ") + VTypeName(in.types[0]), e);
  VType t = in.types[0] == VType::kNull ? VType::kInt : in.types[0];
  return Done(b, t, [t](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(t, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      if (t == VType::kFloat) return o.AppendDouble(std::fabs(a[0].Float(i)));
      int64_t v = a[0].Int(i);
      if (v == INT64_MIN) {
        ctx.Fail(i, "abs: integer overflow");
        return o.AppendNull();
      }
      o.AppendInt64(v < 0 ? -v : v);
    });
  });
}

// ---- conversions ----

bool NotTemporal(const BindInput& in, ExprError* e) {
  VType t = in.types[0];
  if (t == VType::kDate || t == VType::kTimestamp)
    return ArgError(in, 0, std::string("cannot convert a ") + VTypeName(t) + " (use format)", e);
  return true;
}

bool BindToInteger(const BindInput& in, Bound* b, ExprError* e) {
  if (!NotTemporal(in, e)) return false;
  return Done(b, VType::kInt, [](const std::vector<Vec>& a, EvalContext& ctx) {
    const Vec& x = a[0];
    return MapRows(VType::kInt, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      switch (x.type) {
        case VType::kInt: return o.AppendInt64(x.Int(i));
        case VType::kBool: return o.AppendInt64(x.Bool(i) ? 1 : 0);
        case VType::kFloat: {
          double d = x.Float(i);
          if (!(d >= -9.2e18 && d <= 9.2e18)) break;
          return o.AppendInt64(static_cast<int64_t>(d));  // toward zero
        }
        default: {
          if (auto v = ParseInt(x.Str(i))) return o.AppendInt64(*v);
          break;
        }
      }
      ctx.Fail(i, "to_integer: cannot convert '" + ToText(x, i).substr(0, 100) + "' to an integer");
      o.AppendNull();
    });
  });
}

bool BindToFloat(const BindInput& in, Bound* b, ExprError* e) {
  if (!NotTemporal(in, e)) return false;
  return Done(b, VType::kFloat, [](const std::vector<Vec>& a, EvalContext& ctx) {
    const Vec& x = a[0];
    return MapRows(VType::kFloat, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      if (x.type == VType::kInt || x.type == VType::kFloat) return o.AppendDouble(x.Float(i));
      if (x.type == VType::kBool) return o.AppendDouble(x.Bool(i) ? 1 : 0);
      if (auto v = ParseFloat(x.Str(i))) return o.AppendDouble(*v);
      ctx.Fail(i, "to_float: cannot convert '" + ToText(x, i).substr(0, 100) + "' to a float");
      o.AppendNull();
    });
  });
}

bool BindToBoolean(const BindInput& in, Bound* b, ExprError* e) {
  if (!NotTemporal(in, e)) return false;
  return Done(b, VType::kBool, [](const std::vector<Vec>& a, EvalContext& ctx) {
    const Vec& x = a[0];
    return MapRows(VType::kBool, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      if (x.type == VType::kBool) return o.AppendBool(x.Bool(i));
      if (x.type == VType::kInt || x.type == VType::kFloat) return o.AppendBool(x.Float(i) != 0);
      if (auto v = ParseBool(x.Str(i))) return o.AppendBool(*v);
      ctx.Fail(i, "to_boolean: cannot convert '" + ToText(x, i).substr(0, 100) + "' to a boolean");
      o.AppendNull();
    });
  });
}

bool BindToString(const BindInput&, Bound* b, ExprError*) {
  return Done(b, VType::kString, [](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kString, a, ctx, false,
                   [&](int64_t i, ColumnBuilder& o) { o.AppendString(ToText(a[0], i)); });
  });
}

// ---- dates ----

// The optional pattern argument `i`, compiled; `*fmt` stays empty when absent.
bool PatternArg(const BindInput& in, size_t i, std::shared_ptr<const DateFormat>* fmt,
                ExprError* e) {
  if (in.args.size() <= i) return true;
  const std::string* p = LiteralArg(in, i, "date pattern", e);
  if (!p) return false;
  auto f = DateFormat::Parse(*p);
  if (!f.ok()) return ArgError(in, i, f.status().message(), e);
  *fmt = std::make_shared<const DateFormat>(std::move(f).value());
  return true;
}

// Parses text with `fmt` (ISO 8601 when null) into micros; nullopt when it does not match.
std::optional<int64_t> ParseInstant(const std::shared_ptr<const DateFormat>& fmt,
                                    std::string_view s) {
  Result<int64_t> r = fmt ? fmt->ParseMicros(s, 0) : ParseIsoTimestampMicros(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

int32_t DaysOf(int64_t micros) {
  int64_t d = micros / 86400000000LL;
  if (micros % 86400000000LL < 0) --d;
  return static_cast<int32_t>(d);
}

// The span of time whose instants a pattern formats alike (in UTC, as format() does): a day
// when it has only date fields (y M d), a second without a fraction (S), else a microsecond.
// Quoted text is literal: every quote toggles (a doubled quote toggles twice).
int64_t FormatUnit(const std::string& pattern) {
  bool quoted = false, time = false, fraction = false;
  for (char c : pattern) {
    if (c == '\'') {
      quoted = !quoted;
    } else if (!quoted) {
      time = time || c == 'H' || c == 'm' || c == 's';
      fraction = fraction || c == 'S';
    }
  }
  return fraction ? 1 : time ? 1000000 : 86400000000LL;
}

// date(STRING[, FORMAT[, DEFAULT]]) -> timestamp; to_date(STRING[, FORMAT]) -> date.
bool BindDate(const BindInput& in, Bound* b, ExprError* e, bool to_date) {
  VType t0 = in.types[0];
  if (!(Accepts(VType::kString, t0) || t0 == VType::kDate || t0 == VType::kTimestamp))
    return ArgError(in, 0,
                    std::string("argument 1 must be a string or a date, not ") + VTypeName(t0), e);
  std::shared_ptr<const DateFormat> fmt;
  if (!PatternArg(in, 1, &fmt, e)) return false;
  std::optional<int64_t> def;
  if (in.args.size() > 2) {
    const std::string* d = LiteralArg(in, 2, "default date", e);
    if (!d) return false;
    def = ParseInstant(fmt, *d);
    if (!def) return ArgError(in, 2, "the default date '" + *d + "' does not match the pattern", e);
  }
  VType out = to_date ? VType::kDate : VType::kTimestamp;
  std::string name = in.call.name;
  return Done(b, out, [fmt, def, out, name](const std::vector<Vec>& a, EvalContext& ctx) {
    const Vec& x = a[0];
    return MapRows(out, a, ctx, true, [&](int64_t i, ColumnBuilder& o) {
      std::optional<int64_t> m;
      if (x.IsNull(i)) {
        m = def;
        if (!m) return o.AppendNull();
      } else if (x.type == VType::kTimestamp) {
        m = x.Int(i);
      } else if (x.type == VType::kDate) {
        m = static_cast<int64_t>(x.Days(i)) * 86400000000LL;
      } else {
        m = ParseInstant(fmt, x.Str(i));
      }
      if (!m) {
        ctx.Fail(i, name + ": '" + std::string(x.Str(i).substr(0, 100)) + "' does not match " +
                        (fmt ? "the pattern " + fmt->pattern() : std::string("ISO 8601")));
        return o.AppendNull();
      }
      if (out == VType::kDate) return o.AppendDate(DaysOf(*m));
      o.AppendTimestamp(*m);
    });
  });
}

bool BindFormat(const BindInput& in, Bound* b, ExprError* e) {
  VType t0 = in.types[0];
  if (!(t0 == VType::kDate || t0 == VType::kTimestamp || t0 == VType::kAny || t0 == VType::kNull))
    return ArgError(in, 0,
                    std::string("argument 1 must be a date or timestamp, not ") + VTypeName(t0), e);
  std::shared_ptr<const DateFormat> fmt;
  if (!PatternArg(in, 1, &fmt, e)) return false;
  const int64_t unit = FormatUnit(fmt->pattern());
  return Done(b, VType::kString, [fmt, unit](const std::vector<Vec>& a, EvalContext& ctx) {
    const Vec& x = a[0];
    // Rows in the same unit (day, second) format alike, and neighbouring rows often share one
    // (a batch of one day's events): the last text is reused instead of formatted again.
    // [lo, hi): the micros of the unit `text` was formatted for (empty at first), so that a row
    // in it costs two comparisons, not a division.
    int64_t lo = 1, hi = 0;
    std::string text;
    return MapRows(VType::kString, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      int64_t m =
          x.type == VType::kDate ? static_cast<int64_t>(x.Days(i)) * 86400000000LL : x.Int(i);
      if (m < lo || m >= hi) {
        text = fmt->Format(m, 0);
        const int64_t key = m / unit - (m % unit < 0);
        if (__builtin_mul_overflow(key, unit, &lo) || __builtin_add_overflow(lo, unit, &hi)) {
          lo = 1;  // at the ends of the range: no reuse
          hi = 0;
        }
      }
      o.AppendString(text);
    });
  });
}

bool BindZoneToUtc(const BindInput& in, Bound* b, ExprError* e) {
  if (!Arg(in, 0, VType::kTimestamp, e)) return false;
  const std::string* z = LiteralArg(in, 1, "time zone", e);
  if (!z) return false;
  auto tz = TimeZone::Find(*z);
  if (!tz.ok()) return ArgError(in, 1, tz.status().message(), e);
  std::shared_ptr<const TimeZone> zone = *tz;
  return Done(b, VType::kTimestamp, [zone](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kTimestamp, a, ctx, false, [&](int64_t i, ColumnBuilder& o) {
      int64_t local = a[0].Int(i);
      int64_t s = local / 1000000, frac = local % 1000000;
      if (frac < 0) --s, frac += 1000000;
      o.AppendTimestamp(zone->LocalToUtc(s) * 1000000 + frac);
    });
  });
}

bool BindNow(const BindInput&, Bound* b, ExprError*) {
  return Done(b, VType::kTimestamp, [](const std::vector<Vec>& a, EvalContext& ctx) {
    return MapRows(VType::kTimestamp, a, ctx, false,
                   [&](int64_t, ColumnBuilder& o) { o.AppendTimestamp(ctx.now_micros()); });
  });
}

// ---- hashing and ids ----

bool BindHash(const BindInput& in, Bound* b, ExprError* e, StringFn f) {
  if (!Arg(in, 0, VType::kString, e)) return false;
  return Done(b, VType::kString, StringMap(f, 2 * EVP_MAX_MD_SIZE));
}

bool BindUuid(const BindInput&, Bound* b, ExprError*) {
  return Done(b, VType::kString, [](const std::vector<Vec>&, EvalContext& ctx) {
    ColumnBuilder o(DataType::String(), ctx.rows());
    for (int64_t i = 0; i < ctx.rows(); ++i) o.AppendString(NewUuid());  // one per row
    return Owned(VType::kString, o.Finish(), false);
  });
}

using BindFn = std::function<bool(const BindInput&, Bound*, ExprError*)>;

FunctionDef Def(const char* name, const char* cat, const char* syntax, const char* desc,
                const char* ex, const char* res, int min, int max, BindFn bind) {
  return FunctionDef{{name, cat, syntax, desc, ex, res}, min, max, std::move(bind)};
}

std::vector<FunctionDef> MakeTable() {
  using namespace std::placeholders;
  std::vector<FunctionDef> t;
  // null handling
  t.push_back(Def("iif", "null", "iif(CONDITION, TRUE_VALUE, FALSE_VALUE)",
                  "TRUE_VALUE where CONDITION is true, FALSE_VALUE otherwise (also when it is "
                  "null); only the chosen value can fail",
                  "iif(\"s\" == \"s\", 1, 2)", "1", 3, 3, BindIif));
  t.push_back(Def("coalesce", "null", "coalesce(VALUE, ...)", "The first argument that is not null",
                  "coalesce(null, \"b\")", "\"b\"", 1, -1, BindCoalesce));
  t.push_back(
      Def("is_null", "null", "is_null(VALUE)", "True when VALUE is null", "is_null(null)", "true",
          1, 1, [](const BindInput&, Bound* b, ExprError*) { return *b = NullTest(true), true; }));
  t.push_back(Def("is_not_null", "null", "is_not_null(VALUE)", "True when VALUE is not null",
                  "is_not_null(null)", "false", 1, 1, [](const BindInput&, Bound* b, ExprError*) {
                    return *b = NullTest(false), true;
                  }));
  // strings
  t.push_back(Def("concat", "string", "concat(VALUE, ...)",
                  "The text of the arguments joined; null arguments are skipped",
                  "concat(\"Hi, \", \"there\", \"!\")", "\"Hi, there!\"", 1, -1, BindConcat));
  t.push_back(Def("lower", "string", "lower(STRING)", "Lower case (ASCII letters)",
                  "lower(\"AbC\")", "\"abc\"", 1, 1, std::bind(BindStringFn, _1, _2, _3, Lower)));
  t.push_back(Def("upper", "string", "upper(STRING)", "Upper case (ASCII letters)",
                  "upper(\"AbC\")", "\"ABC\"", 1, 1, std::bind(BindStringFn, _1, _2, _3, Upper)));
  t.push_back(Def("trim", "string", "trim(STRING)", "Without leading and trailing white space",
                  "trim(\"  a b \")", "\"a b\"", 1, 1, std::bind(BindStringFn, _1, _2, _3, Trim)));
  t.push_back(Def("ltrim", "string", "ltrim(STRING)", "Without leading white space",
                  "ltrim(\"  a \")", "\"a \"", 1, 1, std::bind(BindStringFn, _1, _2, _3, LTrim)));
  t.push_back(Def("rtrim", "string", "rtrim(STRING)", "Without trailing white space",
                  "rtrim(\"  a \")", "\"  a\"", 1, 1, std::bind(BindStringFn, _1, _2, _3, RTrim)));
  t.push_back(Def("substr", "string", "substr(STRING, START, LENGTH)",
                  "LENGTH bytes from 0-based byte START (to the end without LENGTH)",
                  "substr(\"This is a substring test\", 7, 8)", "\" a subst\"", 2, 3, BindSubstr));
  t.push_back(Def("split", "string", "split(STRING, SEPARATOR, INDEX)",
                  "The INDEX-th (0-based) part of STRING cut at each SEPARATOR (a string literal); "
                  "null when there is no such part",
                  "split(\"a,b,c\", \",\", 1)", "\"b\"", 2, 3, BindSplit));
  t.push_back(Def("replacestr", "string", "replacestr(STRING, TO_FIND, TO_REPLACE)",
                  "Every TO_FIND in STRING replaced by TO_REPLACE",
                  "replacestr(\"a-b-c\", \"-\", \"+\")", "\"a+b+c\"", 3, 3, BindReplace));
  t.push_back(Def("replace", "string", "replace(STRING, TO_FIND, TO_REPLACE)",
                  "fluxo's name for replacestr", "replace(\"a-b\", \"-\", \"\")", "\"ab\"", 3, 3,
                  BindReplace));
  t.push_back(Def("length", "string", "length(STRING)", "The number of characters",
                  "length(\"héllo\")", "5", 1, 1, BindLength));
  // math
  t.push_back(Def("round", "math", "round(NUMBER[, DIGITS])",
                  "Rounded half away from zero: an integer, or a float with DIGITS decimals",
                  "round(2.567, 2)", "2.57", 1, 2, std::bind(BindRound, _1, _2, _3, "round")));
  t.push_back(Def("ceil", "math", "ceil(NUMBER)", "The smallest integer not below NUMBER",
                  "ceil(2.1)", "3", 1, 1, std::bind(BindRound, _1, _2, _3, "ceil")));
  t.push_back(Def("floor", "math", "floor(NUMBER)", "The largest integer not above NUMBER",
                  "floor(2.9)", "2", 1, 1, std::bind(BindRound, _1, _2, _3, "floor")));
  t.push_back(
      Def("abs", "math", "abs(NUMBER)", "The absolute value", "abs(-3)", "3", 1, 1, BindAbs));
  // conversions
  t.push_back(Def("to_integer", "conversion", "to_integer(VALUE)",
                  "A 64-bit integer from a string (fails on anything else), float (toward zero) or "
                  "boolean",
                  "to_integer(\"42\")", "42", 1, 1, BindToInteger));
  t.push_back(Def("to_bigint", "conversion", "to_bigint(VALUE)", "The same as to_integer",
                  "to_bigint(\"42\")", "42", 1, 1, BindToInteger));
  t.push_back(Def("to_float", "conversion", "to_float(VALUE)", "A 64-bit float",
                  "to_float(\"2.5\")", "2.5", 1, 1, BindToFloat));
  t.push_back(Def("to_boolean", "conversion", "to_boolean(VALUE)",
                  "y, yes, on, true, 1 / n, no, off, false, 0 (any case); numbers: not zero",
                  "to_boolean(\"yes\")", "true", 1, 1, BindToBoolean));
  t.push_back(Def("to_string", "conversion", "to_string(VALUE)",
                  "The text form (dates yyyy-MM-dd, timestamps ISO 8601 UTC)", "to_string(12)",
                  "\"12\"", 1, 1, BindToString));
  // dates
  t.push_back(Def("now", "date", "now()", "The run's current time (one value per batch)", "now()",
                  "\"2024-01-31T10:00:00Z\"", 0, 0, BindNow));
  t.push_back(Def("date", "date", "date(STRING[, FORMAT[, DEFAULT]])",
                  "A timestamp parsed with FORMAT (ISO 8601 without it); DEFAULT (a string in "
                  "FORMAT) where STRING is null",
                  "date(\"31/12/2020\", \"dd/MM/yyyy\")", "\"2020-12-31T00:00:00Z\"", 1, 3,
                  std::bind(BindDate, _1, _2, _3, false)));
  t.push_back(Def("to_date", "date", "to_date(STRING[, FORMAT])",
                  "A date parsed with FORMAT (ISO 8601 without it)",
                  "to_date(\"20201231\", \"yyyyMMdd\")", "\"2020-12-31\"", 1, 2,
                  std::bind(BindDate, _1, _2, _3, true)));
  t.push_back(
      Def("format", "date", "format(DATE, FORMAT)", "The date or timestamp as text in FORMAT (UTC)",
          "format(to_date(\"2020-12-31\"), \"dd.MM.yyyy\")", "\"31.12.2020\"", 2, 2, BindFormat));
  t.push_back(Def(
      "zone_date_to_utc", "date", "zone_date_to_utc(TIMESTAMP, ZONE)",
      "Reads TIMESTAMP's wall time in ZONE (IANA name or offset) and answers the UTC "
      "instant",
      "zone_date_to_utc(date(\"2024-07-01 12:00:00\", \"yyyy-MM-dd HH:mm:ss\"), \"Europe/Paris\")",
      "\"2024-07-01T10:00:00Z\"", 2, 2, BindZoneToUtc));
  // hashing and ids
  t.push_back(Def("sha256", "hashing", "sha256(STRING)",
                  "SHA-256 of the UTF-8 bytes, lowercase hex", "sha256(\"abc\")",
                  "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"", 1, 1,
                  std::bind(BindHash, _1, _2, _3, Sha256)));
  t.push_back(Def("md5", "hashing", "md5(STRING)", "MD5 of the UTF-8 bytes, lowercase hex",
                  "md5(\"abc\")", "\"900150983cd24fb0d6963f7d28e17f72\"", 1, 1,
                  std::bind(BindHash, _1, _2, _3, Md5)));
  t.push_back(Def("uuid", "hashing", "uuid()", "A random UUID (version 4), one per row", "uuid()",
                  "\"0b5e1c52-6f8e-4a2b-9a4e-2b8f5f3c9d10\"", 0, 0, BindUuid));
  return t;
}

}  // namespace

const std::vector<FunctionDef>& FunctionTable() {
  static const std::vector<FunctionDef> t = MakeTable();
  return t;
}

const FunctionDef* FindFunction(const std::string& name) {
  for (const auto& f : FunctionTable())
    if (f.info.name == name) return &f;
  return nullptr;
}

const std::vector<FunctionInfo>& Functions() {
  static const std::vector<FunctionInfo> infos = [] {
    std::vector<FunctionInfo> v;
    for (const auto& f : FunctionTable()) v.push_back(f.info);
    return v;
  }();
  return infos;
}

const std::vector<OperatorInfo>& Operators() {
  static const std::vector<OperatorInfo> ops = {
      {"+", "", "arithmetic", "Addition; concatenation when either side is a string"},
      {"-", "", "arithmetic", "Subtraction, or negation as a prefix"},
      {"*", "", "arithmetic", "Multiplication"},
      {"/", "div", "arithmetic", "Division (always a float); by zero fails the row"},
      {"%", "mod", "arithmetic", "Remainder; by zero fails the row"},
      {"==", "eq", "comparison", "Equal"},
      {"!=", "ne", "comparison", "Not equal"},
      {"<", "lt", "comparison", "Less than"},
      {"<=", "le", "comparison", "Less than or equal"},
      {">", "gt", "comparison", "Greater than"},
      {">=", "ge", "comparison", "Greater than or equal"},
      {"&&", "and", "logical", "And (false && null is false)"},
      {"||", "or", "logical", "Or (true || null is true)"},
      {"!", "not", "logical", "Not"},
  };
  return ops;
}

}  // namespace fluxo::dataprep
