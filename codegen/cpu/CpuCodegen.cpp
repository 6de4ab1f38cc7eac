//===- CpuCodegen.cpp - linalg on tensors to an llvm::Module --------------===//
//
// Runs the CPU codegen pipelines on a module, collects what the packager
// needs (weights layout and bytes, arena size, tensor signatures) and
// translates the LLVM dialect to LLVM IR.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/CpuCodegen.h"

#include "codegen/cpu/Pipelines.h"
#include "lowering/bufferize/BufferizePipeline.h"
#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>

using namespace mlir;

namespace kiln::cpu {

void WeightsLayout::writeBlob(char *out) const {
  std::memset(out, 0, totalBytes);
  for (const Entry &entry : entries)
    std::memcpy(out + entry.offset, entry.data.data(), entry.data.size());
}

void registerCpuCodegenDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, index::IndexDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  scf::SCFDialect, tensor::TensorDialect, ub::UBDialect,
                  vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  arith::registerBufferViewFlowOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  memref::registerBufferViewFlowOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

namespace {

/// A timer named `name` under options.timing, or a disabled one.
TimingScope nestTimer(const CpuCodegenOptions &options, StringRef name) {
  return options.timing ? options.timing->nest(name) : TimingScope();
}

/// Runs `build`'s passes on `module`, timed as phase `name` (each pass
/// nested under it) when options.timing is set.
LogicalResult runPipeline(ModuleOp module, const CpuCodegenOptions &options,
                          StringRef name,
                          llvm::function_ref<void(OpPassManager &)> build) {
  TimingScope phase = nestTimer(options, name);
  PassManager pm(module.getContext());
  pm.enableTiming(phase);
  build(pm);
  return pm.run(module);
}

/// Graph inputs and outputs of the bufferized entry function, in order.
void collectSignatures(func::FuncOp entry, CompiledKernel &kernel) {
  for (auto [index, type] : llvm::enumerate(entry.getArgumentTypes())) {
    EntryArgKind kind = getEntryArgKind(entry, index);
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref ||
        (kind != EntryArgKind::Input && kind != EntryArgKind::Output))
      continue;
    TensorSignature signature;
    for (int64_t dim : memref.getShape())
      signature.shape.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
    llvm::raw_string_ostream os(signature.elementType);
    os << memref.getElementType();
    (kind == EntryArgKind::Input ? kernel.inputs : kernel.outputs)
        .push_back(std::move(signature));
  }
}

} // namespace

FailureOr<WeightsLayout> collectWeights(ModuleOp module) {
  WeightsLayout layout;
  if (auto bytes = module->getAttrOfType<IntegerAttr>(kWeightsBytesAttr))
    layout.totalBytes = bytes.getInt();
  FailureOr<SmallVector<WeightsLayoutEntry>> entries =
      readWeightsLayout(module);
  if (failed(entries))
    return module.emitError("malformed ") << kWeightsLayoutAttr << " entry";
  for (const WeightsLayoutEntry &record : *entries) {
    ElementsAttr value = record.value;
    WeightsLayout::Entry entry{record.name.str(), record.offset, record.size,
                               {}};
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return module.emitError("weight '")
               << entry.name << "': resource '"
               << resource.getRawHandle().getKey() << "' has no data";
      entry.data = blob->getData();
    } else if (auto dense = dyn_cast<DenseElementsAttr>(value);
               dense && dense.getElementType().isInteger(1)) {
      // One byte per i1, as LLVM stores memref<...xi1> (MLIR's storage of
      // dense i1 data is not that layout).
      auto storage = std::make_unique<char[]>(entry.size);
      int64_t at = 0;
      for (bool bit : dense.getValues<bool>())
        if (at < entry.size)
          storage[at++] = bit ? 1 : 0;
      if (at != entry.size)
        return module.emitError("weight '")
               << entry.name << "' does not fit its place in the blob";
      entry.data = ArrayRef<char>(storage.get(), entry.size);
      layout.ownedData.push_back(std::move(storage));
    } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
      ArrayRef<char> raw = dense.getRawData();
      if (dense.isSplat() && entry.size > 0 &&
          entry.size % static_cast<int64_t>(raw.size()) == 0) {
        auto storage = std::make_unique<char[]>(entry.size);
        for (int64_t at = 0; at < entry.size; at += raw.size())
          std::memcpy(storage.get() + at, raw.data(), raw.size());
        entry.data = ArrayRef<char>(storage.get(), entry.size);
        layout.ownedData.push_back(std::move(storage));
      } else {
        entry.data = raw;
      }
    } else {
      return module.emitError("weight '")
             << entry.name << "': unsupported constant " << value;
    }
    if (static_cast<int64_t>(entry.data.size()) != entry.size ||
        entry.offset < 0 || entry.offset + entry.size > layout.totalBytes)
      return module.emitError("weight '")
             << entry.name << "' does not fit its place in the blob";
    layout.entries.push_back(std::move(entry));
  }
  return layout;
}


