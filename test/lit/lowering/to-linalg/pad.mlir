// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that constant-mode Pad with constant pads is a tensor.pad.
// CHECK-LABEL: func.func @constant_pads
// CHECK: tensor.pad %{{.*}} low[0, 1] high[0, 2]
func.func @constant_pads(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %none = onnx.NoValue
  %pads = "onnx.Constant"() {value = dense<[0, 1, 0, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = "onnx.Pad"(%x, %pads, %none, %none) {mode = "constant"} : (tensor<2x3xf32>, tensor<4xi64>, none, none) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Tests that run-time pads in reflect mode are read before one generic over
// the static result, which maps i - low back by |j| and 2 * last - j.
// CHECK-LABEL: func.func @reflect_runtime
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[PADS:.*]]: tensor<4xi64>
// CHECK: tensor.extract %[[PADS]]
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x7xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<4x7xf32>)
// CHECK: linalg.index 0
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: %[[V:.*]] = tensor.extract %[[X]]
// CHECK: linalg.yield %[[V]]
func.func @reflect_runtime(%x: tensor<2x3xf32>, %pads: tensor<4xi64>) -> tensor<4x7xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Pad"(%x, %pads, %none, %none) {mode = "reflect"} : (tensor<2x3xf32>, tensor<4xi64>, none, none) -> tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

// Tests that run-time pads and axes in constant mode give each dim the sum
// of the pads whose (possibly negative) axis names it, and select the pad
// value where i - low falls outside [0, dim).
// CHECK-LABEL: func.func @constant_runtime_axes
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<f32>
// CHECK: %[[PV:.*]] = tensor.extract %[[V]][]
// CHECK: linalg.generic
// CHECK: arith.cmpi ult
// CHECK: arith.andi
// CHECK: %[[E:.*]] = tensor.extract
// CHECK: %[[S:.*]] = arith.select %{{.*}}, %[[E]], %[[PV]]
// CHECK: linalg.yield %[[S]]
func.func @constant_runtime_axes(%x: tensor<2x3xf32>, %pads: tensor<2xi64>, %v: tensor<f32>, %axes: tensor<1xi64>) -> tensor<2x6xf32> {
  %0 = "onnx.Pad"(%x, %pads, %v, %axes) {mode = "constant"} : (tensor<2x3xf32>, tensor<2xi64>, tensor<f32>, tensor<1xi64>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Tests that CenterCropPad with a run-time shape checks it against the
// result's sizes, then crops the centre (extract_slice) and pads around it.
// CHECK-LABEL: func.func @center_crop_pad
// CHECK: cf.assert %{{.*}}, "onnx.CenterCropPad: the shape input differs from the result's sizes"
// CHECK: %[[C:.*]] = tensor.extract_slice %{{.*}}[5, 0, 0] [10, 8, 3] [1, 1, 1] : tensor<20x8x3xf32> to tensor<10x8x3xf32>
// CHECK: tensor.pad %[[C]] low[0, 1, 0] high[0, 1, 0]
func.func @center_crop_pad(%x: tensor<20x8x3xf32>, %s: tensor<3xi64>) -> tensor<10x10x3xf32> {
  %0 = "onnx.CenterCropPad"(%x, %s) : (tensor<20x8x3xf32>, tensor<3xi64>) -> tensor<10x10x3xf32>
  return %0 : tensor<10x10x3xf32>
}
