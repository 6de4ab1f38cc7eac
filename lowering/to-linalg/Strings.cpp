//===- Strings.cpp - onnx ops that make strings -> linalg + runtime calls -===//
//
// StringConcat, StringSplit and StringNormalizer. String elements are i64
// pointers here; every new string comes from a runtime helper
// (runtime/kiln_strings.c) that allocates it in the running session's
// string arena, so string outputs stay valid until the next run. The ops'
// compile-time strings (delimiter, stopwords) are passed by value as words.
// Sizes known only from the values (StringSplit's longest split,
// StringNormalizer's kept count) are computed first; a model that declares
// them static gets a run-time check against its declaration.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/RuntimeHelpers.h"
#include "lowering/to-linalg/Utils.h"

#include "runtime/kiln_runtime.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {

FailureOr<SmallVector<int64_t>> packStringWords(StringRef text) {
  constexpr size_t kBytes = 8 * KILN_RT_REGEX_WORDS;
  if (text.size() >= kBytes || text.contains('\0'))
    return failure();
  SmallVector<int64_t> words(KILN_RT_REGEX_WORDS, 0);
  for (size_t i = 0; i < text.size(); ++i)
    words[i / 8] |= int64_t(uint8_t(text[i])) << (8 * (i % 8));
  return words;
}

void appendWordConstants(OpBuilder &b, Location loc, ArrayRef<int64_t> words,
                         SmallVectorImpl<Value> &args) {
  for (int64_t w : words)
    args.push_back(arith::ConstantIntOp::create(b, loc, w, 64));
}

namespace {

constexpr size_t kMaxConstantBytes = 8 * KILN_RT_REGEX_WORDS - 1;

/// (i64 x, [i64 extra...], 16 x i64 words) -> result: the signature of the
/// helpers that take one constant string.
FunctionType wordsHelperType(Builder &b, ArrayRef<Type> leading,
                             Type result) {
  SmallVector<Type> args(leading);
  args.append(KILN_RT_REGEX_WORDS, b.getI64Type());
  return b.getFunctionType(args, {result});
}

/// The number of elements of `x` as an index.
Value numElements(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    n = arith::MulIOp::create(b, loc, n, getDimValue(b, loc, x, d));
  return n;
}

/// `value` cast to `type`, with a run-time check that every dim the type
/// declares static holds at run time (a model may declare a value-sized
/// result static; a different size must fail the run, not overrun).
Value castToDeclared(OpBuilder &b, Operation *op, Value value,
                     RankedTensorType type, StringRef what) {
  Location loc = op->getLoc();
  auto valueType = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (type.isDynamicDim(d) || !valueType.isDynamicDim(d))
      continue;
    Value actual = tensor::DimOp::create(b, loc, value, d);
    Value declared = arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
    emitRuntimeCheck(b, op,
                     arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           actual, declared),
                     Twine(what) + " differs from the size the model "
                                   "declares (" +
                         Twine(type.getDimSize(d)) + ")");
  }
  if (value.getType() != type)
    value = tensor::CastOp::create(b, loc, type, value);
  return value;
}

