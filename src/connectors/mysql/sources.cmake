# The MySQL / MariaDB connector (libmariadb). Included by ../CMakeLists.txt. It uses the SQL
# helpers of ../sql (sql/sources.cmake).
find_package(PkgConfig REQUIRED)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/mysql/mysql_connector.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/mysql/mysql_spec.cc)
list(APPEND CONNECTOR_DEPS PkgConfig::MARIADB Boost::url)
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_MYSQL)
