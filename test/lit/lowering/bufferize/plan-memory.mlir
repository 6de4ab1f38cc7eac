// RUN: kiln-opt %s -split-input-file -allow-unregistered-dialect -kiln-plan-memory -cse | FileCheck %s

// Tests that buffers with disjoint lifetimes share arena bytes: %a dies when
// %c is written, so %c reuses offset 0 (CSE merges the two identical views)
// while %b is live at 64; the arena is the two live buffers (2 x 64 bytes).
// Their deallocs are gone.

// CHECK: module attributes {kiln.workspace_bytes = 128 : i64}
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: %[[IN:[a-z0-9_]+]]: memref<16xf32>, %[[OUT:[a-z0-9_]+]]: memref<16xf32> {bufferize.result}, %[[ARENA:[a-z0-9_]+]]: memref<128xi8> {kiln.arena}
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<128xi8> to memref<16xf32>
// CHECK: "test.write"(%[[IN]], %[[A]])
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%[[C64]]][] : memref<128xi8> to memref<16xf32>
// CHECK: "test.write"(%[[A]], %[[B]])
// CHECK: "test.write"(%[[B]], %[[A]])
// CHECK: "test.write"(%[[A]], %[[OUT]])
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
module {
  func.func @main_graph(%in: memref<16xf32>, %out: memref<16xf32> {bufferize.result}) {
    %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    "test.write"(%in, %a) : (memref<16xf32>, memref<16xf32>) -> ()
    %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    "test.write"(%a, %b) : (memref<16xf32>, memref<16xf32>) -> ()
    %c = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    "test.write"(%b, %c) : (memref<16xf32>, memref<16xf32>) -> ()
    "test.write"(%c, %out) : (memref<16xf32>, memref<16xf32>) -> ()
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %b : memref<16xf32>
    memref.dealloc %c : memref<16xf32>
    return
  }
}

// -----

// Tests that a use through a view keeps the buffer alive, that a small buffer
// fills the gap a large dead one left (best fit) and that sizes are rounded
// to the 64-byte alignment.

// CHECK: kiln.workspace_bytes = 320 : i64
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: %[[ARENA:[a-z0-9_]+]]: memref<320xi8> {kiln.arena}
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[BIG:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<320xi8> to memref<64xf32>
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[MID:.*]] = memref.view %[[ARENA]][%[[C256]]][] : memref<320xi8> to memref<2x8xf32>
// CHECK: memref.collapse_shape %[[MID]]
// CHECK: %[[SMALL:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<320xi8> to memref<3xf32>
module {
  func.func @main_graph(%in: memref<64xf32>, %out: memref<3xf32> {bufferize.result}) {
    %big = memref.alloc() : memref<64xf32>
    "test.write"(%in, %big) : (memref<64xf32>, memref<64xf32>) -> ()
    %mid2d = memref.alloc() : memref<2x8xf32>
    %flat = memref.collapse_shape %mid2d [[0, 1]] : memref<2x8xf32> into memref<16xf32>
    "test.write"(%big, %flat) : (memref<64xf32>, memref<16xf32>) -> ()
    %small = memref.alloc() : memref<3xf32>
    "test.write"(%flat, %small) : (memref<16xf32>, memref<3xf32>) -> ()
    "test.write"(%small, %out) : (memref<3xf32>, memref<3xf32>) -> ()
    return
  }
}

// -----

// Tests that dynamically sized buffers and buffers that escape stay on the
// heap with their deallocs, and that the arena argument is still added.

// CHECK: kiln.workspace_bytes = 0 : i64
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: memref<0xi8> {kiln.arena}
// CHECK: %[[DYN:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: %[[ESC:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %[[DYN]]
module {
  func.func @main_graph(%in: memref<?xf32>) -> memref<4xf32> {
    %c0 = arith.constant 0 : index
    %n = memref.dim %in, %c0 : memref<?xf32>
    %dyn = memref.alloc(%n) : memref<?xf32>
    "test.write"(%in, %dyn) : (memref<?xf32>, memref<?xf32>) -> ()
    %esc = memref.alloc() : memref<4xf32>
    memref.dealloc %dyn : memref<?xf32>
    return %esc : memref<4xf32>
  }
}
