//===- DataDependentPatterns.h - value-sized ops, split by op -------------===//
//
// The parts of populateOnnxDataDependentToLinalgPatterns (Patterns.h) that
// live in files of their own.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_DATADEPENDENTPATTERNS_H
#define KILN_LOWERING_TOLINALG_DATADEPENDENTPATTERNS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// NonMaxSuppression (greedy, both box formats).
void populateOnnxNonMaxSuppressionToLinalgPatterns(
    mlir::TypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Unique (flattened or along an axis, sorted or in first-occurrence order,
/// all four outputs).
void populateOnnxUniqueToLinalgPatterns(mlir::TypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_DATADEPENDENTPATTERNS_H
