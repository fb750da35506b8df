# The REST connector (see README.md). Included by src/connectors/CMakeLists.txt. libcurl comes
# through fluxo_objstore_s3 (the files connector) as well; it is named here for this folder.
find_package(CURL REQUIRED)
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/auth.cc
  ${CMAKE_CURRENT_LIST_DIR}/http_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_path.cc
  ${CMAKE_CURRENT_LIST_DIR}/pager.cc
  ${CMAKE_CURRENT_LIST_DIR}/rest_connector.cc
  ${CMAKE_CURRENT_LIST_DIR}/rest_source.cc
  ${CMAKE_CURRENT_LIST_DIR}/rest_spec.cc
  ${CMAKE_CURRENT_LIST_DIR}/rest_spec_decl.cc
  ${CMAKE_CURRENT_LIST_DIR}/template.cc)
list(APPEND CONNECTOR_DEPS CURL::libcurl OpenSSL::Crypto)
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_REST)
