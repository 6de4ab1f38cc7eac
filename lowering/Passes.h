//===- Passes.h - kiln's lowering passes ------------------------*- C++ -*-===//
//
// Declarations of every pass in lowering/ (generated from Passes.td) and
// registerKilnPasses(), which makes them available to kiln-opt.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_PASSES_H
#define KILN_LOWERING_PASSES_H

#include "dialect/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace kiln {

#define GEN_PASS_DECL
#include "lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowering/Passes.h.inc"

} // namespace kiln

#endif // KILN_LOWERING_PASSES_H
