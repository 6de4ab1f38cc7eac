//===- Recurrent.cpp - onnx RNN/GRU/LSTM -> scf.for around linalg ---------===//
//
// One recurrence per direction: the input projections X·Wᵀ of every time
// step are one contraction before the loop; an scf.for over the time steps
// carries the hidden state (and the LSTM cell state) and the stacked Y of
// the direction, computing H·Rᵀ and one pointwise generic for the gates per
// step on [B, H] slices of the [B, G·H] projections. Layout 1 is transposed to
// layout 0 on entry and back on exit. sequence_lens masks steps past each batch
// entry's length (state held, Y zero); a backward pass with sequence_lens runs
// forward over the per-entry reversed input (ReverseSequence) and reverses
// its Y back.
//
// The cells differ in a table (gate count, activation count and defaults)
// and in the pointwise body. ReverseSequence, the per-batch-entry time
// reversal bidirectional models use, is here too.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace kiln {
namespace {

enum class Cell { RNN, GRU, LSTM };

/// What differs between the cells besides their gate math.
struct CellSpec {
  Cell cell;
  int64_t gates;
  /// Activations per direction, and their defaults.
  int64_t numActivations;
  const char *defaults[3];
};

const CellSpec kCells[] = {
    {Cell::RNN, 1, 1, {"Tanh"}},
    {Cell::GRU, 3, 2, {"Sigmoid", "Tanh"}},
    {Cell::LSTM, 4, 3, {"Sigmoid", "Tanh", "Tanh"}},
};

/// The operands and attributes common to the three ops (null values for
/// omitted inputs).
struct RecurrentOperands {
  Value x, w, r, b, seqLens, initialH, initialC, p;
  std::optional<ArrayAttr> activations, alpha, beta;
  std::optional<APFloat> clip;
  StringRef direction;
  int64_t layout = 0;
  bool linearBeforeReset = false;
  bool inputForget = false;
};

Value orNull(Value v) { return isa<NoneType>(v.getType()) ? Value() : v; }

template <typename OpTy>
RecurrentOperands bindCommon(OpTy op, typename OpTy::Adaptor a) {
  RecurrentOperands o;
  o.x = a.getX();
  o.w = a.getW();
  o.r = a.getR();
  o.b = orNull(a.getB());
  o.seqLens = orNull(a.getSequenceLens());
  o.initialH = orNull(a.getInitialH());
  o.activations = op.getActivations();
  o.alpha = op.getActivationAlpha();
  o.beta = op.getActivationBeta();
  if (op.getClip())
    o.clip = *op.getClip();
  o.direction = op.getDirection();
  o.layout = op.getLayout();
  return o;
}

RecurrentOperands bind(onnx::RNNOp op, onnx::RNNOp::Adaptor a) {
  return bindCommon(op, a);
}
RecurrentOperands bind(onnx::GRUOp op, onnx::GRUOp::Adaptor a) {
  RecurrentOperands o = bindCommon(op, a);
  o.linearBeforeReset = op.getLinearBeforeReset() != 0;
  return o;
}
RecurrentOperands bind(onnx::LSTMOp op, onnx::LSTMOp::Adaptor a) {
  RecurrentOperands o = bindCommon(op, a);
  o.initialC = orNull(a.getInitialC());
  o.p = orNull(a.getP());
  o.inputForget = op.getInputForget() != 0;
  return o;
}

/// An activation function with its alpha/beta resolved.
struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

/// The ONNX activation names the recurrent ops accept, with their default
/// alpha/beta and whether they consume one.
struct ActivationInfo {
  const char *name;
  bool usesAlpha, usesBeta;
  double alpha, beta;
};
const ActivationInfo kActivations[] = {
    {"relu", false, false, 0, 0},
    {"tanh", false, false, 0, 0},
    {"sigmoid", false, false, 0, 0},
    {"affine", true, true, 1.0, 0},
    {"leakyrelu", true, false, 0.01, 0},
    {"thresholdedrelu", true, false, 1.0, 0},
    {"scaledtanh", true, true, 1.0, 1.0},
    {"hardsigmoid", true, true, 0.2, 0.5},
    {"elu", true, false, 1.0, 0},
    {"softsign", false, false, 0, 0},
    {"softplus", false, false, 0, 0},
};

Value applyActivation(OpBuilder &b, Location loc, const Activation &act,
                      Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return createScalarConstant(b, loc, t, v); };
  Value zero = c(0), one = c(1);
  StringRef name = act.name;
  if (name == "relu")
    return arith::MaximumFOp::create(b, loc, x, zero);
  if (name == "tanh")
    return math::TanhOp::create(b, loc, x);
  if (name == "sigmoid") {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one,
                                 arith::AddFOp::create(b, loc, one, e));
  }
  if (name == "affine")
    return arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, c(act.alpha), x), c(act.beta));
  if (name == "leakyrelu") {
    Value neg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
    return arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, c(act.alpha), x), x);
  }
  if (name == "thresholdedrelu") {
    Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                     c(act.alpha));
    return arith::SelectOp::create(b, loc, gt, x, zero);
  }
  if (name == "scaledtanh") {
    Value inner = arith::MulFOp::create(b, loc, c(act.beta), x);
    return arith::MulFOp::create(b, loc, c(act.alpha),
                                 math::TanhOp::create(b, loc, inner));
  }
  if (name == "hardsigmoid") {
    Value y = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, c(act.alpha), x), c(act.beta));
    return arith::MaximumFOp::create(b, loc, zero,
                                     arith::MinimumFOp::create(b, loc, one, y));
  }
  if (name == "elu") {
    Value neg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
    Value em1 =
        arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), one);
    return arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, c(act.alpha), em1), x);
  }
  if (name == "softsign")
    return arith::DivFOp::create(
        b, loc, x,
        arith::AddFOp::create(b, loc, one, math::AbsFOp::create(b, loc, x)));
  // softplus
  return math::LogOp::create(
      b, loc,
      arith::AddFOp::create(b, loc, one, math::ExpOp::create(b, loc, x)));
}

