// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a 2-D MatMul is a linalg.matmul into a zero-filled init.
// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
func.func @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that an N-D x 2-D MatMul folds the batch dims into M: one
// linalg.matmul between collapse_shape and expand_shape.
// CHECK-LABEL: func.func @matmul_3d_2d
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x128x64xf32> into tensor<?x64xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[FLAT]], %{{.*}} : tensor<?x64xf32>, tensor<64x32xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[\[}}0, 1], [2]]
func.func @matmul_3d_2d(%a: tensor<?x128x64xf32, #onnx.dims<["B", "", ""]>>, %b: tensor<64x32xf32>) -> tensor<?x128x32xf32, #onnx.dims<["B", "", ""]>> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<?x128x64xf32, #onnx.dims<["B", "", ""]>>, tensor<64x32xf32>) -> tensor<?x128x32xf32, #onnx.dims<["B", "", ""]>>
  return %0 : tensor<?x128x32xf32, #onnx.dims<["B", "", ""]>>
}

// -----

// Tests that 4-D MatMuls with equal batch dims become one batch_matmul.
// CHECK-LABEL: func.func @matmul_4d
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x12x16x8xf32> into tensor<24x16x8xf32>
// CHECK: linalg.batch_matmul
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]]
func.func @matmul_4d(%a: tensor<2x12x16x8xf32>, %b: tensor<2x12x8x16xf32>) -> tensor<2x12x16x16xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x12x16x8xf32>, tensor<2x12x8x16xf32>) -> tensor<2x12x16x16xf32>
  return %0 : tensor<2x12x16x16xf32>
}

// -----

// Tests that a broadcast batch dim and a 1-D operand use a contraction
// generic with a constant-0 batch map.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @matmul_broadcast_batch(%a: tensor<1x5x3xf32>, %b: tensor<2x3x4xf32>) -> tensor<2x5x4xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<1x5x3xf32>, tensor<2x3x4xf32>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// Tests that a 1-D right operand contracts over its only dim.
// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @matmul_vector
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[VEC]], #{{.*}}], iterator_types = ["parallel", "reduction"]}
func.func @matmul_vector(%a: tensor<5x3xf32>, %b: tensor<3xf32>) -> tensor<5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<5x3xf32>, tensor<3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests that Gemm with transB accumulates into the broadcast bias
// (beta = 1, alpha = 1) with matmul_transpose_b semantics.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm_transb
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.*}}]
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<4x3xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
func.func @gemm_transb(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = "onnx.Gemm"(%a, %b, %c) {transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that Gemm with alpha != 1 scales the product and adds beta * C in
// an epilogue generic.
// CHECK-LABEL: func.func @gemm_alpha_beta
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: arith.mulf
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @gemm_alpha_beta(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = "onnx.Gemm"(%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that a float16 MatMul accumulates in f32 (the named op widens its
// f16 inputs) and rounds once.
// CHECK-LABEL: func.func @matmul_f16
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xf16>, tensor<3x4xf16>) outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<2x3xf16>, %b: tensor<3x4xf16>) -> tensor<2x4xf16> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3xf16>, tensor<3x4xf16>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}

// -----

// Tests that a bfloat16 MatMul with a 1-D operand (the generic form) widens
// each element and accumulates in f32.
// CHECK-LABEL: func.func @matmul_bf16_vector
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: bf16, %[[Y:.*]]: bf16, %[[ACC:.*]]: f32)
// CHECK: %[[XW:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK: %[[YW:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XW]], %[[YW]] : f32
// CHECK: arith.addf %[[P]], %[[ACC]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @matmul_bf16_vector(%a: tensor<3xbf16>, %b: tensor<3x4xbf16>) -> tensor<4xbf16> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<3xbf16>, tensor<3x4xbf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}
