// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=tf32 wgmma=true tma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,TF32
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=fp16 wgmma=true tma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefixes=CHECK,FP16
// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(kiln-cuda-gemm-kernels{precision=fp16 wgmma=true},canonicalize)' \
// RUN:   | FileCheck %s --check-prefix=NOTMA

// Tests that with TMA a matmul's host code encodes one tensor map per input
// (dims innermost first: A 256 x 512, B 384 x 256; row strides in bytes;
// boxes 16 (K) x 64 rows and 64 columns x 16 (K)) and passes both by value
// into a launch with only dynamic shared memory: 3 f32 stages of 8 KiB,
// the wgmma slices, 3 mbarriers, 128 bytes of slack. Thread 0 initializes
// the mbarriers and issues the first two stages (expect_tx of both slices'
// bytes, one cp.async.bulk.tensor per input with (k, m0) and (n0, k)
// coordinates); each K step refills the stage two ahead, waits for its
// own stage's parity, rounds or converts the stage into the wgmma slices,
// fences them for the async proxy and runs the warpgroup MMA.

// CHECK: func.func private @kiln_rt_cuda_tensor_map(!llvm.ptr, i64, i64,
// CHECK-LABEL: func.func @mm
// CHECK: %[[SLOTA:.*]] = llvm.alloca %{{.*}} x !llvm.array<16 x i64> {alignment = 64 : i64}
// CHECK: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: call @kiln_rt_cuda_tensor_map(%[[SLOTA]], %{{.*}}, %c2_i64, %c256_i64, %c512_i64, %c1_i64, %c1_i64, %c1_i64, %c1024_i64, %c0_i64, %c0_i64, %c0_i64, %c16_i64, %c64_i64, %c1_i64, %c1_i64, %c1_i64)
// CHECK: %[[MAPA:.*]] = llvm.load %[[SLOTA]] : !llvm.ptr -> !llvm.array<16 x i64>
// CHECK: call @kiln_rt_cuda_tensor_map(%{{.*}}, %{{.*}}, %c2_i64, %c384_i64, %c256_i64, %c1_i64, %c1_i64, %c1_i64, %c1536_i64, %c0_i64, %c0_i64, %c0_i64, %c64_i64, %c16_i64, %c1_i64, %c1_i64, %c1_i64)
// CHECK: %[[MAPB:.*]] = llvm.load
// TF32: gpu.launch {{.*}} dynamic_shared_memory_size %c32920_i32 {
// FP16: gpu.launch {{.*}} dynamic_shared_memory_size %c28824_i32 {
// CHECK-NOT: workgroup(
// CHECK: %[[DA:.*]] = builtin.unrealized_conversion_cast %[[MAPA]] : !llvm.array<16 x i64> to !llvm.ptr
// CHECK: %[[DB:.*]] = builtin.unrealized_conversion_cast %[[MAPB]] : !llvm.array<16 x i64> to !llvm.ptr
// CHECK: gpu.dynamic_shared_memory
// CHECK: memref.view {{.*}} to memref<6144xf32, #gpu.address_space<workgroup>>
// TF32: memref.view {{.*}} to memref<1024xf32, #gpu.address_space<workgroup>>
// FP16: memref.view {{.*}} to memref<1024xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<3xi64, #gpu.address_space<workgroup>>
// CHECK: scf.if
// CHECK-COUNT-3: nvvm.mbarrier.init %{{.*}}, %c1_i32
// CHECK: nvvm.fence.mbarrier.init
// CHECK: gpu.barrier
// CHECK: nvvm.mbarrier.arrive.expect_tx %[[BAR:.*]], %c8192_i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[DA]], %[[BAR]], box[%{{.*}}, %{{.*}}]
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[DB]], %[[BAR]], box[%{{.*}}, %{{.*}}]
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: scf.for
// CHECK: nvvm.fence.proxy
// CHECK: nvvm.mbarrier.arrive.expect_tx
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %{{.*}}, %c10000000_i32
// TF32: arith.andi %{{.*}}, %c-8192_i32
// FP16: arith.truncf %{{.*}} : f32 to f16
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: gpu.barrier
// CHECK-NOT: linalg.matmul
// NOTMA-LABEL: func.func @mm
// NOTMA-NOT: cp.async.bulk.tensor
// NOTMA: nvvm.wgmma.mma_async
func.func @mm(%a: memref<512x256xf32>, %b: memref<256x384xf32>, %c: memref<512x384xf32>) {
  linalg.matmul ins(%a, %b : memref<512x256xf32>, memref<256x384xf32>) outs(%c : memref<512x384xf32>)
  return
}

// -----

// Tests that a batched matmul's maps have the batch dim (box 1, coordinate
// the batch index) and B's slice runs along N.

// CHECK-LABEL: func.func @bmm
// CHECK: call @kiln_rt_cuda_tensor_map(%{{.*}}, %{{.*}}, %c3_i64, %c64_i64, %c128_i64, %c12_i64, %c1_i64, %c1_i64, %c256_i64, %c32768_i64, %c0_i64, %c0_i64, %c16_i64, %c64_i64, %c1_i64, %c1_i64, %c1_i64)
// CHECK: call @kiln_rt_cuda_tensor_map(%{{.*}}, %{{.*}}, %c3_i64, %c128_i64, %c64_i64, %c12_i64, %c1_i64, %c1_i64, %c512_i64, %c32768_i64, %c0_i64, %c0_i64, %c64_i64, %c16_i64, %c1_i64, %c1_i64, %c1_i64)
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global {{.*}} box[%{{.*}}, %{{.*}}, %{{.*}}]
func.func @bmm(%a: memref<12x128x64xf32>, %b: memref<12x64x128xf32>, %c: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<12x128x64xf32>, memref<12x64x128xf32>) outs(%c : memref<12x128x128xf32>)
  return
}

// -----

// Tests that a convolution (K is c, kh, kw) and an operand with a dynamic
// offset keep the threads' loads.

// CHECK-LABEL: func.func @conv
// CHECK-NOT: kiln_rt_cuda_tensor_map
// CHECK: nvvm.wgmma.mma_async
func.func @conv(%x: memref<1x64x58x58xf32>, %w: memref<64x64x3x3xf32>, %y: memref<1x64x56x56xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x64x58x58xf32>, memref<64x64x3x3xf32>) outs(%y : memref<1x64x56x56xf32>)
  return
}

// CHECK-LABEL: func.func @dynamic_offset
// CHECK-NOT: kiln_rt_cuda_tensor_map
// CHECK: nvvm.wgmma.mma_async
func.func @dynamic_offset(%a: memref<512x256xf32, strided<[256, 1], offset: ?>>, %b: memref<256x384xf32>, %c: memref<512x384xf32>) {
  linalg.matmul ins(%a, %b : memref<512x256xf32, strided<[256, 1], offset: ?>>, memref<256x384xf32>) outs(%c : memref<512x384xf32>)
  return
}
