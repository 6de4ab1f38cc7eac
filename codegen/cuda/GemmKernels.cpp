//===- GemmKernels.cpp - shared-memory tiled GEMM kernels -----------------===//
//
// kiln-cuda-gemm-kernels: see Passes.td. Builds the kernel directly as a
// gpu.launch (3-D grid: N tiles, M tiles, batch x split; 256 threads) with
// two workgroup buffers for the K slice of the A and B tiles. Each K step
// stores the tile prefetched into registers during the previous step, so
// the global loads of step i+1 overlap the math of step i. With `wgmma`
// (--cuda-arch sm_90, tf32/fp16) the two warpgroups of the block issue
// Hopper's warpgroup MMA (nvvm.wgmma.mma_async) on the slices, which the
// threads store into shared memory in the core-matrix layout the wgmma
// descriptors describe (no swizzle). With `tma` and plain tensor inputs,
// thread 0 fetches 3 stages of f32 slices by TMA (cp.async.bulk.tensor,
// mbarrier completion) into dynamic shared memory, and the threads round or
// convert them into the core-matrix slices.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAGEMMKERNELS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kBK = 16;
constexpr int64_t kPad = 8;

enum class Precision { FP32, TF32, FP16 };

/// The loops of a matmul-shaped op and how its kernel is tiled. M, N and K
/// are groups of loops flattened outermost first (one loop each for a
/// matmul; output channel x (oh, ow) x (c, kh, kw) for an implicit-GEMM
/// convolution).
struct GemmPlan {
  SmallVector<int64_t> extents;
  SmallVector<unsigned> batch; // other parallel loops, outermost first
  SmallVector<unsigned> mDims, nDims, kDims;
  int64_t M = 0, N = 0, K = 0; // the groups' flattened extents
  int64_t batchSize = 1;       // product of the batch loops' extents
  unsigned x = 0, y = 1; // X depends on n (B operand), Y on m (A operand)
  // Per input operand: whether consecutive threads load along K (the
  // operand's addresses are closer along K than along its M/N group).
  bool kInner[2] = {false, false};
  int64_t bm = 64, bn = 64;
  int64_t split = 1, chunk = 0; // K chunks (f32 atomics when split > 1)
  // K step (one shared-memory slice). wgmma too: 32 would need more than
  // 255 registers with the prefetched slices (ptxas spills).
  int64_t bk = kBK;
  // TMA slices (see planTma): per input, the memref dim holding K, the one
  // holding the operand's M/N loop, and the loop read by each dim (-1: a
  // unit dim read at 0).
  bool tma = false;
  struct TmaOperand {
    int64_t kDim = -1, groupDim = -1;
    SmallVector<int64_t> loops;
  } tmaIn[2];
};

/// Stages of TMA slices in flight.
constexpr int64_t kTmaStages = 3;
/// Name of the runtime function that encodes a CUtensorMap on the host.
constexpr llvm::StringLiteral kTensorMapFn = "kiln_rt_cuda_tensor_map";

/// Whether `op`'s payload is `out + in_x * in_y` (either operand order).
bool isMulAddPayload(linalg::LinalgOp op) {
  Block &body = op->getRegion(0).front();
  if (body.getNumArguments() != 3 ||
      !llvm::all_of(body.getArgumentTypes(),
                    [](Type t) { return t.isF32(); }) ||
      body.getOperations().size() != 3)
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2);
  Value other = add.getLhs() == out ? add.getRhs()
                : add.getRhs() == out ? add.getLhs()
                                      : Value();
  auto mul = other ? other.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// The coefficient of loop `d` in `e` when `e` is a sum of loops times
/// constants plus a constant (conv windows: oh * stride + kh * dilation).
std::optional<int64_t> coefficient(AffineExpr e, unsigned d) {
  if (auto dim = dyn_cast<AffineDimExpr>(e))
    return dim.getPosition() == d ? 1 : 0;
  if (isa<AffineConstantExpr>(e))
    return 0;
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  if (bin.getKind() == AffineExprKind::Add) {
    auto l = coefficient(bin.getLHS(), d), r = coefficient(bin.getRHS(), d);
    if (!l || !r)
      return std::nullopt;
    return *l + *r;
  }
  if (bin.getKind() == AffineExprKind::Mul) {
    auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
    auto l = coefficient(bin.getLHS(), d);
    if (!c || !l)
      return std::nullopt;
    return *l * c.getValue();
  }
  return std::nullopt;
}

/// The element distance in `operand`'s buffer between loop `d` and `d + 1`;
/// nullopt when not a constant.
std::optional<int64_t> addressStride(linalg::LinalgOp op, OpOperand *operand,
                                     unsigned d) {
  auto type = cast<MemRefType>(operand->get().getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return std::nullopt;
  AffineMap map = op.getMatchingIndexingMap(operand);
  int64_t total = 0;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    std::optional<int64_t> c = coefficient(e, d);
    if (!c)
      return std::nullopt;
    if (*c == 0)
      continue;
    if (ShapedType::isDynamic(strides[i]))
      return std::nullopt;
    total += *c * strides[i];
  }
  return total;
}

