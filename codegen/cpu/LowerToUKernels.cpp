//===- LowerToUKernels.cpp - GEMM/conv linalg ops -> runtime microkernels -===//
//
// Replaces bufferized f32 contractions and NCHW 2-D convolutions by calls to
// the packed microkernels of runtime/ukernels/kiln_uk.h. Operands are passed
// as raw pointers with element strides read from the memref descriptors at
// run time; the runtime handle comes from the thread-local the kernel
// wrapper sets. Anything not matched stays on the loop path. Constant
// operands (a convolution's filter, a GEMM's B) are packed at compile time
// into the weights blob, in the panels the kernel reads.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/UKernelEpilogue.h"
#include "codegen/cpu/UKernelWeights.h"
#include "runtime/ukernels/kiln_uk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPULOWERTOUKERNELS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

// Flags of kiln_uk.h.
constexpr int64_t kAccumulate = KILN_UK_ACCUMULATE;
constexpr int64_t kClamp = KILN_UK_CLAMP;
constexpr int64_t kPackedA = KILN_UK_PACKED_A;
constexpr int64_t kPackedB = KILN_UK_PACKED_B;

/// Register tile (rows of A, columns of B) of a kernel variant.
std::pair<int64_t, int64_t> registerTile(StringRef isa) {
  if (isa == "avx512")
    return {KILN_UK_MR_AVX512, KILN_UK_NR_AVX512};
  if (isa == "avx2")
    return {KILN_UK_MR_AVX2, KILN_UK_NR_AVX2};
  return {KILN_UK_MR_GENERIC, KILN_UK_NR_GENERIC};
}

/// Builds the values a microkernel call takes.
class CallBuilder {
public:
  CallBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i64(Value indexValue) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), indexValue);
  }
  Value i64(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  }
  Value f32(float v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(v));
  }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }

  /// The address of `memref`'s first element as !llvm.ptr.
  Value pointer(Value memref, Value offset) {
    Value aligned =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    Value bytes = mul(offset, index(4));
    Value address = i64(add(aligned, bytes));
    return LLVM::IntToPtrOp::create(b, loc,
                                    LLVM::LLVMPointerType::get(b.getContext()),
                                    address);
  }

  OpBuilder &b;
  Location loc;
};

/// The runtime handle: a load of the thread-local the kernel wrapper sets
/// (created here like kiln-cpu-parallelize-loops does).
Value loadRuntimeHandle(ModuleOp module, OpBuilder &b, Location loc) {
  auto ptrType = LLVM::LLVMPointerType::get(module.getContext());
  StringRef name = kiln::cpu::kRuntimeGlobalName;
  auto global = module.lookupSymbol<LLVM::GlobalOp>(name);
  if (!global) {
    OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
    global = LLVM::GlobalOp::create(
        mb, module.getLoc(), ptrType, /*isConstant=*/false,
        LLVM::Linkage::Internal, name, Attribute(), /*alignment=*/8,
        /*addrSpace=*/0, /*dsoLocal=*/false, /*thread_local_=*/true);
    Block *init = mb.createBlock(&global.getInitializerRegion());
    mb.setInsertionPointToStart(init);
    LLVM::ReturnOp::create(mb, module.getLoc(),
                           LLVM::ZeroOp::create(mb, module.getLoc(), ptrType));
  }
  Value address = LLVM::AddressOfOp::create(b, loc, global);
  return LLVM::LoadOp::create(b, loc, ptrType, address);
}

/// Declares `name` (private, external) with the operand types of a call.
func::FuncOp declareKernel(ModuleOp module, StringRef name,
                           TypeRange operandTypes) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
  auto fn = func::FuncOp::create(
      mb, module.getLoc(), name,
      mb.getFunctionType(operandTypes, TypeRange{}));
  fn.setPrivate();
  return fn;
}

