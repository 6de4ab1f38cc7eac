// RUN: kiln-opt %s -kiln-onnx-optimize -split-input-file | FileCheck %s
// RUN: kiln-opt %s -kiln-onnx-optimize="recognize=false matmul-nd=false" -split-input-file | FileCheck %s --check-prefix=OFF

// Tests the whole pipeline on a BERT feed-forward block as torch exports it:
// the bias Adds go into flattened Gemms, the erf GELU becomes onnx.Gelu, the
// Reshape pair between the two Gemms cancels, and the shape subgraph
// (Shape/Gather) folds away.
// CHECK-LABEL: func.func @bert_ffn
// CHECK: "onnx.Reshape"({{.*}}) -> tensor<4x8xf32>
// CHECK-NEXT: %[[G1:.*]] = "onnx.Gemm"({{.*}}) -> tensor<4x16xf32>
// CHECK-NEXT: %[[GELU:.*]] = "onnx.Gelu"(%[[G1]]) <{approximate = "none"}> : (tensor<4x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: %[[G2:.*]] = "onnx.Gemm"(%[[GELU]], {{.*}}) -> tensor<4x8xf32>
// CHECK-NEXT: %[[OUT:.*]] = "onnx.Reshape"(%[[G2]], {{.*}}) -> tensor<1x4x8xf32>
// CHECK-NOT: onnx.Shape
// CHECK: return %[[OUT]], %{{.*}}
// OFF-LABEL: func.func @bert_ffn
// OFF: onnx.MatMul
// OFF: onnx.Erf
// OFF: onnx.MatMul
func.func @bert_ffn(%x: tensor<1x4x8xf32>, %w1: tensor<8x16xf32>, %b1: tensor<16xf32>, %w2: tensor<16x8xf32>, %b2: tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<i64>) {
  %s = "onnx.Constant"() <{value = dense<1.41421354> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.MatMul"(%x, %w1) : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %1 = "onnx.Add"(%b1, %0) : (tensor<16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %2 = "onnx.Div"(%1, %s) : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %3 = "onnx.Erf"(%2) : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %4 = "onnx.Add"(%3, %one) : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %5 = "onnx.Mul"(%1, %4) : (tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %6 = "onnx.Mul"(%5, %half) : (tensor<1x4x16xf32>, tensor<f32>) -> tensor<1x4x16xf32>
  %7 = "onnx.MatMul"(%6, %w2) : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  %8 = "onnx.Add"(%b2, %7) : (tensor<8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %shape = "onnx.Shape"(%x) : (tensor<1x4x8xf32>) -> tensor<3xi64>
  %i = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %seq = "onnx.Gather"(%shape, %i) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  return %8, %seq : tensor<1x4x8xf32>, tensor<i64>
}
