#include "storage/where_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/date_parse.h"

namespace ck::storage {

namespace {

using K = WhereTokenKind;

// SQL text of a LIKE with MySQL's default escape character.
constexpr std::string_view kLike = " LIKE ? ESCAPE '\\'";
constexpr std::string_view kNotLike = " NOT LIKE ? ESCAPE '\\'";

constexpr std::string_view kKeywords[] = {"and",  "or",    "not",   "like",   "in",
                                          "is",   "null",  "true",  "false",  "after",
                                          "before", "at"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool sameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// True when `t` is the keyword `keyword` (lowercase), in any case.
bool wordIs(const WhereToken& t, std::string_view keyword) {
  return t.kind == K::kWord && sameIgnoringCase(t.text, keyword);
}

bool isKeyword(const WhereToken& t) {
  for (std::string_view k : kKeywords) {
    if (wordIs(t, k)) return true;
  }
  return false;
}

bool isLiteralWord(const WhereToken& t) {
  return wordIs(t, "true") || wordIs(t, "false") || wordIs(t, "null");
}

bool startsLiteral(const WhereToken& t) {
  return t.kind == K::kString || t.kind == K::kNumber || t.kind == K::kMinus || isLiteralWord(t);
}

enum class CompareOp { kEq, kNe, kLt, kGt, kLe, kGe };

std::optional<CompareOp> compareOp(K kind) {
  switch (kind) {
    case K::kEq: return CompareOp::kEq;
    case K::kNe: return CompareOp::kNe;
    case K::kLt: return CompareOp::kLt;
    case K::kGt: return CompareOp::kGt;
    case K::kLe: return CompareOp::kLe;
    case K::kGe: return CompareOp::kGe;
    default: return std::nullopt;
  }
}

const char* sqlOf(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "<>";
    case CompareOp::kLt: return "<";
    case CompareOp::kGt: return ">";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGe: return ">=";
  }
  return "=";
}

// The operator that keeps the meaning when its operands swap sides.
CompareOp flip(CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return CompareOp::kGt;
    case CompareOp::kGt: return CompareOp::kLt;
    case CompareOp::kLe: return CompareOp::kGe;
    case CompareOp::kGe: return CompareOp::kLe;
    default: return op;
  }
}

// A literal value of the clause, before it is checked against a column.
struct Literal {
  enum class Kind { kString, kNumber, kBoolean, kNull };
  Kind kind = Kind::kNull;
  size_t offset = 0;    // of its first token (the '-' of a negative number)
  std::string text;     // kString: the value; kNumber: the source, with its sign
  SqlValue number;      // kNumber: int64_t or double
  bool boolean = false;  // kBoolean
};

// SQL under construction.
struct Expr {
  std::string sql;
  std::vector<SqlValue> params;
  bool grouped = false;  // the whole text is one parenthesised group
};

// "(a OP b OP c)", or the single item as it is.
Expr join(std::vector<Expr> items, std::string_view op) {
  if (items.size() == 1) return std::move(items[0]);
  Expr e;
  e.sql = "(";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) e.sql += op;
    e.sql += items[i].sql;
    for (SqlValue& v : items[i].params) e.params.push_back(std::move(v));
  }
  e.sql += ")";
  e.grouped = true;
  return e;
}

std::string quoted(std::string_view text) { return "'" + whereExcerpt(text) + "'"; }

// "<what>", or "<what>, found <token>" when a token other than the end is there.
std::string expected(std::string_view what, const WhereToken& found) {
  std::string m(what);
  if (found.kind != K::kEnd) m += ", found " + describeToken(found);
  return m;
}

std::string columnIs(const ColumnInfo& c) {
  return "column " + quoted(c.name) + " is of type " + valueTypeName(c.type);
}

const char* expectedValue(ValueType type) {
  switch (type) {
    case ValueType::kString: return "a quoted string";
    case ValueType::kNumber: return "a number";
    case ValueType::kBoolean: return "true or false";
    case ValueType::kDate: return "epoch milliseconds or a quoted date";
    case ValueType::kJson: return "IS NULL or IS NOT NULL";
  }
  return "a value";
}

