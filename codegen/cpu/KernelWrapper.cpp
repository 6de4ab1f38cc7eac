//===- KernelWrapper.cpp - the <sym>_kernel(const kiln_frame *) entry -----===//
//
// Generates the one exported function of a compiled model. It unpacks the
// kiln_frame (runtime/kiln_frame.h) into memref descriptors and calls the
// bufferized entry function, which is made internal like everything else.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUKERNELWRAPPER
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// Field indices of struct kiln_frame (runtime/kiln_frame.h).
enum FrameField : int32_t {
  kWeights = 0,
  kArena = 1,
  kInputs = 2,
  kInputShapes = 3,
  kOutputs = 4,
  kOutputShapes = 5,
  kRuntime = 6,
  kNumFrameFields = 7,
};

/// Emits the loads that turn a kiln_frame pointer into memref descriptors.
class FrameUnpacker {
public:
  FrameUnpacker(OpBuilder &builder, Location loc, Value frame)
      : b(builder), loc(loc), frame(frame) {
    MLIRContext *ctx = b.getContext();
    ptrType = LLVM::LLVMPointerType::get(ctx);
    i64Type = b.getI64Type();
    frameType = LLVM::LLVMStructType::getLiteral(
        ctx, SmallVector<Type>(kNumFrameFields, ptrType));
  }

  /// Loads `frame->field`.
  Value loadField(FrameField field) {
    Value addr = LLVM::GEPOp::create(b, loc, ptrType, frameType, frame,
                                     ArrayRef<LLVM::GEPArg>{0, field});
    return LLVM::LoadOp::create(b, loc, ptrType, addr);
  }

  /// Loads `array[index]` of an array of `elementType`.
  Value loadElement(Value array, Type elementType, int64_t index) {
    Value addr = LLVM::GEPOp::create(b, loc, ptrType, elementType, array,
                                     ArrayRef<LLVM::GEPArg>{index});
    return LLVM::LoadOp::create(b, loc, elementType, addr);
  }

  Value constant(int64_t value) {
    return LLVM::ConstantOp::create(b, loc, i64Type, value);
  }

  /// Builds a dense row-major descriptor of `type` over `data`; dynamic
  /// dims are read from `shape` (an `const int64_t *`).
  FailureOr<Value> buildMemRef(MemRefType type, Value data, Value shape) {
    if (!type.getLayout().isIdentity() || type.getMemorySpace())
      return failure();
    int64_t rank = type.getRank();
    SmallVector<Value> sizes, strides(rank);
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        sizes.push_back(constant(type.getDimSize(d)));
      else if (shape)
        sizes.push_back(loadElement(shape, i64Type, d));
      else
        return failure();
    }
    // Strides are folded to constants where the trailing dims are static.
    int64_t staticStride = 1;
    Value stride;
    for (int64_t d = rank - 1; d >= 0; --d) {
      strides[d] = stride ? stride : constant(staticStride);
      if (!stride && !type.isDynamicDim(d)) {
        staticStride *= type.getDimSize(d);
        continue;
      }
      if (d > 0)
        stride = LLVM::MulOp::create(b, loc, strides[d], sizes[d]);
    }

    SmallVector<Type> fields = {ptrType, ptrType, i64Type};
    if (rank > 0) {
      auto array = LLVM::LLVMArrayType::get(i64Type, rank);
      fields.append({array, array});
    }
    auto descType = LLVM::LLVMStructType::getLiteral(b.getContext(), fields);
    Value desc = LLVM::PoisonOp::create(b, loc, descType);
    desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{0});
    desc = LLVM::InsertValueOp::create(b, loc, desc, data, ArrayRef<int64_t>{1});
    desc = LLVM::InsertValueOp::create(b, loc, desc, constant(0),
                                       ArrayRef<int64_t>{2});
    for (int64_t d = 0; d < rank; ++d) {
      desc = LLVM::InsertValueOp::create(b, loc, desc, sizes[d],
                                         ArrayRef<int64_t>{3, d});
      desc = LLVM::InsertValueOp::create(b, loc, desc, strides[d],
                                         ArrayRef<int64_t>{4, d});
    }
    return UnrealizedConversionCastOp::create(b, loc, type, desc).getResult(0);
  }

  Type getPtrType() const { return ptrType; }

