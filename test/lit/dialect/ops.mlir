// RUN: kiln-opt %s -split-input-file | kiln-opt -split-input-file | FileCheck %s
// Round-trips the onnx dialect's ops, types and attributes through the
// printer and parser twice.

// Tests that ops with omitted optional operands, default-valued and set
// attributes round-trip.
// CHECK-LABEL: func.func @conv
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: "onnx.Conv"(%{{.*}}, %{{.*}}, %[[NONE]]) <{auto_pad = "NOTSET", group = 1 : i64, pads = [1, 1, 1, 1], strides = [2, 2]}>
// CHECK-SAME: -> tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>>
func.func @conv(%x: tensor<?x3x8x8xf32, #onnx.dims<["N", "", "", ""]>>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<?x3x8x8xf32, #onnx.dims<["N", "", "", ""]>>, tensor<4x3x3x3xf32>, none) -> tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>>
  return %0 : tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>>
}

// -----

// Tests that variadic outputs and omitted optional outputs (`none` results)
// round-trip.
// CHECK-LABEL: func.func @split_dropout
// CHECK: "onnx.Split"(%{{.*}}, %{{.*}}) <{axis = 0 : i64}> : (tensor<4xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<2xf32>)
// CHECK: "onnx.Dropout"({{.*}}) <{seed = 7 : i64}> : (tensor<2xf32>, none, none) -> (tensor<2xf32>, none)
func.func @split_dropout(%x: tensor<4xf32>) -> tensor<2xf32> {
  %split = "onnx.Constant"() {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a, %b = "onnx.Split"(%x, %split) {axis = 0 : i64} : (tensor<4xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<2xf32>)
  %none = onnx.NoValue
  %d, %mask = "onnx.Dropout"(%a, %none, %none) {seed = 7 : i64} : (tensor<2xf32>, none, none) -> (tensor<2xf32>, none)
  return %d : tensor<2xf32>
}

// -----

// Tests that subgraphs are regions that capture outer values and end in
// onnx.Yield.
// CHECK-LABEL: func.func @if_then_else
// CHECK: "onnx.If"(%{{.*}}) ({
// CHECK:   onnx.Yield %{{.*}} : tensor<2xf32>
// CHECK: }, {
// CHECK:   onnx.Yield %{{.*}} : tensor<2xf32>
func.func @if_then_else(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.If"(%c) ({
    %1 = "onnx.Neg"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }, {
    onnx.Yield %x : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests the sequence, optional and string types.
// CHECK-LABEL: func.func @types
// CHECK-SAME: !onnx.seq<tensor<*xf32>>
// CHECK-SAME: !onnx.opt<tensor<2xi64>>
// CHECK-SAME: tensor<3x!onnx.string>
// CHECK: "onnx.SequenceLength"
func.func @types(%s: !onnx.seq<tensor<*xf32>>, %o: !onnx.opt<tensor<2xi64>>, %t: tensor<3x!onnx.string>) -> tensor<i64> {
  %0 = "onnx.SequenceLength"(%s) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// Tests that weights kept as resource blobs round-trip.
// CHECK-LABEL: func.func @resource
// CHECK: "onnx.Constant"() <{value = dense_resource<w0> : tensor<2xf32>}>
func.func @resource() -> tensor<2xf32> {
  %0 = "onnx.Constant"() {value = dense_resource<w0> : tensor<2xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000803F00000040"
    }
  }
#-}