FailureOr<GemmPlan> plan(linalg::LinalgOp op, int64_t minBlocks) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.hasIndexSemantics() ||
      op->getNumRegions() != 1 || !isMulAddPayload(op))
    return failure();
  for (OpOperand &operand : op->getOpOperands())
    if (!isa<MemRefType>(operand.get().getType()))
      return failure();
  GemmPlan p;
  p.extents = op.getStaticLoopRanges();
  if (llvm::any_of(p.extents, ShapedType::isDynamic))
    return failure();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!out.isProjectedPermutation() ||
      out.getNumResults() != op.getNumParallelLoops() ||
      out.getNumResults() < 2)
    return failure();
  AffineMap in0 = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap in1 = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  // Inputs: sums of loops times constants (matmul operands, conv windows).
  for (AffineMap map : {in0, in1})
    for (AffineExpr e : map.getResults())
      for (unsigned d = 0; d < map.getNumDims(); ++d)
        if (!coefficient(e, d))
          return failure();
  // X reads the innermost output loop, Y does not.
  unsigned inner = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  bool uses0 = in0.isFunctionOfDim(inner), uses1 = in1.isFunctionOfDim(inner);
  if (uses0 == uses1)
    return failure();
  p.x = uses0 ? 0 : 1;
  p.y = 1 - p.x;
  AffineMap xMap = p.x == 0 ? in0 : in1, yMap = p.x == 0 ? in1 : in0;
  // Output loops longer than 1 that only X reads form N, those only Y reads
  // M (outermost first, as the output is laid out); the rest are batch.
  for (AffineExpr e : out.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    bool inX = xMap.isFunctionOfDim(d), inY = yMap.isFunctionOfDim(d);
    if (p.extents[d] > 1 && inX && !inY)
      p.nDims.push_back(d);
    else if (p.extents[d] > 1 && inY && !inX)
      p.mDims.push_back(d);
    else
      p.batch.push_back(d);
  }
  // Reduction loops longer than 1, read by both operands, in the order of
  // Y's layout (a conv filter's (c, kh, kw): contiguous along K).
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (AffineExpr e : yMap.getResults())
    for (unsigned d = 0; d < kinds.size(); ++d)
      if (kinds[d] == utils::IteratorType::reduction && p.extents[d] > 1 &&
          e.isFunctionOfDim(d) && !llvm::is_contained(p.kDims, d))
        p.kDims.push_back(d);
  for (unsigned d = 0; d < kinds.size(); ++d)
    if (kinds[d] == utils::IteratorType::reduction && p.extents[d] > 1 &&
        (!xMap.isFunctionOfDim(d) || !yMap.isFunctionOfDim(d)))
      return failure();
  if (p.mDims.empty() || p.nDims.empty() || p.kDims.empty())
    return failure();
  auto product = [&](ArrayRef<unsigned> group) {
    int64_t v = 1;
    for (unsigned d : group)
      v *= p.extents[d];
    return v;
  };
  p.M = product(p.mDims);
  p.N = product(p.nDims);
  p.K = product(p.kDims);
  // Coalescing: per operand, load along K when its innermost K loop is
  // closer in memory than the innermost loop of its M/N group.
  for (unsigned operand : {0u, 1u}) {
    ArrayRef<unsigned> group = operand == p.x ? p.nDims : p.mDims;
    OpOperand *in = op.getDpsInputOperand(operand);
    auto sk = addressStride(op, in, p.kDims.back());
    auto sg = addressStride(op, in, group.back());
    if (sk && sg)
      p.kInner[operand] = std::abs(*sk) < std::abs(*sg);
    else
      p.kInner[operand] =
          (operand == p.x ? xMap : yMap).getResults().back().isFunctionOfDim(
              p.kDims.back());
  }
  int64_t M = p.M, N = p.N, K = p.K;
  // Small or skinny products (GEMV at batch 1) stay with
  // kiln-cuda-tile-contractions.
  if (M < 32 || N < 32 || K < kBK)
    return failure();
  p.batchSize = product(p.batch);
  int64_t batch = p.batchSize;
  auto blocks = [&](int64_t t) {
    return llvm::divideCeil(M, t) * llvm::divideCeil(N, t) * batch;
  };
  if (blocks(128) >= minBlocks)
    p.bm = p.bn = 128;
  // Too few blocks: split K into chunks of whole K steps, at least 4 each.
  int64_t steps = llvm::divideCeil(K, p.bk);
  while (blocks(p.bm) * p.split < minBlocks && steps / (p.split * 2) >= 4)
    p.split *= 2;
  p.chunk = llvm::divideCeil(steps, p.split) * p.bk;
  p.split = llvm::divideCeil(K, p.chunk);
  return p;
}

/// Whether both inputs are plain strided f32 tensors TMA can slice: each
/// dim reads one loop (K, the operand's single M/N loop, a batch loop, or
/// a unit dim), the innermost dim is K or M/N and contiguous, the other
/// strides and the offset are 16-byte multiples. Sets p.tmaIn and loads
/// along the innermost dim (p.kInner).
bool planTma(linalg::LinalgOp op, GemmPlan &p) {
  if (p.kDims.size() != 1 || p.mDims.size() != 1 || p.nDims.size() != 1)
    return false;
  for (unsigned operand : {0u, 1u}) {
    OpOperand *in = op.getDpsInputOperand(operand);
    auto type = cast<MemRefType>(in->get().getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (!type.getElementType().isF32() || type.getRank() < 2 ||
        type.getRank() > 5 || type.getMemorySpace() ||
        !type.hasStaticShape() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) || (offset * 4) % 16 != 0 ||
        strides.back() != 1)
      return false;
    for (auto [i, stride] : llvm::enumerate(strides))
      if (ShapedType::isDynamic(stride) ||
          (i + 1 < strides.size() && type.getDimSize(i) > 1 &&
           (stride * 4) % 16 != 0))
        return false;
    GemmPlan::TmaOperand t;
    unsigned group = operand == p.x ? p.nDims.front() : p.mDims.front();
    AffineMap map = op.getMatchingIndexingMap(in);
    for (auto [r, e] : llvm::enumerate(map.getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      auto zero = dyn_cast<AffineConstantExpr>(e);
      if (zero && zero.getValue() == 0 && type.getDimSize(r) == 1) {
        t.loops.push_back(-1);
        continue;
      }
      if (!dim)
        return false;
      unsigned d = dim.getPosition();
      t.loops.push_back(d);
      if (d == p.kDims.front())
        t.kDim = r;
      else if (d == group)
        t.groupDim = r;
      else if (!llvm::is_contained(p.batch, d) && p.extents[d] != 1)
        return false;
    }
    int64_t inner = type.getRank() - 1;
    if (t.kDim < 0 || t.groupDim < 0 || (inner != t.kDim && inner != t.groupDim))
      return false;
    p.tmaIn[operand] = t;
  }
  // Only once both inputs qualify (else the threads' loads keep theirs).
  for (unsigned operand : {0u, 1u})
    p.kInner[operand] =
        p.tmaIn[operand].kDim ==
        static_cast<int64_t>(p.tmaIn[operand].loops.size()) - 1;
  return true;
}

/// Emits the kernel of `op` (see the pass description).
class GemmBuilder {
public:
  GemmBuilder(linalg::LinalgOp op, const GemmPlan &p, Precision precision,
              bool wgmma)
      : op(op), p(p), precision(precision), wgmma(wgmma), b(op),
        loc(op.getLoc()) {}

  void build();

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value l, Value r) { return arith::AddIOp::create(b, loc, l, r); }
  Value mul(Value l, Value r) { return arith::MulIOp::create(b, loc, l, r); }
  Value lt(Value l, int64_t r) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, l, cst(r));
  }
  Value ltV(Value l, Value r) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, l, r);
  }
  Value minI(Value l, int64_t r) {
    return arith::MinSIOp::create(b, loc, l, cst(r));
  }
  Value fconst(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value load(Value buf, ArrayRef<Value> at) {
    return memref::LoadOp::create(b, loc, buf, at);
  }

  /// Sets the loops of `group` in `at` from their flattened index.
  void assignGroup(SmallVector<Value> &at, ArrayRef<unsigned> group,
                   Value flat);
  /// Loads this thread's share of one operand's K slice into registers.
  /// `rows` is the tile extent along the operand's m or n group; zero
  /// outside the op.
  SmallVector<Value> loadTile(unsigned operand, int64_t rows, Value base,
                              Value k0);
  void storeTile(ArrayRef<Value> values, unsigned operand, int64_t rows,
                 Value smem);
  Value roundToTf32(Value v);
  SmallVector<Value> computeSimt(ValueRange acc);
  SmallVector<Value> computeMma(ValueRange acc);
  Value wgmmaOffset(Value r, Value kk, Value base);
  Value wgmmaDescriptor(Value base, int64_t rowOffset, int64_t kStep);
  Value computeWgmma(Value acc);
  void storeWgmmaOut(Value acc);
  // TMA (p.tma).
  Value encodeTensorMap(unsigned operand, int64_t rows);
  Value sharedPtr(Value memref, Value byteOffset);
  Value barrier(Value stage);
  Value stagingOffset(Value stage, unsigned operand);
  void onThread0(function_ref<void()> body);
  void issueTma(Value k, Value stage);
  SmallVector<Value> loadStaging(unsigned operand, int64_t rows, Value stage);
  Value tmaLoop(Value acc, Value kBegin);
  void storeOut(Value value, Value mIdx, Value nIdx);

  linalg::LinalgOp op;
  const GemmPlan &p;
  Precision precision;
  bool wgmma;
  OpBuilder b;
  Location loc;
  SmallVector<Value> dims; // the op's loop indices inside the kernel
  Value tid, kEnd, aSmem, bSmem;
  Value aBase, bBase; // wgmma: first element of each 128-byte aligned slice
  Value tileM0, tileN0; // the block tile's first m and n
  Type smemElem;
  // TMA: the host's tensor maps (!llvm.array<16 x i64>), their addresses in
  // the kernel, the f32 stages, the stages' mbarriers.
  Value hostMap[2], mapPtr[2], staging, barriers;
};

