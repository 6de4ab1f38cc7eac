// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that DepthToSpace (DCR) reads in[n, ((h%b)*b + w%b)*C + c, h/b, w/b].
// CHECK-LABEL: func.func @depth_to_space_dcr
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x4x6xf32>)
// CHECK: arith.remui
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: arith.divui
// CHECK: tensor.extract %{{.*}} : tensor<1x8x2x3xf32>
func.func @depth_to_space_dcr(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %0 = "onnx.DepthToSpace"(%x) {blocksize = 2 : i64} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

// Tests that SpaceToDepth reads in[n, c%C, h*b + (c/C)/b, w*b + (c/C)%b].
// CHECK-LABEL: func.func @space_to_depth
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x8x2x3xf32>)
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: tensor.extract %{{.*}} : tensor<1x2x4x6xf32>
func.func @space_to_depth(%x: tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32> {
  %0 = "onnx.SpaceToDepth"(%x) {blocksize = 2 : i64} : (tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32>
  return %0 : tensor<1x8x2x3xf32>
}
