// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that 4-D grouped-query Attention contracts Q with K reading the KV
// head h floordiv 2, scales, softmaxes the last dim and contracts with V.
// CHECK-LABEL: func.func @attention_gqa
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x4x3x5xf32>, tensor<1x2x5x8xf32>)
// CHECK-SAME: outs(%{{.*}} : tensor<1x4x3x8xf32>)
func.func @attention_gqa(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x4x3x8xf32> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %n, %n, %n, %n) : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, none, none, none, none) -> (tensor<1x4x3x8xf32>, none, none, none)
  return %y : tensor<1x4x3x8xf32>
}

// -----

// Tests that 3-D causal Attention with a boolean mask splits the heads,
// masks with a select and the causal triangle, and merges the heads back.
// CHECK-LABEL: func.func @attention_3d_causal_mask
// CHECK: tensor.expand_shape
// CHECK: linalg.transpose
// CHECK: linalg.index 3
// CHECK: arith.cmpi sgt
// CHECK: tensor.collapse_shape
// CHECK-SAME: into tensor<2x3x16xf32>
func.func @attention_3d_causal_mask(%q: tensor<2x3x16xf32>, %k: tensor<2x3x16xf32>, %v: tensor<2x3x16xf32>, %m: tensor<3x3xi1>) -> tensor<2x3x16xf32> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %m, %n, %n, %n) {is_causal = 1 : i64, q_num_heads = 2 : i64, kv_num_heads = 2 : i64} : (tensor<2x3x16xf32>, tensor<2x3x16xf32>, tensor<2x3x16xf32>, tensor<3x3xi1>, none, none, none) -> (tensor<2x3x16xf32>, none, none, none)
  return %y : tensor<2x3x16xf32>
}
