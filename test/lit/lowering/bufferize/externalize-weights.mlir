// RUN: kiln-opt %s -split-input-file -allow-unregistered-dialect -kiln-externalize-weights="min-bytes=64" | FileCheck %s

// Tests that dense_resource constants and large dense constants become views
// at 64-byte aligned offsets into a weights argument, in order, with the
// layout recorded on the module; small constants stay globals.

// CHECK: module attributes
// CHECK-SAME: kiln.weights_bytes = 192 : i64
// CHECK-SAME: kiln.weights_layout = [{name = "w0", offset = 0 : i64, size = 48 : i64, value = dense_resource<w0_blob> : tensor<4x3xf32>}, {name = "w1", offset = 64 : i64, size = 128 : i64, value = dense<1.000000e+00> : tensor<32xf32>}]
// CHECK-NOT: memref.global "private" constant @w0
// CHECK-NOT: memref.global "private" constant @w1
// CHECK: memref.global "private" constant @small : memref<3xf32>
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: %[[IN:[a-z0-9_]+]]: memref<2x4xf32>, %[[OUT:[a-z0-9_]+]]: memref<2x3xf32> {bufferize.result}, %[[W:[a-z0-9_]+]]: memref<192xi8> {kiln.weights})
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: memref.view %[[W]][%[[C0]]][] : memref<192xi8> to memref<4x3xf32>
// CHECK-DAG: memref.view %[[W]][%[[C64]]][] : memref<192xi8> to memref<32xf32>
// CHECK-DAG: memref.get_global @small : memref<3xf32>
module {
  memref.global "private" constant @w0 : memref<4x3xf32> = dense_resource<w0_blob> {alignment = 64 : i64}
  memref.global "private" constant @w1 : memref<32xf32> = dense<1.0> {alignment = 64 : i64}
  memref.global "private" constant @small : memref<3xf32> = dense<[1.0, 2.0, 3.0]> {alignment = 64 : i64}
  func.func @main_graph(%in: memref<2x4xf32>, %out: memref<2x3xf32> {bufferize.result}) {
    %0 = memref.get_global @w0 : memref<4x3xf32>
    %1 = memref.get_global @w1 : memref<32xf32>
    %2 = memref.get_global @small : memref<3xf32>
    "test.use"(%0, %1, %2) : (memref<4x3xf32>, memref<32xf32>, memref<3xf32>) -> ()
    return
  }
}
{-#
  dialect_resources: {
    builtin: {
      w0_blob: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// Tests that a module without constants still gets an (empty) weights
// argument, so the kernel ABI is the same for every model.

// CHECK: kiln.weights_bytes = 0 : i64
// CHECK-SAME: kiln.weights_layout = []
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: memref<0xi8> {kiln.weights}
module {
  func.func @main_graph(%in: memref<2xf32>, %out: memref<2xf32> {bufferize.result}) {
    return
  }
}

// -----

// Tests that a constant also read outside the entry function stays a global.

// CHECK: kiln.weights_bytes = 0
// CHECK: memref.global "private" constant @shared
module {
  memref.global "private" constant @shared : memref<32xf32> = dense<2.0>
  func.func private @helper() {
    %0 = memref.get_global @shared : memref<32xf32>
    "test.use"(%0) : (memref<32xf32>) -> ()
    return
  }
  func.func @main_graph(%in: memref<2xf32>) {
    %0 = memref.get_global @shared : memref<32xf32>
    "test.use"(%0) : (memref<32xf32>) -> ()
    return
  }
}

// -----

// Tests that a large i1 constant goes into the blob at one byte per element.

// CHECK: kiln.weights_layout = [{name = "mask", offset = 0 : i64, size = 96 : i64, value = dense<true> : tensor<96xi1>}]
// CHECK: func.func @main_graph
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<128xi8> to memref<96xi1>
module {
  memref.global "private" constant @mask : memref<96xi1> = dense<true> {alignment = 64 : i64}
  func.func @main_graph(%out: memref<96xi1> {bufferize.result}) {
    %0 = memref.get_global @mask : memref<96xi1>
    "test.use"(%0) : (memref<96xi1>) -> ()
    return
  }
}
