// RUN: kiln-opt %s -kiln-onnx-import | FileCheck %s
// RUN: kiln-opt %s -kiln-onnx-import=canonicalize=false | FileCheck %s --check-prefix=NOCANON

// Tests that the import pipeline infers shapes, then drops dead shape
// arithmetic and deduplicates constants.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> tensor<?x8xf32, #onnx.dims<["N", ""]>>
// CHECK-COUNT-1: "onnx.Constant"
// CHECK-NOT: "onnx.Constant"
// CHECK-NOT: "onnx.Size"
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x8xf32, #onnx.dims<["N", ""]>>
// NOCANON: "onnx.Size"
func.func @main_graph(%x: tensor<?x2x4xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xf32> {
  %unused = "onnx.Size"(%x) : (tensor<?x2x4xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xi64>
  %s0 = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s1 = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %s0) : (tensor<?x2x4xf32, #onnx.dims<["N", "", ""]>>, tensor<2xi64>) -> tensor<*xf32>
  %1 = "onnx.Reshape"(%0, %s1) : (tensor<*xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}
