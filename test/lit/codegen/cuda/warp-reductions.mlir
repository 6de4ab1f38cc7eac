// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-warp-reductions,canonicalize))' \
// RUN:   | FileCheck %s

// Tests that a row max over the last dim (softmax's first pass) becomes a
// launch of 8 warps a block, one warp a row (2 x 40 rows -> 10 blocks):
// lanes stride the row by 32 from -inf, merge with 5 xor shuffles, and
// lane 0 folds in the old output.

// CHECK-LABEL: func.func @row_max
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c10{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: scf.if
// CHECK: %[[P:.*]] = scf.for %[[R:.*]] = %[[LANE]] to %c96 step %c32 iter_args(%[[ACC:.*]] = %cst)
// CHECK: %[[X:.*]] = memref.load %arg0[%{{.*}}, %{{.*}}, %[[R]]]
// CHECK: arith.maximumf %[[X]], %[[ACC]]
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: arith.cmpi eq, %[[LANE]], %c0
// CHECK: memref.load %arg1
// CHECK: arith.maximumf
// CHECK: memref.store
// CHECK-NOT: linalg.generic
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_max(%x: memref<2x40x96xf32>, %m: memref<2x40xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<2x40x96xf32>) outs(%m : memref<2x40xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests that a LayerNorm variance (sum of (x - mean)^2, the mean read once
// per row) sums from 0 with the payload's own ops, that the attention's row
// max of scaled, masked scores (two inputs read along the row) is one too,
// and that a contraction (out + a * b, both read along the reduction) and a
// short row are left alone.

#x = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#w = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @variance
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: gpu.launch
// CHECK: arith.maximumf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: gpu.launch
func.func @variance(%x: memref<128x768xf32>, %mean: memref<128xf32>, %var: memref<128xf32>,
                    %w: memref<768xf32>, %short: memref<128x16xf32>) {
  linalg.generic {indexing_maps = [#x, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : memref<128x768xf32>, memref<128xf32>) outs(%var : memref<128xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %s = arith.mulf %d, %d : f32
    %r = arith.addf %s, %o : f32
    linalg.yield %r : f32
  }
  %scale = arith.constant 0.125 : f32
  linalg.generic {indexing_maps = [#x, #w, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<128x768xf32>, memref<768xf32>) outs(%var : memref<128xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.mulf %a, %scale : f32
    %t = arith.addf %s, %b : f32
    %r = arith.maximumf %t, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#x, #w, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<128x768xf32>, memref<768xf32>) outs(%var : memref<128xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.mulf %a, %b : f32
    %r = arith.addf %s, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#x, #row], iterator_types = ["parallel", "reduction"]}
      ins(%short : memref<128x16xf32>) outs(%var : memref<128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}
