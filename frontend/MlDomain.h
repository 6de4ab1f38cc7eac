//===- MlDomain.h - ai.onnx.ml nodes as default-domain ops ------*- C++ -*-===//
//
// The onnx dialect holds the default ONNX domain only. Nodes of the
// `ai.onnx.ml` domain that are small compositions of default-domain ops are
// rewritten into them at import (a table keyed by op name, like the version
// converters); any other ml op is a clear import error.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_MLDOMAIN_H
#define KILN_FRONTEND_MLDOMAIN_H

#include "frontend/ImporterImpl.h"

namespace kiln::detail {

/// The domain name of ONNX-ML.
inline constexpr llvm::StringLiteral kMlDomain = "ai.onnx.ml";

/// The decomposition of ml op `opType`, or null when kiln has none.
VersionConverter findMlDecomposition(llvm::StringRef opType);

} // namespace kiln::detail

#endif // KILN_FRONTEND_MLDOMAIN_H
