//===- CpuCodegen.h - linalg on tensors to x86-64 object code ---*- C++ -*-===//
//
// The CPU backend's C++ API. compileLinalgModule takes the module after
// onnx->linalg (tensors) through bufferization, the weights blob, the static
// arena and the LLVM dialect into an llvm::Module whose one external symbol is
// `void <symbol>_kernel(const kiln_frame *)` (runtime/kiln_frame.h). The
// packager links the runtime into that module and calls emitObject.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_CPUCODEGEN_H
#define KILN_CODEGEN_CPU_CPUCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class TimingScope;
} // namespace mlir

namespace kiln::cpu {

struct CpuCodegenOptions {
  /// Model symbol: the kernel is `<symbol>_kernel`.
  std::string symbol = "model";
  /// Target CPU: "native" (the host's CPU and features), or an LLVM CPU name
  /// such as x86-64, x86-64-v3, x86-64-v4, skylake-avx512, znver4.
  std::string mcpu = "native";
  /// Extra subtarget features, LLVM syntax ("+avx512f,-avx512vnni").
  std::string features;
  /// Call the runtime's packed microkernels (runtime/ukernels) for f32
  /// GEMMs and convolutions, in the variant the target's features allow.
  /// Needs the runtime linked in (codegen/package does that).
  bool ukernels = false;
  /// LLVM optimization level, 0..3.
  unsigned optLevel = 3;
  /// Dense constants of at least this many bytes go to the weights blob
  /// (dense_resource constants always do).
  int64_t weightsMinBytes = 256;
  /// Parent of the phase timers (`kiln compile --timing`): bufferize,
  /// lowering, translation, LLVM optimization and object emission nest
  /// under it, MLIR passes under their phase. Null: nothing is timed.
  mlir::TimingScope *timing = nullptr;
  /// Time every dispatch (`kiln compile --profile`): the module exports
  /// `<symbol>_profile_counters` and `<symbol>_profile_table`.
  bool profile = false;
};

/// Where each constant lives in the weights blob, in blob order. `data`
/// points into the MLIR context's resource blobs (or into `ownedData` for
/// dense attributes): valid while both the context and this layout live.
struct WeightsLayout {
  struct Entry {
    std::string name;
    int64_t offset = 0;
    int64_t size = 0;
    llvm::ArrayRef<char> data;
  };
  std::vector<Entry> entries;
  /// Size of the blob (64-byte aligned); gaps between entries are zeros.
  int64_t totalBytes = 0;
  std::vector<std::unique_ptr<char[]>> ownedData;

  /// Writes the whole blob (entries at their offsets, zero padding) into
  /// `out`, which must hold totalBytes bytes.
  void writeBlob(char *out) const;
};

/// Shape of one graph input or output of the kernel, in graph order.
struct TensorSignature {
  /// Dims; -1 for dynamic.
  std::vector<int64_t> shape;
  /// MLIR element type as text ("f32", "i64", ...).
  std::string elementType;
};

struct CompiledKernel {
  std::unique_ptr<llvm::Module> module;
  /// Name of the kernel function: `<symbol>_kernel`.
  std::string kernelName;
  /// Bytes of the arena the runtime passes as `frame->arena`.
  int64_t workspaceBytes = 0;
  WeightsLayout weights;
  std::vector<TensorSignature> inputs, outputs;
  /// Symbols besides the kernel that must stay visible (the profile
  /// globals of a --profile build).
  std::vector<std::string> exports;
  /// kiln_rt_model.flags (KILN_RT_MODEL_* of runtime/kiln_runtime.h).
  uint32_t flags = 0;
};

/// Registers what the CPU backend needs in a context: dialects, bufferization
/// interface models and LLVM IR translations. compileLinalgModule also adds
/// them to the module's context itself.
void registerCpuCodegenDialects(mlir::DialectRegistry &registry);

/// Lowers `module` in place from linalg on tensors to the LLVM dialect
/// (kiln-cpu-codegen). Diagnostics go to the module's context.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const CpuCodegenOptions &options);

/// Runs lowerToLLVMDialect and translates to LLVM IR in `llvmContext`, with
/// the triple and data layout of the target set. `module` is consumed (left
/// in the LLVM dialect); diagnostics go to its context.
/// Reads the weights layout that kiln-externalize-weights recorded on the
/// bufferized module (entries point into its resource blobs).
mlir::FailureOr<WeightsLayout> collectWeights(mlir::ModuleOp module);

mlir::FailureOr<CompiledKernel>
compileLinalgModule(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                    const CpuCodegenOptions &options);

/// The x86-64 TargetMachine for `options` (mcpu "native" resolves to the
/// host CPU and its features); an error for unknown CPUs.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuCodegenOptions &options);

/// Sets the module's triple and data layout and runs LLVM's default
/// optimization pipeline for options.optLevel (O0 runs the O0 pipeline).
llvm::Error optimizeModule(llvm::Module &module,
                           const CpuCodegenOptions &options);

/// Optimizes (optimizeModule) then emits an ELF relocatable object.
llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       const CpuCodegenOptions &options);

/// Optimizes then emits textual assembly.
llvm::Expected<std::string> emitAssembly(llvm::Module &module,
                                         const CpuCodegenOptions &options);

/// Optimizes then prints textual LLVM IR.
llvm::Expected<std::string> emitLLVMIR(llvm::Module &module,
                                       const CpuCodegenOptions &options);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_CPUCODEGEN_H
