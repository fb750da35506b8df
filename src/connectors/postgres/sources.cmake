# The PostgreSQL connector (libpq). Included by ../CMakeLists.txt.
find_package(PostgreSQL REQUIRED)
find_package(date CONFIG REQUIRED)
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/sql_common.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/pg_conn.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/pg_copy_decoder.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/postgres_connector.cc)
list(APPEND CONNECTOR_DEPS PostgreSQL::PostgreSQL date::date-tz)
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_POSTGRES)
