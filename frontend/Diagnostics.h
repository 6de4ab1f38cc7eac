//===- Diagnostics.h - One-line diagnostics naming the node -----*- C++ -*-===//
//
// Locations the importer gives ops and errors, and the handler that turns an
// MLIR diagnostic into kiln's one-line error format:
//   kiln: error: <message> (<model path>, node '<name>', <OpType>)
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_DIAGNOSTICS_H
#define KILN_FRONTEND_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace kiln {

/// The location of the op imported from a node:
/// NameLoc(nodeName, FileLineColLoc(modelPath, 0, 0)).
mlir::Location getNodeLoc(mlir::MLIRContext *ctx, llvm::StringRef modelPath,
                          llvm::StringRef nodeName);

/// The location of a diagnostic about a node: `nodeLoc` fused with the op
/// type as metadata, so the one-line error can name the op type too.
mlir::Location getNodeDiagLoc(mlir::Location nodeLoc, llvm::StringRef opType);

/// The location of a diagnostic about a named value that is not a node
/// output (`kind` is "initializer", "graph input", ...): it prints as
/// "<kind> '<name>'" instead of "node '<name>'".
mlir::Location getValueDiagLoc(mlir::MLIRContext *ctx,
                               llvm::StringRef modelPath,
                               llvm::StringRef valueName,
                               llvm::StringRef kind);

/// Formats `diag` as "<message> (<file>, node '<name>', <OpType>)", leaving
/// out the parts its location does not know. The message is folded to one
/// line; a leading "'onnx.X' op " of verifier messages becomes the op type.
std::string formatDiagnosticLine(mlir::Diagnostic &diag);

/// Prints the first error reported on a context as one line
/// "kiln: error: ..." and swallows everything after it (and all notes,
/// warnings and remarks unless `verbose`). Restores the previous handler on
/// destruction.
class OneLineDiagnosticHandler {
public:
  OneLineDiagnosticHandler(mlir::MLIRContext &ctx, llvm::raw_ostream &os,
                           bool verbose = false);
  ~OneLineDiagnosticHandler();

  /// Whether an error was reported.
  bool hadError() const { return numErrors != 0; }

  /// Reports an error that has no MLIR location (e.g. a command-line error).
  void reportError(const llvm::Twine &message);

private:
  mlir::MLIRContext &ctx;
  llvm::raw_ostream &os;
  bool verbose;
  unsigned numErrors = 0;
  mlir::DiagnosticEngine::HandlerID id;
};

} // namespace kiln

#endif // KILN_FRONTEND_DIAGNOSTICS_H
