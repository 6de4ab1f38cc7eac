// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that CausalConvWithState with an unknown activation is reported by
// name.
func.func @causal_conv_activation(%x: tensor<1x2x5xf32>, %w: tensor<2x1x3xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.CausalConvWithState to linalg yet}}
  %y, %s = "onnx.CausalConvWithState"(%x, %w, %n, %n) {activation = "relu"} : (tensor<1x2x5xf32>, tensor<2x1x3xf32>, none, none) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>)
  return %y, %s : tensor<1x2x5xf32>, tensor<1x2x2xf32>
}

// -----

// Tests that a past_state whose length is not k - 1 is reported by name.
func.func @causal_conv_state_length(%x: tensor<1x2x5xf32>, %w: tensor<2x1x3xf32>, %p: tensor<1x2x3xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.CausalConvWithState to linalg yet}}
  %y, %s = "onnx.CausalConvWithState"(%x, %w, %n, %p) : (tensor<1x2x5xf32>, tensor<2x1x3xf32>, none, tensor<1x2x3xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>)
  return %y, %s : tensor<1x2x5xf32>, tensor<1x2x2xf32>
}

// -----

// Tests that a weight that is not (channels, 1, k) is reported by name.
func.func @causal_conv_weight(%x: tensor<1x2x5xf32>, %w: tensor<2x2x3xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.CausalConvWithState to linalg yet}}
  %y, %s = "onnx.CausalConvWithState"(%x, %w, %n, %n) : (tensor<1x2x5xf32>, tensor<2x2x3xf32>, none, none) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>)
  return %y, %s : tensor<1x2x5xf32>, tensor<1x2x2xf32>
}
