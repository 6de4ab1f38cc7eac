// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that CumSum along a constant axis folds the prefix j <= i through an
// extra reduction dim reading the input at j.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: arith.cmpi sle, %[[J]], %[[I]] : index
// CHECK: arith.addf
func.func @cumsum(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.CumSum"(%x, %a) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that CumProd with a run-time axis builds one scan per candidate axis
// and selects by the axis value; reverse exclusive keeps j > i.
// CHECK-LABEL: func.func @cumprod_dynamic_axis
// CHECK: arith.cmpi sgt
// CHECK: arith.muli
// CHECK: arith.cmpi sgt
// CHECK: arith.muli
// CHECK: tensor.extract %{{.*}}[] : tensor<i32>
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi32>
func.func @cumprod_dynamic_axis(%x: tensor<2x3xi32>, %a: tensor<i32>) -> tensor<2x3xi32> {
  %0 = "onnx.CumProd"(%x, %a) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x3xi32>, tensor<i32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
