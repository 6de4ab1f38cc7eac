// RUN: kiln-opt %s -split-input-file -kiln-cpu-kernel-wrapper="symbol=net" | FileCheck %s

// Tests that the kernel loads input/output pointers and shapes, the weights
// and the arena from the kiln_frame fields (0 weights, 1 arena, 2 inputs,
// 3 input_shapes, 4 outputs, 5 output_shapes), reads dynamic dims from the
// shape arrays, keeps static dims constant, and calls the entry function,
// which becomes internal.

// CHECK-LABEL: func.func private @main_graph
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-LABEL: func.func @net_kernel
// CHECK-SAME: (%[[FRAME:[a-z0-9_]+]]: !llvm.ptr)
// CHECK: %[[INS_A:.*]] = llvm.getelementptr %[[FRAME]][0, 2]
// CHECK: %[[INS:.*]] = llvm.load %[[INS_A]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[INSH_A:.*]] = llvm.getelementptr %[[FRAME]][0, 3]
// CHECK: %[[INSH:.*]] = llvm.load %[[INSH_A]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.getelementptr %[[FRAME]][0, 4]
// CHECK: llvm.getelementptr %[[FRAME]][0, 5]
// Input 0: data pointer, shape pointer, dim 0 read from the shape.
// CHECK: %[[X_A:.*]] = llvm.getelementptr %[[INS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[X:.*]] = llvm.load %[[X_A]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[XSH_A:.*]] = llvm.getelementptr %[[INSH]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[XSH:.*]] = llvm.load %[[XSH_A]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[N_A:.*]] = llvm.getelementptr %[[XSH]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: %[[N:.*]] = llvm.load %[[N_A]] : !llvm.ptr -> i64
// CHECK: %[[C8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK: %[[D0:.*]] = llvm.insertvalue %[[X]], %{{.*}}[0]
// CHECK: %[[D1:.*]] = llvm.insertvalue %[[X]], %[[D0]][1]
// CHECK: llvm.insertvalue %[[N]], %{{.*}}[3, 0]
// CHECK: llvm.insertvalue %[[C8]], %{{.*}}[3, 1]
// CHECK: %[[XM:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x8xf32>
// Weights and arena come straight from the frame.
// CHECK: %[[W_A:.*]] = llvm.getelementptr %[[FRAME]][0, 0]
// CHECK: llvm.load %[[W_A]]
// CHECK: %[[WM:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<128xi8>
// CHECK: %[[A_A:.*]] = llvm.getelementptr %[[FRAME]][0, 1]
// CHECK: llvm.load %[[A_A]]
// CHECK: %[[AM:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<64xi8>
// CHECK: call @main_graph(%[[XM]], %{{.*}}, %[[WM]], %[[AM]])
// CHECK-NEXT: return
module {
  func.func @main_graph(%x: memref<?x8xf32>, %y: memref<?x8xf32> {bufferize.result},
                        %w: memref<128xi8> {kiln.weights}, %a: memref<64xi8> {kiln.arena}) {
    return
  }
}

// -----

// Tests that a static rank-0 output gets the short descriptor, and that
// helpers become internal too.

// CHECK-LABEL: func.func private @helper
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-LABEL: func.func @net_kernel
// CHECK: llvm.getelementptr %{{.*}}[0, 4]
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64)> to memref<f32>
module {
  func.func @helper() {
    return
  }
  func.func @main_graph(%y: memref<f32> {bufferize.result}, %w: memref<0xi8> {kiln.weights},
                        %a: memref<0xi8> {kiln.arena}) {
    func.call @helper() : () -> ()
    return
  }
}