/// The `linalg.fill` of +0.0 into `init` that `op` is the last op touching
/// memory before, if any.
linalg::FillOp zeroFillBefore(Operation *op, Value init) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(
      kiln::cpu::previousWithMemoryEffects(op));
  if (!fill || fill.getOutputs().front() != init)
    return {};
  FloatAttr value;
  if (!matchPattern(fill.getInputs().front(), m_Constant(&value)) ||
      !value.getValue().isPosZero())
    return {};
  return fill;
}

bool isF32Memref(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32();
}

/// out = out + lhs * rhs on f32 (either addend order).
bool isMulAddBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getOperations().size() != 3)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(body->front());
  auto add = dyn_cast<arith::AddFOp>(mul ? mul->getNextNode() : nullptr);
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!mul || !add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  Value a0 = body->getArgument(0), a1 = body->getArgument(1),
        acc = body->getArgument(2);
  bool mulOk = (mul.getLhs() == a0 && mul.getRhs() == a1) ||
               (mul.getLhs() == a1 && mul.getRhs() == a0);
  bool addOk = (add.getLhs() == mul.getResult() && add.getRhs() == acc) ||
               (add.getRhs() == mul.getResult() && add.getLhs() == acc);
  return mulOk && addOk;
}

/// Element stride of loop `dim` in an operand accessed through `map`, or
/// null when the loop does not index it. Fails on non-dim, non-zero results.
FailureOr<Value> loopStride(CallBuilder &cb, AffineMap map,
                            ArrayRef<Value> strides, unsigned dim) {
  Value stride;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (auto d = dyn_cast<AffineDimExpr>(expr)) {
      if (d.getPosition() == dim)
        stride = stride ? cb.add(stride, strides[i]) : strides[i];
      continue;
    }
    auto c = dyn_cast<AffineConstantExpr>(expr);
    if (!c || c.getValue() != 0)
      return failure();
  }
  return stride ? stride : cb.index(0);
}

class LowerToUKernels
    : public kiln::cpu::impl::KilnCpuLowerToUKernelsBase<LowerToUKernels> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (isa != "avx512" && isa != "avx2" && isa != "generic") {
      module.emitError("kiln-cpu-lower-to-ukernels: unknown isa '")
          << isa << "' (expects avx512, avx2 or generic)";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    module.walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    kiln::cpu::WeightsBlobEditor weights(module);
    for (linalg::LinalgOp op : ops) {
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op.getOperation()))
        (void)lowerConv(module, conv, weights);
      else if (linalg::isaContractionOpInterface(op))
        (void)lowerContraction(module, op, weights);
    }
    weights.finalize();
  }

private:
  std::string kernelName(StringRef what) {
    return ("kiln_uk_" + what + "_" + isa).str();
  }

  void emitCall(ModuleOp module, OpBuilder &b, Location loc, StringRef what,
                SmallVector<Value> operands) {
    operands.insert(operands.begin(), loadRuntimeHandle(module, b, loc));
    func::FuncOp fn = declareKernel(module, kernelName(what),
                                    ValueRange(operands).getTypes());
    func::CallOp::create(b, loc, fn, operands);
  }

  /// A view of `memref`'s constant packed as `rows` x `K` panels of `tile`
  /// (element (r, k) at r * rs + k * ks), or null when `memref` is no
  /// constant of the weights blob or packing is off.
  Value packConstant(kiln::cpu::WeightsBlobEditor &weights, OpBuilder &b,
                     Location loc, Value memref, int64_t rows, int64_t K,
                     int64_t rs, int64_t ks, int64_t tile, StringRef what);

  LogicalResult lowerContraction(ModuleOp module, linalg::LinalgOp op,
                                 kiln::cpu::WeightsBlobEditor &weights);
  LogicalResult lowerConv(ModuleOp module, linalg::Conv2DNchwFchwOp op,
                          kiln::cpu::WeightsBlobEditor &weights);
};