std::string foundValue(const Literal& v) {
  switch (v.kind) {
    case Literal::Kind::kString: return "a string";
    case Literal::Kind::kNumber: return "a number";
    case Literal::Kind::kBoolean: return v.boolean ? "'true'" : "'false'";
    case Literal::Kind::kNull: return "null";
  }
  return "a value";
}

// One parse of one clause. Functions return false after recording the first
// error; the token vector ends with kEnd, which peek() never moves past.
class Parser {
 public:
  Parser(std::string_view where, const std::vector<WhereToken>& tokens, const TableSchema& table,
         const WhereLimits& limits)
      : where_(where), tokens_(tokens), table_(table), limits_(limits) {}

  Result<SqlFragment> run() {
    Expr e;
    if (parseOr(&e, 0)) {
      const WhereToken& rest = peek();
      if (rest.kind == K::kRParen) {
        fail(rest, "')' without a matching '('");
      } else if (rest.kind != K::kEnd) {
        fail(rest, expected("expected AND, OR or the end of the clause", rest));
      }
    }
    if (error_) return *error_;
    return SqlFragment{std::move(e.sql), std::move(e.params)};
  }

 private:
  const WhereToken& peek() const { return tokens_[pos_]; }
  const WhereToken& take() {
    const WhereToken& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  const WhereToken& peekAfter() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }

  bool fail(size_t offset, std::string_view what) {
    if (!error_) error_ = whereError(where_, offset, what);
    return false;
  }
  bool fail(const WhereToken& at, std::string_view what) { return fail(at.offset, what); }
  bool failDepth(const WhereToken& at) {
    return fail(at, "nesting deeper than the limit of " + std::to_string(limits_.maxDepth) + " levels");
  }

  // or := and (OR and)*
  bool parseOr(Expr* out, size_t depth) {
    std::vector<Expr> items(1);
    if (!parseAnd(&items[0], depth)) return false;
    while (wordIs(peek(), "or")) {
      take();
      items.emplace_back();
      if (!parseAnd(&items.back(), depth)) return false;
    }
    *out = join(std::move(items), " OR ");
    return true;
  }

  // and := not (AND not)*
  bool parseAnd(Expr* out, size_t depth) {
    std::vector<Expr> items(1);
    if (!parseNot(&items[0], depth)) return false;
    while (wordIs(peek(), "and")) {
      take();
      items.emplace_back();
      if (!parseNot(&items.back(), depth)) return false;
    }
    *out = join(std::move(items), " AND ");
    return true;
  }

  // not := NOT not | primary
  bool parseNot(Expr* out, size_t depth) {
    if (!wordIs(peek(), "not")) return parsePrimary(out, depth);
    const WhereToken& notToken = take();
    if (depth + 1 > limits_.maxDepth) return failDepth(notToken);
    Expr inner;
    if (!parseNot(&inner, depth + 1)) return false;
    out->sql = inner.grouped ? "NOT " + inner.sql : "NOT (" + inner.sql + ")";
    out->params = std::move(inner.params);
    out->grouped = false;
    return true;
  }

  // primary := ( or ) | condition
  bool parsePrimary(Expr* out, size_t depth) {
    if (peek().kind != K::kLParen) return parseCondition(out);
    const WhereToken& open = take();
    if (depth + 1 > limits_.maxDepth) return failDepth(open);
    if (!parseOr(out, depth + 1)) return false;
    const WhereToken& close = peek();
    if (close.kind != K::kRParen) {
      return fail(close, expected("expected ')' to close the '(' at position " +
                                      std::to_string(wherePosition(where_, open.offset)),
                                  close));
    }
    take();
    return true;
  }

  bool parseCondition(Expr* out) {
    const WhereToken& first = peek();
    if (first.kind == K::kWord && !isLiteralWord(first)) {
      if (!countTerm(first)) return false;
      const ColumnInfo* column = nullptr;
      return parseColumn(&column) && parseOperator(*column, out);
    }
    if (startsLiteral(first)) {
      if (!countTerm(first)) return false;
      return parseValueFirst(out);
    }
    return fail(first, first.kind == K::kEnd ? "expected a condition"
                                             : "expected a condition, found " + describeToken(first));
  }

