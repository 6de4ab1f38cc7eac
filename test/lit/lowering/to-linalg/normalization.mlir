// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that inference BatchNormalization is one generic reading the
// statistics through a channel map.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batchnorm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #[[CH]], #[[CH]], #{{.*}}]
// CHECK: math.rsqrt
func.func @batchnorm(%x: tensor<1x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %0, %1, %2 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, none, none)
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// Tests that LayerNormalization reduces over the last axis for mean and
// variance and normalizes with broadcasting scale and bias.
// CHECK-LABEL: func.func @layernorm
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.divf
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.rsqrt
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x128x768xf32>, tensor<?x128x1xf32>, tensor<?x128x1xf32>, tensor<768xf32>, tensor<768xf32>)
func.func @layernorm(%x: tensor<?x128x768xf32, #onnx.dims<["B", "", ""]>>, %s: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x128x768xf32, #onnx.dims<["B", "", ""]>> {
  %0, %1, %2 = "onnx.LayerNormalization"(%x, %s, %b) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : (tensor<?x128x768xf32, #onnx.dims<["B", "", ""]>>, tensor<768xf32>, tensor<768xf32>) -> (tensor<?x128x768xf32, #onnx.dims<["B", "", ""]>>, none, none)
  return %0 : tensor<?x128x768xf32, #onnx.dims<["B", "", ""]>>
}

// -----

// Tests that RMSNormalization reduces the sum of squares over the normalized
// axes and scales x by its reciprocal root mean and the broadcast scale.
// CHECK-LABEL: func.func @rmsnorm
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: math.rsqrt
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<3x4xf32>)
func.func @rmsnorm(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) {axis = 1 : i64, epsilon = 1.0e-05 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}
