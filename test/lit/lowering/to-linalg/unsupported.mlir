// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that an op without a lowering is reported by name, not as a generic
// legalization failure.
func.func @unsupported(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{kiln does not lower onnx.Hardmax to linalg yet}}
  %0 = "onnx.Hardmax"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that an op whose preconditions are not met (a Slice with run-time
// starts) is reported the same way.
func.func @dynamic_slice(%x: tensor<8xf32>, %s: tensor<1xi64>) -> tensor<?xf32> {
  %e = "onnx.Constant"() {value = dense<8> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.Slice to linalg yet}}
  %0 = "onnx.Slice"(%x, %s, %e, %none, %none) : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