/// A Constant of strings: a table of each element's words (row 0 for a
/// splat) and kiln_rt_str_from_words per element, so the strings exist at
/// run time like any other. A one-element constant used only by Equal,
/// which takes it by value, makes no string.
struct StringConstantLowering : OpConversionPattern<onnx::ConstantOp> {
  StringConstantLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(onnx::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Attribute folded;
    if (!matchPattern(op.getResult(), m_Constant(&folded)))
      return rewriter.notifyMatchFailure(op, "no constant value");
    auto strings = dyn_cast<DenseStringElementsAttr>(folded);
    if (!strings)
      return rewriter.notifyMatchFailure(op, "not a string constant");
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !type.hasStaticShape() ||
        (!strings.isSplat() && strings.getNumElements() != type.getNumElements()))
      return rewriter.notifyMatchFailure(op, "expects a static shape");
    if (strings.getNumElements() == 1 &&
        llvm::all_of(op->getUsers(),
                     [](Operation *user) { return isa<onnx::EqualOp>(user); })) {
      // A placeholder that dies once Equal has read the original.
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(type, rewriter.getI64IntegerAttr(0)));
      return success();
    }
    ArrayRef<StringRef> values = strings.getRawStringData();
    SmallVector<int64_t> table;
    for (StringRef value : values) {
      FailureOr<SmallVector<int64_t>> words = packStringWords(value);
      if (failed(words))
        return op.emitOpError() << "string constants of more than "
                                << kMaxConstantBytes
                                << " bytes or with a NUL are not supported";
      table.append(*words);
    }
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    int64_t rows = values.size();
    Value words = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({rows, KILN_RT_REGEX_WORDS}, i64),
            ArrayRef<int64_t>(table)));
    SmallVector<Type> argTypes(KILN_RT_REGEX_WORDS, i64);
    func::FuncOp helper =
        getRuntimeHelper(rewriter, op, "kiln_rt_str_from_words",
                         rewriter.getFunctionType(argTypes, {i64}));
    int64_t rank = type.getRank();
    Value empty = createEmpty(rewriter, loc, type, {});
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{empty},
        ArrayRef<AffineMap>{
            AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange) {
          // The row: the element's row-major position (0 for a splat).
          Value row = arith::ConstantIndexOp::create(b, l, 0);
          if (rows > 1)
            for (int64_t d = 0; d < rank; ++d)
              row = arith::AddIOp::create(
                  b, l,
                  arith::MulIOp::create(
                      b, l, row,
                      arith::ConstantIndexOp::create(b, l, type.getDimSize(d))),
                  linalg::IndexOp::create(b, l, d));
          SmallVector<Value> args;
          for (int64_t w = 0; w < KILN_RT_REGEX_WORDS; ++w)
            args.push_back(tensor::ExtractOp::create(
                b, l, words,
                ValueRange{row, arith::ConstantIndexOp::create(b, l, w)}));
          linalg::YieldOp::create(
              b, l, func::CallOp::create(b, l, helper, args).getResults());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// StringConcat: kiln_rt_str_concat per broadcast element pair.
struct StringConcatLowering : OpConversionPattern<onnx::StringConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::StringConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !isa<RankedTensorType>(adaptor.getX().getType()) ||
        !isa<RankedTensorType>(adaptor.getY().getType()))
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Type i64 = rewriter.getI64Type();
    func::FuncOp helper =
        getRuntimeHelper(rewriter, op, "kiln_rt_str_concat",
                         rewriter.getFunctionType({i64, i64}, {i64}));
    Value result = buildBroadcastGeneric(
        rewriter, op.getLoc(), {adaptor.getX(), adaptor.getY()},
        {op.getX().getType(), op.getY().getType()}, resultType, op.getType(),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return func::CallOp::create(b, l, helper, args).getResult(0);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// StringSplit: Z[i] = the number of pieces of X[i]; Y[i, k] = piece k, or
/// "" (a NULL element) past the last one, with the last dim the largest
/// count. Pieces of one row are made in order, which the runtime scans in
/// one pass.
struct StringSplitLowering : OpConversionPattern<onnx::StringSplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::StringSplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto yType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getY().getType()));
    auto zType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getZ().getType()));
    if (!xType || !yType || !zType || yType.getRank() != xType.getRank() + 1 ||
        zType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    StringRef delimiter = op.getDelimiter() ? *op.getDelimiter() : "";
    FailureOr<SmallVector<int64_t>> words = packStringWords(delimiter);
    if (failed(words))
      return op.emitOpError() << "delimiters of more than "
                              << kMaxConstantBytes
                              << " bytes or with a NUL are not supported";
    int64_t maxsplit = op.getMaxsplit() ? int64_t(*op.getMaxsplit()) : -1;
    Type i64 = rewriter.getI64Type();
    func::FuncOp countFn =
        getRuntimeHelper(rewriter, op, "kiln_rt_str_split_count",
                         wordsHelperType(rewriter, {i64, i64}, i64));
    func::FuncOp pieceFn =
        getRuntimeHelper(rewriter, op, "kiln_rt_str_split_piece",
                         wordsHelperType(rewriter, {i64, i64, i64}, i64));

    Value counts = buildInternalBroadcast(
        rewriter, loc, {x}, x, i64,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          SmallVector<Value> callArgs{
              args[0], arith::ConstantIntOp::create(b, l, maxsplit, 64)};
          appendWordConstants(b, l, *words, callArgs);
          return func::CallOp::create(b, l, countFn, callArgs).getResult(0);
        });

    // The last dim: the largest count (0 for an empty input).
    int64_t rank = xType.getRank();
    Value zero64 = createScalarConstant(rewriter, loc, i64, 0);
    Value widest;
    if (rank == 0) {
      widest = tensor::ExtractOp::create(rewriter, loc, counts, ValueRange{});
    } else {
      SmallVector<int64_t> all;
      for (int64_t d = 0; d < rank; ++d)
        all.push_back(d);
      Value max = buildReduction(
          rewriter, loc, counts, all, zero64,
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::MaxSIOp::create(b, l, args[0], args[1]);
          });
      widest = tensor::ExtractOp::create(rewriter, loc, max, ValueRange{});
    }
    Value width = arith::IndexCastOp::create(rewriter, loc,
                                             rewriter.getIndexType(), widest);
    // Elements x width must stay addressable (2^59 pointers), so that a
    // hostile input (one long string of delimiters in every element)
    // fails the run instead of overflowing the size.
    Value n = numElements(rewriter, loc, x);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value limit = arith::DivUIOp::create(
        rewriter, loc,
        arith::ConstantIndexOp::create(rewriter, loc, int64_t(1) << 59),
        arith::MaxUIOp::create(rewriter, loc, n, one));
    emitRuntimeCheck(rewriter, op,
                     arith::CmpIOp::create(rewriter, loc,
                                           arith::CmpIPredicate::ule, width,
                                           limit),
                     "the substrings do not fit in memory");
    // An empty input has no pieces; a last dim the model declares static
    // is then taken as declared (the result has no elements either way).
    int64_t declared = yType.getShape().back();
    if (!ShapedType::isDynamic(declared)) {
      Value isEmpty = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, n,
          arith::ConstantIndexOp::create(rewriter, loc, 0));
      width = arith::SelectOp::create(
          rewriter, loc, isEmpty,
          arith::ConstantIndexOp::create(rewriter, loc, declared), width);
    }

    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    sizes.push_back(width);
    SmallVector<int64_t> shape(xType.getShape());
    shape.push_back(ShapedType::kDynamic);
    auto pieceType = RankedTensorType::get(shape, i64);
    Value empty = createEmpty(rewriter, loc, pieceType, sizes);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> rowExprs;
    for (int64_t d = 0; d < rank; ++d)
      rowExprs.push_back(getAffineDimExpr(d, ctx));
    AffineMap rowMap = AffineMap::get(rank + 1, 0, rowExprs, ctx);
    Value pieces =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{pieceType}, ValueRange{x},
            ValueRange{empty},
            ArrayRef<AffineMap>{rowMap,
                                AffineMap::getMultiDimIdentityMap(rank + 1,
                                                                  ctx)},
            parallelIterators(rank + 1),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value k = arith::IndexCastOp::create(
                  b, l, b.getI64Type(), linalg::IndexOp::create(b, l, rank));
              SmallVector<Value> callArgs{
                  args[0], k,
                  arith::ConstantIntOp::create(b, l, maxsplit, 64)};
              appendWordConstants(b, l, *words, callArgs);
              linalg::YieldOp::create(
                  b, l,
                  func::CallOp::create(b, l, pieceFn, callArgs).getResults());
            })
            .getResult(0);
    Value y = castToDeclared(rewriter, op, pieces, yType,
                             "the largest number of substrings");
    Value z = counts;
    if (z.getType() != zType)
      z = tensor::CastOp::create(rewriter, loc, zType, z);
    rewriter.replaceOp(op, {y, z});
    return success();
  }
};

