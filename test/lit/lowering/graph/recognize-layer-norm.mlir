// RUN: kiln-opt %s -onnx-recognize-layer-norm -split-input-file | FileCheck %s

// Tests that the torch < 1.13 layer norm chain over the last axis becomes one
// LayerNormalization with the Add's epsilon, gamma and beta.
// CHECK-LABEL: func.func @torch_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = "onnx.LayerNormalization"(%[[X]], %[[G]], %[[B]]) <{axis = -1 : i64, epsilon = 9.99999974E-6 : f32, stash_type = 1 : i64}>
// CHECK: return %[[Y]]
func.func @torch_layer_norm(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %axes = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.ReduceMean"(%x, %axes) : (tensor<2x4x8xf32>, tensor<1xi64>) -> tensor<2x4x1xf32>
  %1 = "onnx.Sub"(%x, %0) : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %2 = "onnx.Pow"(%1, %two) : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %3 = "onnx.ReduceMean"(%2, %axes) : (tensor<2x4x8xf32>, tensor<1xi64>) -> tensor<2x4x1xf32>
  %4 = "onnx.Add"(%3, %eps) : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %5 = "onnx.Sqrt"(%4) : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %6 = "onnx.Div"(%1, %5) : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %7 = "onnx.Mul"(%6, %g) : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %8 = "onnx.Add"(%7, %b) : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return %8 : tensor<2x4x8xf32>
}

// -----

// Tests that without the beta Add the LayerNormalization gets B = none.
// CHECK-LABEL: func.func @no_beta
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: "onnx.LayerNormalization"(%{{.*}}, %{{.*}}, %[[NONE]])
func.func @no_beta(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %axes = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.ReduceMean"(%x, %axes) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %1 = "onnx.Sub"(%x, %0) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %2 = "onnx.Pow"(%1, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = "onnx.ReduceMean"(%2, %axes) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %4 = "onnx.Add"(%eps, %3) : (tensor<f32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %5 = "onnx.Sqrt"(%4) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %6 = "onnx.Div"(%1, %5) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %7 = "onnx.Mul"(%g, %6) : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %7 : tensor<4x8xf32>
}

// -----

// Tests that a mean over another axis than the last is left alone.
// CHECK-LABEL: func.func @other_axis
// CHECK-NOT: onnx.LayerNormalization
func.func @other_axis(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %axes = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.ReduceMean"(%x, %axes) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %1 = "onnx.Sub"(%x, %0) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %2 = "onnx.Pow"(%1, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = "onnx.ReduceMean"(%2, %axes) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %4 = "onnx.Add"(%3, %eps) : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %5 = "onnx.Sqrt"(%4) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %6 = "onnx.Div"(%1, %5) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %7 = "onnx.Mul"(%6, %g) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %7 : tensor<4x8xf32>
}
