// RUN: kiln-opt %s -onnx-shape-inference -split-input-file | FileCheck %s

// Tests that torch's flatten idiom Reshape(x, Concat(Shape(x)[0], [-1]))
// keeps the batch symbol and solves the -1.
// CHECK-LABEL: func.func @torch_flatten
// CHECK: "onnx.Shape"{{.*}} -> tensor<4xi64>
// CHECK: "onnx.Gather"{{.*}} -> tensor<i64>
// CHECK: "onnx.Unsqueeze"{{.*}} -> tensor<1xi64>
// CHECK: "onnx.Concat"{{.*}} -> tensor<2xi64>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x2048xf32, #onnx.dims<["N", ""]>>
func.func @torch_flatten(%x: tensor<?x512x2x2xf32, #onnx.dims<["N", "", "", ""]>>) -> tensor<*xf32> {
  %s = "onnx.Shape"(%x) : (tensor<?x512x2x2xf32, #onnx.dims<["N", "", "", ""]>>) -> tensor<*xi64>
  %i0 = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %g = "onnx.Gather"(%s, %i0) {axis = 0 : i64} : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %ax = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.Unsqueeze"(%g, %ax) : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %m1 = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %cat = "onnx.Concat"(%u, %m1) {axis = 0 : i64} : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %r = "onnx.Reshape"(%x, %cat) : (tensor<?x512x2x2xf32, #onnx.dims<["N", "", "", ""]>>, tensor<*xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Tests BERT's head split: Reshape to [B, S, 12, 64] from Shape slices and
// Cast, then Transpose; and the merge back with a -1 that cancels symbols.
// CHECK-LABEL: func.func @bert_heads
// CHECK: "onnx.Slice"{{.*}} -> tensor<2xi64>
// CHECK: "onnx.Cast"{{.*}} -> tensor<2xi64>
// CHECK: "onnx.Concat"{{.*}} -> tensor<4xi64>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x12x64xf32, #onnx.dims<["B", "S", "", ""]>>
// CHECK: "onnx.Transpose"{{.*}} -> tensor<?x12x?x64xf32, #onnx.dims<["B", "", "S", ""]>>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x768xf32, #onnx.dims<["B", "S", ""]>>
func.func @bert_heads(%x: tensor<?x?x768xf32, #onnx.dims<["B", "S", ""]>>) -> (tensor<*xf32>, tensor<*xf32>) {
  %s = "onnx.Shape"(%x) : (tensor<?x?x768xf32, #onnx.dims<["B", "S", ""]>>) -> tensor<*xi64>
  %start = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %end = "onnx.Constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %bs = "onnx.Slice"(%s, %start, %end, %none, %none) : (tensor<*xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<*xi64>
  %bs64 = "onnx.Cast"(%bs) {to = 7 : i64} : (tensor<*xi64>) -> tensor<*xi64>
  %heads = "onnx.Constant"() {value = dense<[12, 64]> : tensor<2xi64>} : () -> tensor<2xi64>
  %shape = "onnx.Concat"(%bs64, %heads) {axis = 0 : i64} : (tensor<*xi64>, tensor<2xi64>) -> tensor<*xi64>
  %r = "onnx.Reshape"(%x, %shape) : (tensor<?x?x768xf32, #onnx.dims<["B", "S", ""]>>, tensor<*xi64>) -> tensor<*xf32>
  %t = "onnx.Transpose"(%r) {perm = [0, 2, 1, 3]} : (tensor<*xf32>) -> tensor<*xf32>
  %back = "onnx.Constant"() {value = dense<[0, 0, -1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %m = "onnx.Reshape"(%r, %back) : (tensor<*xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %t, %m : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests Reshape with a constant shape: 0 copies, -1 solved, allowzero keeps 0.
// CHECK-LABEL: func.func @reshape_constant
// CHECK: "onnx.Reshape"{{.*}} -> tensor<2x12xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<2x3x4x1xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<0x24xf32>
func.func @reshape_constant(%x: tensor<2x3x4xf32>, %z: tensor<0x24xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %a = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %a) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %b = "onnx.Constant"() {value = dense<[2, 3, -1, 1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %1 = "onnx.Reshape"(%x, %b) : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<*xf32>
  %c = "onnx.Constant"() {value = dense<[0, 24]> : tensor<2xi64>} : () -> tensor<2xi64>
  %2 = "onnx.Reshape"(%z, %c) {allowzero = 1 : i64} : (tensor<0x24xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a Reshape target of unknown value still gives the rank.
// CHECK-LABEL: func.func @reshape_unknown
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x?xf32>
func.func @reshape_unknown(%x: tensor<2x3x4xf32>, %s: tensor<3xi64>) -> tensor<*xf32> {
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests Expand from a shape computed with Shape, and ConstantOfShape.
// CHECK-LABEL: func.func @expand
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x4xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<?x4xi64, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Expand"{{.*}} -> tensor<3x2x4xf32>
func.func @expand(%x: tensor<?x4xf32, #onnx.dims<["N", ""]>>, %y: tensor<1x4xf32>) -> (tensor<*xf32>, tensor<*xi64>, tensor<*xf32>) {
  %s = "onnx.Shape"(%x) : (tensor<?x4xf32, #onnx.dims<["N", ""]>>) -> tensor<*xi64>
  %0 = "onnx.Expand"(%y, %s) : (tensor<1x4xf32>, tensor<*xi64>) -> tensor<*xf32>
  %1 = "onnx.ConstantOfShape"(%s) {value = dense<1> : tensor<1xi64>} : (tensor<*xi64>) -> tensor<*xi64>
  %c = "onnx.Constant"() {value = dense<[3, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %2 = "onnx.Expand"(%y, %c) : (tensor<1x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xi64>, tensor<*xf32>
}

// -----

// Tests Shape with start/end, Size, Range and Tile.
// CHECK-LABEL: func.func @shape_ops
// CHECK: "onnx.Shape"{{.*}} -> tensor<2xi64>
// CHECK: "onnx.Size"{{.*}} -> tensor<i64>
// CHECK: "onnx.Range"{{.*}} -> tensor<4xi64>
// CHECK: "onnx.Tile"{{.*}} -> tensor<4x3x8xf32>
func.func @shape_ops(%x: tensor<2x3x4xf32>) -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>) {
  %0 = "onnx.Shape"(%x) {start = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<*xi64>
  %1 = "onnx.Size"(%x) : (tensor<2x3x4xf32>) -> tensor<*xi64>
  %a = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %b = "onnx.Constant"() {value = dense<9> : tensor<i64>} : () -> tensor<i64>
  %c = "onnx.Constant"() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %2 = "onnx.Range"(%a, %b, %c) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %r = "onnx.Constant"() {value = dense<[2, 1, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %3 = "onnx.Tile"(%x, %r) : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>
}

// -----

// Tests Transpose (default and explicit perm), Concat with a symbolic
// non-axis dim, Split by sizes and by num_outputs.
// CHECK-LABEL: func.func @data_movement
// CHECK: "onnx.Transpose"{{.*}} -> tensor<4x3x?xf32, #onnx.dims<["", "", "N"]>>
// CHECK: "onnx.Concat"{{.*}} -> tensor<?x7x4xf32, #onnx.dims<["N", "", ""]>>
// CHECK: "onnx.Split"{{.*}} -> (tensor<?x2x4xf32, #onnx.dims<["N", "", ""]>>, tensor<?x5x4xf32, #onnx.dims<["N", "", ""]>>)
// CHECK: "onnx.Split"{{.*}} -> (tensor<?x3x4xf32, #onnx.dims<["N", "", ""]>>, tensor<?x3x4xf32, #onnx.dims<["N", "", ""]>>, tensor<?x1x4xf32, #onnx.dims<["N", "", ""]>>)
func.func @data_movement(%x: tensor<?x3x4xf32, #onnx.dims<["N", "", ""]>>, %y: tensor<?x4x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Transpose"(%x) : (tensor<?x3x4xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xf32>
  %1 = "onnx.Concat"(%y, %x) {axis = 1 : i64} : (tensor<?x4x4xf32>, tensor<?x3x4xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xf32>
  %sizes = "onnx.Constant"() {value = dense<[2, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %2:2 = "onnx.Split"(%1, %sizes) {axis = 1 : i64} : (tensor<*xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  %none = onnx.NoValue
  %3:3 = "onnx.Split"(%1, %none) {axis = -2 : i64, num_outputs = 3 : i64} : (tensor<*xf32>, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0, %2#1, %3#2, %3#0 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests Slice with negative starts, clamped ends, steps (also negative),
// and a whole-dim slice keeping a symbol.
// CHECK-LABEL: func.func @slice
// CHECK: "onnx.Slice"{{.*}} -> tensor<?x3x3xf32, #onnx.dims<["N", "", ""]>>
// CHECK: "onnx.Slice"{{.*}} -> tensor<?x10x4xf32, #onnx.dims<["N", "", ""]>>
func.func @slice(%x: tensor<?x10x5xf32, #onnx.dims<["N", "", ""]>>) -> (tensor<*xf32>, tensor<*xf32>) {
  %starts = "onnx.Constant"() {value = dense<[-3, 0, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %ends = "onnx.Constant"() {value = dense<[100, 9223372036854775807, -100]> : tensor<3xi64>} : () -> tensor<3xi64>
  %axes = "onnx.Constant"() {value = dense<[1, 0, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %steps = "onnx.Constant"() {value = dense<[1, 1, -2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = "onnx.Slice"(%x, %starts, %ends, %axes, %steps) : (tensor<?x10x5xf32, #onnx.dims<["N", "", ""]>>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>) -> tensor<*xf32>
  %s1 = "onnx.Constant"() {value = dense<[1]> : tensor<1xi32>} : () -> tensor<1xi32>
  %e1 = "onnx.Constant"() {value = dense<[5]> : tensor<1xi32>} : () -> tensor<1xi32>
  %a1 = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi32>} : () -> tensor<1xi32>
  %none = onnx.NoValue
  %1 = "onnx.Slice"(%x, %s1, %e1, %a1, %none) : (tensor<?x10x5xf32, #onnx.dims<["N", "", ""]>>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>, none) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests Gather (embedding lookup), GatherElements, Squeeze and Unsqueeze.
// CHECK-LABEL: func.func @gather_squeeze
// CHECK: "onnx.Gather"{{.*}} -> tensor<?x?x768xf32, #onnx.dims<["B", "S", ""]>>
// CHECK: "onnx.GatherElements"{{.*}} -> tensor<2x2xf32>
// CHECK: "onnx.Unsqueeze"{{.*}} -> tensor<?x1x1x?xi64, #onnx.dims<["B", "", "", "S"]>>
// CHECK: "onnx.Squeeze"{{.*}} -> tensor<?x?xi64, #onnx.dims<["B", "S"]>>
// CHECK: "onnx.Squeeze"{{.*}} -> tensor<3xf32>
func.func @gather_squeeze(%table: tensor<30522x768xf32>, %ids: tensor<?x?xi64, #onnx.dims<["B", "S"]>>, %d: tensor<2x3xf32>, %i: tensor<2x2xi64>, %o: tensor<1x3x1xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>) {
  %0 = "onnx.Gather"(%table, %ids) {axis = 0 : i64} : (tensor<30522x768xf32>, tensor<?x?xi64, #onnx.dims<["B", "S"]>>) -> tensor<*xf32>
  %1 = "onnx.GatherElements"(%d, %i) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<*xf32>
  %axes = "onnx.Constant"() {value = dense<[1, -2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %2 = "onnx.Unsqueeze"(%ids, %axes) : (tensor<?x?xi64, #onnx.dims<["B", "S"]>>, tensor<2xi64>) -> tensor<*xi64>
  %3 = "onnx.Squeeze"(%2, %axes) : (tensor<*xi64>, tensor<2xi64>) -> tensor<*xi64>
  %none = onnx.NoValue
  %4 = "onnx.Squeeze"(%o, %none) : (tensor<1x3x1xf32>, none) -> tensor<*xf32>
  return %0, %1, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xf32>
}

// -----

// Tests Pad with constant pads (and an axes input) and Resize by scales
// and by sizes.
// CHECK-LABEL: func.func @pad_resize
// CHECK: "onnx.Pad"{{.*}} -> tensor<?x3x7x8xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.Pad"{{.*}} -> tensor<?x3x5x9xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.Resize"{{.*}} -> tensor<?x3x10x12xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.Resize"{{.*}} -> tensor<1x3x7x9xf32>
func.func @pad_resize(%x: tensor<?x3x5x6xf32, #onnx.dims<["N", "", "", ""]>>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %none = onnx.NoValue
  %pads = "onnx.Constant"() {value = dense<[0, 0, 1, 0, 0, 0, 1, 2]> : tensor<8xi64>} : () -> tensor<8xi64>
  %0 = "onnx.Pad"(%x, %pads, %none, %none) : (tensor<?x3x5x6xf32, #onnx.dims<["N", "", "", ""]>>, tensor<8xi64>, none, none) -> tensor<*xf32>
  %pads2 = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Pad"(%x, %pads2, %none, %ax) : (tensor<?x3x5x6xf32, #onnx.dims<["N", "", "", ""]>>, tensor<2xi64>, none, tensor<1xi64>) -> tensor<*xf32>
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %2 = "onnx.Resize"(%x, %none, %scales, %none) : (tensor<?x3x5x6xf32, #onnx.dims<["N", "", "", ""]>>, none, tensor<4xf32>, none) -> tensor<*xf32>
  %sizes = "onnx.Constant"() {value = dense<[1, 3, 7, 9]> : tensor<4xi64>} : () -> tensor<4xi64>
  %3 = "onnx.Resize"(%x, %none, %none, %sizes) : (tensor<?x3x5x6xf32, #onnx.dims<["N", "", "", ""]>>, none, none, tensor<4xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests NonZero's dynamic dim and TopK's K from a constant.
// CHECK-LABEL: func.func @dynamic_results
// CHECK: "onnx.NonZero"{{.*}} -> tensor<2x?xi64>
// CHECK: "onnx.TopK"{{.*}} -> (tensor<?x5xf32, #onnx.dims<["N", ""]>>, tensor<?x5xi64, #onnx.dims<["N", ""]>>)
func.func @dynamic_results(%x: tensor<3x4xf32>, %y: tensor<?x10xf32, #onnx.dims<["N", ""]>>) -> (tensor<*xi64>, tensor<*xf32>, tensor<*xi64>) {
  %0 = "onnx.NonZero"(%x) : (tensor<3x4xf32>) -> tensor<*xi64>
  %k = "onnx.Constant"() {value = dense<[5]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1:2 = "onnx.TopK"(%y, %k) : (tensor<?x10xf32, #onnx.dims<["N", ""]>>, tensor<1xi64>) -> (tensor<*xf32>, tensor<*xi64>)
  return %0, %1#0, %1#1 : tensor<*xi64>, tensor<*xf32>, tensor<*xi64>
}
