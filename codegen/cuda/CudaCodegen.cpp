//===- CudaCodegen.cpp - linalg on tensors to a CUDA host module ----------===//
//
// Runs the bufferize pipeline, reads the buffer ABI records (weights layout,
// arena size), runs the CUDA pipelines, keeps a copy of every module's PTX
// and translates the host side (with the PTX as constants) to LLVM IR.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/CudaCodegen.h"

#include "codegen/cuda/Passes.h"
#include "codegen/cuda/Pipelines.h"
#include "lowering/bufferize/BufferizePipeline.h"
#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Module.h"


using namespace mlir;

namespace kiln::cuda {

void registerCudaCodegenDialects(DialectRegistry &registry) {
  cpu::registerCpuCodegenDialects(registry);
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  // convert-gpu-to-nvvm converts the other dialects inside kernels through
  // their ConvertToLLVM interfaces.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
}

namespace {

/// KILN_RT_MODEL_HOST_READS_DEVICE of runtime/kiln_runtime.h.
constexpr uint32_t kKilnModelHostReadsDevice = 1;

LogicalResult runPipeline(ModuleOp module,
                          llvm::function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  build(pm);
  return pm.run(module);
}

} // namespace

FailureOr<CudaCompiledKernel>
compileLinalgModule(ModuleOp module, llvm::LLVMContext &llvmContext,
                    const CudaCodegenOptions &options) {
  DialectRegistry registry;
  registerCudaCodegenDialects(registry);
  module.getContext()->appendDialectRegistry(registry);

  BufferizePipelineOptions bufferize;
  bufferize.weightsMinBytes = options.weightsMinBytes;
  if (failed(runPipeline(module, [&](OpPassManager &pm) {
        buildBufferizePipeline(pm, bufferize);
      })))
    return failure();

  // Kernels read device memory only: a constant left as a host global
  // (below weightsMinBytes) would be a host address on the GPU.
  WalkResult hostGlobal = module.walk([](memref::GetGlobalOp op) {
    op.emitError("constant '")
        << op.getName()
        << "' stays in host memory; --target cuda needs every tensor "
           "constant in the weights blob";
    return WalkResult::interrupt();
  });
  if (hostGlobal.wasInterrupted())
    return failure();

  CudaCompiledKernel kernel;
  kernel.kernelName = options.symbol + "_kernel";
  FailureOr<cpu::WeightsLayout> weights = cpu::collectWeights(module);
  if (failed(weights))
    return failure();
  kernel.weights = std::move(*weights);
  if (auto bytes = module->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr))
    kernel.workspaceBytes = bytes.getInt();

  CudaLoweringOptions lowering;
  lowering.symbol = options.symbol;
  lowering.arch = options.arch;
  lowering.precision = options.precision;
  lowering.tma = options.tma;
  if (failed(runPipeline(module, [&](OpPassManager &pm) {
        buildCudaLinalgToGpuPipeline(pm, lowering);
      })))
    return failure();
  // Host code that waits for device values cannot be a CUDA graph.
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(kHostReadsDeviceAttr))
      kernel.flags |= kKilnModelHostReadsDevice;
  if (failed(runPipeline(module, [&](OpPassManager &pm) {
        buildCudaGpuToLLVMPipeline(pm, lowering);
      })))
    return failure();

  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        kernel.ptx.push_back(object.getObject().getValue().str());

  for (StringRef name :
       {kWeightsLayoutAttr, kWeightsBytesAttr, kWorkspaceBytesAttr})
    module->removeAttr(name);
  kernel.module = translateModuleToLLVMIR(module, llvmContext, options.symbol);
  if (!kernel.module)
    return module.emitError("cannot translate the LLVM dialect to LLVM IR");

  // Only the kernel is visible outside the object (the module load/unload
  // constructors stay reachable through llvm.global_ctors/dtors).
  for (llvm::Function &function : *kernel.module)
    if (!function.isDeclaration() && function.getName() != kernel.kernelName)
      function.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &global : kernel.module->globals())
    if (!global.isDeclaration() && !global.getName().starts_with("llvm."))
      global.setLinkage(llvm::GlobalValue::InternalLinkage);
  return kernel;
}

} // namespace kiln::cuda
