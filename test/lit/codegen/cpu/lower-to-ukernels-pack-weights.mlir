// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-to-ukernels=isa=generic -cse | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-to-ukernels=isa=avx512 -cse | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s -split-input-file "-kiln-cpu-lower-to-ukernels=isa=generic pack-weights=false" | FileCheck %s --check-prefix=NOPACK

// Tests that a matmul's constant B and a convolution's constant filter are
// packed into the weights blob in the generic kernel's panels (B: 8
// columns, zero-padded, per k; filter: 4 rows per k), that the calls pass
// the packed copies with KILN_UK_PACKED_B (8) / KILN_UK_PACKED_A (4) next to
// accumulate (1), and that the originals leave the blob, the packed copies
// moving to the front.

// CHECK: module attributes {kiln.weights_bytes = 256 : i64, kiln.weights_layout = [
// CHECK-SAME: {name = "__packed_rhs_generic_0_3x2_1_3", offset = 0 : i64, size = 64 : i64, value = dense_resource<__packed_rhs_generic_0_3x2_1_3> : tensor<16xf32>},
// CHECK-SAME: {name = "__packed_filter_generic_64_2x9_9_1", offset = 64 : i64, size = 144 : i64, value = dense_resource<__packed_filter_generic_64_2x9_9_1> : tensor<36xf32>}]}
// CHECK-LABEL: func.func @pack_both
// CHECK-SAME: %[[BLOB:[a-z0-9]+]]: memref<256xi8> {kiln.weights})
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[B:.*]] = memref.view %[[BLOB]][%[[C0]]][] : memref<256xi8> to memref<16xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: %[[BPTR:.*]] = llvm.inttoptr
// CHECK: %[[FLAGS_B:.*]] = arith.constant 9 : i64
// CHECK: call @kiln_uk_sgemm_generic({{(%[^,]+, ){9}%}}[[BPTR]], %[[ZERO]], %[[ZERO]], %[[ZERO]], {{(%[^,]+, ){3}%}}[[FLAGS_B]],
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[BLOB]][%[[C64]]][] : memref<256xi8> to memref<36xf32>
// CHECK: %[[FLAGS_A:.*]] = arith.constant 5 : i64
// CHECK: call @kiln_uk_sconv2d_generic({{(%[^,]+, ){20}%}}[[FLAGS_A]],
// CHECK: __packed_rhs_generic_0_3x2_1_3: "0x040000000000803F00000040000040400000000000000000000000000000000000000000000080400000A0400000C0400000000000000000000000000000000000000000",
// CHECK: __packed_filter_generic_64_2x9_9_1: "0x040000000000C03F0000C03F00000000000000000000C03F0000C03F{{(00000000000000000000C03F0000C03F){7}0}}000000000000000"

// AVX512: kiln.weights_bytes = 704 : i64
// AVX512-SAME: {name = "__packed_rhs_avx512_0_3x2_1_3", offset = 0 : i64, size = 256 : i64
// AVX512-SAME: {name = "__packed_filter_avx512_64_2x9_9_1", offset = 256 : i64, size = 432 : i64

// NOPACK: kiln.weights_bytes = 192 : i64
// NOPACK-SAME: name = "w0"
// NOPACK-SAME: name = "w1"
// NOPACK-NOT: __packed
// NOPACK: %{{.*}}: memref<192xi8> {kiln.weights})
module attributes {kiln.weights_bytes = 192 : i64, kiln.weights_layout = [
    {name = "w0", offset = 0 : i64, size = 24 : i64,
     value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>},
    {name = "w1", offset = 64 : i64, size = 72 : i64,
     value = dense<1.5> : tensor<2x1x3x3xf32>}]} {
  func.func @pack_both(%x: memref<1x1x4x4xf32>, %a: memref<5x2xf32>,
                       %c: memref<5x3xf32>, %y: memref<1x2x2x2xf32>,
                       %blob: memref<192xi8> {kiln.weights}) {
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %b = memref.view %blob[%c0][] : memref<192xi8> to memref<2x3xf32>
    %w = memref.view %blob[%c64][] : memref<192xi8> to memref<2x1x3x3xf32>
    linalg.matmul ins(%a, %b : memref<5x2xf32>, memref<2x3xf32>)
                  outs(%c : memref<5x3xf32>)
    linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                              strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x1x4x4xf32>, memref<2x1x3x3xf32>)
      outs(%y : memref<1x2x2x2xf32>)
    return
  }
}

// -----

// Tests that a constant also read by another op stays in the blob (the
// packed copy goes after it), and that a B read per batch is not packed
// (and stays).

// CHECK: kiln.weights_bytes = 192 : i64
// CHECK-SAME: {name = "w0", offset = 0 : i64, size = 24 : i64
// CHECK-SAME: {name = "w2", offset = 64 : i64, size = 48 : i64
// CHECK-SAME: {name = "__packed_rhs_generic_0_3x2_1_3", offset = 128 : i64, size = 64 : i64
// CHECK-NOT: __packed_rhs_generic_64
// CHECK-LABEL: func.func @shared_and_batched
// CHECK-SAME: %{{[a-z0-9]+}}: memref<192xi8> {kiln.weights})
// CHECK: linalg.copy
// CHECK: call @kiln_uk_sgemm_generic
// CHECK: call @kiln_uk_sgemm_generic
module attributes {kiln.weights_bytes = 128 : i64, kiln.weights_layout = [
    {name = "w0", offset = 0 : i64, size = 24 : i64,
     value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>},
    {name = "w2", offset = 64 : i64, size = 48 : i64,
     value = dense<2.0> : tensor<2x2x3xf32>}]} {
  func.func @shared_and_batched(%a: memref<5x2xf32>, %c: memref<5x3xf32>,
                                %d: memref<2x3xf32>, %a2: memref<2x5x2xf32>,
                                %c2: memref<2x5x3xf32>,
                                %blob: memref<128xi8> {kiln.weights}) {
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %b = memref.view %blob[%c0][] : memref<128xi8> to memref<2x3xf32>
    %b2 = memref.view %blob[%c64][] : memref<128xi8> to memref<2x2x3xf32>
    linalg.copy ins(%b : memref<2x3xf32>) outs(%d : memref<2x3xf32>)
    linalg.matmul ins(%a, %b : memref<5x2xf32>, memref<2x3xf32>)
                  outs(%c : memref<5x3xf32>)
    linalg.batch_matmul ins(%a2, %b2 : memref<2x5x2xf32>, memref<2x2x3xf32>)
                        outs(%c2 : memref<2x5x3xf32>)
    return
  }
}
