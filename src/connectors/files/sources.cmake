# File sources: local folders and S3 (see README.md). Included by src/connectors/CMakeLists.txt.
find_package(ZLIB REQUIRED)
find_package(BZip2 REQUIRED)
find_library(FLUXO_ZSTD_LIB zstd REQUIRED)
list(APPEND CONNECTOR_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/byte_stream.cc
  ${CMAKE_CURRENT_LIST_DIR}/csv_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/explore.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_source.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_specs.cc
  ${CMAKE_CURRENT_LIST_DIR}/file_system.cc
  ${CMAKE_CURRENT_LIST_DIR}/inference.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_reader.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_splitter.cc
  ${CMAKE_CURRENT_LIST_DIR}/local_folder_connector.cc
  ${CMAKE_CURRENT_LIST_DIR}/parquet_records.cc
  ${CMAKE_CURRENT_LIST_DIR}/record_reader.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_connector.cc
  ${CMAKE_CURRENT_LIST_DIR}/selection.cc
  ${CMAKE_CURRENT_LIST_DIR}/split_planner.cc
  ${CMAKE_CURRENT_LIST_DIR}/values.cc)
list(APPEND CONNECTOR_DEPS fluxo_objstore fluxo_objstore_s3 ZLIB::ZLIB BZip2::BZip2 ${FLUXO_ZSTD_LIB})
list(APPEND CONNECTOR_DEFS FLUXO_CONNECTOR_FILES)
