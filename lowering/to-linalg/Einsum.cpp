//===- Einsum.cpp - onnx Einsum -> linalg.generic -------------------------===//
//
// Einsum is one linalg.generic: every distinct subscript letter (and every
// dim an ellipsis stands for) is a loop; each input's indexing map lists
// its subscripts' loops (a letter repeated within one input takes a
// diagonal), the output's map the output subscripts', and the loops absent
// from the output are reductions. The body multiplies the inputs' elements
// and adds the product to the accumulator. Without `->` the output is the
// ellipsis dims followed by the letters that occur once, alphabetically.
// Ellipsis dims align to the right across inputs; a static unit dim there
// broadcasts.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// One operand's subscripts: letters, with '.' standing for the ellipsis.
struct Subscripts {
  std::string letters;
  bool hasEllipsis = false;
};

/// Parses one comma-separated term ("ab...c"); failure on anything else.
FailureOr<Subscripts> parseTerm(StringRef term) {
  Subscripts s;
  term = term.trim();
  for (size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      if (s.hasEllipsis || !term.substr(i).starts_with("..."))
        return failure();
      s.hasEllipsis = true;
      s.letters.push_back('.');
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(c))
      return failure();
    s.letters.push_back(c);
  }
  return s;
}

struct EinsumLowering : OpConversionPattern<onnx::EinsumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "expects a ranked result");
    SmallVector<Value> inputs(adaptor.getInputs());
    SmallVector<RankedTensorType> types;
    for (Value v : inputs) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "expects ranked inputs");
      types.push_back(t);
    }
    StringRef equation = op.getEquation();
    auto [lhs, rhs] = equation.split("->");
    bool explicitOutput = equation.contains("->");
    SmallVector<StringRef> terms;
    lhs.split(terms, ',');
    if (terms.size() != inputs.size())
      return rewriter.notifyMatchFailure(op, "one term per input expected");
    SmallVector<Subscripts> subs;
    for (StringRef t : terms) {
      FailureOr<Subscripts> s = parseTerm(t);
      if (failed(s))
        return rewriter.notifyMatchFailure(op, "malformed equation");
      subs.push_back(*s);
    }

    // The ellipsis rank: the most dims any input's ellipsis stands for.
    int64_t ellipsisRank = 0;
    for (auto [s, t] : llvm::zip(subs, types)) {
      int64_t named = (int64_t)s.letters.size() - (s.hasEllipsis ? 1 : 0);
      if (s.hasEllipsis)
        ellipsisRank = std::max(ellipsisRank, t.getRank() - named);
      else if (named != t.getRank())
        return rewriter.notifyMatchFailure(op, "term does not match rank");
      if (t.getRank() < named)
        return rewriter.notifyMatchFailure(op, "term longer than rank");
    }

    // Loops: the ellipsis dims first, then letters in order of appearance.
    llvm::DenseMap<char, int64_t> loopOf;
    std::map<char, int64_t> count;
    int64_t numLoops = ellipsisRank;
    for (const Subscripts &s : subs)
      for (char c : s.letters) {
        if (c == '.')
          continue;
        ++count[c];
        if (!loopOf.count(c))
          loopOf[c] = numLoops++;
      }
    Subscripts out;
    if (explicitOutput) {
      FailureOr<Subscripts> s = parseTerm(rhs);
      if (failed(s))
        return rewriter.notifyMatchFailure(op, "malformed output term");
      out = *s;
    } else {
      if (ellipsisRank > 0) {
        out.hasEllipsis = true;
        out.letters.push_back('.');
      }
      for (auto [c, n] : count)
        if (n == 1)
          out.letters.push_back(c);
    }

    MLIRContext *ctx = rewriter.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // Per input, the dims its ellipsis stands for; per ellipsis loop,
    // whether some input has a dim there that is not a static 1.
    SmallVector<int64_t> ellipsisDims;
    SmallVector<bool> wide(ellipsisRank, false);
    for (auto [s, t] : llvm::zip(subs, types)) {
      int64_t named = (int64_t)s.letters.size() - (s.hasEllipsis ? 1 : 0);
      int64_t ell = t.getRank() - named;
      ellipsisDims.push_back(ell);
      int64_t first = s.letters.find('.');
      for (int64_t e = 0; s.hasEllipsis && e < ell; ++e)
        if (t.getDimSize(first + e) != 1)
          wide[ellipsisRank - ell + e] = true;
    }
    SmallVector<AffineMap> maps;
    for (auto [s, t, ell] : llvm::zip(subs, types, ellipsisDims)) {
      SmallVector<AffineExpr> exprs;
      for (char c : s.letters) {
        if (c != '.') {
          exprs.push_back(d(loopOf[c]));
          continue;
        }
        for (int64_t e = 0; e < ell; ++e) {
          // Right-aligned; a static unit dim broadcasts against wider ones.
          int64_t loop = ellipsisRank - ell + e;
          exprs.push_back(t.getDimSize(exprs.size()) == 1 && wide[loop]
                              ? getAffineConstantExpr(0, ctx)
                              : d(loop));
        }
      }
      maps.push_back(AffineMap::get(numLoops, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    llvm::SmallDenseSet<int64_t> outLoops;
    for (char c : out.letters) {
      if (c == '.') {
        for (int64_t e = 0; e < ellipsisRank; ++e) {
          outExprs.push_back(d(e));
          outLoops.insert(e);
        }
        continue;
      }
      auto it = loopOf.find(c);
      if (it == loopOf.end() || outLoops.count(it->second))
        return rewriter.notifyMatchFailure(op, "bad output subscript");
      outExprs.push_back(d(it->second));
      outLoops.insert(it->second);
    }
    if ((int64_t)outExprs.size() != resultType.getRank())
      return rewriter.notifyMatchFailure(op, "output term does not match rank");
    maps.push_back(AffineMap::get(numLoops, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iterators;
    for (int64_t i = 0; i < numLoops; ++i)
      iterators.push_back(outLoops.count(i) ? utils::IteratorType::parallel
                                            : utils::IteratorType::reduction);

    // The output sizes, from the first input dim each output loop indexes.
    SmallVector<OpFoldResult> resultSizes(resultType.getRank());
    for (auto [i, map] : llvm::enumerate(ArrayRef<AffineMap>(maps).drop_back()))
      for (auto [j, e] : llvm::enumerate(map.getResults()))
        for (auto [k, oe] : llvm::enumerate(outExprs))
          if (oe == e && !resultSizes[k])
            resultSizes[k] = getSizes(rewriter, loc, inputs[i])[j];
    for (auto [k, s] : llvm::enumerate(resultSizes))
      if (!s) {
        if (resultType.isDynamicDim(k))
          return rewriter.notifyMatchFailure(op, "unsized output dim");
        s = rewriter.getIndexAttr(resultType.getDimSize(k));
      }
    Type elementType = resultType.getElementType();
    Value init =
        createFilled(rewriter, loc, resultType, resultSizes,
                     createScalarConstant(rewriter, loc, elementType, 0));
    bool isFloat = isa<FloatType>(elementType);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init},
            maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value product = args[0];
              for (Value v : args.drop_front().drop_back())
                product = isFloat
                              ? (Value)arith::MulFOp::create(b, l, product, v)
                              : arith::MulIOp::create(b, l, product, v);
              Value acc = args.back();
              Value sum = isFloat
                              ? (Value)arith::AddFOp::create(b, l, acc, product)
                              : arith::AddIOp::create(b, l, acc, product);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxEinsumToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(converter, patterns.getContext());
}

} // namespace kiln
