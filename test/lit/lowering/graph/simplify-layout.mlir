// RUN: kiln-opt %s -onnx-simplify-layout -split-input-file | FileCheck %s

// Tests that two Transposes compose into one, out[i] = in[p[q[i]]].
// CHECK-LABEL: func.func @transpose_transpose
// CHECK: %[[T:.*]] = "onnx.Transpose"(%{{.*}}) <{perm = [0, 2, 3, 1]}> : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_transpose(%x: tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32> {
  %0 = "onnx.Transpose"(%x) <{perm = [0, 2, 1, 3]}> : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %1 = "onnx.Transpose"(%0) <{perm = [0, 1, 3, 2]}> : (tensor<1x3x2x4xf32>) -> tensor<1x3x4x2xf32>
  return %1 : tensor<1x3x4x2xf32>
}

// -----

// Tests that Transposes that cancel, and an identity Transpose, disappear.
// CHECK-LABEL: func.func @cancelling
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x4xf32>)
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[X]], %[[X]]
func.func @cancelling(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = "onnx.Transpose"(%x) <{perm = [1, 2, 0]}> : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = "onnx.Transpose"(%0) <{perm = [2, 0, 1]}> : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  %2 = "onnx.Transpose"(%x) <{perm = [0, 1, 2]}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %1, %2 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Tests that a Transpose without perm (reversed dims) composes too.
// CHECK-LABEL: func.func @default_perm
// CHECK-NOT: onnx.Transpose
func.func @default_perm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.Transpose"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "onnx.Transpose"(%0) : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Tests that Reshape(Unsqueeze(x)) is one Reshape of x to the static result
// shape, and that a Reshape back to the input's type is dropped.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x6xf32>
// CHECK: %[[S:.*]] = "onnx.Constant"() <{value = dense<[3, 4]> : tensor<2xi64>}>
// CHECK: %[[R:.*]] = "onnx.Reshape"(%[[X]], %[[S]]) {{.*}} -> tensor<3x4xf32>
// CHECK-NOT: onnx.Unsqueeze
// CHECK: return %[[R]], %[[X]]
func.func @reshape_chain(%x: tensor<2x6xf32>, %axes: tensor<1xi64>, %s1: tensor<2xi64>, %s2: tensor<2xi64>) -> (tensor<3x4xf32>, tensor<2x6xf32>) {
  %0 = "onnx.Unsqueeze"(%x, %axes) : (tensor<2x6xf32>, tensor<1xi64>) -> tensor<1x2x6xf32>
  %1 = "onnx.Reshape"(%0, %s1) : (tensor<1x2x6xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  %2 = "onnx.Reshape"(%x, %s2) : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<2x6xf32>
  return %1, %2 : tensor<3x4xf32>, tensor<2x6xf32>
}

// -----

// Tests that a Reshape with a dynamic result is left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK: onnx.Reshape
// CHECK: onnx.Reshape
func.func @dynamic(%x: tensor<?x6xf32>, %s1: tensor<3xi64>, %s2: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x2x3xf32>
  %1 = "onnx.Reshape"(%0, %s2) : (tensor<?x2x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %1 : tensor<?x3xf32>
}

// -----

// Tests that a Gelu between two Reshapes moves before the first, so the
// Reshapes cancel (the Reshape -> Gelu -> Reshape between flattened Gemms).
// CHECK-LABEL: func.func @sink_through_gelu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x16xf32>
// CHECK-NOT: onnx.Reshape
// CHECK: %[[G:.*]] = "onnx.Gelu"(%[[X]]) {{.*}} -> tensor<4x16xf32>
// CHECK-NOT: onnx.Reshape
// CHECK: return %[[G]]
func.func @sink_through_gelu(%x: tensor<4x16xf32>, %s1: tensor<3xi64>, %s2: tensor<2xi64>) -> tensor<4x16xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<4x16xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  %1 = "onnx.Gelu"(%0) : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %2 = "onnx.Reshape"(%1, %s2) : (tensor<1x4x16xf32>, tensor<2xi64>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// Tests that a Relu whose result is used other than by a Reshape keeps the
// Reshape before it.
// CHECK-LABEL: func.func @no_sink
// CHECK: onnx.Reshape
// CHECK-NEXT: onnx.Relu
func.func @no_sink(%x: tensor<4x16xf32>, %s1: tensor<3xi64>) -> tensor<1x4x16xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<4x16xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  %1 = "onnx.Relu"(%0) : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %1 : tensor<1x4x16xf32>
}