/// Whether `locale` maps case the way kiln's runtime does: absent, C/POSIX
/// or English. (Turkish, Azeri and Lithuanian case dotted/dotless i
/// differently.)
bool isSupportedLocale(StringRef locale) {
  if (locale.empty() || locale == "C" || locale == "POSIX" ||
      locale.starts_with("C.") || locale == "en")
    return true;
  return locale.starts_with("en_") || locale.starts_with("en-") ||
         locale.starts_with("en.");
}

/// StringNormalizer on [C] or [1, C]: the elements equal to no stopword
/// (compared as they are, or both sides mapped to one case), in order, case
/// changed; [1] (or [1, 1]) holding "" when none is left.
struct StringNormalizerLowering
    : OpConversionPattern<onnx::StringNormalizerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::StringNormalizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !resultType || resultType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = xType.getRank();
    if (rank != 1 && rank != 2)
      return op.emitOpError() << "expects an input of shape [C] or [1, C], "
                                 "got rank "
                              << rank;
    if (rank == 2 && xType.getDimSize(0) != 1 && !xType.isDynamicDim(0))
      return op.emitOpError() << "expects an input of shape [1, C], got ["
                              << xType.getDimSize(0) << ", ...]";
    StringRef action = op.getCaseChangeAction();
    if (action != "NONE" && action != "LOWER" && action != "UPPER")
      return op.emitOpError() << "unknown case_change_action '" << action
                              << "'";
    bool caseSensitive = op.getIsCaseSensitive() != 0;
    bool mapsCase = action != "NONE" || !caseSensitive;
    StringRef locale = op.getLocale() ? *op.getLocale() : "";
    if (mapsCase && !isSupportedLocale(locale))
      return op.emitOpError()
             << "locale '" << locale
             << "' is not supported (case mapping follows C/English rules)";
    // Case-insensitive matching maps both sides to the case the op changes
    // to (lower unless UPPER), as ONNX Runtime does.
    int32_t fold = caseSensitive ? 0 : (action == "UPPER" ? 2 : 1);
    SmallVector<int64_t> table;
    int64_t numStopwords = 0;
    if (ArrayAttr stopwords = op.getStopwordsAttr()) {
      for (Attribute a : stopwords) {
        StringRef word = cast<StringAttr>(a).getValue();
        FailureOr<SmallVector<int64_t>> words = packStringWords(word);
        if (failed(words))
          return op.emitOpError()
                 << "stopwords of more than " << kMaxConstantBytes
                 << " bytes or with a NUL are not supported";
        if (fold) {
          std::string text = word.str();
          if (const char *why = kiln_rt_str_case_check(text.c_str()))
            return op.emitOpError() << "stopword '" << word
                                    << "' cannot be case-folded: " << why;
        }
        table.append(*words);
        ++numStopwords;
      }
    }

    Type i64 = rewriter.getI64Type(), i32 = rewriter.getI32Type();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    if (rank == 2) {
      if (xType.isDynamicDim(0))
        emitRuntimeCheck(
            rewriter, op,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  getDimValue(rewriter, loc, x, 0), one),
            "expects an input of shape [1, C]");
      x = tensor::CollapseShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({xType.getDimSize(1)}, i64), x,
          ArrayRef<ReassociationIndices>{{0, 1}});
    }
    Value c = getDimValue(rewriter, loc, x, 0);

    // keep[i]: 1 when x[i] equals no stopword.
    Value keep;
    Value count = c;
    if (numStopwords > 0) {
      func::FuncOp stopFn =
          getRuntimeHelper(rewriter, op, "kiln_rt_str_stopword",
                           wordsHelperType(rewriter, {i64, i32}, i32));
      Value words = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              RankedTensorType::get({numStopwords, KILN_RT_REGEX_WORDS}, i64),
              ArrayRef<int64_t>(table)));
      keep = buildInternalBroadcast(
          rewriter, loc, {x}, x, i64,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value lo = arith::ConstantIndexOp::create(b, l, 0);
            Value step = arith::ConstantIndexOp::create(b, l, 1);
            Value hi = arith::ConstantIndexOp::create(b, l, numStopwords);
            Value none = arith::ConstantIntOp::create(b, l, 0, 1);
            auto loop = scf::ForOp::create(
                b, l, lo, hi, step, ValueRange{none},
                [&](OpBuilder &fb, Location fl, Value s, ValueRange iter) {
                  SmallVector<Value> callArgs{
                      args[0], arith::ConstantIntOp::create(fb, fl, fold, 32)};
                  for (int64_t w = 0; w < KILN_RT_REGEX_WORDS; ++w)
                    callArgs.push_back(tensor::ExtractOp::create(
                        fb, fl, words,
                        ValueRange{s,
                                   arith::ConstantIndexOp::create(fb, fl, w)}));
                  Value eq = func::CallOp::create(fb, fl, stopFn, callArgs)
                                 .getResult(0);
                  Value hit = arith::CmpIOp::create(
                      fb, fl, arith::CmpIPredicate::ne, eq,
                      arith::ConstantIntOp::create(fb, fl, 0, 32));
                  scf::YieldOp::create(
                      fb, fl,
                      ValueRange{arith::OrIOp::create(fb, fl, iter[0], hit)});
                });
            Value kept = arith::XOrIOp::create(
                b, l, loop.getResult(0),
                arith::ConstantIntOp::create(b, l, 1, 1));
            return arith::ExtUIOp::create(b, l, b.getI64Type(), kept);
          });
      Value sum = buildReduction(
          rewriter, loc, keep, {0}, createScalarConstant(rewriter, loc, i64, 0),
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::AddIOp::create(b, l, args[0], args[1]);
          });
      count = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(),
          tensor::ExtractOp::create(rewriter, loc, sum, ValueRange{}));
    }
    Value size = arith::MaxUIOp::create(rewriter, loc, count, one);

    func::FuncOp caseFn;
    if (action != "NONE")
      caseFn = getRuntimeHelper(rewriter, op, "kiln_rt_str_change_case",
                                rewriter.getFunctionType({i64, i32}, {i64}));
    int32_t upper = action == "UPPER";
    auto outType = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Value filled = createFilled(rewriter, loc, outType, {size},
                                createScalarConstant(rewriter, loc, i64, 0));
    auto fill = scf::ForOp::create(
        rewriter, loc, zero, c, one, ValueRange{filled, zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          auto write = [&](OpBuilder &wb, Location wl) {
            Value v = tensor::ExtractOp::create(wb, wl, x, ValueRange{i});
            if (caseFn)
              v = func::CallOp::create(
                      wb, wl, caseFn,
                      ValueRange{v, arith::ConstantIntOp::create(wb, wl, upper,
                                                                 32)})
                      .getResult(0);
            Value out =
                tensor::InsertOp::create(wb, wl, v, iter[0], ValueRange{iter[1]});
            Value next = arith::AddIOp::create(
                wb, wl, iter[1], arith::ConstantIndexOp::create(wb, wl, 1));
            scf::YieldOp::create(wb, wl, ValueRange{out, next});
          };
          if (!keep) {
            write(b, l);
            return;
          }
          Value flag = tensor::ExtractOp::create(b, l, keep, ValueRange{i});
          auto ifOp = scf::IfOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, flag,
                                    createScalarConstant(b, l, i64, 0)),
              [&](OpBuilder &tb, Location tl) { write(tb, tl); },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    Value result = fill.getResult(0);
    if (rank == 2)
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({1, ShapedType::kDynamic}, i64),
          result, ArrayRef<ReassociationIndices>{{0, 1}},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), size});
    rewriter.replaceOp(op, castToDeclared(rewriter, op, result, resultType,
                                          "the number of strings kept"));
    return success();
  }
};

} // namespace

void populateOnnxStringToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<StringConstantLowering, StringConcatLowering,
               StringSplitLowering, StringNormalizerLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
