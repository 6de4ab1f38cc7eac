//===- FoldConstantPatterns.cpp - Evaluate onnx ops on constants ----------===//
//
// Ops whose operands are constants become constants:
//   Add/Sub/Mul/Div (f32, i64, i32; numpy broadcasting), Neg/Sqrt (f32),
//   Cast between f32/i64/i32, Transpose (any byte-sized element type),
//   Reshape/Squeeze/Unsqueeze/Flatten/Identity (static result type),
//   Shape of a static tensor, Concat, and the rank-1 Gather/Slice of shape
//   subgraphs.
// Results are built by makeConstant: above the dense limit a new resource
// blob (a transposed weight stays out of MLIR text), else a dense attr.
//
//===----------------------------------------------------------------------===//

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace kiln {
namespace {

/// Results above this many elements are not folded (a broadcast could
/// otherwise materialize a huge constant).
constexpr int64_t kMaxFoldElements = int64_t(1) << 24;

/// A constant operand: its static type and raw little-endian elements,
/// viewed in place (weights are not copied to be looked at).
struct ConstTensor {
  RankedTensorType type;
  ArrayRef<char> bytes;
  /// Expanded splat values `bytes` points into, if any (a moved vector
  /// keeps its buffer, so moving a ConstTensor keeps `bytes` valid).
  std::vector<char> storage;
  size_t eltBytes() const { return type.getElementTypeBitWidth() / 8; }
};

std::optional<ConstTensor> readConst(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  ConstTensor tensor{type, {}, {}};
  std::optional<ArrayRef<char>> bytes =
      graph::viewRawBytes(v, tensor.storage);
  if (!bytes)
    return std::nullopt;
  tensor.bytes = *bytes;
  return tensor;
}

/// The static result type of `op`'s result 0, if small enough to fold.
RankedTensorType foldableResult(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldElements)
    return nullptr;
  return type;
}

LogicalResult replaceWith(PatternRewriter &rewriter, Operation *op,
                          RankedTensorType type, ArrayRef<char> bytes) {
  Value c = graph::makeConstant(rewriter, op->getLoc(), type, bytes, "folded");
  rewriter.replaceOp(op, c);
  return success();
}

/// Row-major strides of `shape`, with 0 for the broadcast dims of an
/// operand of shape `in` aligned to the right of `shape`.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> in,
                                      ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 0);
  int64_t stride = 1;
  for (int64_t i = in.size() - 1, o = shape.size() - 1; i >= 0; --i, --o) {
    strides[o] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

/// Applies `fn` elementwise over the broadcast of `a` and `b` into `out`.
template <typename T, typename Fn>
std::vector<char> broadcastBinary(const ConstTensor &a, const ConstTensor &b,
                                  RankedTensorType out, Fn fn) {
  ArrayRef<int64_t> shape = out.getShape();
  SmallVector<int64_t> sa = broadcastStrides(a.type.getShape(), shape);
  SmallVector<int64_t> sb = broadcastStrides(b.type.getShape(), shape);
  const T *pa = reinterpret_cast<const T *>(a.bytes.data());
  const T *pb = reinterpret_cast<const T *>(b.bytes.data());
  std::vector<char> result(out.getNumElements() * sizeof(T));
  T *po = reinterpret_cast<T *>(result.data());
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t n = 0, e = out.getNumElements(); n < e; ++n) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    po[n] = fn(pa[ia], pb[ib]);
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  return result;
}

