#include "dataprep/parser.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace fluxo::dataprep {

namespace {

enum class Tok : uint8_t { kEnd, kNumber, kString, kName, kField, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind = Tok::kEnd;
  int pos = 1;
  std::string text;  // name, operator symbol, string value, number text, field name
};

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// The keyword spellings of operators, mapped to their symbols.
const char* KeywordOperator(std::string_view w) {
  static const std::pair<const char*, const char*> kWords[] = {
      {"and", "&&"}, {"or", "||"}, {"not", "!"}, {"eq", "=="}, {"ne", "!="}, {"lt", "<"},
      {"le", "<="},  {"gt", ">"},  {"ge", ">="}, {"div", "/"}, {"mod", "%"}};
  for (const auto& [word, sym] : kWords)
    if (w == word) return sym;
  return nullptr;
}

class Lexer {
 public:
  explicit Lexer(std::string_view t) : t_(t) {}

  // Reads the next token into `*out`; false with `*error` set on a lexical error.
  bool Next(Token* out, ExprError* error) {
    while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_]))) ++p_;
    out->pos = static_cast<int>(p_) + 1;
    out->text.clear();
    if (p_ >= t_.size()) return out->kind = Tok::kEnd, true;
    char c = t_[p_];
    if (std::isdigit(static_cast<unsigned char>(c))) return Number(out);
    if (c == '"' || c == '\'') return String(out, error);
    if (c == '$' && p_ + 1 < t_.size() && t_[p_ + 1] == '{') return Braced(out, error);
    if (IsNameStart(c)) return Name(out);
    return Punct(out, error);
  }

 private:
  bool Number(Token* out) {
    size_t s = p_;
    while (p_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[p_]))) ++p_;
    if (p_ + 1 < t_.size() && t_[p_] == '.' &&
        std::isdigit(static_cast<unsigned char>(t_[p_ + 1]))) {
      ++p_;
      while (p_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[p_]))) ++p_;
    }
    if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
      size_t e = p_ + 1;
      if (e < t_.size() && (t_[e] == '+' || t_[e] == '-')) ++e;
      if (e < t_.size() && std::isdigit(static_cast<unsigned char>(t_[e]))) {
        p_ = e;
        while (p_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[p_]))) ++p_;
      }
    }
    out->kind = Tok::kNumber;
    out->text = std::string(t_.substr(s, p_ - s));
    return true;
  }

  bool String(Token* out, ExprError* error) {
    char q = t_[p_++];
    for (;;) {
      if (p_ >= t_.size()) {
        *error = {out->pos, "unterminated string literal"};
        return false;
      }
      char c = t_[p_++];
      if (c == q) break;
      if (c != '\\') {
        out->text += c;
        continue;
      }
      if (p_ >= t_.size()) continue;  // reported as unterminated on the next turn
      char e = t_[p_++];
      switch (e) {
        case 'n': out->text += '\n'; break;
        case 't': out->text += '\t'; break;
        case 'r': out->text += '\r'; break;
        case '\\':
        case '"':
        case '\'': out->text += e; break;
        default:
          *error = {static_cast<int>(p_) - 1, std::string("unknown escape \\") + e};
          return false;
      }
    }
    out->kind = Tok::kString;
    return true;
  }

  bool Braced(Token* out, ExprError* error) {
    size_t close = t_.find('}', p_ + 2);
    if (close == std::string_view::npos) {
      *error = {out->pos, "unterminated ${...} field name"};
      return false;
    }
    std::string name;
    for (size_t k = p_ + 2; k < close; ++k) {  // "\." is a literal dot, as in Data Prep
      if (t_[k] == '\\' && k + 1 < close) ++k;
      name += t_[k];
    }
    if (name.empty()) {
      *error = {out->pos, "empty ${} field name"};
      return false;
    }
    p_ = close + 1;
    out->kind = Tok::kField;
    out->text = std::move(name);
    return true;
  }

  bool Name(Token* out) {
    size_t s = p_;
    while (p_ < t_.size() && IsNameChar(t_[p_])) ++p_;
    out->text = std::string(t_.substr(s, p_ - s));
    if (const char* op = KeywordOperator(out->text)) {
      out->kind = Tok::kOp;
      out->text = op;
    } else {
      out->kind = Tok::kName;
    }
    return true;
  }

  bool Punct(Token* out, ExprError* error) {
    static const char* kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
    for (const char* two : kTwo) {
      if (t_.substr(p_, 2) == two) {
        p_ += 2;
        out->kind = Tok::kOp;
        out->text = two;
        return true;
      }
    }
    char c = t_[p_++];
    switch (c) {
      case '(': out->kind = Tok::kLParen; return true;
      case ')': out->kind = Tok::kRParen; return true;
      case ',': out->kind = Tok::kComma; return true;
      case '.':
        out->kind = Tok::kOp;
        out->text = ".";
        return true;
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '<':
      case '>':
      case '!':
        out->kind = Tok::kOp;
        out->text = std::string(1, c);
        return true;
      default: *error = {out->pos, std::string("unexpected character '") + c + "'"}; return false;
    }
  }

  std::string_view t_;
  size_t p_ = 0;
};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of expression";
    case Tok::kString: return "string literal";
    case Tok::kLParen: return "'('";
    case Tok::kRParen: return "')'";
    case Tok::kComma: return "','";
    default: return "'" + t.text + "'";
  }
}

