// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that If becomes scf.if on the extracted condition, each branch
// yielding its (converted) value.
// CHECK-LABEL: func.func @if_select
// CHECK: %[[C:.*]] = tensor.extract %{{.*}}[] : tensor<i1>
// CHECK: %[[R:.*]] = scf.if %[[C]] -> (tensor<2xf32>)
// CHECK: linalg.generic
// CHECK: scf.yield %{{.*}} : tensor<2xf32>
// CHECK: } else {
// CHECK: scf.yield %{{.*}} : tensor<2xf32>
// CHECK: return %[[R]]
func.func @if_select(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.If"(%c) ({
    %1 = "onnx.Add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }, {
    onnx.Yield %b : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests that branches of different static shapes are cast to the If's
// dynamic result type.
// CHECK-LABEL: func.func @if_cast
// CHECK: scf.if %{{.*}} -> (tensor<?xi64>)
// CHECK: tensor.cast %{{.*}} : tensor<1xi64> to tensor<?xi64>
// CHECK: tensor.cast %{{.*}} : tensor<0xi64> to tensor<?xi64>
func.func @if_cast(%c: tensor<i1>, %a: tensor<1xi64>, %b: tensor<0xi64>) -> tensor<?xi64> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %a : tensor<1xi64>
  }, {
    onnx.Yield %b : tensor<0xi64>
  }) : (tensor<i1>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Tests that Scan becomes an scf.for over the scanned dim carrying the state
// and the stacked output: the body reads slice i of the input and its
// element is inserted at i.
// CHECK-LABEL: func.func @scan_sum
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %{{.*}}, %[[Y:.*]] = %[[OUT]]) -> (tensor<2xf32>, tensor<3x2xf32>)
// CHECK: %[[X:.*]] = tensor.extract_slice %{{.*}}[%[[I]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[X]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[Y]][%[[I]], 0] [1, 2] [1, 1]
// CHECK: scf.yield %[[SUM]], %[[INS]]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @scan_sum(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%s: tensor<2xf32>, %e: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// Tests that a reversed scan input on axis 1 and a reversed scan output read
// and write position length - 1 - i.
// CHECK-LABEL: func.func @scan_reverse_axis
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N:.*]] step
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[REV:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: tensor.extract_slice %{{.*}}[0, %[[REV]]] [2, 1] [1, 1] : tensor<2x4xf32> to tensor<2xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[REV]], 0] [1, 2] [1, 1]
func.func @scan_reverse_axis(%x: tensor<2x4xf32>) -> tensor<4x2xf32> {
  %0 = "onnx.Scan"(%x) <{num_scan_inputs = 1 : i64, scan_input_axes = [1], scan_input_directions = [1], scan_output_directions = [1]}> ({
  ^bb0(%e: tensor<2xf32>):
    %1 = "onnx.Neg"(%e) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }) : (tensor<2x4xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that Loop with a trip count and a condition becomes scf.while on
// (i < M && cond), the body yielding i + 1, its condition and the carried
// value.
// CHECK-LABEL: func.func @loop_while
// CHECK: %[[M:.*]] = tensor.extract %arg0[] : tensor<i64>
// CHECK: scf.while (%[[I:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}, %{{.*}} = %arg2) : (i64, i1, tensor<2xf32>)
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I]], %[[M]] : i64
// CHECK: %[[GO:.*]] = arith.andi %[[LT]], %[[C]] : i1
// CHECK: scf.condition(%[[GO]])
// CHECK: } do {
// CHECK: linalg.generic
// CHECK: arith.addi
// CHECK: scf.yield
func.func @loop_while(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.Loop"(%m, %c, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %1 = "onnx.Add"(%yi, %yi) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %ci, %1 : tensor<i1>, tensor<2xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests that Loop with scan outputs, a constant trip count and no condition
// becomes an scf.for stacking each iteration's element.
// CHECK-LABEL: func.func @loop_static_scan
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %arg0, %[[Y:.*]] = %[[OUT]])
// CHECK: linalg.generic
// CHECK: tensor.insert_slice %{{.*}} into %[[Y]][%[[I]], 0] [1, 2] [1, 1]
func.func @loop_static_scan(%y: tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %m = "onnx.Constant"() <{value = dense<3> : tensor<i64>}> : () -> tensor<i64>
  %none = onnx.NoValue
  %0:2 = "onnx.Loop"(%m, %none, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %1 = "onnx.Add"(%yi, %yi) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %ci, %1, %1 : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }) : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// Tests that Loop with scan outputs and a run-time trip count carries a
// growing buffer per scan output through the scf.while (doubled when the
// next element does not fit) and returns the prefix of the iteration count.
// CHECK-LABEL: func.func @loop_runtime_scan
// CHECK: %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?x2xf32>
// CHECK: scf.while ({{.*}}%[[B:.*]] = %[[EMPTY]]) : (i64, i1, tensor<2xf32>, tensor<?x2xf32>)
// CHECK: } do {
// CHECK: arith.cmpi uge
// CHECK: scf.if
// CHECK: arith.muli
// CHECK: tensor.insert_slice
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0] [1, 2] [1, 1]
// CHECK: %[[N:.*]] = arith.index_cast %{{.*}}#0 : i64 to index
// CHECK: tensor.extract_slice %{{.*}}#3[0, 0] [%[[N]], 2] [1, 1]
func.func @loop_runtime_scan(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %0:2 = "onnx.Loop"(%m, %c, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %1 = "onnx.Add"(%yi, %yi) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %ci, %1, %1 : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<?x2xf32>
}
