// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-depthwise-conv="vector-width=8" | FileCheck %s

#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// Tests that a stride-1 depthwise convolution with its bias init and its
// in-place clip becomes one vector loop nest parallel over (n, c): the
// accumulator starts from the bias, takes one FMA per tap, is clipped and
// stored; the 12-wide rows end with a masked 4-lane vector.
// CHECK-LABEL: func.func @bias_clip
// CHECK-SAME: (%[[IN:[^:]*]]: memref<1x4x14x14xf32>, %[[W:[^:]*]]: memref<4x3x3xf32>, %[[B:[^:]*]]: memref<4xf32>, %[[OUT:[^:]*]]: memref<1x4x12x12xf32>)
// CHECK-NOT: linalg.
// CHECK: scf.parallel (%[[N:.*]], %[[C:.*]]) =
// CHECK-COUNT-9: memref.load %[[W]][%[[C]],
// CHECK: %[[BIAS:.*]] = memref.load %[[B]][%[[C]]]
// CHECK: %[[ACC0:.*]] = vector.broadcast %[[BIAS]] : f32 to vector<8xf32>
// CHECK: scf.for %[[OH:.*]] =
// CHECK: scf.for %[[OW:.*]] = %{{.*}} to %{{.*}} step %{{.*}}
// CHECK: vector.load %[[IN]][%[[N]], %[[C]], %{{.*}}, %{{.*}}] : memref<1x4x14x14xf32>, vector<8xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %[[ACC0]]
// CHECK-COUNT-8: vector.fma
// CHECK: arith.maximumf %{{.*}} : vector<8xf32>
// CHECK: arith.minimumf %{{.*}} : vector<8xf32>
// CHECK: vector.store %{{.*}}, %[[OUT]][%[[N]], %[[C]], %[[OH]], %[[OW]]]
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<8xi1>
// CHECK: vector.maskedload %[[IN]]{{.*}}, %[[MASK]]
// CHECK: vector.maskedstore %[[OUT]]{{.*}}, %[[MASK]]
// CHECK-NOT: linalg.
func.func @bias_clip(%in: memref<1x4x14x14xf32>, %w: memref<4x3x3xf32>, %b: memref<4xf32>, %out: memref<1x4x12x12xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  linalg.generic {indexing_maps = [#chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<4xf32>) outs(%out : memref<1x4x12x12xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in, %w : memref<1x4x14x14xf32>, memref<4x3x3xf32>) outs(%out : memref<1x4x12x12xf32>)
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%out : memref<1x4x12x12xf32>) {
  ^bb0(%o: f32):
    %0 = arith.maximumf %o, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Tests that a stride-2 convolution without epilogues accumulates onto the
// output's values and reads 16-wide masked windows of which it keeps the
// even lanes.
// CHECK-LABEL: func.func @stride2
// CHECK-SAME: (%[[IN:[^:]*]]: memref<2x3x17x17xf32>, %{{[^:]*}}: memref<3x3x3xf32>, %[[OUT:[^:]*]]: memref<2x3x8x8xf32>)
// CHECK: scf.parallel
// CHECK: %[[ACC:.*]] = vector.load %[[OUT]]
// CHECK: %[[M:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: %[[WIN:.*]] = vector.maskedload %[[IN]][{{.*}}], %[[M]], %{{.*}} : memref<2x3x17x17xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: %[[X:.*]] = vector.shuffle %[[WIN]], %[[WIN]] [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: vector.fma %[[X]], %{{.*}}, %[[ACC]]
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK-NOT: linalg.depthwise
func.func @stride2(%in: memref<2x3x17x17xf32>, %w: memref<3x3x3xf32>, %out: memref<2x3x8x8xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%in, %w : memref<2x3x17x17xf32>, memref<3x3x3xf32>) outs(%out : memref<2x3x8x8xf32>)
  return
}

// -----

// Tests that a dynamic-shape convolution is left to the generic path.
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.depthwise_conv_2d_nchw_chw
func.func @dynamic(%in: memref<?x3x17x17xf32>, %w: memref<3x3x3xf32>, %out: memref<?x3x15x15xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%in, %w : memref<?x3x17x17xf32>, memref<3x3x3xf32>) outs(%out : memref<?x3x15x15xf32>)
  return
}

// -----

// Tests that a zero-padded copy of a separately allocated input folds into
// the loop nest: the loops read the unpadded buffer, the padded one with
// its fill and copy is gone; border rows select the padding value for
// taps outside (rows clamped), border columns take one output at a time
// with scalar FMAs, and the interior columns (1 to 6 of 0 to 7) are one
// masked 6-lane vector, without selects in the interior rows.
// CHECK-LABEL: func.func @padded
// CHECK-SAME: (%[[SRC:[^:]*]]: memref<1x2x8x8xf32>, %{{[^:]*}}: memref<2x3x3xf32>, %[[OUT:[^:]*]]: memref<1x2x8x8xf32>)
// CHECK-NOT: memref<1x2x10x10xf32>
// CHECK: %[[ALLOC:.*]] = memref.alloc() : memref<1x2x8x8xf32>
// CHECK: linalg.copy ins(%[[SRC]] {{.*}} outs(%[[ALLOC]]
// CHECK-NOT: memref.copy
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %[[ALLOC]]
// CHECK: arith.select
// CHECK: math.fma
// CHECK: vector.maskedload %[[ALLOC]]
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK: scf.for
// CHECK-NOT: arith.select {{.*}} : vector<8xf32>
// CHECK: vector.maskedload %[[ALLOC]]
// CHECK: vector.maskedstore %[[OUT]]
// CHECK: memref.dealloc %[[ALLOC]]
// CHECK-NOT: linalg.depthwise
// CHECK-NOT: memref.copy
func.func @padded(%src: memref<1x2x8x8xf32>, %w: memref<2x3x3xf32>, %out: memref<1x2x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x2x8x8xf32>
  linalg.copy ins(%src : memref<1x2x8x8xf32>) outs(%a : memref<1x2x8x8xf32>)
  %p = memref.alloc() : memref<1x2x10x10xf32>
  linalg.map outs(%p : memref<1x2x10x10xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %win = memref.subview %p[0, 0, 1, 1] [1, 2, 8, 8] [1, 1, 1, 1] : memref<1x2x10x10xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  memref.copy %a, %win : memref<1x2x8x8xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  memref.dealloc %a : memref<1x2x8x8xf32>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : memref<1x2x10x10xf32>, memref<2x3x3xf32>) outs(%out : memref<1x2x8x8xf32>)
  memref.dealloc %p : memref<1x2x10x10xf32>
  return
}

// -----

// Tests that the padded copy stays when its source is written between the
// copy and the convolution, and when the source is a function argument
// (not known apart from the output).
// CHECK-LABEL: func.func @padded_source_reused
// CHECK: memref.copy
// CHECK: linalg.fill
// CHECK: scf.parallel
// CHECK-LABEL: func.func @padded_argument
// CHECK: memref.copy
// CHECK: scf.parallel
func.func @padded_source_reused(%w: memref<2x3x3xf32>, %out: memref<1x2x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x2x8x8xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<1x2x8x8xf32>)
  %p = memref.alloc() : memref<1x2x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x2x10x10xf32>)
  %win = memref.subview %p[0, 0, 1, 1] [1, 2, 8, 8] [1, 1, 1, 1] : memref<1x2x10x10xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  memref.copy %a, %win : memref<1x2x8x8xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  linalg.fill ins(%zero : f32) outs(%a : memref<1x2x8x8xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : memref<1x2x10x10xf32>, memref<2x3x3xf32>) outs(%out : memref<1x2x8x8xf32>)
  return
}
func.func @padded_argument(%src: memref<1x2x8x8xf32>, %w: memref<2x3x3xf32>, %out: memref<1x2x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x10x10xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x2x10x10xf32>)
  %win = memref.subview %p[0, 0, 1, 1] [1, 2, 8, 8] [1, 1, 1, 1] : memref<1x2x10x10xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  memref.copy %src, %win : memref<1x2x8x8xf32> to memref<1x2x8x8xf32, strided<[200, 100, 10, 1], offset: 11>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : memref<1x2x10x10xf32>, memref<2x3x3xf32>) outs(%out : memref<1x2x8x8xf32>)
  return
}
