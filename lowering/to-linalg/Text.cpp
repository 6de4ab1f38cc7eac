//===- Text.cpp - onnx TfIdfVectorizer -> linalg --------------------------===//
//
// TfIdfVectorizer over integer tokens: the pool of n-grams is compile-time
// data, so it becomes two constant tables indexed by the output position
// (the n-gram's tokens and its length); each output element is one
// linalg.generic point that counts its n-gram in its row for every skip
// distance (scf.for over the start and the distance), then applies the
// TF/IDF/TFIDF weighting.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/RuntimeHelpers.h"
#include "lowering/to-linalg/Utils.h"

#include "runtime/kiln_runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {

func::FuncOp getRuntimeHelper(RewriterBase &rewriter, Operation *from,
                              StringRef name, FunctionType type) {
  auto module = from->getParentOfType<ModuleOp>();
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(rewriter, from->getLoc(), name, type);
  f.setPrivate();
  return f;
}

namespace {

struct TfIdfVectorizerLowering
    : OpConversionPattern<onnx::TfIdfVectorizerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TfIdfVectorizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !resultType || !resultType.hasStaticShape() ||
        !isa<IntegerType>(xType.getElementType()) ||
        (xType.getRank() != 1 && xType.getRank() != 2) ||
        resultType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(
          op, "expects integer tokens of rank 1 or 2 and a static result");
    ArrayAttr poolAttr = op.getPoolInt64sAttr();
    if (!poolAttr)
      return op.emitOpError("needs pool_int64s (string pools are not "
                            "supported)");
    StringRef mode = op.getMode();
    if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
      return op.emitOpError() << "unknown mode '" << mode << "'";
    int64_t minN = op.getMinGramLength(), maxN = op.getMaxGramLength();
    int64_t maxSkip = op.getMaxSkipCount();
    if (minN < 1 || maxN < minN || maxSkip < 0)
      return op.emitOpError("expects 1 <= min_gram_length <= "
                            "max_gram_length and max_skip_count >= 0");

    // The pool, split by n-gram length (ngram_counts gives each length's
    // first pool position), into per-output tables.
    SmallVector<int64_t> pool, counts, indexes;
    for (Attribute a : poolAttr)
      pool.push_back(cast<IntegerAttr>(a).getInt());
    for (Attribute a : op.getNgramCounts())
      counts.push_back(cast<IntegerAttr>(a).getInt());
    for (Attribute a : op.getNgramIndexes())
      indexes.push_back(cast<IntegerAttr>(a).getInt());
    SmallVector<double> weights;
    if (ArrayAttr w = op.getWeightsAttr())
      for (Attribute a : w)
        weights.push_back(cast<FloatAttr>(a).getValueAsDouble());
    int64_t outputs = resultType.getShape().back();
    int64_t width = std::max<int64_t>(maxN, 1);
    SmallVector<int64_t> tokens(outputs * width, 0), lengths(outputs, 0);
    SmallVector<float> outWeights(outputs, 1.0f);
    SmallVector<bool> seen(outputs, false);
    int64_t gram = 0;
    for (size_t level = 0; level < counts.size(); ++level) {
      int64_t n = level + 1;
      int64_t begin = counts[level];
      int64_t end = level + 1 < counts.size() ? counts[level + 1]
                                              : (int64_t)pool.size();
      if (begin < 0 || end < begin || end > (int64_t)pool.size() ||
          (end - begin) % n != 0)
        return op.emitOpError("ngram_counts do not split pool_int64s into "
                              "n-grams");
      for (int64_t p = begin; p < end; p += n, ++gram) {
        if (gram >= (int64_t)indexes.size())
          return op.emitOpError("ngram_indexes is shorter than the pool");
        int64_t out = indexes[gram];
        if (out < 0 || out >= outputs || seen[out])
          return op.emitOpError() << "ngram_indexes entry " << out
                                  << " is out of range or repeated";
        seen[out] = true;
        if (gram < (int64_t)weights.size())
          outWeights[out] = weights[gram];
        if (n < minN || n > maxN)
          continue;
        lengths[out] = n;
        for (int64_t t = 0; t < n; ++t)
          tokens[out * width + t] = pool[p + t];
      }
    }