Value LowerToUKernels::packConstant(kiln::cpu::WeightsBlobEditor &weights,
                                    OpBuilder &b, Location loc, Value memref,
                                    int64_t rows, int64_t K, int64_t rs,
                                    int64_t ks, int64_t tile,
                                    StringRef what) {
  if (!packWeights || rows <= 0 || K <= 0)
    return {};
  auto view = memref.getDefiningOp<memref::ViewOp>();
  APInt offset;
  if (!view || !matchPattern(view.getByteShift(), m_ConstantInt(&offset)))
    return {};
  // One key per constant (its offset in the blob), layout and tile.
  std::string key = llvm::formatv("__packed_{0}_{1}_{2}_{3}x{4}_{5}_{6}",
                                  what, isa, offset.getSExtValue(), rows, K,
                                  rs, ks);
  std::optional<std::vector<float>> data;
  if (!weights.contains(key)) {
    data = weights.readF32(memref);
    if (!data)
      return {};
  }
  std::vector<float> packed;
  if (data) {
    packed.resize(kiln_uk_packed_size(rows, K, tile));
    kiln_uk_pack_panels(data->data(), rows, K, rs, ks, tile, packed.data());
  }
  return weights.add(b, loc, key, packed);
}


LogicalResult
LowerToUKernels::lowerContraction(ModuleOp module, linalg::LinalgOp op,
                                  kiln::cpu::WeightsBlobEditor &weights) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return failure();
  Value a = op.getDpsInputs()[0], bv = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  if (!isF32Memref(a) || !isF32Memref(bv) || !isF32Memref(c) ||
      !isMulAddBody(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return failure();
  // One batch loop at most; further ones must be static and of size 1 (the
  // leading batch of a 1 x heads x S x S attention contraction), which the
  // call then ignores: they always index 0.
  std::optional<unsigned> batch;
  SmallVector<int64_t> loopSizes = op.getStaticLoopRanges();
  for (unsigned d : dims->batch) {
    if (loopSizes[d] == 1)
      continue;
    if (batch)
      return failure();
    batch = d;
  }
  if (!batch && !dims->batch.empty())
    batch = dims->batch[0];
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return failure();
  // The output must be unit-stride along N (checked statically).
  auto cType = cast<MemRefType>(c.getType());
  SmallVector<int64_t> cStrides;
  int64_t cOffset;
  if (failed(cType.getStridesAndOffset(cStrides, cOffset)))
    return failure();
  std::optional<unsigned> nResult =
      maps[2].getResultPosition(getAffineDimExpr(dims->n[0], op.getContext()));
  if (!nResult || cStrides[*nResult] != 1)
    return failure();

  OpBuilder b(op);
  Location loc = op.getLoc();
  CallBuilder cb(b, loc);
  int64_t flags = kAccumulate;
  linalg::FillOp fill = zeroFillBefore(op, c);
  if (fill)
    flags = 0;
  // A broadcast of a vector along N into the output (a Gemm's bias): the
  // kernel starts from it instead.
  Operation *biasInit = nullptr;
  Value bias;
  if (!fill) {
    biasInit = kiln::cpu::previousWithMemoryEffects(op);
    bias = kiln::cpu::matchBroadcastInit(biasInit, c, *nResult);
    auto biasType = bias ? cast<MemRefType>(bias.getType()) : MemRefType();
    if (!bias || biasType.getRank() != 1 ||
        biasType.getDimSize(0) != cType.getDimSize(*nResult) ||
        ShapedType::isDynamic(biasType.getDimSize(0)) ||
        !kiln::cpu::provablyDisjoint(c, bias))
      bias = {};
    if (bias)
      flags = 0;
  }

  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  auto size = [&](unsigned d) {
    return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
  };

  // A constant B that every problem reads goes in packed (N x K panels).
  Value packedB;
  int64_t staticK = loopSizes[dims->k[0]], staticN = loopSizes[dims->n[0]];
  auto bType = cast<MemRefType>(bv.getType());
  SmallVector<int64_t> bStrides;
  int64_t bOffset;
  bool sharedB = !batch || loopSizes[*batch] == 1 ||
                 !maps[1].isFunctionOfDim(*batch);
  if (sharedB && !ShapedType::isDynamic(staticK) &&
      !ShapedType::isDynamic(staticN) &&
      succeeded(bType.getStridesAndOffset(bStrides, bOffset)) &&
      bOffset == 0) {
    int64_t ks = 0, ns = 0;
    for (auto [i, expr] : llvm::enumerate(maps[1].getResults())) {
      auto d = dyn_cast<AffineDimExpr>(expr);
      if (d && d.getPosition() == dims->k[0])
        ks += bStrides[i];
      if (d && d.getPosition() == dims->n[0])
        ns += bStrides[i];
    }
    packedB = packConstant(weights, b, loc, bv, staticN, staticK, ns, ks,
                           registerTile(isa).second, "rhs");
  }
  if (packedB)
    flags |= kPackedB;

  SmallVector<Value> operands = {cb.i64(batch ? size(*batch) : cb.index(1)),
                                 cb.i64(size(dims->m[0])),
                                 cb.i64(size(dims->n[0])),
                                 cb.i64(size(dims->k[0]))};
  // Per operand: pointer, then strides of (batch, row loop, column loop).
  auto addOperand = [&](Value memref, AffineMap map, unsigned row,
                        std::optional<unsigned> col) -> LogicalResult {
    auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    SmallVector<Value> strides(md.getStrides());
    operands.push_back(cb.pointer(memref, md.getOffset()));
    SmallVector<unsigned> loops;
    if (batch)
      loops.push_back(*batch);
    loops.push_back(row);
    if (col)
      loops.push_back(*col);
    if (!batch)
      operands.push_back(cb.i64(0));
    for (unsigned loop : loops) {
      FailureOr<Value> stride = loopStride(cb, map, strides, loop);
      if (failed(stride))
        return failure();
      operands.push_back(cb.i64(*stride));
    }
    return success();
  };
  // Checked above: every result is a dim or 0, so these cannot fail; the
  // ops built so far are unused and folded away if they somehow did.
  if (failed(addOperand(a, maps[0], dims->m[0], dims->k[0])))
    return failure();
  if (packedB) {
    auto md = memref::ExtractStridedMetadataOp::create(b, loc, packedB);
    operands.append({cb.pointer(packedB, md.getOffset()), cb.i64(0),
                     cb.i64(0), cb.i64(0)});
  } else if (failed(addOperand(bv, maps[1], dims->k[0], dims->n[0]))) {
    return failure();
  }
  if (failed(addOperand(c, maps[2], dims->m[0], std::nullopt)))
    return failure();
  operands.append({cb.i64(flags), cb.f32(0.0f), cb.f32(0.0f)});
  if (bias) {
    auto md = memref::ExtractStridedMetadataOp::create(b, loc, bias);
    operands.push_back(cb.pointer(bias, md.getOffset()));
  } else {
    operands.push_back(LLVM::ZeroOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext())));
  }
  emitCall(module, b, loc, "sgemm", operands);
  if (fill)
    fill.erase();
  if (bias)
    biasInit->erase();
  op.erase();
  return success();
}

