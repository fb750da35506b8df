#include "metastore/paging.h"

namespace fluxo {

Filter Where(std::string_view path, FilterOp op, std::string_view value) {
  return Filter{std::string(path), -1, op, {std::string(value)}};
}

Status ForEachById(MetaTxn& txn, const Scope& scope, const std::string& kind,
                   const std::vector<Filter>& filters, int page_size,
                   const std::function<Status(Entity&)>& fn) {
  std::string after;
  while (true) {
    ListQuery q;
    q.limit = page_size;
    q.order_field = "id";
    q.order_desc = false;
    q.filters = filters;
    if (!after.empty()) q.filters.push_back(Where("id", FilterOp::kGt, after));
    ASSIGN_OR_RETURN(EntityPage page, txn.List(scope, kind, q));
    const bool last = page.items.size() < static_cast<size_t>(page_size);
    if (!page.items.empty()) after = page.items.back().id;
    for (auto& e : page.items) RETURN_IF_ERROR(fn(e));
    if (last) return Status::OK();
  }
}

}  // namespace fluxo
