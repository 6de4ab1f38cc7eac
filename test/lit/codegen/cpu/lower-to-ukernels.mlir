// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-to-ukernels -cse | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-cpu-lower-to-ukernels=isa=avx2 | FileCheck %s --check-prefix=AVX2

// Tests that a matmul after a zero fill becomes one sgemm call that starts
// from zero (flags 0), with run-time strides and the dynamic M, and that the
// fill is gone.

// CHECK-LABEL: func.func @matmul_fill
// CHECK-SAME: (%[[A:.*]]: memref<?x64xf32>, %{{.*}}: memref<64x48xf32>, %{{.*}}: memref<?x48xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[DIM:.*]] = memref.dim %[[A]]
// CHECK: %[[M:.*]] = arith.index_cast %[[DIM]] : index to i64
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[NOBIAS:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[RT:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: call @kiln_uk_sgemm_avx512(%[[RT]], %{{[^,]+}}, %[[M]], {{(%[^,]+, ){13}%}}[[ZERO]], %{{[^,]+}}, %{{[^,]+}}, %[[NOBIAS]])
// CHECK-NOT: linalg.matmul
// CHECK: func.func private @kiln_uk_sgemm_avx512(!llvm.ptr, i64, i64, i64, i64, !llvm.ptr, i64, i64, i64, !llvm.ptr, i64, i64, i64, !llvm.ptr, i64, i64, i64, f32, f32, !llvm.ptr)
// AVX2-LABEL: func.func @matmul_fill
// AVX2: call @kiln_uk_sgemm_avx2
func.func @matmul_fill(%a: memref<?x64xf32>, %b: memref<64x48xf32>,
                       %c: memref<?x48xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<?x48xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x48xf32>)
                outs(%c : memref<?x48xf32>)
  return
}

// -----

// Tests that a broadcast of a bias along N into the output before a matmul
// (a Gemm's bias) is absorbed: the call starts from zero plus the bias
// (flags 0, the bias pointer last) and the broadcast is gone.

// CHECK-LABEL: func.func @matmul_column_bias
// CHECK-SAME: %[[BIAS:[a-z0-9]+]]: memref<48xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[BIAS]]
// CHECK: %[[BPTR:.*]] = llvm.inttoptr
// CHECK: call @kiln_uk_sgemm_avx512({{(%[^,]+, ){16}%}}[[ZERO]], %{{[^,]+}}, %{{[^,]+}}, %[[BPTR]])
// CHECK-NOT: linalg
func.func @matmul_column_bias(%a: memref<16x64xf32>, %b: memref<64x48xf32>,
                              %bias: memref<48xf32>, %c: memref<16x48xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<48xf32>) outs(%c : memref<16x48xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul ins(%a, %b : memref<16x64xf32>, memref<64x48xf32>)
                outs(%c : memref<16x48xf32>)
  return
}

// -----

// Tests that a batch_matmul into a non-zero init is one call over the 12
// batches that accumulates (flags 1).

// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[BATCH:.*]] = arith.index_cast %[[C12]] : index to i64
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @kiln_uk_sgemm_avx512(%{{[^,]+}}, %[[BATCH]], {{(%[^,]+, ){14}%}}[[ONE]], %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}})
func.func @batch_matmul(%a: memref<12x128x64xf32>, %b: memref<12x64x128xf32>,
                        %c: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<12x128x64xf32>, memref<12x64x128xf32>)
                      outs(%c : memref<12x128x128xf32>)
  return
}

// -----

// Tests that an attention Q·Kᵀ contraction reading the heads in place
// ([B, S, heads, H] with B = 1) is one call over the 12 heads: the unit
// batch loop is dropped, the heads loop is the call's batch.