void GemmBuilder::assignGroup(SmallVector<Value> &at,
                              ArrayRef<unsigned> group, Value flat) {
  for (unsigned d : llvm::reverse(group)) {
    if (d == group.front()) {
      at[d] = flat;
      break;
    }
    at[d] = arith::RemUIOp::create(b, loc, flat, cst(p.extents[d]));
    flat = arith::DivUIOp::create(b, loc, flat, cst(p.extents[d]));
  }
}

SmallVector<Value> GemmBuilder::loadTile(unsigned operand, int64_t rows,
                                         Value base, Value k0) {
  OpOperand *in = op.getDpsInputOperand(operand);
  AffineMap map = op.getMatchingIndexingMap(in);
  ArrayRef<unsigned> group = operand == p.x ? p.nDims : p.mDims;
  // Consecutive threads read consecutive addresses where they can: along k
  // or along the operand's m/n group (see GemmPlan::kInner).
  bool kInner = p.kInner[operand];
  int64_t extent = operand == p.x ? p.N : p.M, K = p.K;
  SmallVector<Value> values;
  Value zero = fconst(0.0f);
  for (int64_t i = 0; i < rows * p.bk / kThreads; ++i) {
    Value e = add(tid, cst(i * kThreads));
    Value r, kk;
    if (kInner) {
      kk = arith::RemUIOp::create(b, loc, e, cst(p.bk));
      r = arith::DivUIOp::create(b, loc, e, cst(p.bk));
    } else {
      r = arith::RemUIOp::create(b, loc, e, cst(rows));
      kk = arith::DivUIOp::create(b, loc, e, cst(rows));
    }
    Value gr = add(base, r), gk = add(k0, kk);
    Value ok = ltV(gk, kEnd);
    if (extent % rows != 0)
      ok = arith::AndIOp::create(b, loc, ok, lt(gr, extent));
    SmallVector<Value> at = dims;
    assignGroup(at, group, extent % rows != 0 ? minI(gr, extent - 1) : gr);
    assignGroup(at, p.kDims, minI(gk, K - 1));
    auto idx = affine::expandAffineMap(b, loc, map, at);
    Value v = load(in->get(), *idx);
    values.push_back(arith::SelectOp::create(b, loc, ok, v, zero));
  }
  return values;
}

// tf32 mma reads only the top 19 bits of each operand (truncation); round
// to nearest first (ties away from zero, as cvt.rna.tf32.f32): add half of
// the dropped part's unit to the bits, then clear the 13 low bits.
Value GemmBuilder::roundToTf32(Value v) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value half = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0x1000));
  Value mask = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0xffffe000u)));
  Value rounded = arith::AndIOp::create(
      b, loc, arith::AddIOp::create(b, loc, bits, half), mask);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), rounded);
}

void GemmBuilder::storeTile(ArrayRef<Value> values, unsigned operand,
                            int64_t rows, Value smem) {
  bool kInner = p.kInner[operand];
  for (auto [i, v] : llvm::enumerate(values)) {
    Value e = add(tid, cst(i * kThreads));
    Value r, kk;
    if (kInner) {
      kk = arith::RemUIOp::create(b, loc, e, cst(p.bk));
      r = arith::DivUIOp::create(b, loc, e, cst(p.bk));
    } else {
      r = arith::RemUIOp::create(b, loc, e, cst(rows));
      kk = arith::DivUIOp::create(b, loc, e, cst(rows));
    }
    Value s = v;
    if (smemElem.isF16())
      s = arith::TruncFOp::create(b, loc, smemElem, v);
    else if (precision == Precision::TF32)
      s = roundToTf32(v);
    if (wgmma) {
      Value base = smem == aSmem ? aBase : bBase;
      memref::StoreOp::create(b, loc, s, smem,
                              ValueRange{wgmmaOffset(r, kk, base)});
      continue;
    }
    memref::StoreOp::create(b, loc, s, smem, ValueRange{kk, r});
  }
}

