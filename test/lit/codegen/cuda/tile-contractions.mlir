// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-tile-contractions{min-tiles=1}))' \
// RUN:   | FileCheck %s

// Tests that a matmul becomes one scf.parallel over 4x4 output tiles (n
// tiles innermost; 130 columns -> 33 ragged tiles) whose reduction loop
// carries the 16 accumulators, loads 4 values of B (clamped columns) and 4
// of A per step, and stores the tile with the ragged columns guarded.

// CHECK-LABEL: func.func @matmul
// CHECK: scf.parallel (%[[TI:.*]], %[[TJ:.*]]) = (%c0, %c0) to (%c16, %c33)
// CHECK: %[[N0:.*]] = arith.muli %[[TJ]], %c4
// CHECK: arith.minsi %{{.*}}, %c129
// CHECK-COUNT-16: memref.load %arg2
// CHECK: %[[R:.*]]:16 = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(
// CHECK-COUNT-4: memref.load %arg1[%[[K]], %{{.*}}] : memref<32x130xf32>
// CHECK-COUNT-4: memref.load %arg0[%{{.*}}, %[[K]]] : memref<64x32xf32>
// CHECK-COUNT-16: arith.addf
// CHECK: scf.yield
// CHECK: memref.store %[[R]]#0, %arg2
// CHECK: arith.cmpi slt, %{{.*}}, %c130
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.store %[[R]]#1, %arg2
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<64x32xf32>, %b: memref<32x130xf32>, %c: memref<64x130xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x130xf32>) outs(%c : memref<64x130xf32>)
  return
}

// -----

// Tests that a convolution tiles the output channel (the input does not
// depend on it) by the output column (the filter does not depend on it),
// with one reduction loop per reduction dim (c, kh, kw).

// CHECK-LABEL: func.func @conv
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0, %c0) to (%c1{{.*}}, %c4, %c8, %c2)
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-4: memref.load %arg0
// CHECK-COUNT-4: memref.load %arg1
// CHECK-NOT: linalg.conv
func.func @conv(%i: memref<1x8x10x10xf32>, %w: memref<16x8x3x3xf32>, %o: memref<1x16x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%i, %w : memref<1x8x10x10xf32>, memref<16x8x3x3xf32>) outs(%o : memref<1x16x8x8xf32>)
  return
}

// -----

// Tests that an op with a broadcast input on the tiled column (both inputs
// depend on n) keeps one thread per output point.

// CHECK-LABEL: func.func @both_depend_on_n
// CHECK: linalg.generic
#a = affine_map<(m, n, k) -> (m, k, n)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @both_depend_on_n(%a: memref<8x4x8xf32>, %b: memref<4x8xf32>, %c: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x4x8xf32>, memref<4x8xf32>) outs(%c : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
