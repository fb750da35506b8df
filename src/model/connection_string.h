// Database connection strings, as given in the `connectionString` auth param of the PostgreSQL and
// MySQL/MariaDB connection specs. Three forms are accepted:
//   kUri       scheme://[user[:password]@]host[:port][,host2...][/db][?key=value&...]
//              (libpq and MySQL URIs)
//   kKeyValue  Key=Value;Key=Value  (ODBC/ADO.NET; AEP's "Server=h;Database=d;Port=5432;UID=u;
//              Password=p" and MySQL's "...;PWD=p"). A value may be {braced} ("}}" is a literal
//              "}") or 'quoted'/"quoted" (a doubled quote is a literal quote) to hold ';'.
//   kKeywords  key=value key='va lue'  (libpq keyword/value form; backslash escapes)
//
// Error messages name keys and byte offsets, never values: a connection string holds a password.
// Thread-safe (pure functions).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace fluxo {

enum class ConnectionStringForm { kUri, kKeyValue, kKeywords };

// kUri when `s` starts with "scheme://"; kKeyValue when it has a ';' and the text before the first
// ';' is a single Key=Value pair; kKeywords otherwise.
ConnectionStringForm ClassifyConnectionString(std::string_view s);

// Parses the kKeyValue form. Keys are trimmed and lower-cased ("UID" -> "uid"); unquoted values
// are trimmed; quoted and braced values are unescaped and kept as they are. Empty segments
// (";;", a trailing ';') are skipped. Errors (InvalidArgument): a segment without '=', an empty
// key, an unterminated quote or brace, text after a closing quote or brace, a key given twice
// (in any case).
Result<std::map<std::string, std::string>> ParseKeyValueConnectionString(std::string_view s);

// OK when `s` parses in the form ClassifyConnectionString picks (URIs are only checked for a
// host part); InvalidArgument naming the problem otherwise (never a value).
Status CheckConnectionString(std::string_view s);

// `s` with the value of every password-like key (see IsSecretKeyName) and the password of a URI's
// user info replaced by kMaskedValue, everything else kept byte for byte:
//   "Server=h;UID=u;Password={a;b}"   -> "Server=h;UID=u;Password=***"
//   "postgresql://u:p@h/db"           -> "postgresql://u:***@h/db"
//   "host=h password='p w'"           -> "host=h password=***"
// When `s` does not parse, or the result still shows a password-like key with an unmasked value
// when read in any form, the whole string is masked: the result never holds secret material.
std::string MaskConnectionString(std::string_view s);

// True for keys that name a secret in a connection string or URI query: after lower-casing and
// dropping non-alphanumerics, "pwd", "pass", "passwd", or anything containing "password",
// "secret" or "token" ("Password", "PWD", "sslpassword", "ClientSecret").
bool IsSecretKeyName(std::string_view key);

}  // namespace fluxo