// wgmma operands without swizzle, K-major: "core matrices" of 8 rows x 16
// bytes (8 f16 or 4 tf32 along K), each 128 contiguous bytes; those along K
// are adjacent (leading byte offset 128), groups of 8 rows follow each
// other every BK / E core matrices (stride byte offset 8 * BK * bytes).
Value GemmBuilder::wgmmaOffset(Value r, Value kk, Value base) {
  int64_t e = smemElem.isF16() ? 8 : 4; // elements per 16 bytes
  auto divu = [&](Value v, int64_t d) {
    return arith::DivUIOp::create(b, loc, v, cst(d)).getResult();
  };
  auto remu = [&](Value v, int64_t d) {
    return arith::RemUIOp::create(b, loc, v, cst(d)).getResult();
  };
  Value core = add(mul(divu(r, 8), cst(p.bk / e)), divu(kk, e));
  Value inCore = add(mul(remu(r, 8), cst(e)), remu(kk, e));
  return add(base, add(mul(core, cst(8 * e)), inCore));
}

// The 64-bit shared-memory matrix descriptor of the slice rows from
// `rowOffset` (a multiple of 8), K from `kStep` * (2 core matrices):
// bits 0-13 start address >> 4, 16-29 leading byte offset >> 4, 32-45
// stride byte offset >> 4, 62-63 swizzle (0: none).
Value GemmBuilder::wgmmaDescriptor(Value base, int64_t rowOffset,
                                   int64_t kStep) {
  Type i64 = b.getI64Type();
  Value smem = base == aBase ? aSmem : bSmem;
  int64_t bytes = smemElem.getIntOrFloatBitWidth() / 8;
  Value ptr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, smem);
  Value addr = add(ptr, mul(base, cst(bytes)));
  int64_t sbo = 8 * p.bk * bytes;
  addr = add(addr, cst((rowOffset / 8) * sbo + kStep * 256));
  Value a64 = arith::IndexCastUIOp::create(b, loc, i64, addr);
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  Value start = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, a64, c64(0x3ffff)), c64(4));
  int64_t fields = ((128 >> 4) << 16) | ((sbo >> 4) << 32);
  return arith::OrIOp::create(b, loc, start, c64(fields));
}

// Warpgroup MMA: warpgroup w of the block computes rows w * 64 (BM = 128)
// or columns w * BN / 2 (BM = 64) of the tile, m64nNk16 (f16) or m64nNk8
// (tf32), N = BN or BN / 2, its N / 2 accumulators per thread in one
// struct carried through the K loop.
Value GemmBuilder::computeWgmma(Value acc) {
  MLIRContext *ctx = b.getContext();
  bool half = precision == Precision::FP16;
  int64_t wgN = p.bm == 128 ? p.bn : p.bn / 2, kSub = half ? 16 : 8;
  Value wg = arith::DivUIOp::create(b, loc, tid, cst(128));
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  NVVM::WGMMATypes type = half ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::tf32;
  for (int64_t j = 0; j < p.bk / kSub; ++j) {
    // The warpgroup's rows of A (BM = 128) or columns of B (BM = 64).
    Value descA0 = wgmmaDescriptor(aBase, 0, j);
    Value descA1 = wgmmaDescriptor(aBase, p.bm == 128 ? 64 : 0, j);
    Value descB0 = wgmmaDescriptor(bBase, 0, j);
    Value descB1 = wgmmaDescriptor(bBase, p.bm == 128 ? 0 : wgN, j);
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, wg,
                                        cst(0));
    Value descA = arith::SelectOp::create(b, loc, first, descA0, descA1);
    Value descB = arith::SelectOp::create(b, loc, first, descB0, descB1);
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, loc, acc.getType(), acc, descA, descB,
        NVVM::MMAShapeAttr::get(ctx, 64, wgN, kSub), type, type,
        NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
        NVVM::MMALayout::row, NVVM::MMALayout::col,
        /*satfinite=*/NVVM::MMAIntOverflowAttr());
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  return acc;
}

// The wgmma accumulator layout (PTX ISA, m64nN f32 D): warp q of the
// warpgroup holds rows 16q + g and 16q + g + 8 (g = lane / 4), thread t =
// lane % 4 columns 8i + 2t and 8i + 2t + 1 in elements 4i .. 4i + 3.
void GemmBuilder::storeWgmmaOut(Value acc) {
  int64_t wgN = p.bm == 128 ? p.bn : p.bn / 2;
  Value wg = arith::DivUIOp::create(b, loc, tid, cst(128));
  Value local = arith::RemUIOp::create(b, loc, tid, cst(128));
  Value q = arith::DivUIOp::create(b, loc, local, cst(32));
  Value lane = arith::RemUIOp::create(b, loc, local, cst(32));
  Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
  Value t2 = mul(arith::RemUIOp::create(b, loc, lane, cst(4)), cst(2));
  Value rowBase = add(mul(q, cst(16)), g);
  Value colBase = t2;
  if (p.bm == 128)
    rowBase = add(rowBase, mul(wg, cst(64)));
  else
    colBase = add(colBase, mul(wg, cst(wgN)));
  rowBase = add(rowBase, tileM0);
  colBase = add(colBase, tileN0);
  for (int64_t i = 0; i < wgN / 8; ++i)
    for (int64_t e = 0; e < 4; ++e) {
      Value v = LLVM::ExtractValueOp::create(b, loc, acc,
                                             ArrayRef<int64_t>{4 * i + e});
      storeOut(v, add(rowBase, cst((e / 2) * 8)),
               add(colBase, cst(8 * i + e % 2)));
    }
}

// SIMT: a 16 x 16 thread grid; thread (ty, tx) owns rows
// r * (BM / RM) + ty * 4 + i and the same for columns, in RM x RN blocks of
// 4 x 4 (conflict-free shared reads, coalesced stores).
SmallVector<Value> GemmBuilder::computeSimt(ValueRange acc) {
  int64_t rm = p.bm / 64, rn = p.bn / 64, tm = 4 * rm, tn = 4 * rn;
  Value ty = arith::DivUIOp::create(b, loc, tid, cst(16));
  Value tx = arith::RemUIOp::create(b, loc, tid, cst(16));
  SmallVector<Value> rowsA, colsB;
  for (int64_t i = 0; i < tm; ++i)
    rowsA.push_back(add(mul(ty, cst(4)), cst((i / 4) * (p.bm / rm) + i % 4)));
  for (int64_t j = 0; j < tn; ++j)
    colsB.push_back(add(mul(tx, cst(4)), cst((j / 4) * (p.bn / rn) + j % 4)));
  SmallVector<Value> sums(acc.begin(), acc.end());
  for (int64_t kk = 0; kk < p.bk; ++kk) {
    Value k = cst(kk);
    SmallVector<Value> as, bs;
    for (Value r : rowsA)
      as.push_back(load(aSmem, {k, r}));
    for (Value c : colsB)
      bs.push_back(load(bSmem, {k, c}));
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t j = 0; j < tn; ++j)
        sums[i * tn + j] =
            math::FmaOp::create(b, loc, as[i], bs[j], sums[i * tn + j]);
  }
  return sums;
}

