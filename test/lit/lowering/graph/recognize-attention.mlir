// RUN: kiln-opt %s -onnx-recognize-attention -split-input-file | FileCheck %s

// Tests the BERT form torch exports: MatMul(Q, Kt) / sqrt(d) + mask,
// Softmax, MatMul with V becomes one onnx.Attention with K = Kt transposed
// back, scale 1/8 and the mask as attn_mask.
// CHECK-LABEL: func.func @bert
// CHECK-SAME: (%[[Q:.*]]: tensor<1x12x128x64xf32>, %[[KT:.*]]: tensor<1x12x64x128xf32>, %[[V:.*]]: tensor<1x12x128x64xf32>, %[[M:.*]]: tensor<1x1x1x128xf32>)
// CHECK: %[[K:.*]] = "onnx.Transpose"(%[[KT]]) <{perm = [0, 1, 3, 2]}> : (tensor<1x12x64x128xf32>) -> tensor<1x12x128x64xf32>
// CHECK: %[[Y:[^,]*]], {{.*}} = "onnx.Attention"(%[[Q]], %[[K]], %[[V]], %[[M]], {{[^)]*}})
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-NOT: onnx.Softmax
// CHECK: return %[[Y]]
func.func @bert(%q: tensor<1x12x128x64xf32>, %kt: tensor<1x12x64x128xf32>, %v: tensor<1x12x128x64xf32>, %mask: tensor<1x1x1x128xf32>) -> tensor<1x12x128x64xf32> {
  %c = "onnx.Constant"() <{value = dense<8.0> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.MatMul"(%q, %kt) : (tensor<1x12x128x64xf32>, tensor<1x12x64x128xf32>) -> tensor<1x12x128x128xf32>
  %1 = "onnx.Div"(%0, %c) : (tensor<1x12x128x128xf32>, tensor<f32>) -> tensor<1x12x128x128xf32>
  %2 = "onnx.Add"(%1, %mask) : (tensor<1x12x128x128xf32>, tensor<1x1x1x128xf32>) -> tensor<1x12x128x128xf32>
  %3 = "onnx.Softmax"(%2) <{axis = -1 : i64}> : (tensor<1x12x128x128xf32>) -> tensor<1x12x128x128xf32>
  %4 = "onnx.MatMul"(%3, %v) : (tensor<1x12x128x128xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x128x64xf32>
  return %4 : tensor<1x12x128x64xf32>
}

// -----

// Tests a Mul scale with the constant first, the mask on the left of the
// Add, and a value head size other than the key's.
// CHECK-LABEL: func.func @mul_scale_mask_left
// CHECK: "onnx.Attention"
// CHECK-SAME: scale = 5.000000e-01 : f32
// CHECK-NOT: onnx.Softmax
func.func @mul_scale_mask_left(%q: tensor<2x4x8x16xf32>, %kt: tensor<2x4x16x8xf32>, %v: tensor<2x4x8x32xf32>, %mask: tensor<8x8xf32>) -> tensor<2x4x8x32xf32> {
  %c = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.MatMul"(%q, %kt) : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %1 = "onnx.Mul"(%c, %0) : (tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %2 = "onnx.Add"(%mask, %1) : (tensor<8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %3 = "onnx.Softmax"(%2) <{axis = 3 : i64}> : (tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %4 = "onnx.MatMul"(%3, %v) : (tensor<2x4x8x8xf32>, tensor<2x4x8x32xf32>) -> tensor<2x4x8x32xf32>
  return %4 : tensor<2x4x8x32xf32>
}

// -----

// Tests that without scale or mask the scale is stated as 1 (Attention's
// default would be 1/sqrt(16)).
// CHECK-LABEL: func.func @unscaled
// CHECK: "onnx.Attention"
// CHECK-SAME: scale = 1.000000e+00 : f32
func.func @unscaled(%q: tensor<1x2x4x16xf32>, %kt: tensor<1x2x16x4xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %0 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %1 = "onnx.Softmax"(%0) <{axis = -1 : i64}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = "onnx.MatMul"(%1, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %2 : tensor<1x2x4x16xf32>
}

// -----

// Tests what stays: a mask whose last dim broadcasts (Attention would pad
// it), scores used twice, and Softmax over another axis.
// CHECK-LABEL: func.func @not_attention
// CHECK-NOT: onnx.Attention
// CHECK-COUNT-3: onnx.Softmax
func.func @not_attention(%q: tensor<1x2x4x16xf32>, %kt: tensor<1x2x16x4xf32>, %v: tensor<1x2x4x16xf32>, %m: tensor<1x1x4x1xf32>) -> (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) {
  %0 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %1 = "onnx.Add"(%0, %m) : (tensor<1x2x4x4xf32>, tensor<1x1x4x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = "onnx.Softmax"(%1) <{axis = -1 : i64}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %3 = "onnx.MatMul"(%2, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  %4 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %5 = "onnx.Softmax"(%4) <{axis = -1 : i64}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %6 = "onnx.MatMul"(%5, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  %7 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %8 = "onnx.Softmax"(%7) <{axis = 2 : i64}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %9 = "onnx.MatMul"(%8, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %3, %6, %4, %9 : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>
}
