// RUN: kiln-opt %s -onnx-fold-constants -split-input-file | FileCheck %s

// Tests that elementwise arithmetic on constants folds, with broadcasting:
// [[1, 2], [3, 4]] + [10, 20] = [[11, 22], [13, 24]], then * 2, - 1, / 2,
// and Neg/Sqrt of f32.
// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: "onnx.Constant"() <{value = dense<{{\[\[}}1.050000e+01, 2.150000e+01], [1.250000e+01, 2.350000e+01]]> : tensor<2x2xf32>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense<[-2.000000e+00, -3.000000e+00]> : tensor<2xf32>}>
// CHECK-NOT: onnx.Add
// CHECK-NOT: onnx.Sqrt
func.func @elementwise() -> (tensor<2x2xf32>, tensor<2xf32>) {
  %a = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %b = "onnx.Constant"() <{value = dense<[10.0, 20.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %sq = "onnx.Constant"() <{value = dense<[4.0, 9.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.Add"(%a, %b) : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %1 = "onnx.Mul"(%0, %two) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %2 = "onnx.Sub"(%1, %one) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %3 = "onnx.Div"(%2, %two) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %4 = "onnx.Sqrt"(%sq) : (tensor<2xf32>) -> tensor<2xf32>
  %5 = "onnx.Neg"(%4) : (tensor<2xf32>) -> tensor<2xf32>
  return %3, %5 : tensor<2x2xf32>, tensor<2xf32>
}

// -----

// Tests a torch-style shape subgraph: Shape -> Gather -> Unsqueeze -> Concat
// -> Cast, folded to [4, -1] (as f32 after the Cast), and a Slice.
// CHECK-LABEL: func.func @shape_subgraph
// CHECK-DAG: "onnx.Constant"() <{value = dense<[4, -1]> : tensor<2xi64>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense<[4.000000e+00, -1.000000e+00]> : tensor<2xf32>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense<[8, 2]> : tensor<2xi64>}>
// CHECK-NOT: onnx.Shape
// CHECK-NOT: onnx.Gather
// CHECK-NOT: onnx.Slice
func.func @shape_subgraph(%x: tensor<4x8x2xf32>) -> (tensor<2xi64>, tensor<2xf32>, tensor<2xi64>) {
  %s = "onnx.Shape"(%x) : (tensor<4x8x2xf32>) -> tensor<3xi64>
  %i = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %ax = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %m1 = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %g = "onnx.Gather"(%s, %i) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %u = "onnx.Unsqueeze"(%g, %ax) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %c = "onnx.Concat"(%u, %m1) <{axis = 0 : i64}> : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %f = "onnx.Cast"(%c) <{to = 1 : i64}> : (tensor<2xi64>) -> tensor<2xf32>
  %st = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %en = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}> : () -> tensor<1xi64>
  %none = onnx.NoValue
  %sl = "onnx.Slice"(%s, %st, %en, %none, %none) : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<2xi64>
  return %c, %f, %sl : tensor<2xi64>, tensor<2xf32>, tensor<2xi64>
}

// -----

// Tests that a Transpose of a constant folds ([[1, 2, 3], [4, 5, 6]]^T) and
// that a large result becomes a resource blob.
// CHECK-LABEL: func.func @transpose
// CHECK-DAG: "onnx.Constant"() <{value = dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi32>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense_resource<folded{{.*}}> : tensor<16x8xf32>}>
// CHECK-NOT: onnx.Transpose
func.func @transpose() -> (tensor<3x2xi32>, tensor<16x8xf32>) {
  %a = "onnx.Constant"() <{value = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>}> : () -> tensor<2x3xi32>
  %w = "onnx.Constant"() <{value = dense<1.5> : tensor<8x16xf32>}> : () -> tensor<8x16xf32>
  %0 = "onnx.Transpose"(%a) <{perm = [1, 0]}> : (tensor<2x3xi32>) -> tensor<3x2xi32>
  %1 = "onnx.Transpose"(%w) : (tensor<8x16xf32>) -> tensor<16x8xf32>
  return %0, %1 : tensor<3x2xi32>, tensor<16x8xf32>
}

// -----

// Tests that integer division by zero and ops on non-constants stay.
// CHECK-LABEL: func.func @not_folded
// CHECK: onnx.Div
// CHECK: onnx.Add
func.func @not_folded(%x: tensor<2xi64>) -> (tensor<2xi64>, tensor<2xi64>) {
  %a = "onnx.Constant"() <{value = dense<[4, 6]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %z = "onnx.Constant"() <{value = dense<[2, 0]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.Div"(%a, %z) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %1 = "onnx.Add"(%a, %x) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0, %1 : tensor<2xi64>, tensor<2xi64>
}

// -----

// Tests that a Reshape of a weight held in a resource blob folds into a
// constant over the same blob (no copy, no new `folded` resource).
// CHECK-LABEL: func.func @reshape_resource
// CHECK: "onnx.Constant"() <{value = dense_resource<w0> : tensor<4x2xf32>}>
// CHECK-NOT: onnx.Reshape
func.func @reshape_resource() -> tensor<4x2xf32> {
  %w = "onnx.Constant"() <{value = dense_resource<w0> : tensor<2x4xf32>}> : () -> tensor<2x4xf32>
  %s = "onnx.Constant"() <{value = dense<[4, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%w, %s) : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E040"
    }
  }
#-}
