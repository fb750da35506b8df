# Helpers shared by the SQL table sources (PostgreSQL, MySQL/MariaDB): names, time zones, text
# delta formats, split ranges, explore previews. Included by ../CMakeLists.txt before the
# connectors that use it.
find_package(date CONFIG REQUIRED)
list(APPEND CONNECTOR_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/sql/sql_common.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sql/table_params.cc ${CMAKE_CURRENT_SOURCE_DIR}/sql/late_commit.cc)
list(APPEND CONNECTOR_DEPS date::date-tz)
