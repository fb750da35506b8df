// The parser of the expression language: text to an untyped syntax tree with positions.
// Internal to src/dataprep (expr.cc types the tree). Pure functions, thread-safe.
//
// Grammar (lowest precedence first; keywords are case-sensitive, as in Data Prep):
//   or      := and   (("||" | "or") and)*
//   and     := cmp   (("&&" | "and") cmp)*
//   cmp     := add   (("==" | "!=" | "<" | "<=" | ">" | ">=" | eq ne lt le gt ge) add)?
//   add     := mul   (("+" | "-") mul)*
//   mul     := unary (("*" | "/" | "%" | div | mod) unary)*
//   unary   := ("-" | "!" | "not") unary | primary
//   primary := NUMBER | STRING | true | false | null | "(" or ")"
//            | NAME "(" [or ("," or)*] ")"          a function call
//            | NAME ("." NAME)*  |  "${" any text "}"   a field
// NUMBER: digits, optional fraction and exponent (a fraction or exponent makes it a float).
// STRING: '...' or "..." with \\ \" \' \n \t \r escapes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "dataprep/expr.h"

namespace fluxo::dataprep {

struct Ast {
  enum class Kind : uint8_t { kLiteral, kField, kCall, kUnary, kBinary };
  Kind kind = Kind::kLiteral;
  int pos = 1;  // 1-based byte position of the node's first character
  // kLiteral: the value (type kNull, kBool, kInt, kFloat or kString).
  VType lit_type = VType::kNull;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  // kField: the field name; kCall: the function name; kUnary/kBinary: the operator in its
  // symbol form ("&&", "==", "-", "!").
  std::string name;
  std::vector<std::unique_ptr<Ast>> args;
};

// Parses the whole of `text` (an empty text is an error). On failure returns nullptr and fills
// `*error` with the position and reason ("column 9: expected ')' but found end of expression").
std::unique_ptr<Ast> Parse(std::string_view text, ExprError* error);

}  // namespace fluxo::dataprep
