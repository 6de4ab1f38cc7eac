// RUN: kiln-opt %s -kiln-cpu-lower-strided-copies | FileCheck %s

// Tests that a copy into a strided subview (as insert_slice bufferizes to)
// becomes linalg.copy, and a copy between contiguous buffers stays a memcpy.

// CHECK-LABEL: func.func @copies
// CHECK-SAME: (%[[SRC:[a-z0-9_]+]]: memref<2x4xf32>, %[[DST:[a-z0-9_]+]]: memref<2x8xf32>, %[[FLAT:[a-z0-9_]+]]: memref<2x4xf32>)
// CHECK: %[[SUB:.*]] = memref.subview %[[DST]]
// CHECK: linalg.copy ins(%[[SRC]] : memref<2x4xf32>) outs(%[[SUB]] : memref<2x4xf32, strided<[8, 1], offset: 4>>)
// CHECK: memref.copy %[[SRC]], %[[FLAT]] : memref<2x4xf32> to memref<2x4xf32>
func.func @copies(%src: memref<2x4xf32>, %dst: memref<2x8xf32>, %flat: memref<2x4xf32>) {
  %sub = memref.subview %dst[0, 4] [2, 4] [1, 1] : memref<2x8xf32> to memref<2x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %src, %sub : memref<2x4xf32> to memref<2x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %src, %flat : memref<2x4xf32> to memref<2x4xf32>
  return
}
