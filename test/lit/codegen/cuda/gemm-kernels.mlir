// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-gemm-kernels,canonicalize))' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,FP32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-gemm-kernels{precision=tf32},canonicalize))' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,TF32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-gemm-kernels{precision=fp16},canonicalize))' \
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
