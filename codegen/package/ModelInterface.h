//===- ModelInterface.h - Inputs/outputs of a model's C API -----*- C++ -*-===//
//
// The onnx-level signature of a model as the generated library exposes it:
// names, ONNX dtypes, dims (-1 dynamic) and the symbols that bind dynamic
// dims across tensors. Extracted from the onnx-dialect `main_graph` after
// import and shape inference, before any lowering changes the types.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PACKAGE_MODELINTERFACE_H
#define KILN_CODEGEN_PACKAGE_MODELINTERFACE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::package {

struct TensorInterface {
  std::string name;
  int32_t dtype = 0;          ///< ONNX TensorProto code
  std::vector<int64_t> dims;  ///< -1 for a dynamic dim
  std::vector<int32_t> syms;  ///< per dim: index into ModelInterface::symbols or -1
  /// An output with a dynamic dim no input dim determines: its size is known
  /// only after running; the kernel publishes it (kiln_rt_publish_output).
  bool dataDependent = false;

  bool isStatic() const;
};

/// A symbolic dim and the first input dim it is read from at run time.
struct SymbolInterface {
  std::string name;
  int32_t input = 0;
  int32_t dim = 0;
};

struct ModelInterface {
  std::vector<TensorInterface> inputs;
  std::vector<TensorInterface> outputs;
  std::vector<SymbolInterface> symbols;

  /// Every input and output static.
  bool isStatic() const;
  /// Static, and every tensor f32: the model gets `<m>_infer`.
  bool hasFloatInfer() const;
};

/// Reads the interface of `module`'s graph function (`main_graph`, else the
/// only public function). Fails with a diagnostic on an unranked tensor, an
/// element type without an ONNX code. A dynamic output dim no input dim
/// determines makes the output data-dependent; its graph function result
/// gets the `kiln.data_dependent` attribute, which bufferization reads.
mlir::FailureOr<ModelInterface> extractModelInterface(mlir::ModuleOp module);

/// Human-readable dtype name ("float32", "int64", ...).
const char *dtypeName(int32_t dtype);

} // namespace kiln::package

#endif // KILN_CODEGEN_PACKAGE_MODELINTERFACE_H
