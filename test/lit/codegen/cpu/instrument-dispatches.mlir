// RUN: kiln-opt %s -kiln-cpu-instrument-dispatches="symbol=net" | FileCheck %s

#conv = loc("conv1"("m.onnx":0:0))
#relu = loc("relu1"("m.onnx":0:0))
#gemm = loc("gemm0"("m.onnx":0:0))

// Tests that every top-level op doing work (loop nests, calls, copies) is
// timed, views and constants are not, and that the table names each
// dispatch after the node names and op kinds in its locations (fused
// locations of fused nodes give `a+b`), else `dispatch<id>` and the op name.

// CHECK-LABEL: func.func @main_graph
// CHECK: memref.subview
// CHECK-NEXT: %[[T0:.*]] = call @kiln_rt_prof_now()
// CHECK-NEXT: scf.parallel
// CHECK: %[[C0:.*]] = llvm.mlir.addressof @net_profile_counters
// CHECK-NEXT: %[[S0:.*]] = llvm.getelementptr %[[C0]][0]
// CHECK-NEXT: call @kiln_rt_prof_add(%[[S0]], %[[T0]])
// CHECK-NEXT: %[[T1:.*]] = call @kiln_rt_prof_now()
// CHECK-NEXT: call @ukernel
// CHECK: llvm.getelementptr %{{.*}}[2]
// CHECK-NEXT: call @kiln_rt_prof_add
// CHECK-NEXT: call @kiln_rt_prof_now()
// CHECK-NEXT: memref.copy
// CHECK: llvm.getelementptr %{{.*}}[4]
// CHECK-NEXT: call @kiln_rt_prof_add
// CHECK-NEXT: return
// CHECK: func.func private @kiln_rt_prof_now() -> i64
// CHECK: func.func private @kiln_rt_prof_add(!llvm.ptr, i64)
// CHECK: llvm.mlir.global external @net_profile_counters(dense<0> : tensor<6xi64>)
// CHECK-SAME: !llvm.array<6 x i64>
// CHECK: llvm.mlir.global external constant @net_profile_table("conv1+relu1\09Conv+Relu\0Agemm0\09Gemm\0Adispatch2\09memref.copy\0A\00")

func.func private @ukernel(memref<8xf32>)

func.func @main_graph(%a: memref<8xf32>, %b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %v = memref.subview %a[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %x = memref.load %a[%i] : memref<8xf32> loc(fused<"Conv">[#conv])
    %y = arith.maximumf %x, %x : f32 loc(fused<"Relu">[#relu])
    memref.store %y, %b[%i] : memref<8xf32> loc(fused<"Relu">[#relu])
  } loc(fused<"Conv">[#conv])
  call @ukernel(%a) : (memref<8xf32>) -> () loc(fused<"Gemm">[#gemm])
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  return
}
