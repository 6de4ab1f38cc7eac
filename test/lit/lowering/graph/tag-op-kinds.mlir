// RUN: kiln-opt %s -onnx-tag-op-kinds -mlir-print-debuginfo | FileCheck %s

#c0 = loc("c0"("m.onnx":0:0))
#relu0 = loc("relu0"("m.onnx":0:0))
#add0 = loc("add0"("m.onnx":0:0))

// Tests that onnx ops get their op type as fused-location metadata around
// the node's location, that constants are left alone and that an op
// already tagged is not tagged twice.
// CHECK-LABEL: func.func @tagged
// CHECK: "onnx.Constant"{{.*}} loc(#[[C:loc[0-9]*]])
// CHECK: "onnx.Relu"{{.*}} loc(#[[R:loc[0-9]*]])
// CHECK: "onnx.Add"{{.*}} loc(#[[A:loc[0-9]*]])
// CHECK-DAG: #[[C]] = loc("c0"(
// CHECK-DAG: #[[N:loc[0-9]*]] = loc("relu0"(
// CHECK-DAG: #[[R]] = loc(fused<"Relu">[#[[N]]])
// CHECK-DAG: #[[M:loc[0-9]*]] = loc("add0"(
// CHECK-DAG: #[[A]] = loc(fused<"Add">[#[[M]]])
func.func @tagged(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = "onnx.Constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<4xf32> loc(#c0)
  %0 = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> loc(#relu0)
  %1 = "onnx.Add"(%0, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc(fused<"Add">[#add0])
  return %1 : tensor<4xf32>
}
