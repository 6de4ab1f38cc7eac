// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that 4-D RotaryEmbedding with position_ids and a partial rotation
// checks the positions against the cache rows at run time, rotates the first
// rotary_embedding_dim entries (the partner of entry d is d + half or
// d - half, the cache row is position_ids[b, s]) and copies the rest through.
// CHECK-LABEL: func.func @rotary_4d_positions
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x3x8xf32>, %[[COS:.*]]: tensor<50x2xf32>, %[[SIN:.*]]: tensor<50x2xf32>, %[[POS:.*]]: tensor<2x3xi64>)
// CHECK: %[[OK:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[POS]] : tensor<2x3xi64>) outs(%{{.*}} : tensor<i1>)
// CHECK: arith.cmpi sge
// CHECK: arith.constant 50 : i64
// CHECK: arith.cmpi slt
// CHECK: %[[FLAG:.*]] = tensor.extract %[[OK]][]
// CHECK: cf.assert %[[FLAG]], "onnx.RotaryEmbedding: position_ids out of range of the cos/sin caches (0..49)"
// CHECK: %[[ROT:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [2, 4, 3, 4] [1, 1, 1, 1]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ROT]] : tensor<2x4x3x4xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = linalg.index 3
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %[[D]], %c2
// CHECK: %[[LOW:.*]] = arith.subi %[[D]], %c2
// CHECK: %[[FREQ:.*]] = arith.select %[[FIRST]], %[[D]], %[[LOW]]
// CHECK: %[[HIGH:.*]] = arith.addi %[[D]], %c2
// CHECK: %[[PARTNER:.*]] = arith.select %[[FIRST]], %[[HIGH]], %[[LOW]]
// CHECK: %[[OTHER:.*]] = tensor.extract %[[ROT]][%{{.*}}, %{{.*}}, %{{.*}}, %[[PARTNER]]]
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[S:.*]] = linalg.index 2
// CHECK: %[[P:.*]] = tensor.extract %[[POS]][%[[B]], %[[S]]]
// CHECK: %[[ROW:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK: %[[C:.*]] = tensor.extract %[[COS]][%[[ROW]], %[[FREQ]]]
// CHECK: %[[SN:.*]] = tensor.extract %[[SIN]][%[[ROW]], %[[FREQ]]]
// CHECK: %[[OWN:.*]] = arith.mulf %[[C]], %[[IN]]
// CHECK: %[[CROSS:.*]] = arith.mulf %[[SN]], %[[OTHER]]
// CHECK: %[[IMAG:.*]] = arith.addf %[[CROSS]], %[[OWN]]
// CHECK: %[[REAL:.*]] = arith.subf %[[OWN]], %[[CROSS]]
// CHECK: arith.select %[[FIRST]], %[[REAL]], %[[IMAG]]
// CHECK: %[[R:.*]] = tensor.insert_slice %[[Y]] into %[[X]][0, 0, 0, 0] [2, 4, 3, 4] [1, 1, 1, 1]
// CHECK: return %[[R]]
func.func @rotary_4d_positions(%x: tensor<2x4x3x8xf32>, %cos: tensor<50x2xf32>, %sin: tensor<50x2xf32>, %pos: tensor<2x3xi64>) -> tensor<2x4x3x8xf32> {
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %pos) {rotary_embedding_dim = 4 : i64} : (tensor<2x4x3x8xf32>, tensor<50x2xf32>, tensor<50x2xf32>, tensor<2x3xi64>) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}

// -----

// Tests that 3-D interleaved RotaryEmbedding without position_ids views the
// input as [B, S, heads, D], pairs entry d with d + 1 (even d) or d - 1,
// reads cache[b, s, d / 2] (the batch of size 1 broadcast) and collapses the
// heads back; nothing is sliced when the whole head rotates.
// CHECK-LABEL: func.func @rotary_3d_interleaved
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x16xf32>, %[[COS:.*]]: tensor<1x3x4xf32>, %[[SIN:.*]]: tensor<1x3x4xf32>)
// CHECK-NOT: cf.assert
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[H:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [1, 3, 2, 8]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]] : tensor<1x3x2x8xf32>)
// CHECK: %[[D:.*]] = linalg.index 3
// CHECK: %[[ODD:.*]] = arith.remui %[[D]], %c2
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[ODD]], %c0
// CHECK: %[[FREQ:.*]] = arith.divui %[[D]], %c2
// CHECK: %[[PREV:.*]] = arith.subi %[[D]], %c1
// CHECK: %[[NEXT:.*]] = arith.addi %[[D]], %c1
// CHECK: %[[PARTNER:.*]] = arith.select %[[FIRST]], %[[NEXT]], %[[PREV]]
// CHECK: tensor.extract %[[H]][%{{.*}}, %{{.*}}, %{{.*}}, %[[PARTNER]]]
// CHECK: %[[S:.*]] = linalg.index 1
// CHECK: tensor.extract %[[COS]][%{{.*}}, %[[S]], %[[FREQ]]]
// CHECK: tensor.extract %[[SIN]][%{{.*}}, %[[S]], %[[FREQ]]]
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1], [2, 3]] : tensor<1x3x2x8xf32> into tensor<1x3x16xf32>
// CHECK: return %[[R]]
func.func @rotary_3d_interleaved(%x: tensor<1x3x16xf32>, %cos: tensor<1x3x4xf32>, %sin: tensor<1x3x4xf32>) -> tensor<1x3x16xf32> {
  %n = onnx.NoValue
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %n) {interleaved = 1 : i64, num_heads = 2 : i64} : (tensor<1x3x16xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>, none) -> tensor<1x3x16xf32>
  return %0 : tensor<1x3x16xf32>
}
