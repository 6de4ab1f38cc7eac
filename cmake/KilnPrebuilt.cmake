# The light sanitizer tier (scripts/sanitize.sh; docs/reliability.md):
# -DKILN_PREBUILT_DIR=<a normal build of this checkout> configures a tree
# that builds only the code that handles hostile input -- frontend/, the
# `kiln` driver, runtime/ (its C library and the bitcode linked into every
# generated library), the e2e programs and the fuzzers -- with this tree's
# compiler and flags (clang-22, KILN_SANITIZE, KILN_FUZZ), and links them
# against the prebuilt, uninstrumented libraries of KILN_PREBUILT_DIR
# (dialect, shape inference, lowering, codegen: most of the build time).
# Both trees use libstdc++, so gcc- and clang-built objects mix.
#
# Included from the top-level CMakeLists.txt instead of the dialect/,
# lowering/ and codegen/ subdirectories; the targets those define are
# stand-ins for the prebuilt archives here.

get_filename_component(KILN_PREBUILT_DIR "${KILN_PREBUILT_DIR}" ABSOLUTE)
if(NOT EXISTS "${KILN_PREBUILT_DIR}/CMakeCache.txt")
  message(FATAL_ERROR "KILN_PREBUILT_DIR=${KILN_PREBUILT_DIR} is not a kiln "
                      "build folder (no CMakeCache.txt)")
endif()

# The prebuilt libraries that the instrumented code links. The frontend,
# the runtime and its bitcode are not among them: this tree builds its own.
# A library added to the normal build shows up here as an undefined symbol
# at kiln's link; add it to the list.
set(KILN_PREBUILT_LIBS
  KilnOnnxDialect
  KilnOnnxShapeInference
  KilnLowering
  KilnToLinalg
  KilnBufferize
  KilnCodegenCpu
  KilnCodegenCuda
  KilnPackage
  )
set(kiln_prebuilt_archives)
foreach(lib ${KILN_PREBUILT_LIBS})
  set(archive "${KILN_PREBUILT_DIR}/lib/lib${lib}.a")
  if(NOT EXISTS "${archive}")
    message(FATAL_ERROR "${archive} is missing: build ${KILN_PREBUILT_DIR} "
                        "first (bash scripts/build.sh)")
  endif()
  list(APPEND kiln_prebuilt_archives "${archive}")
endforeach()

# Every prebuilt archive is linked whole and ahead of the program's own
# objects (link options precede the objects on the command line), so that
# gcc's COMDAT groups come first and are the ones kept. gcc and clang group
# the vtable of a class with a virtual base differently (gcc: vtable, VTT
# and construction vtables in one group named after the vtable; clang: the
# vtable alone under the same name), and a clang group kept in place of
# gcc's leaves the gcc code's references to the construction vtable
# undefined (mlir::PassPipelineOptions<T> has a virtual base, so every
# pipeline-options struct is such a class). Whole archives also make the
# order among the archives, which reference each other both ways, moot.
# What they need from this tree (the runtime's C library for regex checks,
# the runtime bitcode for packaging) is linked after them.
add_library(KilnPrebuilt INTERFACE)
list(JOIN kiln_prebuilt_archives " " kiln_prebuilt_archive_list)
target_link_options(KilnPrebuilt INTERFACE
  "SHELL:-Wl,--whole-archive ${kiln_prebuilt_archive_list} -Wl,--no-whole-archive")
set_property(TARGET KilnPrebuilt PROPERTY INTERFACE_LINK_DEPENDS
             ${kiln_prebuilt_archives})
target_link_libraries(KilnPrebuilt INTERFACE
  KilnRuntime KilnRuntimeBitcode MLIR LLVM)
foreach(lib ${KILN_PREBUILT_LIBS})
  add_library(${lib} ALIAS KilnPrebuilt)
endforeach()

# Generated headers (tablegen'd ops and passes) come from the prebuilt tree;
# targets that depend on their generation find nothing left to do.
include_directories(${KILN_PREBUILT_DIR})
add_custom_target(KilnOnnxIncGen)
message(STATUS "kiln: instrumented frontend, driver and runtime over the "
               "libraries of ${KILN_PREBUILT_DIR}")