// CHECK-LABEL: func.func @attention_scores_unit_batch
// CHECK: %[[C12:.*]] = arith.constant 12 : index
// CHECK: %[[BATCH:.*]] = arith.index_cast %[[C12]] : index to i64
// CHECK: call @kiln_uk_sgemm_avx512(%{{[^,]+}}, %[[BATCH]],
// CHECK-NOT: linalg
func.func @attention_scores_unit_batch(%q: memref<1x128x12x64xf32>,
                                       %k: memref<1x128x12x64xf32>,
                                       %s: memref<1x12x128x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<1x12x128x128xf32>)
  linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j, r) -> (b, i, h, r)>,
                       affine_map<(b, h, i, j, r) -> (b, j, h, r)>,
                       affine_map<(b, h, i, j, r) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%q, %k : memref<1x128x12x64xf32>, memref<1x128x12x64xf32>)
      outs(%s : memref<1x12x128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %t = arith.addf %acc, %p : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// Tests that two batch loops of size > 1 stay on the loop path (the call
// has one batch stride).

// CHECK-LABEL: func.func @two_batch_loops
// CHECK-NOT: call
// CHECK: linalg.generic
func.func @two_batch_loops(%q: memref<2x8x3x4xf32>, %k: memref<2x8x3x4xf32>,
                           %s: memref<2x3x8x8xf32>) {
  linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j, r) -> (b, i, h, r)>,
                       affine_map<(b, h, i, j, r) -> (b, j, h, r)>,
                       affine_map<(b, h, i, j, r) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel",
                        "reduction"]}
      ins(%q, %k : memref<2x8x3x4xf32>, memref<2x8x3x4xf32>)
      outs(%s : memref<2x3x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %t = arith.addf %acc, %p : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// Tests that Gemm's transB form reads B through its strides (no copy).

// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: call @kiln_uk_sgemm_avx512
// CHECK-NOT: linalg
func.func @matmul_transpose_b(%a: memref<4x8xf32>, %b: memref<16x8xf32>,
                              %c: memref<4x16xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
                ins(%a, %b : memref<4x8xf32>, memref<16x8xf32>)
                outs(%c : memref<4x16xf32>)
  return
}

// -----

// Tests that an output that is not unit-stride along N stays a linalg op.

// CHECK-LABEL: func.func @strided_output
// CHECK-NOT: call
// CHECK: linalg.matmul
func.func @strided_output(%a: memref<4x8xf32>, %b: memref<8x16xf32>,
                          %c: memref<4x16xf32, strided<[32, 2]>>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>)
                outs(%c : memref<4x16xf32, strided<[32, 2]>>)
  return
}

// -----

// Tests that integer and f64 matmuls stay on the loop path.

// CHECK-LABEL: func.func @non_f32
// CHECK-NOT: call
// CHECK: linalg.matmul
// CHECK: linalg.matmul
func.func @non_f32(%a: memref<4x8xi32>, %b: memref<8x16xi32>,
                   %c: memref<4x16xi32>, %d: memref<4x8xf64>,
                   %e: memref<8x16xf64>, %f: memref<4x16xf64>) {
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x16xi32>)
                outs(%c : memref<4x16xi32>)
  linalg.matmul ins(%d, %e : memref<4x8xf64>, memref<8x16xf64>)
                outs(%f : memref<4x16xf64>)
  return
}

// -----

// Tests that an NCHW convolution becomes one sconv2d call with its strides
// and dilations, accumulating into the (bias) init.

// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[S0:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[S1:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @kiln_uk_sconv2d_avx512(%{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[S0]], %[[S1]], %[[ONE]], %[[S0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}})
// CHECK-NOT: linalg.conv
func.func @conv(%x: memref<1x3x11x12xf32>, %w: memref<8x3x3x3xf32>,
                %y: memref<1x8x5x3xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>,
                            strides = dense<[2, 3]> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x11x12xf32>, memref<8x3x3x3xf32>)
    outs(%y : memref<1x8x5x3xf32>)
  return
}

// -----

// Tests that a convolution on a non-contiguous view stays on the loop path.

// CHECK-LABEL: func.func @conv_view
// CHECK-NOT: call
// CHECK: linalg.conv_2d_nchw_fchw
func.func @conv_view(%x: memref<1x3x10x10xf32, strided<[700, 100, 10, 1]>>,
                     %w: memref<8x3x3x3xf32>, %y: memref<1x8x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x10x10xf32, strided<[700, 100, 10, 1]>>,
                 memref<8x3x3x3xf32>)
    outs(%y : memref<1x8x8x8xf32>)
  return
}

// -----

// Tests that an unknown isa is a clear error.

// RUN: not kiln-opt %s -split-input-file -kiln-cpu-lower-to-ukernels=isa=sse9 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: unknown isa 'sse9'
func.func @nothing() {
  return
}

// -----

// Tests that a convolution absorbs its bias broadcast, the residual add and
// the Relu after it, writing straight into the Relu's buffer (an argument),
// when the arena views involved do not overlap.

