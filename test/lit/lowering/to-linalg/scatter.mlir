// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that ScatterElements is a generic over the output seeded with the
// data, with a reduction loop over the updates along the axis: the target
// index (negative ones wrapped) is compared with the output index and the
// matching update is added.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK-SAME: %[[DATA:[a-z0-9]+]]: tensor<3x3xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%[[DATA]] : tensor<3x3xf32>)
// CHECK: tensor.extract %{{.*}} : tensor<2x2xi64>
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi eq
// CHECK: %[[U:.*]] = tensor.extract %{{.*}} : tensor<2x2xf32>
// CHECK: %[[SUM:.*]] = arith.addf %{{.*}}, %[[U]]
// CHECK: arith.select %{{.*}}, %[[SUM]]
func.func @scatter_elements_add(%data: tensor<3x3xf32>, %indices: tensor<2x2xi64>, %updates: tensor<2x2xf32>) -> tensor<3x3xf32> {
  %0 = "onnx.ScatterElements"(%data, %indices, %updates) {axis = 1 : i64, reduction = "add"} : (tensor<3x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Tests that ScatterND loops over the index tuples and replaces the slice
// whose tuple matches the output's leading indices.
// CHECK-LABEL: func.func @scatter_nd
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: tensor.extract %{{.*}} : tensor<2x1xi64>
// CHECK: arith.cmpi eq
// CHECK: %[[U:.*]] = tensor.extract %{{.*}} : tensor<2x4xf32>
// CHECK: arith.select %{{.*}}, %[[U]]
func.func @scatter_nd(%data: tensor<8x4xf32>, %indices: tensor<2x1xi64>, %updates: tensor<2x4xf32>) -> tensor<8x4xf32> {
  %0 = "onnx.ScatterND"(%data, %indices, %updates) : (tensor<8x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// Tests that GatherND with batch_dims = 1 reads data at (batch, tuple...).
// CHECK-LABEL: func.func @gather_nd_batch
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x2xi32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<2x2xi32>)
// CHECK: tensor.extract %{{.*}} : tensor<2x1xi64>
// CHECK: %[[V:.*]] = tensor.extract %{{.*}} : tensor<2x2x2xi32>
// CHECK: linalg.yield %[[V]]
func.func @gather_nd_batch(%data: tensor<2x2x2xi32>, %indices: tensor<2x1xi64>) -> tensor<2x2xi32> {
  %0 = "onnx.GatherND"(%data, %indices) {batch_dims = 1 : i64} : (tensor<2x2x2xi32>, tensor<2x1xi64>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// Tests that TensorScatter in circular mode reads the update at
// (p - write_index) mod max_sequence_length where that lies below the
// update's length, else the cache.
// CHECK-LABEL: func.func @tensor_scatter_circular
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<2xi64>
// CHECK: arith.remsi
// CHECK: arith.cmpi ult
// CHECK: arith.select
func.func @tensor_scatter_circular(%cache: tensor<2x4x3xf32>, %update: tensor<2x2x3xf32>, %w: tensor<2xi64>) -> tensor<2x4x3xf32> {
  %0 = "onnx.TensorScatter"(%cache, %update, %w) {axis = 1 : i64, mode = "circular"} : (tensor<2x4x3xf32>, tensor<2x2x3xf32>, tensor<2xi64>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}