/// The activations of every direction (numActivations per direction), with
/// alpha/beta consumed in order by those that take them.
FailureOr<SmallVector<Activation>>
resolveActivations(const CellSpec &spec, const RecurrentOperands &o,
                   int64_t numDirections, std::string &error) {
  SmallVector<std::string> names;
  if (o.activations && !o.activations->empty()) {
    for (Attribute a : *o.activations)
      names.push_back(cast<StringAttr>(a).getValue().lower());
  } else {
    for (int64_t d = 0; d < numDirections; ++d)
      for (int64_t k = 0; k < spec.numActivations; ++k)
        names.push_back(StringRef(spec.defaults[k]).lower());
  }
  // RNN's schema default lists both directions' activations; a one-way
  // net uses the first half.
  if (numDirections == 1 &&
      static_cast<int64_t>(names.size()) == 2 * spec.numActivations)
    names.resize(spec.numActivations);
  // A forward list given once serves both directions.
  if (static_cast<int64_t>(names.size()) == spec.numActivations &&
      numDirections == 2)
    names.append(SmallVector<std::string>(names));
  if (static_cast<int64_t>(names.size()) !=
      spec.numActivations * numDirections) {
    error = "expects " + std::to_string(spec.numActivations * numDirections) +
            " activations";
    return failure();
  }
  auto floats = [](std::optional<ArrayAttr> attr) {
    SmallVector<double> v;
    if (attr)
      for (Attribute a : *attr)
        v.push_back(cast<FloatAttr>(a).getValueAsDouble());
    return v;
  };
  SmallVector<double> alphas = floats(o.alpha), betas = floats(o.beta);
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> result;
  for (const std::string &name : names) {
    const ActivationInfo *info = nullptr;
    for (const ActivationInfo &candidate : kActivations)
      if (name == candidate.name)
        info = &candidate;
    if (!info) {
      error = "unsupported activation '" + name + "'";
      return failure();
    }
    Activation act{name, info->alpha, info->beta};
    if (info->usesAlpha && nextAlpha < alphas.size())
      act.alpha = alphas[nextAlpha++];
    if (info->usesBeta && nextBeta < betas.size())
      act.beta = betas[nextBeta++];
    result.push_back(act);
  }
  return result;
}

