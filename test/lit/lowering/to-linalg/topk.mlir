// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that TopK ranks every element along the axis with a reduction
// generic (greater, or equal at a lower index, comes first) and then
// selects the element of rank j for each of the k outputs, values and
// indices together.
// CHECK-LABEL: func.func @top_k
// CHECK: %[[RANKS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-DAG: arith.cmpf ogt
// CHECK-DAG: arith.cmpf oeq
// CHECK-DAG: arith.cmpi ult
// CHECK: arith.ori
// CHECK: arith.addi
// CHECK: %[[SEL:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}}, %[[RANKS]] : tensor<3x4xf32>, tensor<3x4xi64>) outs(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<3x2xi64>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.select
// CHECK: return %[[SEL]]#0, %[[SEL]]#1
func.func @top_k(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %0:2 = "onnx.TopK"(%x, %k) {axis = 1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Tests that smallest-first TopK of unsigned integers compares unsigned.
// CHECK-LABEL: func.func @top_k_smallest_unsigned
// CHECK: arith.cmpi ult
func.func @top_k_smallest_unsigned(%x: tensor<5xui64>, %k: tensor<1xi64>) -> (tensor<3xui64>, tensor<3xi64>) {
  %0:2 = "onnx.TopK"(%x, %k) {largest = 0 : i64} : (tensor<5xui64>, tensor<1xi64>) -> (tensor<3xui64>, tensor<3xi64>)
  return %0#0, %0#1 : tensor<3xui64>, tensor<3xi64>
}
