// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-max-pool="vector-width=8" | FileCheck %s

// Tests that a stride-2 max pooling over a -inf padded copy of a separate
// allocation becomes one vector loop nest parallel over (n, c): the
// accumulator starts from the output's -inf fill (erased), each tap is a
// 16-wide masked load of the unpadded source whose even lanes are kept,
// combined with arith.maximumf; the padded buffer, its fill and copy, and
// the window operand are gone. Row 0 reads row -1: its taps select the
// padding value; output column 0 reads column -1: it is computed alone.
// CHECK-LABEL: func.func @padded_stride2
// CHECK-SAME: (%[[SRC:[^:]*]]: memref<1x2x8x8xf32>, %[[OUT:[^:]*]]: memref<1x2x4x4xf32>)
// CHECK-DAG: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[A:.*]] = memref.alloc() : memref<1x2x8x8xf32>
// CHECK: linalg.copy ins(%[[SRC]] {{.*}} outs(%[[A]]
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK: scf.parallel
// CHECK: vector.broadcast %[[NINF]] : f32 to vector<8xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %[[A]]
// CHECK: arith.select
// CHECK: arith.maximumf %{{.*}} : f32
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: vector.maskedload %[[A]]{{.*}} : memref<1x2x8x8xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK: arith.maximumf %{{.*}} : vector<8xf32>
// CHECK: vector.maskedstore %[[OUT]]
// CHECK: scf.for
// CHECK-NOT: arith.select {{.*}} : vector<8xf32>
// CHECK: vector.maskedstore %[[OUT]]
// CHECK-NOT: linalg.pooling
// CHECK-NOT: memref<3x3xf32>
// CHECK-NOT: memref<1x2x10x10xf32>
func.func @padded_stride2(%src: memref<1x2x8x8xf32>, %out: memref<1x2x4x4xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %a = memref.alloc() : memref<1x2x8x8xf32>
  linalg.copy ins(%src : memref<1x2x8x8xf32>) outs(%a : memref<1x2x8x8xf32>)
  %p = memref.alloc() : memref<1x2x10x10xf32>
  linalg.map outs(%p : memref<1x2x10x10xf32>)
    (%init: f32) {
      linalg.yield %ninf : f32
    }
  %win = memref.subview %p[0, 0, 1, 1] [1, 2, 8, 8] [1, 1, 1, 1] : memref<1x2x10x10xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  memref.copy %a, %win : memref<1x2x8x8xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  linalg.fill ins(%ninf : f32) outs(%out : memref<1x2x4x4xf32>)
  %w = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%p, %w : memref<1x2x10x10xf32>, memref<3x3xf32>) outs(%out : memref<1x2x4x4xf32>)
  return
}

// -----

// Tests that without a fill or a padded copy the accumulator starts from
// the output's values and the input is read as it is (every tap inside:
// no selects), 6-wide rows as one masked vector.
// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[IN:[^:]*]]: memref<1x3x8x8xf32>, %{{[^:]*}}: memref<3x3xf32>, %[[OUT:[^:]*]]: memref<1x3x6x6xf32>)
// CHECK: scf.parallel
// CHECK: %[[ACC:.*]] = vector.maskedload %[[OUT]]
// CHECK: %[[X:.*]] = vector.maskedload %[[IN]]
// CHECK-NOT: arith.select
// CHECK: arith.maximumf %[[ACC]], %[[X]] : vector<8xf32>
// CHECK-COUNT-8: arith.maximumf
// CHECK: vector.maskedstore %[[OUT]]
// CHECK-NOT: linalg.pooling
func.func @plain(%in: memref<1x3x8x8xf32>, %w: memref<3x3xf32>, %out: memref<1x3x6x6xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in, %w : memref<1x3x8x8xf32>, memref<3x3xf32>) outs(%out : memref<1x3x6x6xf32>)
  return
}

// -----

// Tests that a dynamic-shape pooling is left to the generic path.
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.pooling_nchw_max
func.func @dynamic(%in: memref<?x3x8x8xf32>, %w: memref<3x3xf32>, %out: memref<?x3x6x6xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in, %w : memref<?x3x8x8xf32>, memref<3x3xf32>) outs(%out : memref<?x3x6x6xf32>)
  return
}
