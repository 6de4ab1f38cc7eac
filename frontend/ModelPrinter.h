//===- ModelPrinter.h - A readable listing of an ONNX model -----*- C++ -*-===//
//
// `kiln inspect`: prints a model the way onnx.helper.printable_graph does:
// the header, inputs with types and shapes, initializers with shapes (not
// values), nodes in order with their attributes, and the outputs.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_MODELPRINTER_H
#define KILN_FRONTEND_MODELPRINTER_H

#include "frontend/OnnxProto.h"

#include "llvm/Support/raw_ostream.h"

namespace kiln {

/// Prints `model` readably to `os`.
void printModel(const pb::ModelProto &model, llvm::raw_ostream &os);

} // namespace kiln

#endif // KILN_FRONTEND_MODELPRINTER_H