class Parser {
 public:
  Parser(std::string_view text, ExprError* error) : lex_(text), error_(error) {}

  std::unique_ptr<Ast> Run() {
    if (!Advance()) return nullptr;
    if (cur_.kind == Tok::kEnd) return Fail("empty expression");
    auto e = Or();
    if (e && cur_.kind != Tok::kEnd) return Fail("unexpected " + Describe(cur_));
    return e;
  }

 private:
  bool Advance() { return lex_.Next(&cur_, error_); }
  std::unique_ptr<Ast> Fail(std::string message) {
    if (error_->message.empty()) *error_ = {cur_.pos, std::move(message)};
    return nullptr;
  }
  bool IsOp(std::initializer_list<const char*> ops) const {
    if (cur_.kind != Tok::kOp) return false;
    for (const char* o : ops)
      if (cur_.text == o) return true;
    return false;
  }
  static std::unique_ptr<Ast> Binary(std::string op, int pos, std::unique_ptr<Ast> l,
                                     std::unique_ptr<Ast> r) {
    auto n = std::make_unique<Ast>();
    n->kind = Ast::Kind::kBinary;
    n->pos = pos;
    n->name = std::move(op);
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return n;
  }

  // One left-associative level: operand (op operand)*; `once` allows at most one operator.
  template <class Next>
  std::unique_ptr<Ast> Level(std::initializer_list<const char*> ops, bool once, Next next) {
    auto left = (this->*next)();
    while (left && IsOp(ops)) {
      std::string op = cur_.text;
      int pos = cur_.pos;
      if (!Advance()) return nullptr;
      auto right = (this->*next)();
      if (!right) return nullptr;
      left = Binary(op, pos, std::move(left), std::move(right));
      if (once) break;
    }
    return left;
  }
  std::unique_ptr<Ast> Or() { return Level({"||"}, false, &Parser::And); }
  std::unique_ptr<Ast> And() { return Level({"&&"}, false, &Parser::Cmp); }
  std::unique_ptr<Ast> Cmp() {
    return Level({"==", "!=", "<", "<=", ">", ">="}, true, &Parser::Add);
  }
  std::unique_ptr<Ast> Add() { return Level({"+", "-"}, false, &Parser::Mul); }
  std::unique_ptr<Ast> Mul() { return Level({"*", "/", "%"}, false, &Parser::Unary); }

