//===- Backend.h - kiln compile past the onnx dialect; kiln run/bench -----===//
//
// The driver's backend half: onnx dialect -> linalg (convert-onnx-to-linalg)
// -> codegen/cpu -> codegen/package, and the `run`/`bench` commands that
// load a generated shared library with dlopen. kiln.cpp parses `compile`
// and imports; everything after import is composed here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_BACKEND_H
#define KILN_TOOLS_KILN_BACKEND_H

#include "frontend/Diagnostics.h"
#include "frontend/Importer.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <optional>
#include <string>

namespace kiln::driver {

/// How sequence and optional graph inputs are fixed at compile time
/// (ImportOptions::inputStructures and describeInput).
struct InputStructures {
  llvm::StringMap<kiln::ImportOptions::InputStructure> byName;
  decltype(kiln::ImportOptions::describeInput) describe;
};

struct BackendOptions {
  std::string symbol = "model";
  std::string outDir = ".";
  std::string emit = "lib"; ///< lib|shared|obj|header|linalg-mlir|llvm-ir|asm
  std::string weights = "embed";
  std::string mcpu = "native";
  std::string target = "cpu";     ///< cpu|cuda
  std::string cudaArch = "sm_80"; ///< PTX target of --target cuda
  std::string precision = "fp32"; ///< GEMM math of --target cuda
  bool cudaTma = true;            ///< sm_90 GEMM inputs by TMA
  std::string modelPath;
  unsigned optLevel = 3;
  bool verbose = false;
  /// Time every dispatch (--profile; CPU only).
  bool profile = false;
  /// Sequence/optional inputs (compileModelFile).
  InputStructures inputStructures;
};

/// One compilation's MLIR context with kiln's one-line diagnostic handler.
class CompilerSession {
public:
  explicit CompilerSession(bool verbose);

  /// Reads and imports MODEL, verifies it and, unless told otherwise, runs
  /// the import pipeline (shape inference, folding) and, at `optLevel` 1
  /// and above, the graph optimizations. Errors are printed.
  mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
  loadModel(const std::string &modelPath, const llvm::StringMap<int64_t> &dims,
            bool runImportPipeline = true, unsigned optLevel = 0,
            const InputStructures &structures = {});

  /// `status`, or 1 when any error was reported.
  int finish(int status) const;

  /// Turns on `--timing`: every phase from here on is timed, and the report
  /// (a tree of wall times: phases, MLIR passes under theirs) goes to
  /// stderr when the session ends.
  void enableTiming();

  /// The phase timers' root; a disabled scope unless enableTiming was called.
  mlir::TimingScope &timing() { return rootTimer; }

private:
  static mlir::DialectRegistry makeRegistry();

  mlir::DialectRegistry registry;
  mlir::MLIRContext context;
  kiln::OneLineDiagnosticHandler handler;
  // Declared last: the root timer stops before the manager prints.
  mlir::DefaultTimingManager timingManager;
  mlir::TimingScope rootTimer;
};

/// Writes `dir/fileName` through a temporary file renamed on success, so a
/// failure never leaves a partial output. Returns the error message.
std::optional<std::string>
writeFileAtomically(llvm::StringRef dir, llvm::StringRef fileName,
                    llvm::function_ref<void(llvm::raw_ostream &)> emit);

/// True for the `--emit` kinds compileBackend handles.
bool isBackendEmitKind(llvm::StringRef emit);

/// Lowers `module` (onnx dialect after the import pipeline) and writes what
/// `opts.emit` asks for. Errors are printed as one line; returns 0 or 1.
/// Phases are timed under `timing` (disabled by default).
int compileBackend(mlir::ModuleOp module, const BackendOptions &opts,
                   mlir::TimingScope &timing);

/// Reads, imports and compiles MODEL.onnx into a shared library in `outDir`
/// (for run/bench). Returns 0 or 1.
int compileModelFile(const std::string &modelPath, const BackendOptions &opts,
                     const llvm::StringMap<int64_t> &dims);

/// The arena size (m_workspace_bytes) of MODEL compiled at -O3: imports and
/// lowers it up to the memory plan. On failure `error` holds the first
/// diagnostic.
mlir::FailureOr<int64_t> planWorkspace(const std::string &modelPath,
                                       std::string &error);

/// Prints `kiln: error: MESSAGE` (the driver's one-line error) on stderr and
/// returns the exit status 1.
int fail(const llvm::Twine &message);

/// `kiln run` and `kiln bench`; return the exit status.
int runCommand(llvm::ArrayRef<std::string> args);
int benchCommand(llvm::ArrayRef<std::string> args);

} // namespace kiln::driver

#endif // KILN_TOOLS_KILN_BACKEND_H
