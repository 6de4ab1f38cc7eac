//===- Window.cpp - onnx window functions -> constants --------------------===//
//
// HannWindow, HammingWindow and BlackmanWindow: the window length is the
// static size of the result (the `size` operand is a run-time tensor, but
// the result's size is its value), so the window is computed at compile
// time, in f64 like the reference, and becomes an arith.constant.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// w(n) of a window whose denominator is N - 1 (symmetric) or N
/// (periodic).
using WindowFn = double (*)(double n, double denominator);

double hann(double n, double d) {
  double s = std::sin(n * M_PI / d);
  return s * s;
}
double hamming(double n, double d) {
  const double alpha = 25.0 / 46.0;
  return alpha - (1 - alpha) * std::cos(2 * M_PI * n / d);
}
double blackman(double n, double d) {
  return 0.42 - 0.5 * std::cos(2 * M_PI * n / d) +
         0.08 * std::cos(4 * M_PI * n / d);
}

template <typename OpTy, WindowFn fn>
struct WindowLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*this->getTypeConverter(), op);
    if (!resultType || resultType.getRank() != 1 ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects a static 1-D result");
    int64_t size = resultType.getDimSize(0);
    double denominator = op.getPeriodic() != 0 ? size : size - 1;
    Type elementType = resultType.getElementType();
    SmallVector<Attribute> values;
    for (int64_t n = 0; n < size; ++n) {
      double w = fn((double)n, denominator);
      if (auto f = dyn_cast<FloatType>(elementType))
        values.push_back(rewriter.getFloatAttr(f, w));
      else if (auto i = dyn_cast<IntegerType>(elementType))
        values.push_back(rewriter.getIntegerAttr(i, (int64_t)w));
      else
        return rewriter.notifyMatchFailure(op, "unsupported output type");
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, DenseElementsAttr::get(resultType, values));
    return success();
  }
};

} // namespace

void populateOnnxWindowToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<WindowLowering<onnx::HannWindowOp, hann>,
               WindowLowering<onnx::HammingWindowOp, hamming>,
               WindowLowering<onnx::BlackmanWindowOp, blackman>>(
      converter, patterns.getContext());
}

} // namespace kiln
