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

// Tests that 3-D causal Attention with a boolean mask reads the heads in
// place ([B, S, heads, H] views, no transposes), and that the softmax takes
// the row max of the scaled, masked (select, causal triangle) scores without
// materializing them, exponentiates, sums, and divides Y (written in
// [B, S, heads, H] order) by the row sums after the product with V.
// CHECK-DAG: #[[$QMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK-DAG: #[[$KMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>
// CHECK-DAG: #[[$VMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>
// CHECK-DAG: #[[$YMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func.func @attention_3d_causal_mask
// CHECK-NOT: linalg.transpose
// CHECK: %[[Q:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 8]
// CHECK: %[[K:.*]] = tensor.expand_shape %arg1
// CHECK: linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP]], {{.*}}]
// CHECK-SAME: ins(%[[Q]], %[[K]] : tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32>)
// CHECK-SAME: outs(%{{.*}} : tensor<2x2x3x3xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: ins(%[[S:[^,]*]], %arg3 : tensor<2x2x3x3xf32>, tensor<3x3xi1>) outs(%{{.*}} : tensor<2x2x3xf32>)
// CHECK: arith.select
// CHECK: linalg.index 3
// CHECK: arith.cmpi sgt
// CHECK: arith.maxnumf
// CHECK: %[[E:.*]] = linalg.generic
// CHECK-SAME: ins(%[[S]], %arg3, %[[MAX]] :
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: ins(%[[E]] : tensor<2x2x3x3xf32>) outs(%{{.*}} : tensor<2x2x3xf32>)
// CHECK: arith.addf
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [{{.*}}, #[[$VMAP]], #[[$YMAP]]]
// CHECK-SAME: ins(%[[E]], %{{.*}} : tensor<2x2x3x3xf32>, tensor<2x3x2x8xf32>)
// CHECK-SAME: outs(%{{.*}} : tensor<2x3x2x8xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<2x2x3xf32>) outs(%[[Y]] : tensor<2x3x2x8xf32>)
// CHECK: arith.divf
// CHECK-NOT: linalg.transpose
// CHECK: tensor.collapse_shape
// CHECK-SAME: into tensor<2x3x16xf32>
func.func @attention_3d_causal_mask(%q: tensor<2x3x16xf32>, %k: tensor<2x3x16xf32>, %v: tensor<2x3x16xf32>, %m: tensor<3x3xi1>) -> tensor<2x3x16xf32> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %m, %n, %n, %n) {is_causal = 1 : i64, q_num_heads = 2 : i64, kv_num_heads = 2 : i64} : (tensor<2x3x16xf32>, tensor<2x3x16xf32>, tensor<2x3x16xf32>, tensor<3x3xi1>, none, none, none) -> (tensor<2x3x16xf32>, none, none, none)
  return %y : tensor<2x3x16xf32>
}

// -----

// Tests that 3-D Attention returning present key/value splits the heads
// into [B, heads, S, H] (materialized transposes) and merges Y back.
// CHECK-LABEL: func.func @attention_3d_present
// CHECK: linalg.transpose
// CHECK-SAME: permutation = [0, 2, 1, 3]
// CHECK: math.exp
// CHECK: linalg.transpose
// CHECK-SAME: permutation = [0, 2, 1, 3]
// CHECK: tensor.collapse_shape
// CHECK-SAME: into tensor<1x3x16xf32>
func.func @attention_3d_present(%q: tensor<1x3x16xf32>, %k: tensor<1x3x16xf32>, %v: tensor<1x3x16xf32>) -> (tensor<1x3x16xf32>, tensor<1x2x3x8xf32>) {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %n, %n, %n, %n) {q_num_heads = 2 : i64, kv_num_heads = 2 : i64} : (tensor<1x3x16xf32>, tensor<1x3x16xf32>, tensor<1x3x16xf32>, none, none, none, none) -> (tensor<1x3x16xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, none)
  return %y, %pk : tensor<1x3x16xf32>, tensor<1x2x3x8xf32>
}

// -----

// Tests that float16 attention computes in f32: Q, K and V are widened
// first, the scores, softmax and product stay in f32, and only Y is rounded
// back to f16.
// CHECK-LABEL: func.func @attention_f16
// CHECK-COUNT-3: arith.extf %{{.*}} : f16 to f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @attention_f16(%q: tensor<1x2x3x8xf16>, %k: tensor<1x2x5x8xf16>, %v: tensor<1x2x5x8xf16>) -> tensor<1x2x3x8xf16> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %n, %n, %n, %n) : (tensor<1x2x3x8xf16>, tensor<1x2x5x8xf16>, tensor<1x2x5x8xf16>, none, none, none, none) -> (tensor<1x2x3x8xf16>, none, none, none)
  return %y : tensor<1x2x3x8xf16>
}

// -----

// Tests that nonpad_kv_seqlen masks the keys at j >= nonpad[b]: the batch's
// length is read per score and compared with the key index.
// CHECK-LABEL: func.func @attention_nonpad
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x2x3x5xf32>, tensor<2xi64>)
// CHECK: %[[J:.*]] = linalg.index 3 : index
// CHECK: %[[JI:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK: arith.cmpi sge, %[[JI]], %{{.*}} : i64
// CHECK: math.exp
func.func @attention_nonpad(%q: tensor<2x2x3x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x8xf32>, %np: tensor<2xi64>) -> tensor<2x2x3x8xf32> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %n, %n, %n, %np) : (tensor<2x2x3x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, none, none, none, tensor<2xi64>) -> (tensor<2x2x3x8xf32>, none, none, none)
  return %y : tensor<2x2x3x8xf32>
}
