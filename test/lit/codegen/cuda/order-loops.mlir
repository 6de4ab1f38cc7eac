// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-order-loops))' \
// RUN:   | FileCheck %s

// Tests that a depthwise convolution (loops n, oh, ow, c, kh, kw over an
// NCHW output) becomes a generic over (n, c, oh, ow, kh, kw): the innermost
// parallel loop walks the output's contiguous width.

// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise(%i: memref<1x144x58x58xf32>, %w: memref<144x3x3xf32>, %o: memref<1x144x56x56xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%i, %w : memref<1x144x58x58xf32>, memref<144x3x3xf32>) outs(%o : memref<1x144x56x56xf32>)
  return
}

// -----

// Tests that ops whose loops already follow the output (a pooling, an
// elementwise generic) and a transposing copy are left alone.

// CHECK-LABEL: func.func @ordered
// CHECK: linalg.pooling_nchw_max
// CHECK: linalg.generic
// CHECK: linalg.transpose
func.func @ordered(%i: memref<1x8x10x10xf32>, %k: memref<3x3xf32>, %o: memref<1x8x8x8xf32>, %t: memref<8x8x8xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%i, %k : memref<1x8x10x10xf32>, memref<3x3xf32>) outs(%o : memref<1x8x8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%o : memref<1x8x8x8xf32>) {
  ^bb0(%x: f32):
    %y = arith.negf %x : f32
    linalg.yield %y : f32
  }
  linalg.transpose ins(%t : memref<8x8x8xf32>) outs(%t : memref<8x8x8xf32>) permutation = [1, 0, 2]
  return
}