// Tensor cores: 8 warps as 2 (M) x 4 (N), each a (BM/2) x (BN/4) warp tile
// of m16n8 mma tiles; fragments read from shared memory in the PTX ISA's
// register layouts (groupID g = lane / 4, t = lane % 4).
SmallVector<Value> GemmBuilder::computeMma(ValueRange acc) {
  int64_t wmTile = p.bm / 2, wnTile = p.bn / 4;
  int64_t mt = wmTile / 16, nt = wnTile / 8;
  Value warp = arith::DivUIOp::create(b, loc, tid, cst(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(32));
  Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(4));
  Value wm = mul(arith::DivUIOp::create(b, loc, warp, cst(4)), cst(wmTile));
  Value wn = mul(arith::RemUIOp::create(b, loc, warp, cst(4)), cst(wnTile));
  SmallVector<Value> sums(acc.begin(), acc.end());
  bool half = precision == Precision::FP16;
  int64_t kStep = half ? 16 : 8;
  Type f16 = b.getF16Type();
  for (int64_t kk = 0; kk < p.bk; kk += kStep) {
    SmallVector<Value> aFrags, bFrags;
    for (int64_t i = 0; i < mt; ++i) {
      Value r0 = add(add(wm, g), cst(i * 16)), r1 = add(r0, cst(8));
      if (!half) {
        Value k0 = add(t, cst(kk)), k1 = add(t, cst(kk + 4));
        SmallVector<Value> elems = {load(aSmem, {k0, r0}), load(aSmem, {k0, r1}),
                                    load(aSmem, {k1, r0}), load(aSmem, {k1, r1})};
        aFrags.push_back(vector::FromElementsOp::create(
            b, loc, VectorType::get({4, 1}, b.getF32Type()), elems));
      } else {
        Value k0 = add(mul(t, cst(2)), cst(kk));
        SmallVector<Value> elems;
        for (auto [row, kOff] :
             {std::pair{r0, 0}, {r1, 0}, {r0, 8}, {r1, 8}}) {
          elems.push_back(load(aSmem, {add(k0, cst(kOff)), row}));
          elems.push_back(load(aSmem, {add(k0, cst(kOff + 1)), row}));
        }
        aFrags.push_back(vector::FromElementsOp::create(
            b, loc, VectorType::get({4, 2}, f16), elems));
      }
    }
    for (int64_t j = 0; j < nt; ++j) {
      Value c = add(add(wn, g), cst(j * 8));
      if (!half) {
        SmallVector<Value> elems = {load(bSmem, {add(t, cst(kk)), c}),
                                    load(bSmem, {add(t, cst(kk + 4)), c})};
        bFrags.push_back(vector::FromElementsOp::create(
            b, loc, VectorType::get({2, 1}, b.getF32Type()), elems));
      } else {
        Value k0 = add(mul(t, cst(2)), cst(kk));
        SmallVector<Value> elems;
        for (int64_t kOff : {0, 1, 8, 9})
          elems.push_back(load(bSmem, {add(k0, cst(kOff)), c}));
        bFrags.push_back(vector::FromElementsOp::create(
            b, loc, VectorType::get({2, 2}, f16), elems));
      }
    }
    for (int64_t i = 0; i < mt; ++i)
      for (int64_t j = 0; j < nt; ++j)
        sums[i * nt + j] = nvgpu::MmaSyncOp::create(
            b, loc, aFrags[i], bFrags[j], sums[i * nt + j],
            ArrayRef<int64_t>{16, 8, kStep}, /*tf32Enabled=*/!half);
  }
  return sums;
}

// Host side, before the launch: a CUtensorMap of input `operand` with a box
// of BK along K and `rows` along its M/N dim (1 elsewhere), dims innermost
// first, encoded by the runtime into a stack slot and loaded as a value.
Value GemmBuilder::encodeTensorMap(unsigned operand, int64_t rows) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v))
        .getResult();
  };
  Value memref = op.getDpsInputOperand(operand)->get();
  auto type = cast<MemRefType>(memref.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  (void)type.getStridesAndOffset(strides, offset);
  const GemmPlan::TmaOperand &t = p.tmaIn[operand];
  int64_t rank = type.getRank();
  SmallVector<Value> dimsV, stridesV, boxV;
  for (int64_t j = 0; j < 5; ++j) {
    int64_t r = rank - 1 - j;
    bool has = r >= 0;
    dimsV.push_back(c64(has ? type.getDimSize(r) : 1));
    boxV.push_back(c64(!has ? 1 : r == t.kDim ? p.bk : r == t.groupDim ? rows : 1));
    if (j > 0) {
      // A unit dim's stride is never stepped; TMA still wants a 16-byte
      // multiple.
      int64_t bytes = has ? strides[r] * 4 : 0;
      if (has && type.getDimSize(r) == 1)
        bytes = llvm::alignTo(std::max<int64_t>(bytes, 16), 16);
      stridesV.push_back(c64(bytes));
    }
  }
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto arrayType = LLVM::LLVMArrayType::get(i64, 16);
  Value slot = LLVM::AllocaOp::create(b, loc, ptrType, arrayType, c64(1),
                                      /*alignment=*/64);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value address = arith::AddIOp::create(
      b, loc, arith::IndexCastUIOp::create(b, loc, i64, base), c64(offset * 4));
  SmallVector<Value> args = {slot, address, c64(rank)};
  args.append(dimsV);
  args.append(stridesV);
  args.append(boxV);
  func::CallOp::create(b, loc, kTensorMapFn, TypeRange{}, args);
  return LLVM::LoadOp::create(b, loc, arrayType, slot);
}

