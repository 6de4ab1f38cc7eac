// RUN: kiln-opt %s -onnx-recognize-gelu -split-input-file | FileCheck %s

// Tests that the erf form torch exports, ((x * (1 + erf(x / sqrt2))) * 0.5),
// becomes one onnx.Gelu.
// CHECK-LABEL: func.func @erf_torch
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[G:.*]] = "onnx.Gelu"(%[[X]]) <{approximate = "none"}>
// CHECK-NOT: onnx.Erf
// CHECK: return %[[G]]
func.func @erf_torch(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %s = "onnx.Constant"() <{value = dense<1.41421354> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Div"(%x, %s) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = "onnx.Erf"(%0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = "onnx.Add"(%1, %one) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = "onnx.Mul"(%x, %2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = "onnx.Mul"(%3, %half) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Tests the other grouping, (0.5 * x) * (1 + erf(x * (1/sqrt2))), with the
// constants on the left.
// CHECK-LABEL: func.func @erf_regrouped
// CHECK: "onnx.Gelu"(%{{.*}}) <{approximate = "none"}>
// CHECK-NOT: onnx.Erf
func.func @erf_regrouped(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = "onnx.Constant"() <{value = dense<0.707106769> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Mul"(%s, %x) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.Erf"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "onnx.Add"(%one, %1) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "onnx.Mul"(%half, %x) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = "onnx.Mul"(%3, %2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// Tests the tanh form 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @tanh_form
// CHECK: "onnx.Gelu"(%{{.*}}) <{approximate = "tanh"}>
// CHECK-NOT: onnx.Tanh
func.func @tanh_form(%x: tensor<4xf32>) -> tensor<4xf32> {
  %three = "onnx.Constant"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  %c = "onnx.Constant"() <{value = dense<0.044715> : tensor<f32>}> : () -> tensor<f32>
  %k = "onnx.Constant"() <{value = dense<0.797884583> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Pow"(%x, %three) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "onnx.Mul"(%0, %c) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = "onnx.Add"(%x, %1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "onnx.Mul"(%2, %k) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %4 = "onnx.Tanh"(%3) : (tensor<4xf32>) -> tensor<4xf32>
  %5 = "onnx.Add"(%4, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %6 = "onnx.Mul"(%x, %half) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %7 = "onnx.Mul"(%6, %5) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %7 : tensor<4xf32>
}

// -----

// Tests that a wrong constant (0.6 instead of 0.5) is not mistaken for GELU.
// CHECK-LABEL: func.func @wrong_half
// CHECK-NOT: onnx.Gelu
// CHECK: onnx.Erf
func.func @wrong_half(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = "onnx.Constant"() <{value = dense<1.41421354> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.6> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Div"(%x, %s) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = "onnx.Erf"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "onnx.Add"(%1, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = "onnx.Mul"(%x, %2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = "onnx.Mul"(%3, %half) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}