/// `value` with its dims permuted by `perm` (linalg.transpose).
Value transpose(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, t.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}

/// Slice `index` of dim 0 of `value`, the dim dropped.
Value sliceDim0(OpBuilder &b, Location loc, Value value, OpFoldResult index) {
  auto t = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> offsets(t.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(t.getRank(), b.getIndexAttr(1));
  offsets[0] = index;
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d = 1; d < t.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
  auto type =
      RankedTensorType::get(t.getShape().drop_front(), t.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, value, offsets, sizes,
                                        strides);
}

/// `source` (rank r) inserted at `index` of dim `dim` of `dest` (rank r+1).
Value insertAt(OpBuilder &b, Location loc, Value source, Value dest,
               int64_t dim, OpFoldResult index) {
  auto t = cast<RankedTensorType>(dest.getType());
  SmallVector<OpFoldResult> offsets(t.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(t.getRank(), b.getIndexAttr(1));
  offsets[dim] = index;
  for (int64_t d = 0; d < t.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(d == dim ? 1 : t.getDimSize(d)));
  return tensor::InsertSliceOp::create(b, loc, source, dest, offsets, sizes,
                                       strides);
}

/// out[..., n] = sum_k lhs[..., k] * rhs[n, k] for lhs of rank 2 or 3.
Value contractTransposed(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  int64_t rank = lt.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape(lt.getShape().drop_back());
  shape.push_back(rt.getDimSize(0));
  auto type = RankedTensorType::get(shape, lt.getElementType());
  Value zero = createScalarConstant(b, loc, lt.getElementType(), 0);
  Value init = createFilled(b, loc, type, {}, zero);
  // Loops: the lhs batch dims, n, k.
  SmallVector<AffineExpr> outer;
  for (int64_t d = 0; d < rank - 1; ++d)
    outer.push_back(getAffineDimExpr(d, ctx));
  AffineExpr n = getAffineDimExpr(rank - 1, ctx),
             k = getAffineDimExpr(rank, ctx);
  SmallVector<AffineExpr> lhsExprs(outer), outExprs(outer);
  lhsExprs.push_back(k);
  outExprs.push_back(n);
  SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, lhsExprs, ctx),
                                 AffineMap::get(rank + 1, 0, {n, k}, ctx),
                                 AffineMap::get(rank + 1, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{lhs, rhs}, ValueRange{init}, maps,
             iterators,
             [](OpBuilder &nb, Location l, ValueRange args) {
               Value m = arith::MulFOp::create(nb, l, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::AddFOp::create(nb, l, m, args[2])});
             })
      .getResult(0);
}

/// A pointwise generic over [B, H] reading each input through its map and
/// writing `outputs` fresh [B, H] tensors.
struct Pointwise {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  /// Adds `value` read at (b, j) -> exprs; returns its body argument index.
  unsigned add(Value value, AffineMap map) {
    inputs.push_back(value);
    maps.push_back(map);
    return inputs.size() - 1;
  }
};

