// The listing query every list endpoint passes to the metastore: filters, order, page.
//
// Parsed from the query string by src/api (list_query.h); executed in SQL by the metastore
// implementation. Plain data; no validation happens here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fluxo {

enum class FilterOp { kEq, kNe, kGt, kLt, kGe, kLe };

// One `property=PATH OP VALUE` clause. Clauses of a query are ANDed; `values` are ORed.
struct Filter {
  // Dotted path into the entity JSON ("metrics.statusSummary.status"). A segment ending in "[]"
  // reaches into an array ("sourceConnectionIds[]"); `array_segment` is then the index of that
  // segment in the split path, else -1.
  std::string path;
  int array_segment = -1;
  FilterOp op = FilterOp::kEq;
  // Unquoted values; more than one means OR. Never empty.
  std::vector<std::string> values;
};

struct ListQuery {
  int limit = 100;     // 1..1000
  bool count = false;  // answer {"count": n} only
  std::vector<Filter> filters;
  std::string order_field = "createdAt";  // a dotted path, as for filters
  bool order_desc = true;
  // Keyset position of the previous page's last row (opaque to the API; set from the decoded
  // continuation token).
  std::optional<std::string> after_sort_value;  // serialized sort value of the last row
  std::optional<std::string> after_id;          // id of the last row
  // List() leaves Entity::doc empty and fills Entity::raw_doc with the stored JSON text (for
  // answers that only pass documents through: no parse and re-serialization).
  bool raw_documents = false;
  // ListAcrossScopes inside Transact only (claims): the returned rows stay locked for update
  // until the transaction ends, and rows another transaction has locked are skipped rather than
  // waited for (PostgreSQL `FOR UPDATE SKIP LOCKED`). The SQLite store, whose write transactions
  // are serialized anyway, ignores it.
  bool skip_locked = false;
};

// For store implementations, which embed field paths into SQL: the segments of a dotted path
// ("a.b.c" -> {"a","b","c"}; an empty segment stays, so the check below refuses it).
std::vector<std::string> SplitFieldPath(const std::string& path);
// True when `segment` may be embedded in SQL text: 1..64 characters of [A-Za-z0-9_].
bool IsSafeFieldSegment(const std::string& segment);

}  // namespace fluxo
