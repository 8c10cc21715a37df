# Shared build settings: warnings, ccache, sanitizers, dependencies, helpers.

find_program(SPANLINE_CCACHE ccache)
if(SPANLINE_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${SPANLINE_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${SPANLINE_CCACHE})
endif()

# Designated initializers that leave members at their defaults are the point
# of our options structs; GCC 12 would warn on each.
add_compile_options(-Wall -Wextra -Wno-missing-field-initializers)
if(SPANLINE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(Protobuf REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
find_package(ZLIB REQUIRED)
find_package(GTest REQUIRED)
if(SPANLINE_BENCH AND NOT SPANLINE_SANITIZE AND NOT SPANLINE_FUZZ)
  find_package(benchmark REQUIRED)
endif()
include(GoogleTest)

# Test prefix distinguishes the sanitizer build's tests in the combined ctest run.
if(SPANLINE_SANITIZE)
  set(SPANLINE_TEST_PREFIX "asan.")
else()
  set(SPANLINE_TEST_PREFIX "")
endif()

# spanline_unit_tests(<target> <sources...> LIBS <libs...>)
# One gtest binary; each test case becomes one ctest test labelled "unit".
function(spanline_unit_tests target)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${target} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${target} TEST_PREFIX "${SPANLINE_TEST_PREFIX}" DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

# spanline_fuzz_targets(LIBS <libs...>)  (fuzz builds only)
# One libFuzzer binary per fuzz/*_fuzz.cpp of the calling folder, linked with
# <libs>, and a short run of each in every `make test`; the corpus folder
# under the build tree keeps what it learns, fuzz/corpus/ seeds it.
function(spanline_fuzz_targets)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB _fuzzers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/*_fuzz.cpp)
  foreach(src IN LISTS _fuzzers)
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${ARG_LIBS})
    set(_corpus ${CMAKE_BINARY_DIR}/corpus/${name})
    file(MAKE_DIRECTORY ${_corpus})
    add_test(NAME fuzz.${name}
             COMMAND ${name} -max_total_time=15 -timeout=5 -rss_limit_mb=2048 ${_corpus}
                     ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus)
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 120)
  endforeach()
endfunction()

# The service binaries (not the libraries: their users choose) run on
# mimalloc instead of glibc's malloc. A request allocates a few dozen small
# blocks (parser fields, JSON values, span attributes) and frees some of them
# on other threads (the span exporter); glibc's arenas made that about 15% of
# a request. -DSPANLINE_ALLOCATOR=system keeps glibc's; sanitizer and fuzz
# builds always do.
set(SPANLINE_ALLOCATOR "mimalloc" CACHE STRING "malloc of the service binaries: mimalloc or system")
set_property(CACHE SPANLINE_ALLOCATOR PROPERTY STRINGS mimalloc system)
if(NOT SPANLINE_ALLOCATOR MATCHES "^(mimalloc|system)$")
  message(FATAL_ERROR "SPANLINE_ALLOCATOR must be mimalloc or system, not '${SPANLINE_ALLOCATOR}'")
endif()
if(SPANLINE_ALLOCATOR STREQUAL "mimalloc" AND NOT SPANLINE_SANITIZE AND NOT SPANLINE_FUZZ)
  find_library(SPANLINE_MIMALLOC_LIBRARY mimalloc)
  if(NOT SPANLINE_MIMALLOC_LIBRARY)
    message(FATAL_ERROR "mimalloc not found: install libmimalloc-dev (scripts/install-deps.sh "
                        "does), or configure with -DSPANLINE_ALLOCATOR=system")
  endif()
endif()

# spanline_service_allocator(<target>): links the allocator above into a
# service executable. Linked as a shared library it replaces malloc and free
# for the whole process (symbol interposition), so --no-as-needed keeps it.
function(spanline_service_allocator target)
  if(SPANLINE_MIMALLOC_LIBRARY)
    target_link_libraries(${target} PRIVATE -Wl,--no-as-needed ${SPANLINE_MIMALLOC_LIBRARY}
                                            -Wl,--as-needed)
  endif()
endfunction()