/// y[.., b, .., t, ..] = x[.., b, .., len[b] - 1 - t, ..] for t < len[b],
/// x itself past the length (ReverseSequence): one generic reading x through
/// tensor.extract at the computed time index.
Value buildReverseSequence(OpBuilder &b0, Location loc, Value x, Value lens,
                           RankedTensorType resultType, int64_t batchAxis,
                           int64_t timeAxis) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b0.getContext();
  SmallVector<OpFoldResult> sizes = getSizes(b0, loc, x);
  Value init = createEmpty(b0, loc, resultType, sizes);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(batchAxis, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  return linalg::GenericOp::create(
             b0, loc, resultType, ValueRange{lens}, ValueRange{init}, maps,
             parallelIterators(rank),
             [&](OpBuilder &b, Location l, ValueRange args) {
               SmallVector<Value> indices;
               for (int64_t d = 0; d < rank; ++d)
                 indices.push_back(linalg::IndexOp::create(b, l, d));
               Value len =
                   arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
               Value t = indices[timeAxis];
               Value inside = arith::CmpIOp::create(
                   b, l, arith::CmpIPredicate::slt, t, len);
               Value one = arith::ConstantIndexOp::create(b, l, 1);
               Value mirrored = arith::SubIOp::create(
                   b, l, arith::SubIOp::create(b, l, len, one), t);
               // A length beyond the time dim would read out of bounds.
               Value fits = arith::CmpIOp::create(
                   b, l, arith::CmpIPredicate::slt, mirrored,
                   getDimValue(b, l, x, timeAxis));
               inside = arith::AndIOp::create(b, l, inside, fits);
               indices[timeAxis] =
                   arith::SelectOp::create(b, l, inside, mirrored, t);
               Value v = tensor::ExtractOp::create(b, l, x, indices);
               linalg::YieldOp::create(b, l, v);
             })
      .getResult(0);
}

struct RecurrentLoweringImpl {
  const CellSpec &spec;
  const RecurrentOperands &o;
  OpBuilder &b;
  Location loc;
  Type elementType;
  int64_t seqLength, batch, inputSize, hidden;
  SmallVector<Activation> activations;

