// Reading every matching entity of a kind inside a transaction, page by page in id order (keyset
// paging, so the memory held is one page), for system tasks that must see them all.
#ifndef FLUXO_METASTORE_PAGING_H_
#define FLUXO_METASTORE_PAGING_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metastore/metastore.h"

namespace fluxo {

// A `path OP value` filter.
Filter Where(std::string_view path, FilterOp op, std::string_view value);

// Calls `fn` for each entity of `kind` in `scope` matching `filters`, in ascending id order,
// reading pages of `page_size` through `txn`. Stops at the first status of `fn` that is not OK
// and returns it. `fn` may move from the entity it is given.
Status ForEachById(MetaTxn& txn, const Scope& scope, const std::string& kind,
                   const std::vector<Filter>& filters, int page_size,
                   const std::function<Status(Entity&)>& fn);

}  // namespace fluxo

#endif  // FLUXO_METASTORE_PAGING_H_
