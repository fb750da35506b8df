# The SQLite connector (see README.md). Included by src/connectors/CMakeLists.txt.
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/sqlite/sqlite_connector.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sqlite/sqlite_paths.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sqlite/sqlite_spec.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sqlite/sqlite_types.cc)
list(APPEND CONNECTOR_DEPS fluxo_sqlite3 SQLite::SQLite3)
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_SQLITE)
