// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that ReduceMean with keepdims reduces, divides by the count and
// restores the unit dim.
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @reduce_mean
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
func.func @reduce_mean(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  %a = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceMean"(%x, %a) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

// Tests that ReduceMax over all axes (axes omitted, keepdims = 0) starts
// from -inf.
// CHECK-LABEL: func.func @reduce_max_all
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["reduction", "reduction"]
// CHECK: arith.maximumf
func.func @reduce_max_all(%x: tensor<4x8xf32>) -> tensor<f32> {
  %none = onnx.NoValue
  %0 = "onnx.ReduceMax"(%x, %none) {keepdims = 0 : i64} : (tensor<4x8xf32>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that ReduceL2 squares, sums and takes the square root.
// CHECK-LABEL: func.func @reduce_l2
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: math.sqrt
func.func @reduce_l2(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %a = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceL2"(%x, %a) {keepdims = 0 : i64} : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that ArgMax reduces (value, index) pairs and returns the indices.
// CHECK-LABEL: func.func @argmax
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: linalg.yield
// CHECK: tensor.expand_shape %[[R]]#1
func.func @argmax(%x: tensor<4x8xf32>) -> tensor<4x1xi64> {
  %0 = "onnx.ArgMax"(%x) {axis = 1 : i64} : (tensor<4x8xf32>) -> tensor<4x1xi64>
  return %0 : tensor<4x1xi64>
}

// -----

// Tests that Softmax subtracts the max before exponentiating.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x12x128x128xf32>) -> tensor<2x12x128x128xf32> {
  %0 = "onnx.Softmax"(%x) {axis = -1 : i64} : (tensor<2x12x128x128xf32>) -> tensor<2x12x128x128xf32>
  return %0 : tensor<2x12x128x128xf32>
}

// -----

// Tests that a float16 Softmax widens its row to f32, computes there and
// rounds once at the end.
// CHECK-LABEL: func.func @softmax_f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK-NOT: f16
// CHECK: math.exp %{{.*}} : f32
// CHECK-NOT: f16
// CHECK: arith.divf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @softmax_f16(%x: tensor<2x10xf16>) -> tensor<2x10xf16> {
  %0 = "onnx.Softmax"(%x) {axis = -1 : i64} : (tensor<2x10xf16>) -> tensor<2x10xf16>
  return %0 : tensor<2x10xf16>
}

// -----

// Tests that LogSoftmax is x - max - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @log_softmax
// CHECK: math.exp
// CHECK: math.log
func.func @log_softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = "onnx.LogSoftmax"(%x) {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

// Tests that Hardmax finds the first maximum along the axis with an arg-max
// reduction and writes 1 where linalg.index along the axis equals it.
// CHECK-LABEL: func.func @hardmax
// CHECK: %[[ARG:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: %[[KEPT:.*]] = tensor.expand_shape %[[ARG]]#1
// CHECK: linalg.generic {{.*}} ins(%[[KEPT]] : tensor<3x1xi64>)
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[J64:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[J64]], %{{.*}} : i64
// CHECK: arith.select %[[EQ]], %{{.*}}, %{{.*}} : f32
func.func @hardmax(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = "onnx.Hardmax"(%x) {axis = -1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Tests that ReduceSum with axes given at run time (keepdims = 0, one axis)
// lowers every axis set the static shapes allow (dim 1 or dim 2 of 3x2x2
// gives 3x2) and switches on the run-time bit mask of the normalized axes;
// other masks fail a run-time check.
// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK: scf.for
// CHECK: tensor.extract
// CHECK: scf.index_switch
// CHECK: case 2 {
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: case 4 {
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: default {
// CHECK: cf.assert %false, "onnx.ReduceSum: axes out of range
func.func @reduce_sum_runtime_axes(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x2xf32> {
  %0 = "onnx.ReduceSum"(%x, %a) {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Tests that with keepdims the declared output shape leaves one axis set
// (3x2x2 -> 3x1x2: dim 1), still checked at run time.
// CHECK-LABEL: func.func @reduce_max_runtime_axes_keepdims
// CHECK: scf.index_switch
// CHECK: case 2 {
// CHECK: arith.maximumf
// CHECK-NOT: case
// CHECK: default {
// CHECK: cf.assert
func.func @reduce_max_runtime_axes_keepdims(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x1x2xf32> {
  %0 = "onnx.ReduceMax"(%x, %a) {keepdims = 1 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x1x2xf32>
  return %0 : tensor<3x1x2xf32>
}

// -----

// Tests that an empty axes input (static length 0) reduces every axis.
// CHECK-LABEL: func.func @reduce_sum_empty_axes
// CHECK-NOT: scf.index_switch
// CHECK: iterator_types = ["reduction", "reduction"]
func.func @reduce_sum_empty_axes(%x: tensor<4x8xf32>, %a: tensor<0xi64>) -> tensor<1x1xf32> {
  %0 = "onnx.ReduceSum"(%x, %a) : (tensor<4x8xf32>, tensor<0xi64>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}
