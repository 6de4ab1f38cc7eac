//===- Patterns.h - CUDA backend rewrite patterns ---------------*- C++ -*-===//
//
// Patterns the CUDA passes use, kept apart from the passes so pipelines and
// tests can mix them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_PATTERNS_H
#define KILN_CODEGEN_CUDA_PATTERNS_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace kiln::cuda {

/// Scalar `math.ipowi` as square-and-multiply in an scf.while (negative
/// exponents: 1 for base 1, +-1 for base -1, 0 otherwise), since kernels
/// cannot call the helper functions convert-math-to-funcs would add.
void populateExpandIntegerPowerPatterns(mlir::RewritePatternSet &patterns);

/// Scalar f64 `math.exp`, `math.log`, `math.sin` and `math.cos` as
/// arith (range reduction and series; NVPTX has no f64 transcendental
/// instructions and libdevice is not available without the toolkit).
void populateExpandFloat64MathPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln::cuda

#endif // KILN_CODEGEN_CUDA_PATTERNS_H
