// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-bufferize)' | FileCheck %s

// Tests the whole bufferization pipeline on linalg on tensors: the result is
// written straight into the out-param (no copy), the resource weight is a
// view of the weights argument, the intermediate of static size lives in the
// arena, and the argument order is inputs, outputs, weights, arena.

// CHECK: module attributes
// CHECK-SAME: kiln.weights_bytes = 64 : i64
// CHECK-SAME: kiln.workspace_bytes = 64 : i64
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<2x4xf32>, %[[Y:[a-z0-9_]+]]: memref<2x3xf32> {bufferize.result}, %[[W:[a-z0-9_]+]]: memref<64xi8> {kiln.weights}, %[[A:[a-z0-9_]+]]: memref<64xi8> {kiln.arena})
// CHECK-DAG: %[[WV:.*]] = memref.view %[[W]][%{{.*}}][] : memref<64xi8> to memref<4x3xf32>
// CHECK-DAG: %[[T:.*]] = memref.view %[[A]][%{{.*}}][] : memref<64xi8> to memref<2x3xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[WV]] : memref<2x4xf32>, memref<4x3xf32>) outs(%[[T]] : memref<2x3xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[T]] : memref<2x3xf32>) outs(%[[Y]] : memref<2x3xf32>)
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @main_graph(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
    %w = arith.constant dense_resource<w> : tensor<4x3xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x3xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
    %mm = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
    %e2 = tensor.empty() : tensor<2x3xf32>
    %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%mm : tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>) {
    ^bb0(%i: f32, %o: f32):
      %m = arith.maximumf %i, %zero : f32
      linalg.yield %m : f32
    } -> tensor<2x3xf32>
    return %r : tensor<2x3xf32>
  }
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}