  MLIRContext *ctx() { return b.getContext(); }
  AffineExpr dim(unsigned i) { return getAffineDimExpr(i, ctx()); }
  /// Columns [g·H, (g+1)·H) of a [B, G·H] tensor, or elements of a vector.
  Value gate(Value value, int64_t g) {
    auto t = cast<RankedTensorType>(value.getType());
    int64_t rank = t.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
    offsets.back() = b.getIndexAttr(g * hidden);
    sizes.back() = b.getIndexAttr(hidden);
    return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes,
                                          strides);
  }
  /// (b, j) -> (j) for a bias vector.
  AffineMap biasMap() { return AffineMap::get(2, 0, {dim(1)}, ctx()); }
  AffineMap identity() { return AffineMap::getMultiDimIdentityMap(2, ctx()); }
  AffineMap batchMap() { return AffineMap::get(2, 0, {dim(0)}, ctx()); }

  Value cst(double v) { return createScalarConstant(b, loc, elementType, v); }
  Value clip(OpBuilder &nb, Location l, Value x) {
    if (!o.clip)
      return x;
    double c = o.clip->convertToDouble();
    Value hi = createScalarConstant(nb, l, elementType, c);
    Value lo = createScalarConstant(nb, l, elementType, -c);
    return arith::MinimumFOp::create(
        nb, l, arith::MaximumFOp::create(nb, l, x, lo), hi);
  }
  Value act(OpBuilder &nb, Location l, int64_t dir, int64_t k, Value x) {
    return applyActivation(nb, l, activations[dir * spec.numActivations + k],
                           clip(nb, l, x));
  }

  /// Runs direction `dir` (0-based index into W/R/B) over the whole
  /// sequence; returns (Y [S, B, H], final H, final C or null).
  std::tuple<Value, Value, Value> runDirection(int64_t dir, bool reverse,
                                               Value x, Value h0, Value c0) {
    int64_t G = spec.gates, H = hidden;
    Value wd = sliceDim0(b, loc, o.w, b.getIndexAttr(dir));
    Value rd = sliceDim0(b, loc, o.r, b.getIndexAttr(dir));
    Value bias =
        o.b ? sliceDim0(b, loc, o.b, b.getIndexAttr(dir))
            : createFilled(b, loc,
                           RankedTensorType::get({2 * G * H}, elementType), {},
                           cst(0));
    Value peep = o.p ? sliceDim0(b, loc, o.p, b.getIndexAttr(dir)) : Value();
    // X·Wᵀ for all steps at once: [S, B, G·H].
    Value xw = contractTransposed(b, loc, x, wd);
    auto stateType = RankedTensorType::get({batch, H}, elementType);
    auto yType = RankedTensorType::get({seqLength, batch, H}, elementType);
    Value y0 = tensor::EmptyOp::create(b, loc, yType.getShape(), elementType);

    SmallVector<Value> inits = {h0, y0};
    if (c0)
      inits.push_back(c0);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value length = arith::ConstantIndexOp::create(b, loc, seqLength);
    auto forOp = scf::ForOp::create(b, loc, zero, length, one, inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value iv = forOp.getInductionVar();
    Value t = iv;
    if (reverse)
      t = arith::SubIOp::create(
          b, loc, arith::ConstantIndexOp::create(b, loc, seqLength - 1), iv);
    Value h = forOp.getRegionIterArgs()[0];
    Value yAcc = forOp.getRegionIterArgs()[1];
    Value c = c0 ? forOp.getRegionIterArgs()[2] : Value();
    Value xwT = sliceDim0(b, loc, xw, t);
    Value hr = contractTransposed(b, loc, h, rd);
    // The step index as the sequence_lens element type, for the mask.
    Value tInt;
    if (o.seqLens)
      tInt = arith::IndexCastOp::create(b, loc, b.getI32Type(), t);

    Value newH, newC, yElem;
    Pointwise pw;
    unsigned hIdx = pw.add(h, identity());
    unsigned lenIdx = o.seqLens ? pw.add(o.seqLens, batchMap()) : 0;
    // The gate pre-activation: x·W + h·R + Wb + Rb of gate g.
    SmallVector<unsigned> xg, hg, wbg, rbg;
    for (int64_t g = 0; g < G; ++g) {
      xg.push_back(pw.add(gate(xwT, g), identity()));
      hg.push_back(pw.add(gate(hr, g), identity()));
      wbg.push_back(pw.add(gate(bias, g), biasMap()));
      rbg.push_back(pw.add(gate(bias, G + g), biasMap()));
    }
    auto pre = [&](OpBuilder &nb, Location l, ValueRange a, int64_t g) {
      Value s = arith::AddFOp::create(nb, l, a[xg[g]], a[hg[g]]);
      s = arith::AddFOp::create(nb, l, s, a[wbg[g]]);
      return arith::AddFOp::create(nb, l, s, a[rbg[g]]).getResult();
    };
    // Masking: past its length a batch entry keeps its state and yields 0.
    auto mask = [&](OpBuilder &nb, Location l, ValueRange a, Value fresh,
                    Value old) -> std::pair<Value, Value> {
      if (!o.seqLens)
        return {fresh, fresh};
      Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                          tInt, a[lenIdx]);
      Value z = createScalarConstant(nb, l, elementType, 0);
      return {arith::SelectOp::create(nb, l, valid, fresh, old),
              arith::SelectOp::create(nb, l, valid, fresh, z)};
    };

    auto stateInit = [&]() {
      return tensor::EmptyOp::create(b, loc, stateType.getShape(), elementType)
          .getResult();
    };
    auto run =
        [&](Pointwise &p, unsigned numOutputs,
            function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
                body) {
          SmallVector<Value> outs;
          SmallVector<Type> types;
          SmallVector<AffineMap> maps(p.maps);
          for (unsigned i = 0; i < numOutputs; ++i) {
            outs.push_back(stateInit());
            types.push_back(stateType);
            maps.push_back(identity());
          }
          return linalg::GenericOp::create(
                     b, loc, types, p.inputs, outs, maps, parallelIterators(2),
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       linalg::YieldOp::create(nb, l, body(nb, l, args));
                     })
              ->getResults();
        };

    if (spec.cell == Cell::RNN) {
      ResultRange r = run(pw, 2, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value fresh = act(nb, l, dir, 0, pre(nb, l, a, 0));
        auto [carry, out] = mask(nb, l, a, fresh, a[hIdx]);
        return SmallVector<Value>{carry, out};
      });
      newH = r[0];
      yElem = r[1];
    } else if (spec.cell == Cell::GRU) {
      // Gates z, r, h. Without linear_before_reset the candidate reads
      // (r ⊙ h)·Rhᵀ, which needs r first.
      Value rhR;
      if (!o.linearBeforeReset) {
        ResultRange rh =
            run(pw, 1, [&](OpBuilder &nb, Location l, ValueRange a) {
              Value r = act(nb, l, dir, 0, pre(nb, l, a, 1));
              return SmallVector<Value>{
                  arith::MulFOp::create(nb, l, r, a[hIdx])};
            });
        Value rhh = sliceRows(rd, 2 * H, H);
        rhR = contractTransposed(b, loc, rh[0], rhh);
      }
      unsigned rhIdx = rhR ? pw.add(rhR, identity()) : 0;
      ResultRange r = run(pw, 2, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value z = act(nb, l, dir, 0, pre(nb, l, a, 0));
        Value rg = act(nb, l, dir, 0, pre(nb, l, a, 1));
        Value cand;
        if (o.linearBeforeReset) {
          Value hpart = arith::AddFOp::create(nb, l, a[hg[2]], a[rbg[2]]);
          cand = arith::AddFOp::create(nb, l, a[xg[2]],
                                       arith::MulFOp::create(nb, l, rg, hpart));
          cand = arith::AddFOp::create(nb, l, cand, a[wbg[2]]);
        } else {
          cand = arith::AddFOp::create(nb, l, a[xg[2]], a[rhIdx]);
          cand = arith::AddFOp::create(nb, l, cand, a[rbg[2]]);
          cand = arith::AddFOp::create(nb, l, cand, a[wbg[2]]);
        }
        Value hh = act(nb, l, dir, 1, cand);
        Value one = createScalarConstant(nb, l, elementType, 1);
        Value keep = arith::MulFOp::create(nb, l, z, a[hIdx]);
        Value take = arith::MulFOp::create(
            nb, l, arith::SubFOp::create(nb, l, one, z), hh);
        Value fresh = arith::AddFOp::create(nb, l, take, keep);
        auto [carry, out] = mask(nb, l, a, fresh, a[hIdx]);
        return SmallVector<Value>{carry, out};
      });
      newH = r[0];
      yElem = r[1];
    } else {
      // Gates i, o, f, c; peepholes p_i, p_o, p_f.
      unsigned cIdx = pw.add(c, identity());
      SmallVector<unsigned> pg;
      if (peep)
        for (int64_t g = 0; g < 3; ++g)
          pg.push_back(pw.add(gate(peep, g), biasMap()));
      ResultRange r = run(pw, 3, [&](OpBuilder &nb, Location l, ValueRange a) {
        auto withPeep = [&](Value s, int64_t g, Value cell) -> Value {
          if (pg.empty())
            return s;
          return arith::AddFOp::create(
              nb, l, s, arith::MulFOp::create(nb, l, a[pg[g]], cell));
        };
        Value one = createScalarConstant(nb, l, elementType, 1);
        Value i = act(nb, l, dir, 0, withPeep(pre(nb, l, a, 0), 0, a[cIdx]));
        Value f;
        if (o.inputForget)
          f = arith::SubFOp::create(nb, l, one, i);
        else
          f = act(nb, l, dir, 0, withPeep(pre(nb, l, a, 2), 2, a[cIdx]));
        Value cc = act(nb, l, dir, 1, pre(nb, l, a, 3));
        Value cell = arith::AddFOp::create(
            nb, l, arith::MulFOp::create(nb, l, f, a[cIdx]),
            arith::MulFOp::create(nb, l, i, cc));
        Value og = act(nb, l, dir, 0, withPeep(pre(nb, l, a, 1), 1, cell));
        Value fresh =
            arith::MulFOp::create(nb, l, og, act(nb, l, dir, 2, cell));
        auto [carry, out] = mask(nb, l, a, fresh, a[hIdx]);
        Value cellCarry = mask(nb, l, a, cell, a[cIdx]).first;
        return SmallVector<Value>{carry, out, cellCarry};
      });
      newH = r[0];
      yElem = r[1];
      newC = r[2];
    }
    SmallVector<Value> yields = {newH, insertAt(b, loc, yElem, yAcc, 0, t)};
    if (newC)
      yields.push_back(newC);
    scf::YieldOp::create(b, loc, yields);
    return {forOp.getResult(1), forOp.getResult(0),
            c0 ? forOp.getResult(2) : Value()};
  }

  /// Rows [offset, offset + size) of a rank-2 tensor.
  Value sliceRows(Value value, int64_t offset, int64_t size) {
    auto t = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(offset),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(size),
                                       b.getIndexAttr(t.getDimSize(1))};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes,
                                          strides);
  }
};