// The shared-memory address (!llvm.ptr<3>) `byteOffset` bytes into
// `memref`.
Value GemmBuilder::sharedPtr(Value memref, Value byteOffset) {
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value i = arith::IndexCastUIOp::create(b, loc, b.getI64Type(),
                                         add(base, byteOffset));
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), 3), i);
}

Value GemmBuilder::barrier(Value stage) {
  return sharedPtr(barriers, mul(stage, cst(8)));
}

// Element offset in `staging` of input `operand`'s slice of `stage`: A's
// BM x BK then B's BN x BK per stage.
Value GemmBuilder::stagingOffset(Value stage, unsigned operand) {
  Value base = mul(stage, cst((p.bm + p.bn) * p.bk));
  return operand == p.y ? base : add(base, cst(p.bm * p.bk));
}

void GemmBuilder::onThread0(function_ref<void()> body) {
  OpBuilder::InsertionGuard guard(b);
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, cst(0));
  auto ifOp = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  body();
}

// Thread 0: the slices of K step `k` of both inputs into `stage`, completing
// the stage's mbarrier with their bytes.
void GemmBuilder::issueTma(Value k, Value stage) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  Value bar = barrier(stage);
  Value bytes = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr((p.bm + p.bn) * p.bk * 4));
  NVVM::MBarrierArriveExpectTxOp::create(b, loc, Type(), bar, bytes,
                                         NVVM::MemScopeKindAttr(),
                                         BoolAttr(), Value());
  for (unsigned operand : {p.y, p.x}) {
    const GemmPlan::TmaOperand &t = p.tmaIn[operand];
    int64_t rank = t.loops.size();
    SmallVector<Value> coords;
    for (int64_t j = 0; j < rank; ++j) {
      int64_t r = rank - 1 - j;
      Value c = r == t.kDim        ? k
                : r == t.groupDim  ? (operand == p.y ? tileM0 : tileN0)
                : t.loops[r] >= 0 ? dims[t.loops[r]]
                                   : cst(0);
      coords.push_back(arith::IndexCastUIOp::create(b, loc, i32, c));
    }
    Value dst = sharedPtr(staging, mul(stagingOffset(stage, operand), cst(4)));
    Value cluster = LLVM::AddrSpaceCastOp::create(
        b, loc, LLVM::LLVMPointerType::get(ctx, 7), dst);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, loc, cluster, mapPtr[operand], coords, bar, ValueRange(),
        /*multicastMask=*/Value(), /*l2CacheHint=*/Value(),
        NVVM::TMALoadModeAttr::get(ctx, NVVM::TMALoadMode::TILE),
        b.getBoolAttr(false), NVVM::CTAGroupKindAttr(), Value());
  }
}

// This thread's elements of a TMA'd slice, in loadTile's order (the box is
// dense along the operand's innermost dim: element e of the thread
// walk is element e of the slice).
SmallVector<Value> GemmBuilder::loadStaging(unsigned operand, int64_t rows,
                                            Value stage) {
  Value base = stagingOffset(stage, operand);
  SmallVector<Value> values;
  for (int64_t i = 0; i < rows * p.bk / kThreads; ++i)
    values.push_back(load(staging, {add(base, add(tid, cst(i * kThreads)))}));
  return values;
}

// The K loop over TMA stages: step i waits for stage i % 3 (parity
// (i / 3) % 2), converts it into the wgmma slices and runs the MMA while
// thread 0 has steps i + 1 and i + 2 in flight.
Value GemmBuilder::tmaLoop(Value acc, Value kBegin) {
  Type i32 = b.getI32Type();
  int64_t stages = kTmaStages;
  auto fenceAsync = [&] {
    NVVM::FenceProxyOp::create(
        b, loc,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  };
  auto ifBefore = [&](Value k, function_ref<void()> body) {
    OpBuilder::InsertionGuard guard(b);
    auto ifOp = scf::IfOp::create(b, loc, ltV(k, kEnd), false);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    body();
  };
  onThread0([&] {
    Value one = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1));
    for (int64_t s = 0; s < stages; ++s)
      NVVM::MBarrierInitOp::create(b, loc, barrier(cst(s)), one, Value());
    NVVM::FenceMbarrierInitOp::create(b, loc);
  });
  gpu::BarrierOp::create(b, loc);
  onThread0([&] {
    for (int64_t s = 0; s + 1 < stages; ++s) {
      Value k = add(kBegin, cst(s * p.bk));
      ifBefore(k, [&] { issueTma(k, cst(s)); });
    }
  });
  auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, cst(p.bk),
                                 ValueRange{acc});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value k0 = loop.getInductionVar();
  Value i = arith::DivUIOp::create(
      b, loc, arith::SubIOp::create(b, loc, k0, kBegin), cst(p.bk));
  Value stage = arith::RemUIOp::create(b, loc, i, cst(stages));
  Value parity = arith::IndexCastUIOp::create(
      b, loc, i32,
      arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, i, cst(stages)), cst(2)));
  // The stage refilled here was converted in step i - 1, before its
  // closing barrier.
  onThread0([&] {
    Value k = add(k0, cst((stages - 1) * p.bk));
    ifBefore(k, [&] {
      fenceAsync();
      issueTma(k, arith::RemUIOp::create(b, loc, add(i, cst(stages - 1)),
                                         cst(stages)));
    });
  });
  Value ticks = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(10000000));
  NVVM::MBarrierTryWaitParityOp::create(b, loc, barrier(stage), parity, ticks);
  storeTile(loadStaging(p.y, p.bm, stage), p.y, p.bm, aSmem);
  storeTile(loadStaging(p.x, p.bn, stage), p.x, p.bn, bSmem);
  fenceAsync();
  gpu::BarrierOp::create(b, loc);
  Value sum = computeWgmma(loop.getRegionIterArgs().front());
  gpu::BarrierOp::create(b, loc);
  scf::YieldOp::create(b, loc, sum);
  return loop.getResult(0);
}

void GemmBuilder::storeOut(Value value, Value mIdx, Value nIdx) {
  OpBuilder::InsertionGuard guard(b);
  int64_t M = p.M, N = p.N;
  Value inRange;
  if (M % p.bm != 0)
    inRange = lt(mIdx, M);
  if (N % p.bn != 0) {
    Value c = lt(nIdx, N);
    inRange = inRange ? arith::AndIOp::create(b, loc, inRange, c).getResult()
                      : c;
  }
  if (inRange) {
    auto guardOp = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
    b.setInsertionPointToStart(&guardOp.getThenRegion().front());
  }
  SmallVector<Value> at = dims;
  assignGroup(at, p.mDims, mIdx);
  assignGroup(at, p.nDims, nIdx);
  OpOperand *init = op.getDpsInitOperand(0);
  auto idx = affine::expandAffineMap(b, loc, op.getMatchingIndexingMap(init), at);
  if (p.split > 1) {
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addf, value,
                                init->get(), *idx);
    return;
  }
  Value old = load(init->get(), *idx);
  memref::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, old, value),
                          init->get(), *idx);
}

