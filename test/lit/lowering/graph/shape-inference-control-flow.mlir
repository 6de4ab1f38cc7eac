// RUN: kiln-opt %s -onnx-shape-inference -split-input-file | FileCheck %s

// Tests that If results join what both branches yield: equal dims stay,
// different dims become unknown.
// CHECK-LABEL: func.func @if
// CHECK: "onnx.Add"{{.*}} -> tensor<?x4xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Relu"{{.*}} -> tensor<?x4xf32, #onnx.dims<["N", ""]>>
// CHECK: }) : (tensor<i1>) -> (tensor<?x4xf32, #onnx.dims<["N", ""]>>, tensor<?xf32>)
func.func @if(%c: tensor<i1>, %x: tensor<?x4xf32, #onnx.dims<["N", ""]>>, %a: tensor<3xf32>, %b: tensor<5xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0:2 = "onnx.If"(%c) ({
    %t = "onnx.Add"(%x, %x) : (tensor<?x4xf32, #onnx.dims<["N", ""]>>, tensor<?x4xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32>
    onnx.Yield %t, %a : tensor<*xf32>, tensor<3xf32>
  }, {
    %e = "onnx.Relu"(%x) : (tensor<?x4xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32>
    onnx.Yield %e, %b : tensor<*xf32>, tensor<5xf32>
  }) : (tensor<i1>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a Loop body gets its iteration count, condition and
// loop-carried types (rank kept, dims free), and that scan outputs stack
// M iterations.
// CHECK-LABEL: func.func @loop
// CHECK: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %{{.*}}: tensor<?x?xf32>):
// CHECK: "onnx.Add"{{.*}} -> tensor<?x?xf32>
// CHECK: }) : (tensor<i64>, none, tensor<2x3xf32>) -> (tensor<?x?xf32>, tensor<5x?x?xf32>)
func.func @loop(%x: tensor<2x3xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %m = "onnx.Constant"() {value = dense<5> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  %0:2 = "onnx.Loop"(%m, %none, %x) ({
  ^bb0(%i: tensor<*xi64>, %cond: tensor<*xi1>, %acc: tensor<*xf32>):
    %next = "onnx.Add"(%acc, %acc) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %cond, %next, %next : tensor<*xi1>, tensor<*xf32>, tensor<*xf32>
  }) : (tensor<i64>, none, tensor<2x3xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests that a Scan body sees one slice of each scan input, and that scan
// outputs gain the scanned dim.
// CHECK-LABEL: func.func @scan
// CHECK: ^bb0(%{{.*}}: tensor<?xf32>, %{{.*}}: tensor<4xf32>):
// CHECK: }) : (tensor<4xf32>, tensor<?x4xf32, #onnx.dims<["T", ""]>>) -> (tensor<4xf32>, tensor<?x4xf32, #onnx.dims<["T", ""]>>)
func.func @scan(%init: tensor<4xf32>, %xs: tensor<?x4xf32, #onnx.dims<["T", ""]>>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0:2 = "onnx.Scan"(%init, %xs) ({
  ^bb0(%state: tensor<*xf32>, %x: tensor<*xf32>):
    %s = "onnx.Add"(%state, %x) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %s, %s : tensor<*xf32>, tensor<*xf32>
  }) {num_scan_inputs = 1 : i64} : (tensor<4xf32>, tensor<?x4xf32, #onnx.dims<["T", ""]>>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1 : tensor<*xf32>, tensor<*xf32>
}
