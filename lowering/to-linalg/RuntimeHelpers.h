//===- RuntimeHelpers.h - Calls from lowered code into the C runtime ------===//
//
// The string ops lower to per-element calls of runtime/kiln_strings.c and
// kiln_regex.c. Their compile-time strings (a delimiter, a stopword, a
// pattern) travel by value, as KILN_RT_REGEX_WORDS i64 words, so the model
// carries no string data.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_RUNTIMEHELPERS_H
#define KILN_LOWERING_TOLINALG_RUNTIMEHELPERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// The private declaration of runtime helper `name`, created on first use.
mlir::func::FuncOp getRuntimeHelper(mlir::RewriterBase &rewriter,
                                    mlir::Operation *from, llvm::StringRef name,
                                    mlir::FunctionType type);

/// `text` as the NUL-padded little-endian words a helper takes a constant
/// string in; failure when it holds a NUL or does not fit (with its NUL).
mlir::FailureOr<llvm::SmallVector<int64_t>>
packStringWords(llvm::StringRef text);

/// Appends `words` to `args` as i64 constants.
void appendWordConstants(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<int64_t> words,
                         llvm::SmallVectorImpl<mlir::Value> &args);

} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_RUNTIMEHELPERS_H
