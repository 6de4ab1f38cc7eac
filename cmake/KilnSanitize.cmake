# Sanitizer and fuzzer builds of kiln's own targets (the prebuilt LLVM/MLIR
# shared libraries stay as they are). Included from the top-level
# CMakeLists.txt before any target is defined.
#
#   -DKILN_SANITIZE="address;undefined"  adds -fsanitize=... to every kiln
#       target: the compiler, the runtime library and the tests. The runtime
#       bitcode linked into generated libraries is compiled by its own rule
#       and stays uninstrumented.
#   -DKILN_FUZZ=ON  (clang only) adds -fsanitize=fuzzer-no-link everywhere
#       and builds the libFuzzer targets in test/fuzz/.
set(KILN_SANITIZE "" CACHE STRING
  "Sanitizers for kiln's own targets, e.g. address;undefined")
option(KILN_FUZZ "Build the libFuzzer targets (clang)" OFF)

if(KILN_SANITIZE)
  list(JOIN KILN_SANITIZE "," kiln_sanitizers)
  add_compile_options(-fsanitize=${kiln_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all -g1)
  add_link_options(-fsanitize=${kiln_sanitizers})
  message(STATUS "kiln: sanitizers ${kiln_sanitizers}")
endif()
if(KILN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KILN_FUZZ=ON needs clang (e.g. clang++-22)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
