// RUN: kiln-opt %s -onnx-shape-inference -split-input-file -verify-diagnostics

// Tests that a static dim that conflicts with the model's value_info is an
// error.
func.func @conflicting_dim(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'onnx.Add' op inferred shape [2, 3] conflicts with result #0 of type 'tensor<2x4xf32>'}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that a conflicting rank is an error.
func.func @conflicting_rank(%x: tensor<1x8x1x1xf32>) -> tensor<1x8x1xf32> {
  // expected-error @+1 {{'onnx.Flatten' op inferred shape [1, 8] conflicts with result #0 of type 'tensor<1x8x1xf32>'}}
  %0 = "onnx.Flatten"(%x) : (tensor<1x8x1x1xf32>) -> tensor<1x8x1xf32>
  return %0 : tensor<1x8x1xf32>
}

// -----

// Tests that a conflicting element type is an error.
func.func @conflicting_element_type(%x: tensor<2xf32>) -> tensor<2xi32> {
  // expected-error @+1 {{'onnx.Cast' op inferred element type 'i64' conflicts with result #0 of type 'tensor<2xi32>'}}
  %0 = "onnx.Cast"(%x) {to = 7 : i64} : (tensor<2xf32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Tests that operands that cannot broadcast are reported.
func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Add' op expects broadcast-compatible operand shapes, got [2, 3] and [4, 3]}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that mismatched contraction dims are reported.
func.func @bad_matmul(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.MatMul' op expects equal contraction dims, got 3 and 4}}
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that Conv checks input channels against weights times group.
func.func @bad_conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{'onnx.Conv' op expects input channels (3) to equal weight channels (2) times group (1)}}
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a Reshape that changes the element count is reported.
func.func @bad_reshape(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = "onnx.Constant"() {value = dense<[4, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{'onnx.Reshape' op expects the shape to keep 6 elements, got 8}}
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that an out-of-range axis is reported.
func.func @bad_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Transpose' op expects axis in [-2, 1], got 2}}
  %0 = "onnx.Transpose"(%x) {perm = [2, 0]} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a window larger than the padded input is reported.
func.func @negative_dim(%x: tensor<1x1x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.AveragePool' op inferred shape [1, 1, -1, -1] of result #0 has a negative dimension}}
  %0 = "onnx.AveragePool"(%x) {kernel_shape = [3, 3]} : (tensor<1x1x2x2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a Softmax axis outside [-r, r-1] is an error naming the range.
func.func @softmax_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'onnx.Softmax' op expects axis in [-2, 1] for an input of rank 2, got 2}}
  %0 = "onnx.Softmax"(%x) {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that a LogSoftmax axis below -r is an error too.
func.func @logsoftmax_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'onnx.LogSoftmax' op expects axis in [-2, 1] for an input of rank 2, got -3}}
  %0 = "onnx.LogSoftmax"(%x) {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