private:
  OpBuilder &b;
  Location loc;
  Value frame;
  Type ptrType, i64Type;
  LLVM::LLVMStructType frameType;
};

struct KernelWrapperPass
    : public kiln::cpu::impl::KilnCpuKernelWrapperBase<KernelWrapperPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> found = kiln::findEntryFunction(module);
    if (failed(found))
      return signalPassFailure();
    func::FuncOp entry = *found;
    if (entry.getNumResults() != 0) {
      entry.emitError("expects a bufferized entry function with out-params, "
                      "got results ")
          << entry.getResultTypes();
      return signalPassFailure();
    }
    std::string name = symbol + "_kernel";
    if (SymbolTable::lookupSymbolIn(module, name)) {
      module.emitError("symbol '") << name << "' already defined";
      return signalPassFailure();
    }

    // Everything but the kernel is internal to the model's object.
    MLIRContext *ctx = &getContext();
    auto internal = LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal);
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      func.setPrivate();
      func->setAttr("llvm.linkage", internal);
    }

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = entry.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto kernel = func::FuncOp::create(b, loc, name,
                                       b.getFunctionType({ptrType}, {}));
    Block *body = kernel.addEntryBlock();
    b.setInsertionPointToStart(body);
    FrameUnpacker frame(b, loc, body->getArgument(0));

    // Parallel loops (kiln-cpu-parallelize-loops) read the runtime handle
    // from this thread-local.
    if (auto global = module.lookupSymbol<LLVM::GlobalOp>(
            kiln::cpu::kRuntimeGlobalName)) {
      Value addr = LLVM::AddressOfOp::create(b, loc, global);
      LLVM::StoreOp::create(b, loc, frame.loadField(kRuntime), addr);
    }
    Value inputs = frame.loadField(kInputs);
    Value inputShapes = frame.loadField(kInputShapes);
    Value outputs = frame.loadField(kOutputs);
    Value outputShapes = frame.loadField(kOutputShapes);
    int64_t numInputs = 0, numOutputs = 0;
    // Data-dependent outputs are published by the entry function itself
    // (kiln-publish-data-dependent-results); out-params are the others.
    SmallVector<int64_t> published;
    if (auto attr = entry->getAttrOfType<DenseI64ArrayAttr>(
            kiln::kDataDependentOutputsAttr))
      published.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    auto skipPublished = [&] {
      while (llvm::is_contained(published, numOutputs))
        ++numOutputs;
    };
    SmallVector<Value> operands;
    for (auto [index, type] : llvm::enumerate(entry.getArgumentTypes())) {
      auto memrefType = dyn_cast<MemRefType>(type);
      if (!memrefType) {
        entry.emitError("expects memref arguments only, got ") << type;
        return signalPassFailure();
      }
      Value data, shape;
      switch (kiln::getEntryArgKind(entry, index)) {
      case kiln::EntryArgKind::Input:
        data = frame.loadElement(inputs, ptrType, numInputs);
        if (!memrefType.hasStaticShape())
          shape = frame.loadElement(inputShapes, ptrType, numInputs);
        ++numInputs;
        break;
      case kiln::EntryArgKind::Output:
        skipPublished();
        data = frame.loadElement(outputs, ptrType, numOutputs);
        if (!memrefType.hasStaticShape())
          shape = frame.loadElement(outputShapes, ptrType, numOutputs);
        ++numOutputs;
        break;
      case kiln::EntryArgKind::Weights:
        data = frame.loadField(kWeights);
        break;
      case kiln::EntryArgKind::Arena:
        data = frame.loadField(kArena);
        break;
      }
      FailureOr<Value> memref = frame.buildMemRef(memrefType, data, shape);
      if (failed(memref)) {
        entry.emitError("cannot pass argument #")
            << index << " of type " << type
            << " through the kernel frame (expects a dense row-major memref)";
        return signalPassFailure();
      }
      operands.push_back(*memref);
    }
    func::CallOp::create(b, loc, entry, operands);
    func::ReturnOp::create(b, loc);
  }
};

} // namespace