void GemmBuilder::build() {
  int64_t M = p.M, N = p.N, K = p.K;
  int64_t batch = p.batchSize;
  bool mma = precision != Precision::FP32;
  smemElem = precision == Precision::FP16 ? Type(b.getF16Type())
                                          : Type(b.getF32Type());
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                              gpu::AddressSpace::Workgroup);
  auto aType = MemRefType::get({p.bk, p.bm + kPad}, smemElem,
                               MemRefLayoutAttrInterface(), workgroup);
  auto bType = MemRefType::get({p.bk, p.bn + kPad}, smemElem,
                               MemRefLayoutAttrInterface(), workgroup);
  if (wgmma) {
    // Flat slices in the core-matrix layout, 128 bytes of slack to align
    // them (descriptors address 16-byte units; 128 keeps core matrices
    // whole).
    int64_t slack = 128 / (smemElem.getIntOrFloatBitWidth() / 8);
    aType = MemRefType::get({p.bk * p.bm + slack}, smemElem,
                            MemRefLayoutAttrInterface(), workgroup);
    bType = MemRefType::get({p.bk * p.bn + slack}, smemElem,
                            MemRefLayoutAttrInterface(), workgroup);
  }
  // TMA: the tensor maps on the host; everything shared in dynamic shared
  // memory (3 f32 stages, the wgmma slices, the stages' mbarriers, 128
  // bytes of alignment slack). No workgroup attributions: MLIR's dynamic
  // shared memory is an internal zero-size global that NVPTX may place
  // over static shared variables.
  int64_t elemBytes = smemElem.getIntOrFloatBitWidth() / 8;
  int64_t stagingElems = kTmaStages * (p.bm + p.bn) * p.bk;
  int64_t barrierOffset = stagingElems * 4 + (p.bm + p.bn) * p.bk * elemBytes;
  int64_t dynamicBytes = barrierOffset + kTmaStages * 8 + 128;
  Value dynamicShared;
  SmallVector<Type> attributions = {aType, bType};
  if (p.tma) {
    hostMap[p.y] = encodeTensorMap(p.y, p.bm);
    hostMap[p.x] = encodeTensorMap(p.x, p.bn);
    dynamicShared = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(dynamicBytes));
    attributions.clear();
  }
  Value one = cst(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, cst(llvm::divideCeil(N, p.bn)), cst(llvm::divideCeil(M, p.bm)),
      cst(batch * p.split), cst(kThreads), one, one, dynamicShared,
      /*asyncTokenType=*/Type(), /*asyncDependencies=*/ValueRange(),
      attributions);
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  tid = launch.getThreadIds().x;
  if (p.tma) {
    auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
    for (unsigned operand : {0u, 1u})
      mapPtr[operand] = UnrealizedConversionCastOp::create(
                            b, loc, TypeRange{ptrType}, hostMap[operand])
                            .getResult(0);
    Value bytes = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                        MemRefLayoutAttrInterface(), workgroup));
    Value ptr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, bytes);
    Value shift = arith::RemUIOp::create(
        b, loc,
        arith::SubIOp::create(b, loc, cst(128),
                              arith::RemUIOp::create(b, loc, ptr, cst(128))),
        cst(128));
    auto view = [&](int64_t offset, int64_t elems, Type elem) {
      return memref::ViewOp::create(
                 b, loc,
                 MemRefType::get({elems}, elem, MemRefLayoutAttrInterface(),
                                 workgroup),
                 bytes, add(shift, cst(offset)), ValueRange())
          .getResult();
    };
    staging = view(0, stagingElems, b.getF32Type());
    aSmem = view(stagingElems * 4, p.bm * p.bk, smemElem);
    bSmem = view(stagingElems * 4 + p.bm * p.bk * elemBytes, p.bn * p.bk,
                 smemElem);
    barriers = view(barrierOffset, kTmaStages, b.getI64Type());
  } else {
    aSmem = launch.getWorkgroupAttributions()[0];
    bSmem = launch.getWorkgroupAttributions()[1];
  }

  // Loop indices: batch dims from blockIdx.z (innermost fastest), the K
  // chunk, the tile's first m and n; unit reduction loops stay 0.
  Value zero = cst(0);
  dims.assign(p.extents.size(), zero);
  Value z = launch.getBlockIds().z;
  Value chunkIdx = arith::RemUIOp::create(b, loc, z, cst(p.split));
  Value rest = arith::DivUIOp::create(b, loc, z, cst(p.split));
  for (unsigned d : llvm::reverse(p.batch)) {
    dims[d] = arith::RemUIOp::create(b, loc, rest, cst(p.extents[d]));
    rest = arith::DivUIOp::create(b, loc, rest, cst(p.extents[d]));
  }
  Value m0 = mul(launch.getBlockIds().y, cst(p.bm));
  Value n0 = mul(launch.getBlockIds().x, cst(p.bn));
  tileM0 = m0;
  tileN0 = n0;
  if (p.tma) {
    aBase = cst(0);
    bBase = cst(0);
  } else if (wgmma) {
    int64_t bytes = smemElem.getIntOrFloatBitWidth() / 8;
    auto alignedBase = [&](Value smem) {
      Value ptr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, smem);
      Value mis = arith::RemUIOp::create(b, loc, ptr, cst(128));
      Value padBytes = arith::RemUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, cst(128), mis), cst(128));
      return arith::DivUIOp::create(b, loc, padBytes, cst(bytes)).getResult();
    };
    aBase = alignedBase(aSmem);
    bBase = alignedBase(bSmem);
  }
  Value kBegin = mul(chunkIdx, cst(p.chunk));
  kEnd = arith::MinSIOp::create(b, loc, add(kBegin, cst(p.chunk)), cst(K));

  // Accumulators: TM x TN scalars (SIMT), one vector<2x2xf32> per mma
  // tile, or one struct of N / 2 f32 (wgmma).
  SmallVector<Value> acc;
  if (wgmma) {
    int64_t wgN = p.bm == 128 ? p.bn : p.bn / 2;
    auto structType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(wgN / 2, b.getF32Type()));
    acc.push_back(LLVM::ZeroOp::create(b, loc, structType));
  } else if (mma) {
    int64_t tiles = (p.bm / 2 / 16) * (p.bn / 4 / 8);
    Value z2 = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(VectorType::get({2, 2}, b.getF32Type()),
                                       0.0f));
    acc.assign(tiles, z2);
  } else {
    acc.assign((p.bm / 16) * (p.bn / 16), fconst(0.0f));
  }
  if (p.tma) {
    storeWgmmaOut(tmaLoop(acc.front(), kBegin));
    op->erase();
    return;
  }
  SmallVector<Value> pre = loadTile(p.y, p.bm, m0, kBegin);
  SmallVector<Value> preB = loadTile(p.x, p.bn, n0, kBegin);
  size_t numA = pre.size();
  pre.append(preB);
  SmallVector<Value> init(acc);
  init.append(pre);
  auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, cst(p.bk), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    ValueRange args = loop.getRegionIterArgs();
    ValueRange accArgs = args.take_front(acc.size());
    ValueRange tileArgs = args.drop_front(acc.size());
    storeTile(SmallVector<Value>(tileArgs.take_front(numA)), p.y, p.bm, aSmem);
    storeTile(SmallVector<Value>(tileArgs.drop_front(numA)), p.x, p.bn, bSmem);
    // wgmma reads shared memory through the async proxy: order the
    // threads' ordinary stores before it.
    if (wgmma)
      NVVM::FenceProxyOp::create(
          b, loc,
          NVVM::ProxyKindAttr::get(b.getContext(),
                                   NVVM::ProxyKind::async_shared),
          NVVM::SharedSpaceAttr::get(b.getContext(),
                                     NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b, loc);
    // The next slice's loads, in flight during this slice's math.
    Value k1 = add(k0, cst(p.bk));
    SmallVector<Value> next = loadTile(p.y, p.bm, m0, k1);
    next.append(loadTile(p.x, p.bn, n0, k1));
    SmallVector<Value> sums =
        wgmma ? SmallVector<Value>{computeWgmma(accArgs.front())}
        : mma ? computeMma(accArgs)
              : computeSimt(accArgs);
    gpu::BarrierOp::create(b, loc);
    sums.append(next);
    scf::YieldOp::create(b, loc, sums);
  }
  ValueRange results = loop.getResults().take_front(acc.size());

  if (wgmma) {
    storeWgmmaOut(results.front());
  } else if (!mma) {
    int64_t rm = p.bm / 64, rn = p.bn / 64, tm = 4 * rm, tn = 4 * rn;
    Value ty = arith::DivUIOp::create(b, loc, tid, cst(16));
    Value tx = arith::RemUIOp::create(b, loc, tid, cst(16));
    for (int64_t i = 0; i < tm; ++i) {
      Value r = add(m0, add(mul(ty, cst(4)),
                            cst((i / 4) * (p.bm / rm) + i % 4)));
      for (int64_t j = 0; j < tn; ++j) {
        Value c = add(n0, add(mul(tx, cst(4)),
                              cst((j / 4) * (p.bn / rn) + j % 4)));
        storeOut(results[i * tn + j], r, c);
      }
    }
  } else {
    int64_t wmTile = p.bm / 2, wnTile = p.bn / 4;
    int64_t mt = wmTile / 16, nt = wnTile / 8;
    Value warp = arith::DivUIOp::create(b, loc, tid, cst(32));
    Value lane = arith::RemUIOp::create(b, loc, tid, cst(32));
    Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
    Value t2 = mul(arith::RemUIOp::create(b, loc, lane, cst(4)), cst(2));
    Value wm = mul(arith::DivUIOp::create(b, loc, warp, cst(4)), cst(wmTile));
    Value wn = mul(arith::RemUIOp::create(b, loc, warp, cst(4)), cst(wnTile));
    for (int64_t i = 0; i < mt; ++i)
      for (int64_t j = 0; j < nt; ++j) {
        Value r0 = add(add(m0, add(wm, g)), cst(i * 16));
        Value c0 = add(add(n0, add(wn, t2)), cst(j * 8));
        Value tile = results[i * nt + j];
        for (int64_t row = 0; row < 2; ++row)
          for (int64_t col = 0; col < 2; ++col) {
            Value v = vector::ExtractOp::create(b, loc, tile,
                                                ArrayRef<int64_t>{row, col});
            storeOut(v, add(r0, cst(row * 8)), add(c0, cst(col)));
          }
      }
  }
  op->erase();
}

