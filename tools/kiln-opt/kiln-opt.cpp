//===- kiln-opt.cpp - MlirOptMain with kiln's dialect and passes ----------===//
//
// The pass driver lit tests use: every upstream dialect and pass kiln's
// pipelines need, plus the onnx dialect and kiln's own passes/pipelines.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "codegen/cpu/CpuCodegen.h"
#include "codegen/cpu/Pipelines.h"
#include "codegen/cuda/CudaCodegen.h"
#include "codegen/cuda/Pipelines.h"
#include "lowering/Passes.h"
#include "lowering/Pipelines.h"
#include "lowering/bufferize/BufferizePipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  kiln::registerKilnPasses();
  kiln::registerKilnPipelines();
  kiln::registerBufferizePipeline();
  kiln::cpu::registerCpuCodegenPasses();
  kiln::cuda::registerCudaCodegenPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  kiln::cpu::registerCpuCodegenDialects(registry);
  kiln::cuda::registerCudaCodegenDialects(registry);
  registry.insert<kiln::onnx::ONNXDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "kiln optimizer driver\n", registry));
}
