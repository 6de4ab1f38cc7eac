// RUN: kiln-opt %s -split-input-file -kiln-cpu-interchange-for-vectorization | FileCheck %s

// Tests that a matmul iterates (i, k, j): the output's unit-stride loop j
// innermost, after the reduction k.

// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @matmul(%a: memref<8x16xf32>, %b: memref<16x32xf32>,
                  %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>)
                outs(%c : memref<8x32xf32>)
  return
}

// -----

// Tests that an NCHW convolution iterates (n, f, oh, c, kh, kw, ow).

// CHECK-LABEL: func.func @conv
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]
func.func @conv(%in: memref<1x3x10x10xf32>, %w: memref<4x3x3x3xf32>,
                %out: memref<1x4x8x8xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%in, %w : memref<1x3x10x10xf32>, memref<4x3x3x3xf32>)
    outs(%out : memref<1x4x8x8xf32>)
  return
}

// -----

// Tests that elementwise ops, reductions over the innermost dimension and
// ops with a short innermost loop keep their loop order.

// CHECK-LABEL: func.func @unchanged
// CHECK: linalg.add
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: linalg.matmul
func.func @unchanged(%a: memref<4x8xf32>, %b: memref<4xf32>,
                     %c: memref<4x2xf32>, %d: memref<8x2xf32>) {
  linalg.add ins(%a, %a : memref<4x8xf32>, memref<4x8xf32>)
             outs(%a : memref<4x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x8xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%a, %d : memref<4x8xf32>, memref<8x2xf32>)
                outs(%c : memref<4x2xf32>)
  return
}

// -----

// Tests that a matmul with a transposed B (no unit-stride parallel loop in
// B) keeps the reduction innermost and may reassociate its sum.

// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract>
func.func @matmul_transpose_b(%a: memref<4x64xf32>, %b: memref<16x64xf32>,
                              %c: memref<4x16xf32>) {
  linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>,
                                 affine_map<(i, j, k) -> (j, k)>,
                                 affine_map<(i, j, k) -> (i, j)>]
                ins(%a, %b : memref<4x64xf32>, memref<16x64xf32>)
                outs(%c : memref<4x16xf32>)
  return
}

// -----

// Tests that a row reduction over the innermost dimension (layer norm's
// squared deviations from a per-row mean, which the loop does not index)
// keeps its order and may reassociate its sum, and that a reduction over a
// strided dimension gets no flags.

// CHECK-LABEL: func.func @row_reduction
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.subf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract>
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK-NOT: fastmath
// CHECK: linalg.yield
func.func @row_reduction(%x: memref<4x768xf32>, %mean: memref<4xf32>,
                         %var: memref<4xf32>, %y: memref<768x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : memref<4x768xf32>, memref<4xf32>)
      outs(%var : memref<4xf32>) {
  ^bb0(%v: f32, %m: f32, %acc: f32):
    %d = arith.subf %v, %m : f32
    %s = arith.mulf %d, %d : f32
    %t = arith.addf %s, %acc : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>,
                                   affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%y : memref<768x4xf32>) outs(%var : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %t = arith.addf %v, %acc : f32
    linalg.yield %t : f32
  }
  return
}