template <typename OpTy, char kind> struct FoldBinary : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  template <typename T> static T apply(T x, T y) {
    switch (kind) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    default:
      return x / y;
    }
  }

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> a = readConst(op->getOperand(0));
    std::optional<ConstTensor> b = readConst(op->getOperand(1));
    if (!out || !a || !b || a->type.getElementType() != out.getElementType() ||
        b->type.getElementType() != out.getElementType())
      return rewriter.notifyMatchFailure(op, "operands not constant");
    Type elt = out.getElementType();
    std::vector<char> bytes;
    if (elt.isF32()) {
      bytes = broadcastBinary<float>(*a, *b, out, apply<float>);
    } else if (elt.isInteger(64) || elt.isInteger(32)) {
      // Integer division by zero is undefined: leave it to run time.
      auto safe = [&](auto zero) {
        using T = decltype(zero);
        const T *pb = reinterpret_cast<const T *>(b->bytes.data());
        for (size_t i = 0; i < b->bytes.size() / sizeof(T); ++i)
          if (kind == '/' && pb[i] == 0)
            return false;
        return true;
      };
      if (elt.isInteger(64)) {
        if (!safe(int64_t(0)))
          return rewriter.notifyMatchFailure(op, "division by zero");
        bytes = broadcastBinary<int64_t>(*a, *b, out, apply<int64_t>);
      } else {
        if (!safe(int32_t(0)))
          return rewriter.notifyMatchFailure(op, "division by zero");
        bytes = broadcastBinary<int32_t>(*a, *b, out, apply<int32_t>);
      }
    } else {
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    }
    return replaceWith(rewriter, op, out, bytes);
  }
};

template <typename OpTy, float (*fn)(float)>
struct FoldUnaryF32 : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<std::vector<float>> in = graph::readF32(op->getOperand(0));
    if (!out || !in || !out.getElementType().isF32() ||
        static_cast<int64_t>(in->size()) != out.getNumElements())
      return rewriter.notifyMatchFailure(op, "operand not a f32 constant");
    for (float &x : *in)
      x = fn(x);
    return replaceWith(rewriter, op, out,
                       ArrayRef<char>(reinterpret_cast<char *>(in->data()),
                                      in->size() * sizeof(float)));
  }
};

float negate(float x) { return -x; }
float squareRoot(float x) { return std::sqrt(x); }

/// Cast among f32, i64 and i32 (float -> int truncates toward zero).
struct FoldCast : OpRewritePattern<onnx::CastOp> {
  using OpRewritePattern::OpRewritePattern;

  template <typename T> static double load(const char *p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return static_cast<double>(v);
  }
  template <typename T> static void store(char *p, double v) {
    T t = static_cast<T>(v);
    std::memcpy(p, &t, sizeof(T));
  }

  LogicalResult matchAndRewrite(onnx::CastOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> in = readConst(op->getOperand(0));
    auto supported = [](Type t) {
      return t.isF32() || t.isInteger(64) || t.isInteger(32);
    };
    if (!out || !in || !supported(out.getElementType()) ||
        !supported(in->type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported cast");
    Type from = in->type.getElementType(), to = out.getElementType();
    int64_t n = out.getNumElements();
    size_t inBytes = in->eltBytes(), outBytes = to.getIntOrFloatBitWidth() / 8;
    std::vector<char> bytes(n * outBytes);
    for (int64_t i = 0; i < n; ++i) {
      const char *src = in->bytes.data() + i * inBytes;
      double v = from.isF32()         ? load<float>(src)
                 : from.isInteger(64) ? load<int64_t>(src)
                                      : load<int32_t>(src);
      if (from.isF32() && !to.isF32() && !std::isfinite(v))
        return rewriter.notifyMatchFailure(op, "non-finite to integer");
      char *dst = bytes.data() + i * outBytes;
      if (to.isF32())
        store<float>(dst, v);
      else if (to.isInteger(64))
        store<int64_t>(dst, std::trunc(v));
      else
        store<int32_t>(dst, std::trunc(v));
    }
    return replaceWith(rewriter, op, out, bytes);
  }
};

struct FoldTranspose : OpRewritePattern<onnx::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> in = readConst(op.getData());
    if (!out || !in)
      return rewriter.notifyMatchFailure(op, "operand not constant");
    int64_t rank = in->type.getRank();
    SmallVector<int64_t> perm;
    if (std::optional<ArrayAttr> attr = op.getPerm())
      for (Attribute a : *attr)
        perm.push_back(cast<IntegerAttr>(a).getInt());
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    if (static_cast<int64_t>(perm.size()) != rank)
      return rewriter.notifyMatchFailure(op, "bad perm");
    ArrayRef<int64_t> inShape = in->type.getShape();
    SmallVector<int64_t> inStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      inStrides[d] = inStrides[d + 1] * inShape[d + 1];
    SmallVector<int64_t> outShape, strides;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank)
        return rewriter.notifyMatchFailure(op, "bad perm");
      outShape.push_back(inShape[p]);
      strides.push_back(inStrides[p]);
    }
    if (ArrayRef<int64_t>(outShape) != out.getShape())
      return rewriter.notifyMatchFailure(op, "result type mismatch");
    size_t elt = in->eltBytes();
    std::vector<char> bytes(in->bytes.size());
    SmallVector<int64_t> idx(rank, 0);
    for (int64_t n = 0, e = out.getNumElements(); n < e; ++n) {
      int64_t src = 0;
      for (int64_t d = 0; d < rank; ++d)
        src += idx[d] * strides[d];
      std::memcpy(bytes.data() + n * elt, in->bytes.data() + src * elt, elt);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++idx[d] < outShape[d])
          break;
        idx[d] = 0;
      }
    }
    return replaceWith(rewriter, op, out, bytes);
  }
};

