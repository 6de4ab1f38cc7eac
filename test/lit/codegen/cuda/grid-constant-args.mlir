// RUN: kiln-opt %s -pass-pipeline='builtin.module(gpu.module(kiln-cuda-grid-constant-args))' | FileCheck %s

// Tests that a kernel's by-value tensor map (an !llvm.array<16 x i64>
// argument whose address is taken through an unrealized cast) becomes a
// byval, 64-byte aligned __grid_constant__ pointer used directly, that
// arrays used as values stay as they are, and that non-kernels are left
// alone.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // CHECK-LABEL: llvm.func @tma
    // CHECK-SAME: (%[[MAP:.*]]: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<16 x i64>, nvvm.grid_constant}, %{{.*}}: !llvm.ptr<7>, %{{.*}}: !llvm.ptr<3>)
    // CHECK-NOT: unrealized_conversion_cast
    // CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP]],
    llvm.func @tma(%map: !llvm.array<16 x i64>, %dst: !llvm.ptr<7>, %bar: !llvm.ptr<3>) attributes {gpu.kernel, nvvm.kernel} {
      %c0 = llvm.mlir.constant(0 : i32) : i32
      %p = builtin.unrealized_conversion_cast %map : !llvm.array<16 x i64> to !llvm.ptr
      nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %p, %bar, box[%c0, %c0] : !llvm.ptr<7>, !llvm.ptr
      llvm.return
    }
    // CHECK-LABEL: llvm.func @value
    // CHECK-SAME: (%{{.*}}: !llvm.array<16 x i64>, %{{.*}}: !llvm.ptr)
    llvm.func @value(%a: !llvm.array<16 x i64>, %out: !llvm.ptr) attributes {gpu.kernel, nvvm.kernel} {
      llvm.store %a, %out : !llvm.array<16 x i64>, !llvm.ptr
      llvm.return
    }
    // CHECK-LABEL: llvm.func @device
    // CHECK-SAME: (%{{.*}}: !llvm.array<16 x i64>)
    llvm.func @device(%a: !llvm.array<16 x i64>) -> !llvm.ptr {
      %p = builtin.unrealized_conversion_cast %a : !llvm.array<16 x i64> to !llvm.ptr
      llvm.return %p : !llvm.ptr
    }
  }
}