    Type i64 = rewriter.getI64Type();
    Type f32 = rewriter.getF32Type();
    Value tokenTable = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({outputs, width}, i64),
                               ArrayRef<int64_t>(tokens)));
    Value lengthTable = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({outputs}, i64),
                               ArrayRef<int64_t>(lengths)));
    Value weightTable = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({outputs}, f32),
                               ArrayRef<float>(outWeights)));

    int64_t rank = xType.getRank();
    Value rowLen = getDimValue(rewriter, loc, x, rank - 1);
    if (rank == 2) {
      Value rows = getDimValue(rewriter, loc, x, 0);
      emitRuntimeCheck(
          rewriter, op,
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, rows,
              arith::ConstantIndexOp::create(rewriter, loc,
                                             resultType.getDimSize(0))),
          "the input's batch does not match the result's");
    }
    Value empty = createEmpty(rewriter, loc, resultType, {});
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{empty},
        ArrayRef<AffineMap>{
            AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange) {
          auto idx = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v).getResult();
          };
          auto cmp = [&](arith::CmpIPredicate p, Value u, Value v) {
            return arith::CmpIOp::create(b, l, p, u, v).getResult();
          };
          Value j = linalg::IndexOp::create(b, l, rank - 1);
          Value row = rank == 2 ? linalg::IndexOp::create(b, l, 0).getResult()
                                : Value();
          Value n = tensor::ExtractOp::create(b, l, lengthTable, ValueRange{j});
          SmallVector<Value> want;
          for (int64_t t = 0; t < width; ++t)
            want.push_back(tensor::ExtractOp::create(
                b, l, tokenTable, ValueRange{j, idx(t)}));
          // Unigrams count once per position; longer n-grams once per skip
          // distance 1 .. max_skip_count + 1.
          Value isUnigram =
              cmp(arith::CmpIPredicate::eq, n, createScalarConstant(b, l, i64, 1));
          Value distances = arith::SelectOp::create(b, l, isUnigram, idx(1),
                                                    idx(maxSkip + 1));
          Value zeroF = createScalarConstant(b, l, f32, 0.0);
          Value oneF = createScalarConstant(b, l, f32, 1.0);
          auto starts = scf::ForOp::create(
              b, l, idx(0), rowLen, idx(1), ValueRange{zeroF},
              [&](OpBuilder &sb, Location sl, Value i, ValueRange acc) {
                auto dists = scf::ForOp::create(
                    sb, sl, idx(0), distances, idx(1), ValueRange{acc[0]},
                    [&](OpBuilder &db, Location dl, Value dm1,
                        ValueRange acc2) {
                      Value d = arith::AddIOp::create(db, dl, dm1, idx(1));
                      Value match = cmp(arith::CmpIPredicate::sgt, n,
                                        createScalarConstant(db, dl, i64, 0));
                      for (int64_t t = 0; t < width; ++t) {
                        Value pos = arith::AddIOp::create(
                            db, dl, i,
                            arith::MulIOp::create(db, dl, d, idx(t)));
                        Value inRow = cmp(arith::CmpIPredicate::ult, pos,
                                          rowLen);
                        Value safe =
                            arith::SelectOp::create(db, dl, inRow, pos, idx(0));
                        SmallVector<Value> at;
                        if (row)
                          at.push_back(row);
                        at.push_back(safe);
                        Value tok = tensor::ExtractOp::create(db, dl, x, at);
                        if (tok.getType() != i64)
                          tok = arith::ExtSIOp::create(db, dl, i64, tok);
                        Value same = arith::AndIOp::create(
                            db, dl, inRow,
                            cmp(arith::CmpIPredicate::eq, tok, want[t]));
                        Value needed = cmp(arith::CmpIPredicate::slt,
                                           createScalarConstant(db, dl, i64, t),
                                           n);
                        Value ok = arith::OrIOp::create(
                            db, dl,
                            arith::XOrIOp::create(
                                db, dl, needed,
                                arith::ConstantIntOp::create(db, dl, 1, 1)),
                            same);
                        match = arith::AndIOp::create(db, dl, match, ok);
                      }
                      Value add =
                          arith::SelectOp::create(db, dl, match, oneF, zeroF);
                      scf::YieldOp::create(
                          db, dl,
                          ValueRange{arith::AddFOp::create(db, dl, acc2[0],
                                                           add)});
                    });
                scf::YieldOp::create(sb, sl, dists.getResult(0));
              });
          Value count = starts.getResult(0);
          Value w = tensor::ExtractOp::create(b, l, weightTable, ValueRange{j});
          Value result = count;
          if (mode == "IDF")
            result = arith::SelectOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, count,
                                      zeroF),
                w, zeroF);
          else if (mode == "TFIDF")
            result = arith::MulFOp::create(b, l, count, w);
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Equal on string tensors: kiln_rt_str_equal per broadcast element pair.
/// Outranks the elementwise table's Equal, which compares numbers.
struct StringEqualLowering : OpConversionPattern<onnx::EqualOp> {
  StringEqualLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(onnx::EqualOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto aType = dyn_cast<ShapedType>(op.getA().getType());
    if (!aType || !isa<onnx::StringType>(aType.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a string comparison");
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType ||
        !isa<RankedTensorType>(adaptor.getA().getType()) ||
        !isa<RankedTensorType>(adaptor.getB().getType()))
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Type i64 = rewriter.getI64Type(), i32 = rewriter.getI32Type();
    // A constant scalar string on one side (LabelEncoder's keys) is passed
    // by value as words: the model holds no string data.
    for (int side = 0; side < 2; ++side) {
      Value original = side ? op.getB() : op.getA();
      auto constant = original.getDefiningOp<onnx::ConstantOp>();
      auto attr = constant ? dyn_cast_or_null<DenseStringElementsAttr>(
                                 constant.getValueAttr())
                           : DenseStringElementsAttr();
      if (!attr || attr.getNumElements() != 1)
        continue;
      StringRef text = attr.getRawStringData()[0];
      constexpr size_t kBytes = 8 * KILN_RT_REGEX_WORDS;
      if (text.size() >= kBytes || text.contains('\0'))
        return op.emitOpError() << "string constants of " << kBytes
                                << " bytes or more are not supported";
      SmallVector<int64_t> words(KILN_RT_REGEX_WORDS, 0);
      for (size_t i = 0; i < text.size(); ++i)
        words[i / 8] |= int64_t(uint8_t(text[i])) << (8 * (i % 8));
      SmallVector<Type> argTypes(KILN_RT_REGEX_WORDS + 1, i64);
      func::FuncOp helper = getRuntimeHelper(
          rewriter, op, "kiln_rt_str_equal_words",
          rewriter.getFunctionType(argTypes, {i32}));
      Value other = side ? adaptor.getA() : adaptor.getB();
      Value result = buildInternalBroadcast(
          rewriter, op.getLoc(), {other}, other, resultType.getElementType(),
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            SmallVector<Value> callArgs{args[0]};
            for (int64_t w : words)
              callArgs.push_back(arith::ConstantIntOp::create(b, l, w, 64));
            Value eq =
                func::CallOp::create(b, l, helper, callArgs).getResult(0);
            return arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ne, eq,
                arith::ConstantIntOp::create(b, l, 0, 32));
          });
      if (cast<RankedTensorType>(result.getType()) != resultType)
        return rewriter.notifyMatchFailure(op, "broadcast shape differs");
      rewriter.replaceOp(op, result);
      if (constant->use_empty())
        rewriter.eraseOp(constant);
      return success();
    }
    func::FuncOp helper = getRuntimeHelper(
        rewriter, op, "kiln_rt_str_equal",
        rewriter.getFunctionType({i64, i64}, {i32}));
    Value result = buildBroadcastGeneric(
        rewriter, op.getLoc(), {adaptor.getA(), adaptor.getB()},
        {op.getA().getType(), op.getB().getType()}, resultType, op.getType(),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value eq = func::CallOp::create(b, l, helper, args).getResult(0);
          return arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne, eq,
              arith::ConstantIntOp::create(b, l, 0, 32));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// RegexFullMatch: kiln_rt_regex_full_match per element, the pattern passed
/// by value as words (checked here against the runtime's supported RE2
/// subset, so an unsupported pattern is a compile-time error).
struct RegexFullMatchLowering : OpConversionPattern<onnx::RegexFullMatchOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RegexFullMatchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!resultType || !xType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    if (!op.getPattern())
      return op.emitOpError("needs a pattern");
    std::string pattern = op.getPattern()->str();
    constexpr size_t kBytes = 8 * KILN_RT_REGEX_WORDS;
    if (pattern.size() >= kBytes || pattern.find('\0') != std::string::npos)
      return op.emitOpError() << "patterns of " << kBytes
                              << " bytes or more are not supported";
    if (const char *why = kiln_rt_regex_check(pattern.c_str()))
      return op.emitOpError() << "pattern '" << pattern
                              << "' is not supported: " << why;
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type(), i32 = rewriter.getI32Type();
    SmallVector<Type> argTypes(KILN_RT_REGEX_WORDS + 1, i64);
    func::FuncOp helper = getRuntimeHelper(
        rewriter, op, "kiln_rt_regex_full_match",
        rewriter.getFunctionType(argTypes, {i32}));
    SmallVector<int64_t> words(KILN_RT_REGEX_WORDS, 0);
    for (size_t i = 0; i < pattern.size(); ++i)
      words[i / 8] |= int64_t(uint8_t(pattern[i])) << (8 * (i % 8));
    Value result = buildInternalBroadcast(
        rewriter, loc, {adaptor.getX()}, adaptor.getX(),
        resultType.getElementType(),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          SmallVector<Value> callArgs{args[0]};
          for (int64_t w : words)
            callArgs.push_back(arith::ConstantIntOp::create(b, l, w, 64));
          Value m = func::CallOp::create(b, l, helper, callArgs).getResult(0);
          return arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne, m,
              arith::ConstantIntOp::create(b, l, 0, 32));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxTextToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<TfIdfVectorizerLowering, StringEqualLowering,
               RegexFullMatchLowering>(
      converter, patterns.getContext());
  populateOnnxStringToLinalgPatterns(converter, patterns);
}

} // namespace kiln
