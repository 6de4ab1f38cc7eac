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

// -----

// Tests that training-mode BatchNormalization normalizes with the batch's
// own statistics (reductions over every dim but the channel) and blends
// them into the running statistics outputs.
// CHECK-LABEL: func.func @batchnorm_training
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x3x4x5xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK: math.rsqrt
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4x5xf32>, tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>, tensor<3x1x1xf32>, tensor<3x1x1xf32>)
// CHECK: %[[RM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MEAN]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: %[[RV:.*]] = linalg.generic
// CHECK: return %[[Y]], %[[RM]], %[[RV]]
func.func @batchnorm_training(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0, %1, %2 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) {training_mode = 1 : i64, momentum = 0.9 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0, %1, %2 : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Tests that GroupNormalization normalizes an (N, G, C/G, H, W) view over
// its last three dims, with scale and bias split per group.
// CHECK-LABEL: func.func @groupnorm
// CHECK: %[[G:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [3, 2, 2, 2, 2] : tensor<3x4x2x2xf32> into tensor<3x2x2x2x2xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[G]]
// CHECK: math.rsqrt
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[G]], {{.*}} : tensor<3x2x2x2x2xf32>, tensor<3x2x1x1x1xf32>, tensor<3x2x1x1x1xf32>, tensor<2x2x1x1xf32>, tensor<2x2x1x1xf32>)
// CHECK: tensor.collapse_shape %[[Y]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<3x2x2x2x2xf32> into tensor<3x4x2x2xf32>
func.func @groupnorm(%x: tensor<3x4x2x2xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<3x4x2x2xf32> {
  %0 = "onnx.GroupNormalization"(%x, %s, %b) {num_groups = 2 : i64} : (tensor<3x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4x2x2xf32>
  return %0 : tensor<3x4x2x2xf32>
}

// -----

// Tests that MeanVarianceNormalization reduces over its default axes
// (0, 2, 3) and divides by sqrt(var) + 1e-9.
// CHECK-LABEL: func.func @mvn
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<3x3x3x1xf32>, tensor<1x3x1x1xf32>, tensor<1x3x1x1xf32>)
// CHECK: %[[EPS:.*]] = arith.constant 9.99999971E-10 : f32
// CHECK: %[[STD:.*]] = math.sqrt
// CHECK: arith.addf %[[STD]], %[[EPS]]
// CHECK: arith.divf
func.func @mvn(%x: tensor<3x3x3x1xf32>) -> tensor<3x3x3x1xf32> {
  %0 = "onnx.MeanVarianceNormalization"(%x) : (tensor<3x3x3x1xf32>) -> tensor<3x3x3x1xf32>
  return %0 : tensor<3x3x3x1xf32>
}

// -----

// Tests that LpNormalization with p = 1 sums |x| along the axis and divides,
// giving 0 where the norm is 0.
// CHECK-LABEL: func.func @lpnorm
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: math.absf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 1, 3] : tensor<2x3xf32> into tensor<2x1x3xf32>
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
// CHECK: arith.select
func.func @lpnorm(%x: tensor<2x2x3xf32>) -> tensor<2x2x3xf32> {
  %0 = "onnx.LpNormalization"(%x) {axis = 1 : i64, p = 1 : i64} : (tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  return %0 : tensor<2x2x3xf32>
}

// -----

// Tests that LRN zero-pads the squares along the channels and sums a window
// of `size` channels with a reduction dim, then divides by the power.
// CHECK-DAG: #[[PAD:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4)>
// CHECK-LABEL: func.func @lrn
// CHECK: tensor.pad %{{.*}} low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK: linalg.generic {indexing_maps = [#[[PAD]], #[[WIN]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<5x7x5x5xf32>, tensor<3xf32>)
// CHECK: math.powf
func.func @lrn(%x: tensor<5x5x5x5xf32>) -> tensor<5x5x5x5xf32> {
  %0 = "onnx.LRN"(%x) {size = 3 : i64} : (tensor<5x5x5x5xf32>) -> tensor<5x5x5x5xf32>
  return %0 : tensor<5x5x5x5xf32>
}
