//===- Importer.cpp - ONNX ModelProto to the onnx dialect -----------------===//
//
// The entry point: checks the model header, records it as module
// attributes, and imports the main graph.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"

#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace kiln {

void registerImporterDialects(DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect, func::FuncDialect>();
}

namespace {
FailureOr<OwningOpRef<ModuleOp>> importModelImpl(MLIRContext &ctx,
                                                 const pb::ModelProto &model,
                                                 const ImportOptions &options,
                                                 bool moveRawData) {
  ctx.loadDialect<onnx::ONNXDialect, func::FuncDialect>();
  FailureOr<ModelHeader> header =
      checkModelHeader(ctx, model, options.modelPath);
  if (failed(header))
    return failure();

  Location fileLoc = FileLineColLoc::get(&ctx, options.modelPath, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  Builder b(&ctx);
  module->getOperation()->setAttr("onnx.ir_version",
                                  b.getI64IntegerAttr(header->irVersion));
  module->getOperation()->setAttr("onnx.opset_version",
                                  b.getI64IntegerAttr(header->opsetVersion));
  if (!model.producer_name().empty())
    module->getOperation()->setAttr("onnx.producer_name",
                                    b.getStringAttr(model.producer_name()));
  if (!model.producer_version().empty())
    module->getOperation()->setAttr("onnx.producer_version",
                                    b.getStringAttr(model.producer_version()));
  if (!model.graph().name().empty())
    module->getOperation()->setAttr("onnx.graph_name",
                                    b.getStringAttr(model.graph().name()));

  detail::ModelImporter importer(ctx, options, *header);
  importer.moveRawData = moveRawData;
  if (failed(importer.importMainGraph(model.graph(), *module)))
    return failure();
  return module;
}
} // namespace

FailureOr<OwningOpRef<ModuleOp>> importModel(MLIRContext &ctx,
                                             const pb::ModelProto &model,
                                             const ImportOptions &options) {
  return importModelImpl(ctx, model, options, /*moveRawData=*/false);
}

FailureOr<OwningOpRef<ModuleOp>>
importModel(MLIRContext &ctx, std::unique_ptr<pb::ModelProto> model,
            const ImportOptions &options) {
  // `model` is owned here, so the importer may move buffers out of it.
  return importModelImpl(ctx, *model, options, /*moveRawData=*/true);
}

} // namespace kiln
