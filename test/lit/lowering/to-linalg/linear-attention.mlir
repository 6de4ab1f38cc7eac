// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that gated_delta LinearAttention with grouped query heads, a
// per-head decay and a scalar beta runs an scf.for over the time steps
// carrying the zero-initialized state and the stacked outputs: per step the
// retrieval r = (exp(g) * S)ᵀ k, the update S' = exp(g) * S + k ⊗ beta * (v - r)
// and the read o = q · S'[h floordiv 2]; Y is scaled by 1/sqrt(d_k) after the
// loop and the heads packed back.
// CHECK-DAG: #[[ST:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
// CHECK-DAG: #[[HEADG:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0)>
// CHECK-DAG: #[[BETA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0)>
// CHECK-DAG: #[[GQA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d3, d2)>
// CHECK-LABEL: func.func @linear_attention_gated_delta_gqa
// CHECK: %[[Q:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [1, 3, 4, 4]
// CHECK: %[[S0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x4x3xf32>)
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%[[S:.*]] = %[[S0]], %[[YS:.*]] = %{{.*}}) -> (tensor<1x2x4x3xf32>, tensor<1x3x4x3xf32>)
// CHECK: %[[QT:.*]] = tensor.extract_slice %[[Q]][0, %[[T]], 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x3x4x4xf32> to tensor<1x4x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ST]], #{{.*}}, #[[HEADG]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[S]], %{{.*}}, %{{.*}} : tensor<1x2x4x3xf32>, tensor<1x2x4xf32>, tensor<1x2x1xf32>) outs(%{{.*}} : tensor<1x2x3xf32>)
// CHECK: math.exp
// CHECK: %[[NEXT:.*]] = linalg.generic {indexing_maps = [{{.*}}, #[[BETA]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[S]], %{{.*}}, %{{.*}}, %{{.*}}, %[[R]], %{{.*}} : {{.*}}) outs(%{{.*}} : tensor<1x2x4x3xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[O:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[GQA]], #{{.*}}], {{.*}} ins(%[[QT]], %[[NEXT]] : tensor<1x4x4xf32>, tensor<1x2x4x3xf32>) outs(%{{.*}} : tensor<1x4x3xf32>)
// CHECK: %[[STACK:.*]] = tensor.insert_slice %[[O]] into %[[YS]][0, %[[T]], 0, 0] [1, 1, 4, 3]
// CHECK: scf.yield %[[NEXT]], %[[STACK]]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<1x3x4x3xf32>)
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: %[[P:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1], [2, 3]] : tensor<1x3x4x3xf32> into tensor<1x3x12xf32>
// CHECK: return %[[P]], %[[LOOP]]#0
func.func @linear_attention_gated_delta_gqa(%q: tensor<1x3x16xf32>, %k: tensor<1x3x8xf32>, %v: tensor<1x3x6xf32>, %g: tensor<1x3x2xf32>, %b: tensor<1x3x1xf32>) -> (tensor<1x3x12xf32>, tensor<1x2x4x3xf32>) {
  %n = onnx.NoValue
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %n, %g, %b) {q_num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<1x3x16xf32>, tensor<1x3x8xf32>, tensor<1x3x6xf32>, none, tensor<1x3x2xf32>, tensor<1x3x1xf32>) -> (tensor<1x3x12xf32>, tensor<1x2x4x3xf32>)
  return %y, %s : tensor<1x3x12xf32>, tensor<1x2x4x3xf32>
}

// -----

// Tests that fp16 linear LinearAttention with a past state and an explicit
// scale widens its inputs to f32, starts from the widened past state, has no
// retrieval or decay, and rounds Y and present_state back to f16.
// CHECK-LABEL: func.func @linear_attention_fp16_past
// CHECK-SAME: (%{{.*}}: tensor<1x2x4xf16>, %{{.*}}: tensor<1x2x4xf16>, %{{.*}}: tensor<1x2x4xf16>, %[[PAST:.*]]: tensor<1x1x4x4xf16>)
// CHECK-NOT: math.exp
// CHECK: %[[S0:.*]] = linalg.generic {{.*}} ins(%[[PAST]] : tensor<1x1x4x4xf16>) outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK: arith.extf
// CHECK: %[[LOOP:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[S0]], %{{.*}} = %{{.*}})
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: scf.yield
// CHECK: linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<1x2x1x4xf32>) outs(%{{.*}} : tensor<1x2x1x4xf16>)
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK: arith.truncf
// CHECK: %[[PRESENT:.*]] = linalg.generic {{.*}} ins(%[[LOOP]]#0 : tensor<1x1x4x4xf32>) outs(%{{.*}} : tensor<1x1x4x4xf16>)
// CHECK: arith.truncf
// CHECK: return %{{.*}}, %[[PRESENT]]
func.func @linear_attention_fp16_past(%q: tensor<1x2x4xf16>, %k: tensor<1x2x4xf16>, %v: tensor<1x2x4xf16>, %p: tensor<1x1x4x4xf16>) -> (tensor<1x2x4xf16>, tensor<1x1x4x4xf16>) {
  %n = onnx.NoValue
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %p, %n, %n) {q_num_heads = 1 : i64, kv_num_heads = 1 : i64, scale = 0.25 : f32, update_rule = "linear"} : (tensor<1x2x4xf16>, tensor<1x2x4xf16>, tensor<1x2x4xf16>, tensor<1x1x4x4xf16>, none, none) -> (tensor<1x2x4xf16>, tensor<1x1x4x4xf16>)
  return %y, %s : tensor<1x2x4xf16>, tensor<1x1x4x4xf16>
}