  bool countTerm(const WhereToken& at) {
    if (++terms_ <= limits_.maxTerms) return true;
    return fail(at, "more than the limit of " + std::to_string(limits_.maxTerms) + " conditions");
  }

  // A column name that is in the schema (and a valid name).
  bool parseColumn(const ColumnInfo** out) {
    const WhereToken& name = take();
    const WhereToken& next = peek();
    if (next.kind == K::kDot || next.kind == K::kLBracket) {
      std::string shown = name.text + next.text;
      if (peekAfter().kind == K::kWord) shown += peekAfter().text;
      return fail(name, "relations are not supported: " + quoted(shown));
    }
    const ColumnInfo* column = table_.find(name.text);
    if (column == nullptr || !isSqlSafeName(column->name)) {
      if (isKeyword(name)) return fail(name, "expected a condition, found " + describeToken(name));
      std::string what = "unknown column " + quoted(name.text);
      for (const ColumnInfo& c : table_.columns) {
        if (sameIgnoringCase(c.name, name.text) && isSqlSafeName(c.name)) {
          what += " (did you mean '" + c.name + "'?)";
          break;
        }
      }
      return fail(name, what);
    }
    *out = column;
    return true;
  }

  // After a column: the operator and what follows it.
  bool parseOperator(const ColumnInfo& column, Expr* out) {
    const WhereToken& op = peek();
    if (std::optional<CompareOp> cmp = compareOp(op.kind)) {
      take();
      Literal v;
      return parseValue("expected a value after '" + op.text + "'", &v) &&
             compare(column, *cmp, op.offset, v, out);
    }
    if (wordIs(op, "not")) {
      take();
      const WhereToken& next = peek();
      if (wordIs(next, "like")) return parseLike(column, take(), true, out);
      if (wordIs(next, "in")) return parseIn(column, take(), true, out);
      return fail(next, expected("expected LIKE or IN after NOT", next));
    }
    if (wordIs(op, "like")) return parseLike(column, take(), false, out);
    if (wordIs(op, "in")) return parseIn(column, take(), false, out);
    if (wordIs(op, "is")) {
      take();
      return parseIs(column, out);
    }
    if (wordIs(op, "after")) return parseDateKeyword(column, take(), "AFTER", CompareOp::kGt, out);
    if (wordIs(op, "before")) return parseDateKeyword(column, take(), "BEFORE", CompareOp::kLt, out);
    if (wordIs(op, "at")) {
      take();
      const char* what = "expected OR AFTER or OR BEFORE after AT";
      if (!wordIs(peek(), "or")) return fail(peek(), expected(what, peek()));
      take();
      if (wordIs(peek(), "after") || wordIs(peek(), "before")) {
        bool after = wordIs(take(), "after");
        return parseDateKeyword(column, op, after ? "AT OR AFTER" : "AT OR BEFORE",
                                after ? CompareOp::kGe : CompareOp::kLe, out);
      }
      return fail(peek(), expected(what, peek()));
    }
    return fail(op, expected("expected an operator after " + quoted(column.name), op));
  }

  // value op column, turned around into column op' value.
  bool parseValueFirst(Expr* out) {
    Literal v;
    if (!parseValue("expected a condition", &v)) return false;
    const WhereToken& op = peek();
    std::optional<CompareOp> cmp = compareOp(op.kind);
    if (!cmp) return fail(op, expected("expected a comparison operator after the value", op));
    take();
    const WhereToken& name = peek();
    if (name.kind != K::kWord || isLiteralWord(name)) {
      return fail(name, expected("expected a column name after '" + op.text +
                                     "' (one side of a comparison must be a column)",
                                 name));
    }
    const ColumnInfo* column = nullptr;
    return parseColumn(&column) && compare(*column, flip(*cmp), op.offset, v, out);
  }