/// Ops that only change the shape: the same bytes under the result type.
template <typename OpTy> struct FoldReshapeLike : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> in = readConst(op->getOperand(0));
    if (!out || !in || out.getElementType() != in->type.getElementType() ||
        out.getNumElements() != in->type.getNumElements())
      return rewriter.notifyMatchFailure(op, "operand not constant");
    // A weight keeps its blob: only the type changes, nothing is copied.
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(
            graph::getConstElements(op->getOperand(0)))) {
      auto attr = DenseResourceElementsAttr::get(out, resource.getRawHandle());
      rewriter.replaceOp(
          op, onnx::ConstantOp::create(rewriter, op->getLoc(),
                                       cast<ElementsAttr>(attr)));
      return success();
    }
    return replaceWith(rewriter, op, out, in->bytes);
  }
};

struct FoldShape : OpRewritePattern<onnx::ShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ShapeOp op,
                                PatternRewriter &rewriter) const override {
    auto in = dyn_cast<RankedTensorType>(op.getData().getType());
    RankedTensorType out = foldableResult(op);
    if (!in || !in.hasStaticShape() || !out)
      return rewriter.notifyMatchFailure(op, "input shape not static");
    int64_t rank = in.getRank();
    auto clampDim = [&](int64_t d) {
      if (d < 0)
        d += rank;
      return std::clamp<int64_t>(d, 0, rank);
    };
    int64_t start = clampDim(op.getStart());
    int64_t end = op.getEnd() ? clampDim(*op.getEnd()) : rank;
    SmallVector<int64_t> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(in.getDimSize(d));
    if (static_cast<int64_t>(dims.size()) != out.getNumElements())
      return rewriter.notifyMatchFailure(op, "result type mismatch");
    return replaceWith(rewriter, op, out,
                       ArrayRef<char>(reinterpret_cast<char *>(dims.data()),
                                      dims.size() * sizeof(int64_t)));
  }
};

struct FoldConcat : OpRewritePattern<onnx::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::ConcatOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    if (!out)
      return rewriter.notifyMatchFailure(op, "result not static");
    int64_t rank = out.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "bad axis");
    SmallVector<ConstTensor> ins;
    for (Value v : op.getInputs()) {
      std::optional<ConstTensor> in = readConst(v);
      if (!in || in->type.getElementType() != out.getElementType() ||
          in->type.getRank() != rank)
        return rewriter.notifyMatchFailure(op, "operand not constant");
      ins.push_back(std::move(*in));
    }
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= out.getDimSize(d);
    std::vector<char> bytes;
    bytes.reserve(out.getNumElements() * out.getElementTypeBitWidth() / 8);
    for (int64_t o = 0; o < outer; ++o) {
      for (const ConstTensor &in : ins) {
        size_t chunk = in.bytes.size() / std::max<int64_t>(outer, 1);
        bytes.insert(bytes.end(), in.bytes.begin() + o * chunk,
                     in.bytes.begin() + (o + 1) * chunk);
      }
    }
    if (bytes.size() * 8 != static_cast<size_t>(out.getNumElements() *
                                                out.getElementTypeBitWidth()))
      return rewriter.notifyMatchFailure(op, "result type mismatch");
    return replaceWith(rewriter, op, out, bytes);
  }
};

