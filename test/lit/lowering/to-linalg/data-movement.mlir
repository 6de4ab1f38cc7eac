// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that Transpose is linalg.transpose.
// CHECK-LABEL: func.func @transpose
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = "onnx.Transpose"(%x) {perm = [2, 0, 1]} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Tests that Concat inserts each input at its offset.
// CHECK-LABEL: func.func @concat
// CHECK: tensor.empty() : tensor<2x5xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [2, 2] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 2] [2, 3] [1, 1]
func.func @concat(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %0 = "onnx.Concat"(%a, %b) {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Tests that Slice with constant starts/ends/steps clamps them and becomes a
// strided extract_slice; a negative step reverses the slice.
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0, d1) -> (d0, -d1 + 3)>
// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.*}}[1, 1] [2, 4] [1, 2] : tensor<3x8xf32> to tensor<2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[REV]],
func.func @slice(%x: tensor<3x8xf32>) -> tensor<2x4xf32> {
  %s = "onnx.Constant"() {value = dense<[1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = "onnx.Constant"() {value = dense<[100, -100]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a = "onnx.Constant"() {value = dense<[0, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %t = "onnx.Constant"() {value = dense<[1, -2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Slice"(%x, %s, %e, %a, %t) : (tensor<3x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that Gather reads the data with tensor.extract at the (wrapped)
// index, looping over the output shape.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: tensor.extract
func.func @gather(%data: tensor<100x16xf32>, %ids: tensor<2x8xi64>) -> tensor<2x8x16xf32> {
  %0 = "onnx.Gather"(%data, %ids) {axis = 0 : i64} : (tensor<100x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

// Tests that Split with a split operand gives consecutive slices.
// CHECK-LABEL: func.func @split
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 1] [1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 1] [2, 3] [1, 1]
func.func @split(%x: tensor<2x4xf32>) -> (tensor<2x1xf32>, tensor<2x3xf32>) {
  %s = "onnx.Constant"() {value = dense<[1, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0, %1 = "onnx.Split"(%x, %s) {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2xi64>) -> (tensor<2x1xf32>, tensor<2x3xf32>)
  return %0, %1 : tensor<2x1xf32>, tensor<2x3xf32>
}

// -----

// Tests that Slice with run-time starts and ends reads them with
// tensor.extract, wraps negatives, clamps them into [0, dim] and slices with
// dynamic offsets and sizes.
// CHECK-LABEL: func.func @slice_runtime
// CHECK-SAME: %[[X:.*]]: tensor<3x8xf32>, %[[S:.*]]: tensor<1xi64>, %[[E:.*]]: tensor<1xi64>
// CHECK: %[[S0:.*]] = tensor.extract %[[S]]
// CHECK: %[[E0:.*]] = tensor.extract %[[E]]
// CHECK: arith.select
// CHECK: arith.maxsi
// CHECK: %[[OFF:.*]] = arith.minsi
// CHECK: arith.minsi
// CHECK: %[[N:.*]] = arith.maxsi
// CHECK: tensor.extract_slice %[[X]][0, %[[OFF]]] [3, %[[N]]] [1, 1] : tensor<3x8xf32> to tensor<3x?xf32>
func.func @slice_runtime(%x: tensor<3x8xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<3x?xf32> {
  %a = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %a, %none) : (tensor<3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Tests that a negative step on run-time bounds takes the elements ascending
// from the lowest one and reverses them with an extract-based generic.
// CHECK-LABEL: func.func @slice_runtime_negative_step
// CHECK: %[[SL:.*]] = tensor.extract_slice %{{.*}}[%{{.*}}] [%{{.*}}] [2] : tensor<10xf32> to tensor<?xf32>
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = arith.subi %{{.*}}, %[[I]] : index
// CHECK: tensor.extract %[[SL]][%[[J]]] : tensor<?xf32>
func.func @slice_runtime_negative_step(%x: tensor<10xf32>, %s: tensor<1xi32>, %e: tensor<1xi32>) -> tensor<?xf32> {
  %a = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %t = "onnx.Constant"() {value = dense<-2> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.Slice"(%x, %s, %e, %a, %t) : (tensor<10xf32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that Tile with run-time repeats sizes the output in_i * repeats_i and
// reads the input at (index mod in_i).
// CHECK-LABEL: func.func @tile_runtime
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>, %[[R:.*]]: tensor<2xi64>
// CHECK: tensor.extract %[[R]]
// CHECK: %[[D0:.*]] = arith.muli
// CHECK: tensor.extract %[[R]]
// CHECK: %[[D1:.*]] = arith.muli
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: arith.remsi
// CHECK: arith.remsi
// CHECK: tensor.extract %[[X]]
func.func @tile_runtime(%x: tensor<2x3xf32>, %r: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Tile"(%x, %r) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that Split with a run-time split input takes the piece sizes from
// the static result types and checks the values against them and their sum
// against the axis.
// CHECK-LABEL: func.func @split_runtime_sizes
// CHECK: tensor.extract %arg1
// CHECK: cf.assert {{.*}} "onnx.Split: split 0 is negative or does not match the output shape"
// CHECK: cf.assert {{.*}} "onnx.Split: split does not sum to the size of the axis"
// CHECK: tensor.extract_slice %arg0[0] [2] [1]
// CHECK: tensor.extract_slice %arg0[2] [4] [1]
func.func @split_runtime_sizes(%x: tensor<6xf32>, %s: tensor<2xi64>) -> (tensor<2xf32>, tensor<4xf32>) {
  %0:2 = "onnx.Split"(%x, %s) {axis = 0 : i64} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<4xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<4xf32>
}

// -----

// Tests that Slice with run-time axes and steps gathers data[first + i *
// step] per dim, with the axes and zero steps checked at run time.
// CHECK-LABEL: func.func @slice_runtime_steps
// CHECK: cf.assert {{.*}} "onnx.Slice: axes out of range or repeated"
// CHECK: cf.assert {{.*}} "onnx.Slice: a step is 0"
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: tensor.extract %arg0
func.func @slice_runtime_steps(%x: tensor<20x10xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<3x10xf32> {
  %0 = "onnx.Slice"(%x, %s, %e, %a, %st) : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x10xf32>
  return %0 : tensor<3x10xf32>
}
