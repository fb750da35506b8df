// Numbered schema migrations of the PostgreSQL metastore. Same numbers and descriptions as the
// SQLite store's (sqlite/migrations.h; a unit test keeps them in step), PostgreSQL DDL. Append
// only: a migration that has shipped is never edited. Each runs in its own transaction, under a
// session advisory lock so that nodes starting at once apply each migration exactly once.
#pragma once

#include <vector>

#include "metastore/sqlite/migrations.h"

namespace fluxo::pgmeta {

using Migration = sqlite::Migration;

const std::vector<Migration>& Migrations();

}  // namespace fluxo::pgmeta
