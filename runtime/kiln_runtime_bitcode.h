/*===- kiln_runtime_bitcode.h - The runtime as embedded LLVM bitcode ------===*
 *
 * The runtime's C files compiled by clang-22 to bitcode and linked into one
 * module at build time (runtime/CMakeLists.txt). codegen/package parses it
 * and links it into each model's module. Plain data, no LLVM types here.
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_KILN_RUNTIME_BITCODE_H
#define KILN_RUNTIME_KILN_RUNTIME_BITCODE_H

#include <stddef.h>

extern const unsigned char kiln_runtime_bitcode[];
extern const size_t kiln_runtime_bitcode_size;
/* The -fsanitize= list the bitcode was compiled with ("" in a normal build;
 * "address,undefined" in a KILN_SANITIZE build): its code then calls the
 * sanitizer runtime, which the program loading the model provides. */
extern const char kiln_runtime_bitcode_sanitizers[];

#endif // KILN_RUNTIME_KILN_RUNTIME_BITCODE_H
