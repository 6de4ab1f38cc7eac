// RUN: kiln-opt %s -split-input-file -kiln-cpu-parallelize-loops | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-cpu-parallelize-loops=min-chunks=1 | FileCheck %s --check-prefix=ONE

// Tests that the leading dims of an outermost scf.parallel are linearized
// until they have min-chunks (64) iterations, the loop becomes a
// kiln_rt_parallel_for call with the runtime handle from the thread-local,
// and the memrefs it uses travel through a context struct.
// CHECK: llvm.mlir.global internal thread_local @__kiln_runtime()
// CHECK-LABEL: func.func @add
// CHECK: %[[CTX:.*]] = llvm.alloca
// CHECK: builtin.unrealized_conversion_cast %arg0 : memref<4x128x16xf32> to !llvm.struct
// CHECK: llvm.store
// CHECK: %[[RTADDR:.*]] = llvm.mlir.addressof @__kiln_runtime
// CHECK: %[[RT:.*]] = llvm.load %[[RTADDR]]
// CHECK: %[[FN:.*]] = constant @add_par0
// CHECK: %[[FNPTR:.*]] = builtin.unrealized_conversion_cast %[[FN]]
// CHECK: llvm.call @kiln_rt_parallel_for(%[[RT]], %{{.*}}, %[[FNPTR]], %[[CTX]])
// CHECK-NOT: scf.parallel
// CHECK: return
// CHECK-LABEL: func.func private @add_par0
// CHECK-SAME: (%[[C:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK: llvm.load
// CHECK: %[[B:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK: %[[E:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[I:.*]] = %[[B]] to %[[E]]
// CHECK: arith.remui %[[I]]
// CHECK: arith.divui %[[I]]
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c16)
// CHECK: arith.addf
// CHECK-LABEL: llvm.func weak @kiln_rt_parallel_for
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %[[N:.*]]: i64, %[[F:.*]]: !llvm.ptr, %[[X:.*]]: !llvm.ptr)
// CHECK: llvm.icmp "sgt" %[[N]]
// CHECK: llvm.call %[[F]](%[[X]], %{{.*}}, %[[N]])
// ONE-LABEL: func.func private @add_par0
// ONE: scf.for
// ONE-NOT: arith.remui
// ONE: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c128, %c16)
func.func @add(%a: memref<4x128x16xf32>, %b: memref<4x128x16xf32>,
               %out: memref<4x128x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c128 = arith.constant 128 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c128, %c16)
      step (%c1, %c1, %c1) {
    %x = memref.load %a[%i, %j, %k] : memref<4x128x16xf32>
    %y = memref.load %b[%i, %j, %k] : memref<4x128x16xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %out[%i, %j, %k] : memref<4x128x16xf32>
    scf.reduce
  }
  return
}

// -----

// Tests that a dynamic dim is distributed alone (its trip count is computed
// at run time) and passed to the body as an i64.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[N:.*]] = memref.dim
// CHECK: arith.index_cast %[[N]] : index to i64
// CHECK: call @kiln_rt_parallel_for
// CHECK-LABEL: func.func private @dynamic_par0
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: scf.parallel
func.func @dynamic(%a: memref<?x8xf32>, %out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %a, %c0 : memref<?x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c8) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x8xf32>
    memref.store %x, %out[%i, %j] : memref<?x8xf32>
    scf.reduce
  }
  return
}

// -----

// Tests that a loop with reductions, a loop of one iteration and an inner
// parallel loop stay as they are, and that scf.forall without results is
// distributed like scf.parallel.
// CHECK-LABEL: func.func @kept
// CHECK: scf.parallel {{.*}} init
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c1)
// CHECK-NOT: kiln_rt_parallel_for
// CHECK: return
// CHECK-LABEL: func.func @forall
// CHECK-NOT: scf.forall
// CHECK: call @kiln_rt_parallel_for
// CHECK-LABEL: func.func private @forall_par0
// CHECK: memref.store
func.func @kept(%a: memref<128xf32>, %out: memref<1xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c128) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<128xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    memref.store %sum, %out[%i] : memref<1xf32>
    scf.reduce
  }
  return %sum : f32
}
func.func @forall(%out: memref<256xf32>) {
  %cst = arith.constant 1.0 : f32
  scf.forall (%i) in (256) {
    memref.store %cst, %out[%i] : memref<256xf32>
  }
  return
}