template <typename OpTy, Cell cell>
struct RecurrentLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const CellSpec &spec = kCells[static_cast<int>(cell)];
    RecurrentOperands o = bind(op, adaptor);
    auto isStatic = [](Value v) {
      auto t = dyn_cast_or_null<RankedTensorType>(v ? v.getType() : Type());
      return !v || (t && t.hasStaticShape());
    };
    for (Value v : {o.x, o.w, o.r, o.b, o.seqLens, o.initialH, o.initialC, o.p})
      if (!isStatic(v))
        return rewriter.notifyMatchFailure(op, "expects static shapes");
    auto xType = cast<RankedTensorType>(o.x.getType());
    auto rType = cast<RankedTensorType>(o.r.getType());
    if (xType.getRank() != 3 || rType.getRank() != 3 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects rank-3 float X and R");
    int64_t numDirections = rType.getDimSize(0);
    bool bidirectional = o.direction == "bidirectional";
    if (numDirections != (bidirectional ? 2 : 1))
      return rewriter.notifyMatchFailure(op, "direction count mismatch");
    bool reverse = o.direction == "reverse";

    Value x = o.layout ? transpose(rewriter, loc, o.x, {1, 0, 2}) : o.x;
    auto layout0 = cast<RankedTensorType>(x.getType());
    RecurrentLoweringImpl impl{spec,
                               o,
                               rewriter,
                               loc,
                               xType.getElementType(),
                               layout0.getDimSize(0),
                               layout0.getDimSize(1),
                               layout0.getDimSize(2),
                               rType.getDimSize(2),
                               {}};
    std::string error;
    FailureOr<SmallVector<Activation>> acts =
        resolveActivations(spec, o, numDirections, error);
    if (failed(acts))
      return rewriter.notifyMatchFailure(op, error);
    impl.activations = std::move(*acts);
    int64_t B = impl.batch, H = impl.hidden, S = impl.seqLength;
    Type et = impl.elementType;
    auto stateType = RankedTensorType::get({B, H}, et);
    auto initial = [&](Value v, int64_t dir) -> Value {
      if (!v)
        return createFilled(rewriter, loc, stateType, {}, impl.cst(0));
      Value l0 = o.layout ? transpose(rewriter, loc, v, {1, 0, 2}) : v;
      return sliceDim0(rewriter, loc, l0, rewriter.getIndexAttr(dir));
    };

    auto yType = RankedTensorType::get({S, numDirections, B, H}, et);
    auto hType = RankedTensorType::get({numDirections, B, H}, et);
    Value y = tensor::EmptyOp::create(rewriter, loc, yType.getShape(), et);
    Value yh = tensor::EmptyOp::create(rewriter, loc, hType.getShape(), et);
    Value yc = tensor::EmptyOp::create(rewriter, loc, hType.getShape(), et);
    for (int64_t dir = 0; dir < numDirections; ++dir) {
      Value c0 = cell == Cell::LSTM ? initial(o.initialC, dir) : Value();
      bool backward = reverse || dir == 1;
      // With sequence_lens a backward pass starts at each entry's own last
      // step: run forward over the per-entry reversed sequence and reverse
      // its Y back.
      Value xd = x;
      if (backward && o.seqLens)
        xd = buildReverseSequence(rewriter, loc, x, o.seqLens, layout0,
                                  /*batchAxis=*/1, /*timeAxis=*/0);
      auto [yd, hd, cd] = impl.runDirection(dir, backward && !o.seqLens, xd,
                                            initial(o.initialH, dir), c0);
      if (backward && o.seqLens)
        yd = buildReverseSequence(rewriter, loc, yd, o.seqLens,
                                  cast<RankedTensorType>(yd.getType()),
                                  /*batchAxis=*/1, /*timeAxis=*/0);
      y = insertAt(rewriter, loc, yd, y, 1, rewriter.getIndexAttr(dir));
      yh = insertAt(rewriter, loc, hd, yh, 0, rewriter.getIndexAttr(dir));
      if (cd)
        yc = insertAt(rewriter, loc, cd, yc, 0, rewriter.getIndexAttr(dir));
    }
    if (o.layout) {
      y = transpose(rewriter, loc, y, {2, 0, 1, 3});
      yh = transpose(rewriter, loc, yh, {1, 0, 2});
      yc = transpose(rewriter, loc, yc, {1, 0, 2});
    }
    SmallVector<Value> results = {y, yh, yc};
    SmallVector<Value> replacements;
    for (auto [i, result] : llvm::enumerate(op->getResults())) {
      if (isa<NoneType>(result.getType())) {
        replacements.push_back(Value());
        continue;
      }
      Type want = this->getTypeConverter()->convertType(result.getType());
      if (want != results[i].getType()) {
        auto wantT = dyn_cast_or_null<RankedTensorType>(want);
        if (!wantT ||
            !tensor::CastOp::areCastCompatible(results[i].getType(), wantT))
          return rewriter.notifyMatchFailure(op, "result type mismatch");
        results[i] = tensor::CastOp::create(rewriter, loc, wantT, results[i]);
      }
      replacements.push_back(results[i]);
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

/// ReverseSequence (buildReverseSequence).
struct ReverseSequenceLowering : OpConversionPattern<onnx::ReverseSequenceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ReverseSequenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value lens = adaptor.getSequenceLens();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "expects a ranked input");
    int64_t rank = type.getRank();
    FailureOr<int64_t> batchAxis = normalizeAxis(op.getBatchAxis(), rank);
    FailureOr<int64_t> timeAxis = normalizeAxis(op.getTimeAxis(), rank);
    if (failed(batchAxis) || failed(timeAxis) || *batchAxis == *timeAxis)
      return rewriter.notifyMatchFailure(op, "bad batch/time axes");
    Value result = buildReverseSequence(rewriter, loc, x, lens, resultType,
                                        *batchAxis, *timeAxis);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxRecurrentToLinalgPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<RecurrentLowering<onnx::RNNOp, Cell::RNN>,
               RecurrentLowering<onnx::GRUOp, Cell::GRU>,
               RecurrentLowering<onnx::LSTMOp, Cell::LSTM>,
               ReverseSequenceLowering>(converter, patterns.getContext());
}

} // namespace kiln