// CHECK-LABEL: func.func @conv_bias_add_relu
// CHECK-SAME: (%[[X:.*]]: memref<1x4x6x6xf32>, %[[R:.*]]: memref<1x8x6x6xf32>, %[[OUT:.*]]: memref<1x8x6x6xf32>, %[[W:.*]]: memref<1024xi8>, %[[ARENA:.*]]: memref<4096xi8>)
// CHECK-NOT: linalg.generic
// CHECK: memref.view %[[W]]
// CHECK: %[[BIAS:.*]] = memref.view %[[W]]
// CHECK: %[[OUTPTR:.*]] = memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: %[[BIASPTR:.*]] = memref.extract_aligned_pointer_as_index %[[BIAS]]
// CHECK: %[[RPTR:.*]] = memref.extract_aligned_pointer_as_index %[[R]]
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 0x7F800000 : f32
// CHECK: call @kiln_uk_sconv2d_avx512({{(%[^,]+, ){20}%}}[[FLAGS]], %[[LO]], %[[HI]])
// CHECK-NOT: linalg.generic
func.func @conv_bias_add_relu(%x: memref<1x4x6x6xf32>, %r: memref<1x8x6x6xf32>,
                              %out: memref<1x8x6x6xf32>, %wts: memref<1024xi8>,
                              %arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c512 = arith.constant 512 : index
  %c2048 = arith.constant 2048 : index
  %zero = arith.constant 0.0 : f32
  %w = memref.view %wts[%c0][] : memref<1024xi8> to memref<8x4x1x1xf32>
  %bias = memref.view %wts[%c512][] : memref<1024xi8> to memref<8xf32>
  %y = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : memref<8xf32>) outs(%y : memref<1x8x6x6xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<8x4x1x1xf32>)
    outs(%y : memref<1x8x6x6xf32>)
  %s = memref.view %arena[%c2048][] : memref<4096xi8> to memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %r : memref<1x8x6x6xf32>, memref<1x8x6x6xf32>)
      outs(%s : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : memref<1x8x6x6xf32>) outs(%out : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.constant 0.0 : f32
    %m = arith.maximumf %a, %c : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Tests that a bias kept as a constant global (too small for the weights
// blob) is known apart from the arena: the convolution still absorbs it and
// the in-place residual add after it.

// CHECK-LABEL: func.func @conv_global_bias_add
// CHECK-SAME: (%[[X:.*]]: memref<1x4x6x6xf32>, %{{.*}}: memref<8x4x1x1xf32>, %[[ARENA:.*]]: memref<4096xi8>)
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[BIAS:.*]] = memref.get_global @bias : memref<8xf32>
// CHECK-DAG: %[[R:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<4096xi8> to memref<1x8x6x6xf32>
// CHECK-DAG: %[[BIASPTR:.*]] = memref.extract_aligned_pointer_as_index %[[BIAS]]
// CHECK-DAG: %[[RPTR:.*]] = memref.extract_aligned_pointer_as_index %[[R]]
// CHECK: call @kiln_uk_sconv2d_avx512
// CHECK-NOT: linalg.generic
memref.global "private" constant @bias : memref<8xf32> = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]>
func.func @conv_global_bias_add(%x: memref<1x4x6x6xf32>, %w: memref<8x4x1x1xf32>,
                                %arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c2048 = arith.constant 2048 : index
  %bias = memref.get_global @bias : memref<8xf32>
  %y = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x8x6x6xf32>
  %r = memref.view %arena[%c2048][] : memref<4096xi8> to memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : memref<8xf32>) outs(%y : memref<1x8x6x6xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<8x4x1x1xf32>)
    outs(%y : memref<1x8x6x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %y : memref<1x8x6x6xf32>, memref<1x8x6x6xf32>)
      outs(%y : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// Tests that the Relu is not absorbed when its buffer overlaps the
// convolution's input (the arena reuses the input's bytes): the call writes
// the convolution's own buffer and the Relu stays.

// CHECK-LABEL: func.func @conv_relu_overlap
// CHECK: call @kiln_uk_sconv2d_avx512
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @conv_relu_overlap(%arena: memref<4096xi8>, %w: memref<8x4x1x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  %x = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x4x6x6xf32>
  %y = memref.view %arena[%c1024][] : memref<4096xi8> to memref<1x8x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x8x6x6xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<8x4x1x1xf32>)
    outs(%y : memref<1x8x6x6xf32>)
  %z = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x8x6x6xf32>) outs(%z : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.constant 0.0 : f32
    %m = arith.maximumf %a, %c : f32
    linalg.yield %m : f32
  }
  return
}
