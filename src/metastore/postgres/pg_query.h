// SQL text of a ListQuery for the PostgreSQL metastore: filters, order and keyset position, with
// every value bound as a parameter. Document paths compile to `doc #>> '{a,b}'` (segments are
// restricted to [A-Za-z0-9_], so embedding them is safe and lets PostgreSQL match the expression
// indexes of the migrations). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "metastore/query.h"

namespace fluxo::pgmeta {

// Text parameters of one statement; Bind returns the placeholder ("$3::numeric").
class SqlParams {
 public:
  std::string Bind(std::string value, const char* cast = "text");
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// `WHERE` conditions (without the keyword) of kind + scope (org/sandbox null: every scope) +
// the query's filters.
Result<std::string> WhereSql(const std::string& kind, const std::string* org,
                             const std::string* sandbox, const ListQuery& q, SqlParams* params);

// The sort keys of `order_field`: for a column (createdAt, updatedAt, id) the column; for a
// document path three keys (type rank: numbers before text, as in SQLite; the number; the text).
struct OrderKeys {
  std::vector<std::string> exprs;  // ORDER BY expressions, id excluded
  bool is_document = false;
};
Result<OrderKeys> OrderKeysFor(const std::string& order_field);

// `(k..., id) < / > (...)` for the keyset position of `q`; "" when `q` has none.
Result<std::string> KeysetSql(const OrderKeys& keys, const ListQuery& q, SqlParams* params);

// The serialized sort value of a row whose sort keys were selected as text (one per key).
std::string EncodeSortValue(const OrderKeys& keys, const std::vector<std::string>& key_text);

}  // namespace fluxo::pgmeta