  std::unique_ptr<Ast> Unary() {
    if (!IsOp({"-", "!"})) return Primary();
    auto n = std::make_unique<Ast>();
    n->kind = Ast::Kind::kUnary;
    n->pos = cur_.pos;
    n->name = cur_.text;
    if (!Advance()) return nullptr;
    auto operand = Unary();
    if (!operand) return nullptr;
    n->args.push_back(std::move(operand));
    return n;
  }

  std::unique_ptr<Ast> Primary() {
    auto n = std::make_unique<Ast>();
    n->pos = cur_.pos;
    switch (cur_.kind) {
      case Tok::kNumber: return NumberLiteral(std::move(n));
      case Tok::kString:
        n->lit_type = VType::kString;
        n->s = cur_.text;
        return Advance() ? std::move(n) : nullptr;
      case Tok::kField:
        n->kind = Ast::Kind::kField;
        n->name = cur_.text;
        return Advance() ? std::move(n) : nullptr;
      case Tok::kLParen: {
        if (!Advance()) return nullptr;
        auto inner = Or();
        if (!inner) return nullptr;
        if (cur_.kind != Tok::kRParen) return Fail("expected ')' but found " + Describe(cur_));
        return Advance() ? std::move(inner) : nullptr;
      }
      case Tok::kName: return NameOrCall(std::move(n));
      default: return Fail("expected a value but found " + Describe(cur_));
    }
  }

  std::unique_ptr<Ast> NumberLiteral(std::unique_ptr<Ast> n) {
    const std::string& t = cur_.text;
    errno = 0;
    if (t.find_first_of(".eE") == std::string::npos) {
      char* end = nullptr;
      long long v = std::strtoll(t.c_str(), &end, 10);
      if (errno == ERANGE) return Fail("integer literal " + t + " is out of range");
      n->lit_type = VType::kInt;
      n->i = v;
    } else {
      n->lit_type = VType::kFloat;
      n->f = std::strtod(t.c_str(), nullptr);
    }
    return Advance() ? std::move(n) : nullptr;
  }

  std::unique_ptr<Ast> NameOrCall(std::unique_ptr<Ast> n) {
    std::string name = cur_.text;
    if (!Advance()) return nullptr;
    if (cur_.kind == Tok::kLParen) return Call(std::move(n), std::move(name));
    if (name == "true" || name == "false") {
      n->lit_type = VType::kBool;
      n->b = name == "true";
      return n;
    }
    if (name == "null") return n;  // kLiteral of type kNull
    n->kind = Ast::Kind::kField;
    while (IsOp({"."})) {
      if (!Advance()) return nullptr;
      if (cur_.kind != Tok::kName) return Fail("expected a field name after '.'");
      name += "." + cur_.text;
      if (!Advance()) return nullptr;
    }
    n->name = std::move(name);
    return n;
  }

  std::unique_ptr<Ast> Call(std::unique_ptr<Ast> n, std::string name) {
    n->kind = Ast::Kind::kCall;
    n->name = std::move(name);
    if (!Advance()) return nullptr;  // '('
    if (cur_.kind != Tok::kRParen) {
      for (;;) {
        auto arg = Or();
        if (!arg) return nullptr;
        n->args.push_back(std::move(arg));
        if (cur_.kind == Tok::kComma) {
          if (!Advance()) return nullptr;
          continue;
        }
        if (cur_.kind != Tok::kRParen)
          return Fail("expected ',' or ')' in the arguments of " + n->name + " but found " +
                      Describe(cur_));
        break;
      }
    }
    return Advance() ? std::move(n) : nullptr;
  }

  Lexer lex_;
  ExprError* error_;
  Token cur_;
};

}  // namespace

std::unique_ptr<Ast> Parse(std::string_view text, ExprError* error) {
  *error = {};
  Parser p(text, error);
  auto ast = p.Run();
  if (!ast && error->message.empty()) *error = {1, "malformed expression"};
  return ast;
}

}  // namespace fluxo::dataprep
