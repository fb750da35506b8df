// Placeholders in self-serve spec texts (urlParams.host/path/queryParams, headerParams,
// bodyParams): `${name}` and `{{name}}` (AEP's documents use both) are replaced by the value of
// `name`, looked up in the source connection's params, the connection's auth params and the
// run's window (rest_request.h lists the names). A name is letters, digits, `_`, `-` and `.`
// (a dotted name reaches into an object param). An unknown name is an error, never an empty
// string: at spec creation (CheckPlaceholders) and at run time (FillTemplate).
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace fluxo::connectors::rest {

// The value of a placeholder, or nullopt when the name is unknown.
using PlaceholderLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The names of the placeholders in `text`, in order. InvalidArgument naming `where` and the
// offset for an unterminated or empty placeholder.
Result<std::vector<std::string>> Placeholders(std::string_view text, std::string_view where);

// `text` with every placeholder replaced. InvalidArgument "WHERE: placeholder ${x} names no
// parameter" for an unknown name (the message never holds a value).
Result<std::string> FillTemplate(std::string_view text, const PlaceholderLookup& lookup,
                                 std::string_view where);

}  // namespace fluxo::connectors::rest
