# Shared build helpers: warnings, sanitizers, one library per src/ folder, tests.

set(FLUXO_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers
    # GCC 12 reports false positives through std::variant and std::optional.
    -Wno-maybe-uninitialized)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # GCC-only flag above; clang's own analysis of GUARDED_BY / REQUIRES (base/thread_annotations.h).
  list(REMOVE_ITEM FLUXO_WARNINGS -Wno-maybe-uninitialized)
  list(APPEND FLUXO_WARNINGS -Wthread-safety)
endif()

# FLUXO_SANITIZER selects one instrumented build (see CMakePresets.json):
#   asan-ubsan  ASan + UBSan (UBSan does not recover: a finding aborts the process and fails the test),
#               plus libFuzzer coverage (fuzzer-no-link) so the fuzz targets share every library.
#   tsan        ThreadSanitizer (clang; GCC 12 would need -Wno-tsan for Boost.Asio's fences).

function(fluxo_apply_options target)
  target_compile_options(${target} PRIVATE ${FLUXO_WARNINGS})
  if(FLUXO_SANITIZER STREQUAL "asan-ubsan")
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
  elseif(FLUXO_SANITIZER STREQUAL "tsan")
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  elseif(FLUXO_SANITIZER)
    message(FATAL_ERROR "FLUXO_SANITIZER must be empty, asan-ubsan or tsan (got ${FLUXO_SANITIZER})")
  endif()
endfunction()

# fluxo_library(NAME SOURCES ... DEPS ...)
# Declares the static library fluxo_NAME whose public headers are included as "NAME/header.h"
# relative to src/.
function(fluxo_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(fluxo_${name} STATIC ${ARG_SOURCES})
  target_include_directories(fluxo_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(fluxo_${name} PUBLIC ${ARG_DEPS})
  fluxo_apply_options(fluxo_${name})
endfunction()

# fluxo_tests: every fluxo_test binary registered in this build (FLUXO_TEST_AREAS narrows them),
# so that a build of it leaves no CTest entry without a fresh binary (`make tsan` builds it).
add_custom_target(fluxo_tests)

# fluxo_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest (label "unit").
function(fluxo_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  fluxo_apply_options(${name})
  add_dependencies(fluxo_tests ${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