struct GemmKernelsPass
    : public kiln::cuda::impl::KilnCudaGemmKernelsBase<GemmKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    Precision prec;
    if (precision == "fp32")
      prec = Precision::FP32;
    else if (precision == "tf32")
      prec = Precision::TF32;
    else if (precision == "fp16")
      prec = Precision::FP16;
    else {
      getOperation().emitError("kiln-cuda-gemm-kernels: precision must be "
                               "fp32, tf32 or fp16, not '")
          << precision << "'";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> ops;
    for (auto func : module.getOps<func::FuncOp>())
      for (Block &block : func.getBody())
        for (Operation &inner : block)
          if (auto linalgOp = dyn_cast<linalg::LinalgOp>(inner))
            ops.push_back(linalgOp);
    bool useWgmma = wgmma && prec != Precision::FP32;
    bool usedTma = false;
    for (linalg::LinalgOp op : ops) {
      FailureOr<GemmPlan> p = plan(op, minBlocks);
      if (failed(p))
        continue;
      p->tma = useWgmma && tma && planTma(op, *p);
      usedTma |= p->tma;
      GemmBuilder(op, *p, prec, useWgmma).build();
    }
    if (usedTma && !module.lookupSymbol(kTensorMapFn)) {
      // void kiln_rt_cuda_tensor_map(void *map, uint64_t address,
      //     int64_t rank, int64_t dims[5], int64_t strides[4], int64_t box[5])
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      Type i64 = b.getI64Type();
      SmallVector<Type> inputs = {LLVM::LLVMPointerType::get(&getContext())};
      inputs.append(16, i64);
      auto decl = func::FuncOp::create(b, module.getLoc(), kTensorMapFn,
                                       b.getFunctionType(inputs, {}));
      decl.setPrivate();
    }
  }
};

} // namespace
