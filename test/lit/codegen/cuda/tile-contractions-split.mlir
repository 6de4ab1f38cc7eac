// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-tile-contractions{min-tiles=32}))' \
// RUN:   | FileCheck %s

// Tests that a matmul with few outputs and a long reduction splits it:
// 2x2 tiles of 4x4 times 8 chunks of 64 = 32 threads, each summing its
// chunk from 0 and adding the tile into the output atomically.

// CHECK-LABEL: func.func @split_k
// CHECK: scf.parallel (%[[S:.*]], %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%c8, %c2{{.*}}, %c2{{.*}})
// CHECK: %[[LB:.*]] = arith.muli %[[S]], %c64
// CHECK: %[[END:.*]] = arith.addi %[[LB]], %c64
// CHECK: %[[UB:.*]] = arith.minsi %[[END]], %c512
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]]:16 = scf.for %{{.*}} = %[[LB]] to %[[UB]] step %c1 iter_args(%{{.*}} = %[[ZERO]],
// CHECK-COUNT-16: memref.atomic_rmw addf
// CHECK-NOT: memref.store
func.func @split_k(%a: memref<8x512xf32>, %b: memref<512x8xf32>, %c: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x512xf32>, memref<512x8xf32>) outs(%c : memref<8x8xf32>)
  return
}

// -----

// Tests that a payload that is not a sum (max) is not split: the smaller
// 1x2 tiles give the 32 threads instead.

// CHECK-LABEL: func.func @max_not_split
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c8, %c4)
// CHECK: scf.for %{{.*}} = %c0 to %c512
// CHECK-NOT: memref.atomic_rmw
// CHECK: return
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @max_not_split(%a: memref<8x512xf32>, %b: memref<512x8xf32>, %c: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x512xf32>, memref<512x8xf32>) outs(%c : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a GEMV (one output row) tiles only the columns: 1x4 tiles
// times 16 chunks of 128 give the 32 threads.

// CHECK-LABEL: func.func @gemv
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%c16, %c1{{.*}}, %c2)
// CHECK: memref.atomic_rmw addf
func.func @gemv(%a: memref<1x2048xf32>, %b: memref<2048x8xf32>, %c: memref<1x8xf32>) {
  linalg.matmul ins(%a, %b : memref<1x2048xf32>, memref<2048x8xf32>) outs(%c : memref<1x8xf32>)
  return
}
