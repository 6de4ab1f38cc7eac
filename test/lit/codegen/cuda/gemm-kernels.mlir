// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels,canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,FP32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=tf32},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,TF32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=fp16},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,FP16

// Tests that a 4096^3 matmul becomes one launch of 32 x 32 blocks of 128 x 128
// (no K split) with two padded workgroup buffers, a K loop in steps of 16
// that stores the prefetched slices, synchronizes, loads the next slices
// and does the math: fma (fp32: 8x8 per thread), mma.sync m16n8k8 with the
// operands rounded to tf32, or m16n8k16 on f16 slices; the epilogue adds
// the accumulators to the output's init.

// CHECK-LABEL: func.func @big
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c32{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// FP32-SAME: workgroup(%[[A:.*]] : memref<16x136xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x136xf32, #gpu.address_space<workgroup>>)
// TF32-SAME: workgroup(%[[A:.*]] : memref<16x136xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x136xf32, #gpu.address_space<workgroup>>)
// FP16-SAME: workgroup(%[[A:.*]] : memref<16x136xf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x136xf16, #gpu.address_space<workgroup>>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// TF32: arith.andi %{{.*}}, %c-8192_i32
// FP16: arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK: gpu.barrier
// CHECK: memref.load %arg0
// FP32-COUNT-64: math.fma
// TF32-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// FP16-COUNT-16: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: %[[OLD:.*]] = memref.load %arg2
// CHECK: %[[SUM:.*]] = arith.addf %[[OLD]]
// CHECK: memref.store %[[SUM]], %arg2
// CHECK-NOT: memref.atomic_rmw
// CHECK-NOT: linalg.matmul
func.func @big(%a: memref<4096x4096xf32>, %b: memref<4096x4096xf32>, %c: memref<4096x4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf32>, memref<4096x4096xf32>) outs(%c : memref<4096x4096xf32>)
  return
}

// -----

// Tests that a batch-1 sized product (128 x 768 x 3072) takes 64 x 64 tiles
// and splits K into 16 chunks of 192 (24 x 16 blocks) whose partial tiles are added
// atomically; a ragged M (100 rows) clamps its loads and guards its stores.

// CHECK-LABEL: func.func @split
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c12{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c16{{.*}})
// CHECK: arith.minsi %{{.*}}, %c99
// CHECK: scf.for
// CHECK: scf.if
// CHECK: memref.atomic_rmw addf
func.func @split(%a: memref<100x3072xf32>, %b: memref<3072x768xf32>, %c: memref<100x768xf32>) {
  linalg.matmul ins(%a, %b : memref<100x3072xf32>, memref<3072x768xf32>) outs(%c : memref<100x768xf32>)
  return
}

// -----

// Tests that a batched contraction generic with a transposed operand (the
// attention's Q.K^T, as to-linalg writes it) maps its batch dims to
// blockIdx.z, and that a GEMV (M = 1) and a payload that is not a
// multiply-add are left alone.

#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @attention
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c2{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c12{{.*}})
// CHECK: linalg.matmul
// CHECK: linalg.generic
func.func @attention(%q: memref<1x12x128x64xf32>, %k: memref<1x12x128x64xf32>, %s: memref<1x12x128x128xf32>,
                     %v: memref<1x64xf32>, %w: memref<64x64xf32>, %o: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x12x128x64xf32>, memref<1x12x128x64xf32>) outs(%s : memref<1x12x128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  linalg.matmul ins(%v, %w : memref<1x64xf32>, memref<64x64xf32>) outs(%o : memref<1x64xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x12x128x64xf32>, memref<1x12x128x64xf32>) outs(%s : memref<1x12x128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.maximumf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests that a convolution is an implicit GEMM: M is the output channel, N
// the output pixels (oh, ow) and K the filter's (c, kh, kw), each loaded by
// delinearizing its flattened index; the input's rows are oh + kh, its
// columns ow + kw. 128 x 196 x 576 gives 2 x 4 blocks of 64 x 64, so K is
// split into 8 chunks of 80.

// CHECK-LABEL: func.func @conv3x3
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c4{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c8{{.*}})
// CHECK: %[[KW:.*]] = arith.remui %[[K:.*]], %c3
// CHECK: %[[KCH:.*]] = arith.divui %[[K]], %c3
// CHECK: %[[KH:.*]] = arith.remui %[[KCH]], %c3
// CHECK: %[[C:.*]] = arith.divui %[[KCH]], %c3
// CHECK: memref.load %arg1[%{{.*}}, %[[C]], %[[KH]], %[[KW]]] : memref<128x64x3x3xf32>
// CHECK: %[[OW:.*]] = arith.remui %[[P:.*]], %c14
// CHECK: %[[OH:.*]] = arith.divui %[[P]], %c14
// CHECK: %[[IH:.*]] = arith.addi %[[OH]], %{{.*}}
// CHECK: %[[IW:.*]] = arith.addi %[[OW]], %{{.*}}
// CHECK: memref.load %arg0[%c0, %{{.*}}, %[[IH]], %[[IW]]] : memref<1x64x16x16xf32>
// CHECK: scf.for
// CHECK: memref.atomic_rmw addf %{{.*}}, %arg2[%c0, %{{.*}}, %{{.*}}, %{{.*}}] : (f32, memref<1x128x14x14xf32>)
// CHECK-NOT: linalg.conv
func.func @conv3x3(%i: memref<1x64x16x16xf32>, %w: memref<128x64x3x3xf32>, %o: memref<1x128x14x14xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%i, %w : memref<1x64x16x16xf32>, memref<128x64x3x3xf32>) outs(%o : memref<1x128x14x14xf32>)
  return
}

// -----

// Tests that a strided 1x1 convolution at batch 2 takes the batch into N
// (n, oh, ow: 98 pixels, 2 x 8 blocks of 64 x 64, K split into 4 chunks of
// 64), reads the input at 2 * oh and 2 * ow, and that a depthwise
// convolution (no loop only the filter reads) is left alone.

// CHECK-LABEL: func.func @pointwise
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c2{{.*}}, %{{.*}} = %c8{{.*}}, %{{.*}} = %c4{{.*}})
// CHECK: memref.load %arg1[%{{.*}}, %{{.*}}, %c0, %c0] : memref<512x256x1x1xf32>
// CHECK: %[[OW:.*]] = arith.remui %[[P:.*]], %c7
// CHECK: %[[REST:.*]] = arith.divui %[[P]], %c7
// CHECK: %[[OH:.*]] = arith.remui %[[REST]], %c7
// CHECK: %[[N:.*]] = arith.divui %[[REST]], %c7
// CHECK: %[[IH:.*]] = arith.muli %[[OH]], %c2
// CHECK: %[[IW:.*]] = arith.muli %[[OW]], %c2
// CHECK: memref.load %arg0[%[[N]], %{{.*}}, %[[IH]], %[[IW]]] : memref<2x256x14x14xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw
func.func @pointwise(%i: memref<2x256x14x14xf32>, %w: memref<512x256x1x1xf32>, %o: memref<2x512x7x7xf32>, %di: memref<1x32x9x9xf32>, %dw: memref<32x3x3xf32>, %do: memref<1x32x7x7xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%i, %w : memref<2x256x14x14xf32>, memref<512x256x1x1xf32>) outs(%o : memref<2x512x7x7xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%di, %dw : memref<1x32x9x9xf32>, memref<32x3x3xf32>) outs(%do : memref<1x32x7x7xf32>)
  return
}
