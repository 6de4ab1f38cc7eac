// RUN: kiln-opt %s -pass-pipeline='builtin.module(kiln-cuda-lower-to-llvm{symbol=tiny cuda-arch=sm_80})' \
// RUN:   | FileCheck %s --implicit-check-not=memref. --implicit-check-not=linalg. \
// RUN:     --implicit-check-not=math. --implicit-check-not=scf. \
// RUN:     --implicit-check-not=unrealized_conversion_cast \
// RUN:     --implicit-check-not=__nv_

// Tests that a bufferized module (arena and weights views, a strided copy,
// tanh) becomes PTX for sm_80 in gpu.binary ops, with no libdevice calls,
// and host code that launches each kernel from <symbol>_kernel.

// CHECK-LABEL: llvm.func internal @main_graph
// CHECK: gpu.launch_func @main_graph_kernel::@k0 blocks in
// CHECK: gpu.launch_func @main_graph_kernel_0::@k1
// CHECK: gpu.launch_func @main_graph_kernel_1::@k2
// CHECK: gpu.binary @main_graph_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">
// CHECK-SAME: .target sm_80
// CHECK: gpu.binary @main_graph_kernel_0
// CHECK: gpu.binary @main_graph_kernel_1
// CHECK-LABEL: llvm.func @tiny_kernel(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @main_graph
#id = affine_map<(d0, d1) -> (d0, d1)>
module attributes {kiln.workspace_bytes = 64 : i64} {
  func.func @main_graph(%x: memref<2x4xf32>, %y: memref<2x8xf32> {bufferize.result},
                        %w: memref<64xi8> {kiln.weights}, %a: memref<64xi8> {kiln.arena}) {
    %c0 = arith.constant 0 : index
    %t = memref.view %a[%c0][] : memref<64xi8> to memref<2x4xf32>
    %k = memref.view %w[%c0][] : memref<64xi8> to memref<2x4xf32>
    linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x, %k : memref<2x4xf32>, memref<2x4xf32>) outs(%t : memref<2x4xf32>) {
    ^bb0(%i: f32, %j: f32, %o: f32):
      %s = arith.addf %i, %j : f32
      %r = math.tanh %s : f32
      linalg.yield %r : f32
    }
    %left = memref.subview %y[0, 0] [2, 4] [1, 1] : memref<2x8xf32> to memref<2x4xf32, strided<[8, 1]>>
    %right = memref.subview %y[0, 4] [2, 4] [1, 1] : memref<2x8xf32> to memref<2x4xf32, strided<[8, 1], offset: 4>>
    memref.copy %t, %left : memref<2x4xf32> to memref<2x4xf32, strided<[8, 1]>>
    memref.copy %x, %right : memref<2x4xf32> to memref<2x4xf32, strided<[8, 1], offset: 4>>
    return
  }
}