  // A literal: 'string', [-]number, true, false or null. `what` is the
  // message when there is none ("expected a value after '='").
  bool parseValue(const std::string& what, Literal* out) {
    const WhereToken& t = peek();
    out->offset = t.offset;
    switch (t.kind) {
      case K::kString:
        out->kind = Literal::Kind::kString;
        out->text = take().text;
        return true;
      case K::kNumber: return number(take().text, false, out);
      case K::kMinus: {
        take();
        if (peek().kind != K::kNumber) return fail(peek(), expected("expected a number after '-'", peek()));
        return number(take().text, true, out);
      }
      case K::kWord:
        if (isLiteralWord(t)) {
          take();
          out->kind = wordIs(t, "null") ? Literal::Kind::kNull : Literal::Kind::kBoolean;
          out->boolean = wordIs(t, "true");
          return true;
        }
        if (table_.find(t.text) != nullptr) {
          return fail(t, "comparing two columns is not supported (" + quoted(t.text) + " is a column)");
        }
        return fail(t, expected(what, t) + " (strings take single quotes)");
      default: return fail(t, expected(what, t));
    }
  }

  bool number(const std::string& digits, bool negative, Literal* out) {
    out->kind = Literal::Kind::kNumber;
    out->text = negative ? "-" + digits : digits;
    const char* begin = out->text.data();
    const char* end = begin + out->text.size();
    if (out->text.find_first_of(".eE") == std::string::npos) {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(begin, end, i);
      if (ec == std::errc() && ptr == end) {
        out->number = i;
        return true;
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(begin, end, d);
    if (ec != std::errc() || ptr != end || !std::isfinite(d)) {
      return fail(out->offset, "number out of range: " + quoted(out->text));
    }
    out->number = d;
    return true;
  }

  // column op value, with `= null` and `!= null` as IS [NOT] NULL.
  bool compare(const ColumnInfo& column, CompareOp op, size_t opOffset, const Literal& v, Expr* out) {
    std::string name = quoteIdentifier(column.name);
    if (v.kind == Literal::Kind::kNull) {
      if (op == CompareOp::kEq || op == CompareOp::kNe) {
        out->sql = name + (op == CompareOp::kEq ? " IS NULL" : " IS NOT NULL");
        return true;
      }
      return fail(v.offset, "null can only be compared with = or != (or use IS NULL)");
    }
    if (column.type == ValueType::kJson) {
      return fail(opOffset, columnIs(column) + ": only IS NULL and IS NOT NULL apply");
    }
    if (column.type == ValueType::kBoolean && op != CompareOp::kEq && op != CompareOp::kNe) {
      return fail(opOffset, columnIs(column) + ": only = and != apply");
    }
    SqlValue param;
    if (!bindValue(column, v, &param)) return false;
    out->sql = name + " " + sqlOf(op) + " ?";
    out->params.push_back(std::move(param));
    return true;
  }

  // The parameter for `v` compared with `column`, checking its type.
  bool bindValue(const ColumnInfo& column, const Literal& v, SqlValue* out) {
    using LK = Literal::Kind;
    switch (column.type) {
      case ValueType::kString:
        if (v.kind != LK::kString) break;
        *out = v.text;
        return true;
      case ValueType::kNumber:
        if (v.kind != LK::kNumber) break;
        *out = v.number;
        return true;
      case ValueType::kBoolean:
        if (v.kind != LK::kBoolean) break;
        *out = int64_t{v.boolean ? 1 : 0};
        return true;
      case ValueType::kDate:
        if (v.kind == LK::kNumber) return dateFromNumber(column, v, out);
        if (v.kind != LK::kString) break;
        if (Result<int64_t> ms = parseDate(v.text); ms.ok()) {
          *out = *ms;
          return true;
        } else {
          return fail(v.offset, columnIs(column) + ": cannot read " + quoted(v.text) + " as a date (" +
                                    ms.status().message() + ")");
        }
      case ValueType::kJson: break;
    }
    return fail(v.offset, columnIs(column) + ": expected " + expectedValue(column.type) + ", found " + foundValue(v));
  }

  bool dateFromNumber(const ColumnInfo& column, const Literal& v, SqlValue* out) {
    if (const int64_t* i = std::get_if<int64_t>(&v.number)) {
      *out = *i;
      return true;
    }
    double d = std::get<double>(v.number);
    // 2^63 is exactly representable; every double below it in magnitude
    // that is whole converts exactly.
    constexpr double kLimit = 9223372036854775808.0;
    if (std::trunc(d) == d && d >= -kLimit && d < kLimit) {
      *out = static_cast<int64_t>(d);
      return true;
    }
    return fail(v.offset, columnIs(column) + ": expected whole epoch milliseconds, found " + quoted(v.text));
  }

  bool parseLike(const ColumnInfo& column, const WhereToken& like, bool negated, Expr* out) {
    if (column.type != ValueType::kString) {
      return fail(like, "LIKE applies to string columns only; " + columnIs(column));
    }
    const WhereToken& pattern = peek();
    if (pattern.kind != K::kString) return fail(pattern, expected("expected a quoted pattern after LIKE", pattern));
    take();
    out->sql = quoteIdentifier(column.name);
    out->sql += negated ? kNotLike : kLike;
    out->params.push_back(pattern.text);
    return true;
  }

  bool parseIn(const ColumnInfo& column, const WhereToken& in, bool negated, Expr* out) {
    if (column.type == ValueType::kBoolean || column.type == ValueType::kJson) {
      return fail(in, "IN applies to string, number and date columns; " + columnIs(column));
    }
    const WhereToken& open = peek();
    if (open.kind != K::kLParen) return fail(open, expected("expected '(' after IN", open));
    take();
    if (peek().kind == K::kRParen) return fail(peek(), "empty IN list");
    out->sql = quoteIdentifier(column.name) + (negated ? " NOT IN (" : " IN (");
    for (size_t count = 1;; ++count) {
      const WhereToken& item = peek();
      if (count > limits_.maxInItems) {
        return fail(item, "more than the limit of " + std::to_string(limits_.maxInItems) + " values in an IN list");
      }
      Literal v;
      if (!parseValue("expected a value in the IN list", &v)) return false;
      if (v.kind == Literal::Kind::kNull) return fail(v.offset, "null is not allowed in an IN list (use IS NULL)");
      SqlValue param;
      if (!bindValue(column, v, &param)) return false;
      out->params.push_back(std::move(param));
      out->sql += count == 1 ? "?" : ", ?";
      const WhereToken& sep = take();
      if (sep.kind == K::kRParen) break;
      if (sep.kind != K::kComma) return fail(sep, expected("expected ',' or ')' in the IN list", sep));
    }
    out->sql += ")";
    return true;
  }

  // After IS: [NOT] NULL.
  bool parseIs(const ColumnInfo& column, Expr* out) {
    bool negated = wordIs(peek(), "not");
    if (negated) take();
    if (!wordIs(peek(), "null")) {
      return fail(peek(), expected(negated ? "expected NULL after IS NOT" : "expected NULL or NOT NULL after IS", peek()));
    }
    take();
    out->sql = quoteIdentifier(column.name) + (negated ? " IS NOT NULL" : " IS NULL");
    return true;
  }

  // column AFTER|BEFORE|AT OR AFTER|AT OR BEFORE value; `first` is the
  // keyword's first word, `name` the whole keyword for messages.
  bool parseDateKeyword(const ColumnInfo& column, const WhereToken& first, std::string_view name, CompareOp op,
                        Expr* out) {
    if (column.type != ValueType::kDate) {
      return fail(first, std::string(name) + " applies to date columns only; " + columnIs(column));
    }
    Literal v;
    return parseValue("expected a value after " + std::string(name), &v) && compare(column, op, first.offset, v, out);
  }

  std::string_view where_;
  const std::vector<WhereToken>& tokens_;
  const TableSchema& table_;
  const WhereLimits& limits_;
  size_t pos_ = 0;
  size_t terms_ = 0;
  std::optional<Status> error_;
};

}  // namespace

Result<SqlFragment> parseWhere(std::string_view where, const std::vector<WhereToken>& tokens,
                               const TableSchema& table, const WhereLimits& limits) {
  return Parser(where, tokens, table, limits).run();
}

}  // namespace ck::storage
