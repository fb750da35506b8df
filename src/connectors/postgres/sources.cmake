# The PostgreSQL connector (libpq). Included by ../CMakeLists.txt. It uses the SQL helpers of
# ../sql (sql/sources.cmake).
find_package(PostgreSQL REQUIRED)
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/pg_conn.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/pg_copy_decoder.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/postgres_connector.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/postgres/postgres_spec.cc)
list(APPEND CONNECTOR_DEPS PostgreSQL::PostgreSQL)
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_POSTGRES)
