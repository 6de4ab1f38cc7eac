// RUN: kiln-opt %s -onnx-fuse-matmul-add -split-input-file | FileCheck %s
// RUN: kiln-opt %s -onnx-fuse-matmul-add="nd=false" -split-input-file | FileCheck %s --check-prefix=NO-ND

// Tests that a 2-D MatMul plus a bias (bias first, as torch exports it)
// becomes one Gemm with C.
// CHECK-LABEL: func.func @matmul_bias
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>, %[[W:[^:]*]]: tensor<8x16xf32>, %[[B:[^:]*]]: tensor<16xf32>)
// CHECK: %[[G:.*]] = "onnx.Gemm"(%[[X]], %[[W]], %[[B]])
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[G]]
func.func @matmul_bias(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = "onnx.Add"(%b, %0) : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// Tests that a 3-D linear layer is flattened around a 2-D Gemm (and left as
// it is with nd=false).
// CHECK-LABEL: func.func @linear_3d
// CHECK-DAG: %[[S:.*]] = "onnx.Constant"() <{value = dense<[6, 8]> : tensor<2xi64>}>
// CHECK-DAG: %[[S2:.*]] = "onnx.Constant"() <{value = dense<[2, 3, 16]> : tensor<3xi64>}>
// CHECK: %[[R:.*]] = "onnx.Reshape"(%{{.*}}, %[[S]]) {{.*}} -> tensor<6x8xf32>
// CHECK: %[[G:.*]] = "onnx.Gemm"(%[[R]], %{{.*}}, %{{.*}}) {{.*}} -> tensor<6x16xf32>
// CHECK: "onnx.Reshape"(%[[G]], %[[S2]]) {{.*}} -> tensor<2x3x16xf32>
// NO-ND-LABEL: func.func @linear_3d
// NO-ND: onnx.MatMul
// NO-ND: onnx.Add
func.func @linear_3d(%x: tensor<2x3x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<2x3x16xf32> {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<2x3x8xf32>, tensor<8x16xf32>) -> tensor<2x3x16xf32>
  %1 = "onnx.Add"(%0, %b) : (tensor<2x3x16xf32>, tensor<16xf32>) -> tensor<2x3x16xf32>
  return %1 : tensor<2x3x16xf32>
}

// -----

// Tests that a MatMul with another user, a batched right operand, or an Add
// that is not a bias stays as it is.
// CHECK-LABEL: func.func @not_fusable
// CHECK-NOT: onnx.Gemm
func.func @not_fusable(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>, %y: tensor<2x4x8xf32>, %bw: tensor<2x8x16xf32>, %r: tensor<2x4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<2x4x16xf32>) {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = "onnx.Add"(%0, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = "onnx.MatMul"(%y, %bw) : (tensor<2x4x8xf32>, tensor<2x8x16xf32>) -> tensor<2x4x16xf32>
  %3 = "onnx.Add"(%2, %b) : (tensor<2x4x16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  return %0, %1, %3 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<2x4x16xf32>
}

// -----

// Tests that an N-D bias (a residual, not a bias) is not folded into a
// flattened Gemm.
// CHECK-LABEL: func.func @residual_3d
// CHECK-NOT: onnx.Gemm
func.func @residual_3d(%x: tensor<2x3x8xf32>, %w: tensor<8x16xf32>, %r: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<2x3x8xf32>, tensor<8x16xf32>) -> tensor<2x3x16xf32>
  %1 = "onnx.Add"(%0, %r) : (tensor<2x3x16xf32>, tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  return %1 : tensor<2x3x16xf32>
}
