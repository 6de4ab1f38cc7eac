// RUN: kiln-opt %s -kiln-publish-data-dependent-results | FileCheck %s

// Tests that a result tagged kiln.data_dependent is handed to
// kiln_rt_publish_output (its first element's address and a stack array of
// dims then strides) and dropped from the results, the other result is
// kept, and the graph index of the published output is recorded.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: -> (memref<3xf32> {onnx.name = "kept"})
// CHECK-SAME: kiln.data_dependent_outputs = array<i64: 0>
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[BYTES:.*]] = arith.muli %[[OFF]], %c8
// CHECK: %[[DATA:.*]] = arith.addi %[[PTR]], %[[BYTES]]
// CHECK: %[[ARR:.*]] = memref.alloca() : memref<4xi64>
// CHECK: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[ARR]]
// CHECK: call @kiln_rt_publish_output(%c0_i32, %[[DATA]], %[[ADDR]]) : (i32, index, index) -> ()
// CHECK: return %arg1 : memref<3xf32>
// CHECK: func.func private @kiln_rt_publish_output(i32, index, index)
func.func @main_graph(%nz: memref<2x?xi64>, %y: memref<3xf32>) -> (memref<2x?xi64> {kiln.data_dependent, onnx.name = "nz"}, memref<3xf32> {onnx.name = "kept"}) {
  return %nz, %y : memref<2x?xi64>, memref<3xf32>
}
