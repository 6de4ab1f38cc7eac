// RUN: kiln-opt %s -onnx-fuse-conv-affine -split-input-file | FileCheck %s

// Tests that an inference BatchNormalization folds into the Conv:
// s = scale / sqrt(var + eps) = [2, 2], W' = W * s = [4, 6],
// b' = (b - mean) * s + B = [0.5, 2].
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG: %[[W:.*]] = "onnx.Constant"() <{value = dense<[{{\[\[}}[4.000000e+00]]], {{\[\[}}[6.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG: %[[B:.*]] = "onnx.Constant"() <{value = dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>}>
// CHECK: %[[C:.*]] = "onnx.Conv"(%{{.*}}, %[[W]], %[[B]])
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[C]]
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "onnx.Constant"() <{value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "onnx.Constant"() <{value = dense<[1.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %scale = "onnx.Constant"() <{value = dense<[2.0, 4.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %beta = "onnx.Constant"() <{value = dense<[0.5, 0.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %mean = "onnx.Constant"() <{value = dense<[1.0, 0.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %var = "onnx.Constant"() <{value = dense<[0.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.Conv"(%x, %w, %b) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1:3 = "onnx.BatchNormalization"(%0, %scale, %beta, %mean, %var) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  return %1#0 : tensor<1x2x4x4xf32>
}

// -----

// Tests that a per-channel Mul ([C,1,1]) then Add ([1,C,1,1]) fold into a
// Conv without bias: W' = W * [3, -1], b' = [0, 0] * [3, -1] + [1, 2].
// CHECK-LABEL: func.func @conv_mul_add
// CHECK-DAG: "onnx.Constant"() <{value = dense<[{{\[\[}}[6.000000e+00]]], {{\[\[}}[-3.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}>
// CHECK: %[[C:.*]] = "onnx.Conv"
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Add
// CHECK: return %[[C]]
func.func @conv_mul_add(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %k = "onnx.Constant"() <{value = dense<[[[3.0]], [[-1.0]]]> : tensor<2x1x1xf32>}> : () -> tensor<2x1x1xf32>
  %c = "onnx.Constant"() <{value = dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>}> : () -> tensor<1x2x1x1xf32>
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = "onnx.Mul"(%0, %k) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = "onnx.Add"(%c, %1) : (tensor<1x2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Tests that folded weights above the dense limit become a new resource blob
// rather than a large dense attr.
// CHECK-LABEL: func.func @large_weights
// CHECK: "onnx.Constant"() <{value = dense_resource<conv_folded_w{{.*}}> : tensor<8x4x3x3xf32>}>
// CHECK-NOT: onnx.Mul
func.func @large_weights(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x6x6xf32> {
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<8x4x3x3xf32>}> : () -> tensor<8x4x3x3xf32>
  %k = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, none) -> tensor<1x8x6x6xf32>
  %1 = "onnx.Mul"(%0, %k) : (tensor<1x8x6x6xf32>, tensor<f32>) -> tensor<1x8x6x6xf32>
  return %1 : tensor<1x8x6x6xf32>
}

// -----

// Tests that a Conv with another user, or a Mul by a non-per-channel
// constant, is left alone.
// CHECK-LABEL: func.func @not_foldable
// CHECK: onnx.Mul
// CHECK: onnx.Add
func.func @not_foldable(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %k = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = "onnx.Mul"(%0, %k) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  %2 = "onnx.Conv"(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %3 = "onnx.Add"(%2, %2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %1, %2, %3 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
