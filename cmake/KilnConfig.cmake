# KilnConfig.cmake: lets a CMake project compile ONNX models with kiln at build time.
#
#   set(Kiln_DIR /path/to/kiln/cmake)          # or an install's lib/cmake/Kiln
#   find_package(Kiln REQUIRED)
#   kiln_add_model(my_model MODEL model.onnx [NAME sym] [OUTPUT_DIR dir]
#                  [OPTIONS <extra kiln compile flags>...])
#   target_link_libraries(app PRIVATE my_model)   # #include "sym.h" / "sym.hpp"
#
# The kiln executable is KILN_EXECUTABLE (cache variable); when unset it is the
# `kiln` target of the enclosing build if there is one, else it is searched in
# ${Kiln_DIR}/../build/bin (source tree), ${Kiln_DIR}/../../../bin (install), PATH.
# Sets Kiln_FOUND, Kiln_VERSION, KILN_EXECUTABLE and the imported target Kiln::kiln.

cmake_minimum_required(VERSION 3.20)

include(CMakeFindDependencyMacro)
find_dependency(Threads)

set(Kiln_VERSION 0.1.0)

if(NOT KILN_EXECUTABLE AND TARGET kiln)
  # Used from inside kiln's own build (its examples and tests).
  set(_kiln_exe "$<TARGET_FILE:kiln>")
  set(_kiln_exe_dep kiln)
else()
  find_program(KILN_EXECUTABLE kiln
    HINTS "${CMAKE_CURRENT_LIST_DIR}/../build/bin" "${CMAKE_CURRENT_LIST_DIR}/../../../bin"
    DOC "The kiln ONNX compiler driver")
  if(NOT KILN_EXECUTABLE)
    set(Kiln_FOUND FALSE)
    set(Kiln_NOT_FOUND_MESSAGE
      "kiln executable not found: build kiln (scripts/build.sh) or set -DKILN_EXECUTABLE=/path/to/kiln")
    return()
  endif()
  set(_kiln_exe "${KILN_EXECUTABLE}")
  set(_kiln_exe_dep "${KILN_EXECUTABLE}")
  if(NOT TARGET Kiln::kiln)
    add_executable(Kiln::kiln IMPORTED GLOBAL)
    set_target_properties(Kiln::kiln PROPERTIES IMPORTED_LOCATION "${KILN_EXECUTABLE}")
  endif()
endif()
# Global properties, so kiln_add_model works from any subdirectory.
set_property(GLOBAL PROPERTY KILN_COMMAND "${_kiln_exe}")
set_property(GLOBAL PROPERTY KILN_COMMAND_DEPENDS "${_kiln_exe_dep}")
unset(_kiln_exe)
unset(_kiln_exe_dep)

# kiln_add_model(<target> MODEL <file.onnx> [NAME <symbol>] [OUTPUT_DIR <dir>]
#                [OPTIONS <flags>...])
# Compiles MODEL at build time into <dir>/lib<symbol>.a, <symbol>.h and
# <symbol>.hpp (dir defaults to ${CMAKE_CURRENT_BINARY_DIR}/kiln/<target>) and
# defines <target>: an imported static library that links the archive (plus
# threads, libdl, libm) and puts <dir> on its users' include path; its
# properties KILN_MODEL_NAME, KILN_OUTPUT_DIR and KILN_WEIGHTS_FILE (set with
# OPTIONS --weights file: <dir>/<symbol>.weights, else empty) say where. NAME
# defaults to the model file's stem made into a C identifier. OPTIONS go to
# `kiln compile` unchanged (e.g. -O3, --mcpu x86-64-v3, --dim N=1).
function(kiln_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MODEL;NAME;OUTPUT_DIR" "OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_add_model(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "kiln_add_model(${target}): MODEL <file.onnx> is required")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(sym "${ARG_NAME}")
  if(NOT sym)
    get_filename_component(sym "${model}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${sym}" sym)
  endif()
  if(NOT sym MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "kiln_add_model(${target}): NAME '${sym}' is not a C identifier")
  endif()
  set(dir "${ARG_OUTPUT_DIR}")
  if(NOT dir)
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/kiln/${target}")
  endif()
  # Imported targets need their include directory to exist at generate time.
  file(MAKE_DIRECTORY "${dir}")

  # With `--weights file` the weights go to <dir>/<sym>.weights, which the
  # program loads at create time (kiln_options.weights_path).
  set(weights "")
  string(REPLACE ";" " " opts_text "${ARG_OPTIONS}")
  if(opts_text MATCHES "--weights[ =]file")
    set(weights "${dir}/${sym}.weights")
  endif()

  get_property(kiln GLOBAL PROPERTY KILN_COMMAND)
  get_property(kiln_dep GLOBAL PROPERTY KILN_COMMAND_DEPENDS)
  set(lib "${dir}/lib${sym}.a")
  set(compile ${kiln} compile "${model}" -o "${dir}" --name "${sym}" ${ARG_OPTIONS})
  add_custom_command(
    OUTPUT "${lib}" "${dir}/${sym}.h" "${dir}/${sym}.hpp"
    COMMAND ${compile} --emit lib
    COMMAND ${compile} --emit header
    BYPRODUCTS ${weights}
    DEPENDS "${model}" ${kiln_dep}
    COMMENT "kiln: compiling ${ARG_MODEL} -> lib${sym}.a, ${sym}.h, ${sym}.hpp"
    VERBATIM)
  add_custom_target(${target}_kiln DEPENDS "${lib}" "${dir}/${sym}.h" "${dir}/${sym}.hpp")

  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${lib}"
    IMPORTED_LINK_INTERFACE_LANGUAGES C
    INTERFACE_INCLUDE_DIRECTORIES "${dir}"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m"
    KILN_MODEL_NAME "${sym}"
    KILN_OUTPUT_DIR "${dir}"
    KILN_WEIGHTS_FILE "${weights}")
  # Followed transitively: whatever links ${target} waits for the compile.
  add_dependencies(${target} ${target}_kiln)
endfunction()
