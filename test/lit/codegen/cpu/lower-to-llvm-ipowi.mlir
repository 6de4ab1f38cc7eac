// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-cpu-lower-to-llvm{symbol=p})' \
// RUN:   | FileCheck %s --implicit-check-not=math.

// Tests that math.ipowi (integer Pow), which LLVM cannot translate, becomes a
// call of a generated square-and-multiply function in the LLVM dialect.

// CHECK-LABEL: llvm.func internal @main_graph_par0
// CHECK: llvm.call @__mlir_math_ipowi_i32
// CHECK-LABEL: llvm.func linkonce_odr @__mlir_math_ipowi_i32
#id = affine_map<(d0) -> (d0)>
module attributes {kiln.workspace_bytes = 0 : i64} {
  func.func @main_graph(%x: memref<4xi32>, %e: memref<4xi32>,
                        %y: memref<4xi32> {bufferize.result}) {
    linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%x, %e : memref<4xi32>, memref<4xi32>) outs(%y : memref<4xi32>) {
    ^bb0(%a: i32, %b: i32, %o: i32):
      %r = math.ipowi %a, %b : i32
      linalg.yield %r : i32
    }
    return
  }
}