/// Gather along axis 0 of a rank-1 constant (shape subgraphs).
struct FoldGather : OpRewritePattern<onnx::GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::GatherOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> data = readConst(op.getData());
    std::optional<std::vector<int64_t>> idx = graph::readI64(op.getIndices());
    if (!out || !data || !idx || data->type.getRank() != 1 ||
        static_cast<int64_t>(idx->size()) != out.getNumElements())
      return rewriter.notifyMatchFailure(op, "not a rank-1 constant gather");
    int64_t n = data->type.getDimSize(0);
    size_t elt = data->eltBytes();
    std::vector<char> bytes;
    for (int64_t i : *idx) {
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return rewriter.notifyMatchFailure(op, "index out of range");
      bytes.insert(bytes.end(), data->bytes.begin() + i * elt,
                   data->bytes.begin() + (i + 1) * elt);
    }
    return replaceWith(rewriter, op, out, bytes);
  }
};

/// Slice of a rank-1 constant with constant starts/ends/axes/steps.
struct FoldSlice : OpRewritePattern<onnx::SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(onnx::SliceOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType out = foldableResult(op);
    std::optional<ConstTensor> data = readConst(op.getData());
    auto starts = graph::readI64(op.getStarts());
    auto ends = graph::readI64(op.getEnds());
    if (!out || !data || data->type.getRank() != 1 || !starts || !ends ||
        starts->size() != 1 || ends->size() != 1)
      return rewriter.notifyMatchFailure(op, "not a rank-1 constant slice");
    int64_t step = 1;
    if (!isa<NoneType>(op.getSteps().getType())) {
      auto steps = graph::readI64(op.getSteps());
      if (!steps || steps->size() != 1 || (*steps)[0] == 0)
        return rewriter.notifyMatchFailure(op, "bad steps");
      step = (*steps)[0];
    }
    int64_t n = data->type.getDimSize(0);
    int64_t s = (*starts)[0], e = (*ends)[0];
    if (s < 0)
      s += n;
    if (e < 0)
      e += n;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
    } else {
      s = std::clamp<int64_t>(s, 0, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
    }
    size_t elt = data->eltBytes();
    std::vector<char> bytes;
    for (int64_t i = s; step > 0 ? i < e : i > e; i += step)
      bytes.insert(bytes.end(), data->bytes.begin() + i * elt,
                   data->bytes.begin() + (i + 1) * elt);
    if (static_cast<int64_t>(bytes.size() / elt) != out.getNumElements())
      return rewriter.notifyMatchFailure(op, "result type mismatch");
    return replaceWith(rewriter, op, out, bytes);
  }
};

} // namespace

void populateFoldConstantPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      FoldBinary<onnx::AddOp, '+'>, FoldBinary<onnx::SubOp, '-'>,
      FoldBinary<onnx::MulOp, '*'>, FoldBinary<onnx::DivOp, '/'>,
      FoldUnaryF32<onnx::NegOp, negate>, FoldUnaryF32<onnx::SqrtOp, squareRoot>,
      FoldCast, FoldTranspose, FoldReshapeLike<onnx::ReshapeOp>,
      FoldReshapeLike<onnx::SqueezeOp>, FoldReshapeLike<onnx::UnsqueezeOp>,
      FoldReshapeLike<onnx::FlattenOp>, FoldReshapeLike<onnx::IdentityOp>,
      FoldShape, FoldConcat, FoldGather, FoldSlice>(ctx);
}

} // namespace kiln
