// RUN: kiln-opt %s -onnx-shape-inference -split-input-file | FileCheck %s

// Tests that a dynamic batch keeps its symbol through a whole
// conv -> pool -> flatten -> gemm classifier.
// CHECK-LABEL: func.func @classifier
// CHECK-SAME: -> tensor<?x10xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Conv"{{.*}} -> tensor<?x8x32x32xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.Relu"{{.*}} -> tensor<?x8x32x32xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.MaxPool"{{.*}} -> (tensor<?x8x16x16xf32, #onnx.dims<["N", "", "", ""]>>, none)
// CHECK: "onnx.GlobalAveragePool"{{.*}} -> tensor<?x8x1x1xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.Flatten"{{.*}} -> tensor<?x8xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Gemm"{{.*}} -> tensor<?x10xf32, #onnx.dims<["N", ""]>>
func.func @classifier(%x: tensor<?x3x32x32xf32, #onnx.dims<["N", "", "", ""]>>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>, %fw: tensor<10x8xf32>, %fb: tensor<10xf32>) -> tensor<*xf32> {
  %0 = "onnx.Conv"(%x, %w, %b) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : (tensor<?x3x32x32xf32, #onnx.dims<["N", "", "", ""]>>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<*xf32>
  %1 = "onnx.Relu"(%0) : (tensor<*xf32>) -> tensor<*xf32>
  %2:2 = "onnx.MaxPool"(%1) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<*xf32>) -> (tensor<*xf32>, none)
  %3 = "onnx.GlobalAveragePool"(%2#0) : (tensor<*xf32>) -> tensor<*xf32>
  %4 = "onnx.Flatten"(%3) {axis = 1 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  %5 = "onnx.Gemm"(%4, %fw, %fb) {transB = 1 : i64} : (tensor<*xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<*xf32>
  return %5 : tensor<*xf32>
}

// -----

// Tests that symbolic spatial dims survive size-preserving windows (stride 1
// with pads of kernel-1, or SAME) and become unknown under a stride.
// CHECK-LABEL: func.func @symbolic_spatial
// CHECK: "onnx.Conv"{{.*}} -> tensor<?x4x?x?xf32, #onnx.dims<["N", "", "H", "W"]>>
// CHECK: "onnx.Conv"{{.*}} -> tensor<?x4x?x?xf32, #onnx.dims<["N", "", "H", "W"]>>
// CHECK: "onnx.AveragePool"{{.*}} -> tensor<?x4x?x?xf32, #onnx.dims<["N", "", "", ""]>>
func.func @symbolic_spatial(%x: tensor<?x3x?x?xf32, #onnx.dims<["N", "", "H", "W"]>>, %w: tensor<4x3x1x1xf32>, %w3: tensor<4x4x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<?x3x?x?xf32, #onnx.dims<["N", "", "H", "W"]>>, tensor<4x3x1x1xf32>, none) -> tensor<*xf32>
  %1 = "onnx.Conv"(%0, %w3, %none) {auto_pad = "SAME_UPPER"} : (tensor<*xf32>, tensor<4x4x3x3xf32>, none) -> tensor<*xf32>
  %2 = "onnx.AveragePool"(%1) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<*xf32>) -> tensor<*xf32>
  return %2 : tensor<*xf32>
}

// -----

// Tests strides, dilations, groups and the auto_pad modes of Conv.
// CHECK-LABEL: func.func @conv_modes
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x4x16x16xf32>
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x4x16x16xf32>
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x4x15x15xf32>
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x4x28x14xf32>
// CHECK: "onnx.Conv"{{.*}} -> tensor<1x4x30x30xf32>
func.func @conv_modes(%x: tensor<1x4x32x32xf32>, %w: tensor<4x4x3x3xf32>, %dw: tensor<4x1x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", strides = [2, 2]} : (tensor<1x4x32x32xf32>, tensor<4x4x3x3xf32>, none) -> tensor<*xf32>
  %1 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_LOWER", strides = [2, 2]} : (tensor<1x4x32x32xf32>, tensor<4x4x3x3xf32>, none) -> tensor<*xf32>
  %2 = "onnx.Conv"(%x, %w, %none) {auto_pad = "VALID", strides = [2, 2]} : (tensor<1x4x32x32xf32>, tensor<4x4x3x3xf32>, none) -> tensor<*xf32>
  %3 = "onnx.Conv"(%x, %w, %none) {dilations = [2, 2], strides = [1, 2]} : (tensor<1x4x32x32xf32>, tensor<4x4x3x3xf32>, none) -> tensor<*xf32>
  %4 = "onnx.Conv"(%x, %dw, %none) {group = 4 : i64} : (tensor<1x4x32x32xf32>, tensor<4x1x3x3xf32>, none) -> tensor<*xf32>
  return %0, %1, %2, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests ceil_mode (including the dropped window that would start in the
// padding), dilations and the Indices output of MaxPool.
// CHECK-LABEL: func.func @pool_modes
// CHECK: "onnx.MaxPool"{{.*}} -> (tensor<1x1x2x2xf32>, none)
// CHECK: "onnx.MaxPool"{{.*}} -> (tensor<1x1x1x1xf32>, none)
// CHECK: "onnx.MaxPool"{{.*}} -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
// CHECK: "onnx.AveragePool"{{.*}} -> tensor<1x1x3x3xf32>
// CHECK: "onnx.GlobalMaxPool"{{.*}} -> tensor<1x1x1x1xf32>
func.func @pool_modes(%x: tensor<1x1x4x4xf32>, %y: tensor<1x1x5x5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>) {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = [3, 3], strides = [2, 2], ceil_mode = 1 : i64} : (tensor<1x1x4x4xf32>) -> (tensor<*xf32>, none)
  %1:2 = "onnx.MaxPool"(%x) {kernel_shape = [3, 3], strides = [2, 2]} : (tensor<1x1x4x4xf32>) -> (tensor<*xf32>, none)
  %2:2 = "onnx.MaxPool"(%x) {kernel_shape = [2, 2], dilations = [2, 2]} : (tensor<1x1x4x4xf32>) -> (tensor<*xf32>, tensor<*xi64>)
  %3 = "onnx.AveragePool"(%y) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], ceil_mode = 1 : i64} : (tensor<1x1x5x5xf32>) -> tensor<*xf32>
  %4 = "onnx.GlobalMaxPool"(%x) : (tensor<1x1x4x4xf32>) -> tensor<*xf32>
  return %0#0, %1#0, %2#0, %2#1, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests ConvTranspose with strides and output_padding, with output_shape,
// and with groups.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: "onnx.ConvTranspose"{{.*}} -> tensor<1x2x10x8xf32>
// CHECK: "onnx.ConvTranspose"{{.*}} -> tensor<1x2x10x8xf32>
// CHECK: "onnx.ConvTranspose"{{.*}} -> tensor<?x4x5x5xf32, #onnx.dims<["N", "", "", ""]>>
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>, %g: tensor<?x2x3x3xf32, #onnx.dims<["N", "", "", ""]>>, %gw: tensor<2x2x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %0 = "onnx.ConvTranspose"(%x, %w, %none) {strides = [3, 2], output_padding = [1, 1]} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<*xf32>
  %1 = "onnx.ConvTranspose"(%x, %w, %none) {strides = [3, 2], output_shape = [10, 8]} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<*xf32>
  %2 = "onnx.ConvTranspose"(%g, %gw, %none) {group = 2 : i64} : (tensor<?x2x3x3xf32, #onnx.dims<["N", "", "", ""]>>, tensor<2x2x3x3xf32>, none) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
