// RUN: kiln-opt %s -split-input-file \
// RUN:   -pass-pipeline='builtin.module(func.func(kiln-cuda-map-to-gpu{block-size=128}))' \
// RUN:   | FileCheck %s

// Tests that a 2-D scf.parallel becomes one 1-D launch of ceil(N/128)
// blocks of 128 threads, each thread delinearizing its id (innermost dim
// fastest) under an id < N guard, the body cloned once.

// CHECK-LABEL: func.func @parallel_2d
// CHECK: %[[BLOCKS:.*]] = arith.ceildivsi %[[N:.*]], %c128
// CHECK: %[[GRID:.*]] = arith.maxsi %[[BLOCKS]], %c1
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %{{.*}}) in (%{{[a-z0-9_]+}} = %[[GRID]], {{.*}}) threads(%[[TX:[a-z0-9_]+]], %{{.*}}) in (%[[BS:[a-z0-9_]+]] = %c128,
// CHECK: %[[ID0:.*]] = arith.muli %[[BX]], %[[BS]]
// CHECK: %[[ID:.*]] = arith.addi %[[ID0]], %[[TX]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[ID]], %[[N]]
// CHECK: scf.if %[[IN]]
// CHECK: arith.remui %[[ID]]
// CHECK: arith.divui %[[ID]]
// CHECK: memref.load
// CHECK: arith.negf
// CHECK: memref.store
// CHECK-NOT: scf.parallel
// CHECK: gpu.terminator
func.func @parallel_2d(%a: memref<?x5xf32>, %b: memref<?x5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %n = memref.dim %a, %c0 : memref<?x5xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c5) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x5xf32>
    %y = arith.negf %x : f32
    memref.store %y, %b[%i, %j] : memref<?x5xf32>
    scf.reduce
  }
  return
}

// -----

// Tests that a top-level reduction loop (no parallel dim) runs in a launch
// of one thread, since its buffers are device memory.

// CHECK-LABEL: func.func @serial_reduction
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[ONE:c1_[0-9]+]], {{.*}}) threads({{.*}}) in (%{{.*}} = %[[ONE]],
// CHECK-NEXT: scf.for
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @serial_reduction(%a: memref<8xf32>, %s: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i] : memref<8xf32>
    %acc = memref.load %s[] : memref<f32>
    %sum = arith.addf %acc, %x : f32
    memref.store %sum, %s[] : memref<f32>
  }
  return
}

// -----

// Tests that a buffer of dynamic size (left out of the arena) becomes a
// stream-ordered device allocation and free.

// CHECK-LABEL: func.func @dynamic_alloc
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[M:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<?xf32>
// CHECK: gpu.wait [%[[T1]]]
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[M]]
// CHECK: %[[T2:.*]] = gpu.wait async
// CHECK: %[[T3:.*]] = gpu.dealloc async [%[[T2]]] %[[M]] : memref<?xf32>
// CHECK: gpu.wait [%[[T3]]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @dynamic_alloc(%n: index, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %m[%i] : memref<?xf32>
    scf.reduce
  }
  memref.dealloc %m : memref<?xf32>
  return
}

// -----

// Tests that a copy between contiguous buffers (a host memcpy would read
// device pointers) becomes a stream-ordered device-to-device gpu.memcpy.

// CHECK-LABEL: func.func @contiguous_copy
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.memcpy async [%[[T0]]] %arg1, %arg0 : memref<2x3xf32>, memref<2x3xf32>
// CHECK: gpu.wait [%[[T1]]]
// CHECK-NOT: memref.copy
func.func @contiguous_copy(%a: memref<2x3xf32>, %b: memref<2x3xf32>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  return
}

// -----

// Tests that a value the host needs from device memory (a shape element
// sizing an allocation) is loaded by a one-thread launch into a device
// scratch buffer, copied into a host buffer (the runtime waits for that
// copy) and read there, and that the function is marked for the runtime.

// CHECK-LABEL: func.func @host_read
// CHECK-SAME: attributes {kiln.host_reads_device}
// CHECK: %[[SCRATCH:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<1xi64>
// CHECK: gpu.launch
// CHECK: %[[V:.*]] = memref.load %arg0[%{{.*}}] : memref<2xi64>
// CHECK: memref.store %[[V]], %[[SCRATCH]][%{{.*}}] : memref<1xi64>
// CHECK: gpu.terminator
// CHECK: %[[HOST:.*]] = memref.alloca() : memref<1xi64>
// CHECK: gpu.memcpy async [%{{.*}}] %[[HOST]], %[[SCRATCH]] : memref<1xi64>, memref<1xi64>
// CHECK: gpu.dealloc async [%{{.*}}] %[[SCRATCH]] : memref<1xi64>
// CHECK: %[[N:.*]] = memref.load %[[HOST]][%{{.*}}] : memref<1xi64>
// CHECK: %[[SIZE:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: gpu.alloc async [%{{.*}}] (%[[SIZE]]) : memref<?xf32>
func.func @host_read(%shape: memref<2xi64>) -> memref<?xf32> {
  %c1 = arith.constant 1 : index
  %n = memref.load %shape[%c1] : memref<2xi64>
  %size = arith.index_cast %n : i64 to index
  %buf = memref.alloc(%size) : memref<?xf32>
  return %buf : memref<?xf32>
}

// -----

// Tests that a loop carrying buffers (a Scan/Loop body after bufferization)
// stays on the host: the loop nest in its body becomes a launch inside the
// host loop, and the buffers are swapped by the host.

// CHECK-LABEL: func.func @host_loop
// CHECK: %[[R:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[X:.*]] = %arg0, %[[Y:.*]] = %arg1) -> (memref<4xf32>, memref<4xf32>) {
// CHECK: gpu.launch
// CHECK: memref.load %[[X]]
// CHECK: memref.store %{{.*}}, %[[Y]]
// CHECK: gpu.terminator
// CHECK: scf.yield %[[Y]], %[[X]] : memref<4xf32>, memref<4xf32>
// CHECK: return %[[R]]#0
func.func @host_loop(%a: memref<4xf32>, %b: memref<4xf32>, %n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%x = %a, %y = %b) -> (memref<4xf32>, memref<4xf32>) {
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      %v = memref.load %x[%j] : memref<4xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %y[%j] : memref<4xf32>
      scf.reduce
    }
    scf.yield %y, %x : memref<4xf32>, memref<4xf32>
  }
  return %r#0 : memref<4xf32>
}
