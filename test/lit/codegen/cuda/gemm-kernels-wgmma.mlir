// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=fp16 wgmma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,FP16
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=tf32 wgmma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,TF32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=fp32 wgmma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefix=FP32

// Tests that with wgmma a 4096^3 matmul (128 x 128 tiles) stores its K
// slices into flat workgroup buffers (the core-matrix layout, 128 bytes of
// slack for alignment), fences them for the async proxy before the
// barrier, and has each warpgroup issue one m64n128 warpgroup MMA per
// slice (k16 f16, two k8 tf32) on descriptors, then commit and wait;
// the epilogue reads the 64 accumulators of the struct. fp32 keeps SIMT.

// CHECK-LABEL: func.func @big
// CHECK: llvm.mlir.zero : !llvm.struct<(f32, f32,
// FP16: workgroup(%[[A:.*]] : memref<2112xf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<2112xf16, #gpu.address_space<workgroup>>)
// TF32: workgroup(%[[A:.*]] : memref<2080xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<2080xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16 iter_args(%[[ACC:[^ ]*]] = %{{.*}}, {{.*}}) -> (!llvm.struct<(f32,
// FP16: arith.truncf %{{.*}} : f32 to f16
// TF32: arith.andi %{{.*}}, %c-8192_i32
// CHECK: memref.store %{{.*}}, %[[A]][%{{.*}}] : memref<{{.*}}>
// CHECK: memref.store %{{.*}}, %[[B]][%{{.*}}] : memref<{{.*}}>
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvvm.wgmma.fence.aligned
// FP16: %[[D:[^ ]*]] = nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %[[ACC]], <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// TF32: nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %[[ACC]], <m = 64, n = 128, k = 8>, D[<f32>, <one>], A[<tf32>, <one>, <row>], B[<tf32>, <one>, <col>]
// TF32: %[[D:[^ ]*]] = nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 8>
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: gpu.barrier
// CHECK: scf.yield %[[D]]
// CHECK-COUNT-64: llvm.extractvalue
// CHECK-NOT: linalg.matmul
// FP32-LABEL: func.func @big
// FP32-NOT: nvvm.wgmma
// FP32: math.fma
func.func @big(%a: memref<4096x4096xf32>, %b: memref<4096x4096xf32>, %c: memref<4096x4096xf32>) {
  linalg.matmul ins(%a, %b : memref<4096x4096xf32>, memref<4096x4096xf32>) outs(%c : memref<4096x4096xf32>)
  return
}

// -----

// Tests that a batch-1 sized product (64 x 64 tiles, K split, atomics) gives
// each warpgroup half the tile's columns: m64n32.

// CHECK-LABEL: func.func @split
// FP16: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 16>
// TF32: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 32, k = 8>
// CHECK: memref.atomic_rmw addf
// FP32-LABEL: func.func @split
// FP32-NOT: nvvm.wgmma
func.func @split(%a: memref<100x3072xf32>, %b: memref<3072x768xf32>, %c: memref<100x768xf32>) {
  linalg.matmul ins(%a, %b : memref<100x3072xf32>, memref<3072x768xf32>) outs(%c : memref<100x768xf32>)
  return
}
