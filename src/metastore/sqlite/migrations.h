// Numbered schema migrations of the SQLite metastore. Append only: a migration that has shipped is
// never edited; a change is a new, higher number. Each runs in its own transaction.
#pragma once

#include <vector>

namespace fluxo::sqlite {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const std::vector<Migration>& Migrations();

}  // namespace fluxo::sqlite