/// The microkernel variant for the target machine (`ukernels` option).
static LogicalResult selectUKernels(ModuleOp module,
                                    const CpuCodegenOptions &options,
                                    CpuLoweringOptions &lowering) {
  if (!options.ukernels)
    return success();
  auto machine = createTargetMachine(options);
  if (!machine)
    return module.emitError(llvm::toString(machine.takeError()));
  const llvm::MCSubtargetInfo *subtarget = (*machine)->getMCSubtargetInfo();
  if (subtarget->checkFeatures("+avx512f,+avx512vl,+avx512bw,+avx512dq,+fma"))
    lowering.ukernels = "avx512";
  else if (subtarget->checkFeatures("+avx2,+fma"))
    lowering.ukernels = "avx2";
  else
    lowering.ukernels = "generic";
  return success();
}

LogicalResult lowerToLLVMDialect(ModuleOp module,
                                 const CpuCodegenOptions &options) {
  DialectRegistry registry;
  registerCpuCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);
  CpuLoweringOptions lowering;
  lowering.symbol = options.symbol;
  lowering.weightsMinBytes = options.weightsMinBytes;
  if (failed(selectUKernels(module, options, lowering)))
    return failure();
  lowering.profile = options.profile;
  return runPipeline(module, options, "lower to LLVM dialect",
                     [&](OpPassManager &pm) {
                       buildCpuCodegenPipeline(pm, lowering);
                     });
}

FailureOr<CompiledKernel>
compileLinalgModule(ModuleOp module, llvm::LLVMContext &llvmContext,
                    const CpuCodegenOptions &options) {
  DialectRegistry registry;
  registerCpuCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);

  // Bufferize first, to read the buffer ABI before it becomes LLVM structs.
  CpuLoweringOptions lowering;
  lowering.symbol = options.symbol;
  lowering.weightsMinBytes = options.weightsMinBytes;
  if (failed(selectUKernels(module, options, lowering)))
    return failure();
  if (failed(runPipeline(module, options, "bufferize",
                         [&](OpPassManager &pm) {
                           buildCpuBufferizePipeline(pm, lowering);
                         })))
    return failure();

  CompiledKernel kernel;
  kernel.kernelName = options.symbol + "_kernel";
  FailureOr<func::FuncOp> entry = findEntryFunction(module);
  if (failed(entry))
    return failure();
  collectSignatures(*entry, kernel);
  if (auto bytes = module->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr))
    kernel.workspaceBytes = bytes.getInt();

  lowering.profile = options.profile;
  if (options.profile)
    kernel.exports = {options.symbol + "_profile_counters",
                      options.symbol + "_profile_table"};
  if (failed(runPipeline(module, options, "lower to LLVM dialect",
                         [&](OpPassManager &pm) {
                           buildCpuLowerToLLVMPipeline(pm, lowering);
                         })))
    return failure();
  // After lowering: kiln-cpu-lower-to-ukernels packs constant operands into
  // the blob.
  FailureOr<WeightsLayout> weights = collectWeights(module);
  if (failed(weights))
    return failure();
  kernel.weights = std::move(*weights);

  // The records are read; LLVM IR translation has no use for them.
  for (StringRef name :
       {kWeightsLayoutAttr, kWeightsBytesAttr, kWorkspaceBytesAttr})
    module->removeAttr(name);
  TimingScope translation = nestTimer(options, "translate to LLVM IR");
  kernel.module = translateModuleToLLVMIR(module, llvmContext, options.symbol);
  translation.stop();
  if (!kernel.module)
    return module.emitError("cannot translate the LLVM dialect to LLVM IR");

  // Only the kernel is visible outside the object, whatever added symbols.
  for (llvm::Function &function : *kernel.module)
    if (!function.isDeclaration() && !function.hasWeakLinkage() &&
        function.getName() != kernel.kernelName)
      function.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &global : kernel.module->globals())
    if (!global.isDeclaration() &&
        !llvm::is_contained(kernel.exports, global.getName()))
      global.setLinkage(llvm::GlobalValue::InternalLinkage);
  return kernel;
}

} // namespace kiln::cpu
