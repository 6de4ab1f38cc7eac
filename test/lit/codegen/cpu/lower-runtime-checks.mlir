// RUN: kiln-opt %s -kiln-cpu-lower-runtime-checks | FileCheck %s

// Tests that a cf.assert becomes a call of kiln_rt_check_failed with the
// message as an internal constant string, taken only when the check fails,
// and that a weak aborting fallback is defined for objects without the
// runtime.
// CHECK: llvm.mlir.global internal constant @__kiln_check_message_0("onnx.ReduceSum: bad axes\00")
// CHECK-LABEL: func.func @check
// CHECK: %[[NOT:.*]] = arith.xori %arg0, %true
// CHECK: scf.if %[[NOT]] {
// CHECK: %[[MSG:.*]] = llvm.mlir.addressof @__kiln_check_message_0
// CHECK: llvm.call @kiln_rt_check_failed(%[[MSG]])
// CHECK-NOT: cf.assert
// CHECK: llvm.func weak @kiln_rt_check_failed(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @abort()
func.func @check(%ok: i1) {
  cf.assert %ok, "onnx.ReduceSum: bad axes"
  return
}