LogicalResult
LowerToUKernels::lowerConv(ModuleOp module, linalg::Conv2DNchwFchwOp op,
                           kiln::cpu::WeightsBlobEditor &weights) {
  Value x = op.getInputs()[0], w = op.getInputs()[1], y = op.getOutputs()[0];
  if (!isF32Memref(x) || !isF32Memref(w) || !isF32Memref(y))
    return failure();
  for (Value v : {x, w, y})
    if (!cast<MemRefType>(v.getType()).getLayout().isIdentity())
      return failure();
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
  if (strides.size() != 2 || dilations.size() != 2)
    return failure();

  // The init: a zero fill, a bias broadcast (both absorbed), or anything
  // else (accumulated onto).
  SmallVector<Operation *> absorbed;
  int64_t flags = kAccumulate;
  Operation *init = kiln::cpu::previousWithMemoryEffects(op);
  Value bias = kiln::cpu::matchChannelBiasInit(init, y);
  if (bias && cast<MemRefType>(bias.getType()).getNumElements() !=
                  cast<MemRefType>(w.getType()).getDimSize(0))
    bias = {};
  if (bias || zeroFillBefore(op, y)) {
    absorbed.push_back(init);
    flags = 0;
  }

  // Elementwise consumers (residual add, then Relu/Clip) become the
  // epilogue when the output can move to their buffer: the old one is read
  // by nothing else, and the new one overlaps no operand being read.
  Value out = y, residual;
  bool clamp = false;
  float lo = 0, hi = 0;
  Operation *last = op;
  while (!clamp) {
    Operation *next = kiln::cpu::nextWithMemoryEffects(last);
    FailureOr<kiln::cpu::ElementwiseEpilogue> epilogue =
        kiln::cpu::matchElementwiseEpilogue(next, out);
    if (failed(epilogue) || (residual && epilogue->residual) ||
        (epilogue->output != out && llvm::isa<BlockArgument>(out)))
      break;
    Value z = epilogue->output;
    // In place (the usual case, see kiln-cpu-prepare-ukernel-epilogues), or
    // moving to a new buffer that only this consumer read the old one for.
    bool onlyUsers =
        z == out || llvm::all_of(out.getUsers(), [&](Operation *user) {
          return user == op || user == next ||
                 llvm::is_contained(absorbed, user);
        });
    auto disjoint = [&](Value v) {
      return !v || kiln::cpu::provablyDisjoint(z, v);
    };
    if (!onlyUsers || !disjoint(x) || !disjoint(w) || !disjoint(bias) ||
        !disjoint(residual) || !disjoint(epilogue->residual))
      break;
    out = z;
    if (epilogue->residual)
      residual = epilogue->residual;
    if (epilogue->clamp) {
      clamp = true;
      lo = epilogue->lo;
      hi = epilogue->hi;
    }
    absorbed.push_back(next);
    last = next;
  }
  if (clamp)
    flags |= kClamp;

  OpBuilder b(last);
  b.setInsertionPointAfter(last);
  Location loc = op.getLoc();
  CallBuilder cb(b, loc);
  auto dim = [&](Value v, int64_t d) {
    auto type = cast<MemRefType>(v.getType());
    if (!type.isDynamicDim(d))
      return cb.i64(type.getDimSize(d));
    return cb.i64(memref::DimOp::create(b, loc, v, d));
  };
  auto pointer = [&](Value v) -> Value {
    if (!v)
      return LLVM::ZeroOp::create(b, loc,
                                  LLVM::LLVMPointerType::get(b.getContext()));
    auto md = memref::ExtractStridedMetadataOp::create(b, loc, v);
    return cb.pointer(v, md.getOffset());
  };
  // A constant filter goes in packed (F x C*KH*KW panels).
  auto wType = cast<MemRefType>(w.getType());
  Value filter = w;
  if (wType.hasStaticShape() && wType.getDimSize(0) > 0) {
    int64_t F = wType.getDimSize(0), K = wType.getNumElements() / F;
    if (Value packed = packConstant(weights, b, loc, w, F, K, K, 1,
                                    registerTile(isa).first, "filter")) {
      filter = packed;
      flags |= kPackedA;
    }
  }
  SmallVector<Value> operands = {
      dim(x, 0),          cb.i64(1),          dim(x, 1),
      dim(x, 2),          dim(x, 3),          dim(w, 0),
      dim(w, 2),          dim(w, 3),          dim(y, 2),
      dim(y, 3),          cb.i64(strides[0]), cb.i64(strides[1]),
      cb.i64(dilations[0]), cb.i64(dilations[1]), pointer(x),
      pointer(filter),    pointer(out),       pointer(bias),
      pointer(residual),  cb.i64(flags),      cb.f32(lo),
      cb.f32(hi)};
  emitCall(module, b, loc, "sconv2d", operands);
  for (Operation *fused : llvm::reverse(absorbed))
    fused->erase();
  op.erase();
  return success();
}

} // namespace
