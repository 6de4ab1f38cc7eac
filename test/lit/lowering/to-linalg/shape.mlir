// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that constants become arith.constant, dense_resource weights stay
// resources, and unsigned constants become signless.
// CHECK-LABEL: func.func @constants
// CHECK: arith.constant dense_resource<weights> : tensor<2x2xf32>
// CHECK: arith.constant dense<[1, -1]> : tensor<2xi8>
func.func @constants() -> (tensor<2x2xf32>, tensor<2xui8>) {
  %0 = "onnx.Constant"() {value = dense_resource<weights> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %1 = "onnx.Constant"() {value = dense<[1, 255]> : tensor<2xui8>} : () -> tensor<2xui8>
  return %0, %1 : tensor<2x2xf32>, tensor<2xui8>
}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// Tests that Reshape with a constant shape (0 = copy, -1 = infer) becomes
// one expand_shape whose dynamic size is computed from the element count.
// CHECK-LABEL: func.func @reshape_expand
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 12, 64] : tensor<?x768xf32> into tensor<?x12x64xf32>
func.func @reshape_expand(%x: tensor<?x768xf32, #onnx.dims<["S", ""]>>) -> tensor<?x12x64xf32> {
  %s = "onnx.Constant"() {value = dense<[0, 12, 64]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<?x768xf32, #onnx.dims<["S", ""]>>, tensor<3xi64>) -> tensor<?x12x64xf32>
  return %0 : tensor<?x12x64xf32>
}

// -----

// Tests that Reshape with a run-time shape of run-time length checks the
// length against the result rank and the resolved entries (0 = copy, -1 =
// infer) against the element count, then becomes tensor.reshape.
// CHECK-LABEL: func.func @reshape_runtime_shape
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?xi64>
// CHECK: %[[LEN_OK:.*]] = arith.cmpi eq, %[[N]], %{{.*}} : index
// CHECK: cf.assert %[[LEN_OK]], "onnx.Reshape: the shape input's length is not the result's rank 2"
// CHECK-COUNT-2: tensor.extract
// CHECK: arith.divui
// CHECK: cf.assert %{{.*}}, "onnx.Reshape: the shape input does not fit the data
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
// CHECK: tensor.reshape %{{.*}}(%[[SHAPE]]) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
func.func @reshape_runtime_shape(%x: tensor<6x4xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Reshape"(%x, %s) : (tensor<6x4xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that Flatten collapses around its axis.
// CHECK-LABEL: func.func @flatten
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<2x3x4x5xf32> into tensor<2x60xf32>
func.func @flatten(%x: tensor<2x3x4x5xf32>) -> tensor<2x60xf32> {
  %0 = "onnx.Flatten"(%x) {axis = 1 : i64} : (tensor<2x3x4x5xf32>) -> tensor<2x60xf32>
  return %0 : tensor<2x60xf32>
}

// -----

// Tests that Squeeze and Unsqueeze only reshape by unit dims.
// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<1x3x4xf32> into tensor<3x4xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [3, 4, 1] : tensor<3x4xf32> into tensor<3x4x1xf32>
func.func @squeeze_unsqueeze(%x: tensor<1x3x4xf32>) -> tensor<3x4x1xf32> {
  %a = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.Squeeze"(%x, %a) : (tensor<1x3x4xf32>, tensor<1xi64>) -> tensor<3x4xf32>
  %b = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Unsqueeze"(%0, %b) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3x4x1xf32>
  return %1 : tensor<3x4x1xf32>
}

// -----

// Tests that Shape of a dynamic tensor is built from tensor.dim.
// CHECK-LABEL: func.func @shape_dynamic
// CHECK: %[[D:.*]] = tensor.dim
// CHECK: %[[I:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: tensor.from_elements %[[I]], %{{.*}} : tensor<2xi64>
func.func @shape_dynamic(%x: tensor<?x4xf32>) -> tensor<2xi64> {
  %0 = "onnx.Shape"(%x) : (tensor<?x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Tests that Identity forwards its input.
// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.Identity"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that Expand broadcasts with a generic.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
func.func @expand(%x: tensor<1x4xf32>) -> tensor<3x4xf32> {
  %s = "onnx.Constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Expand"(%x, %s) : (tensor<1x4xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Tests that a Reshape from a source with a dynamic dim to a static result
// without a reassociation casts the flattened source to the static element
// count before expanding (expand_shape needs a static collapsed dim there).
// CHECK-LABEL: func.func @reshape_dynamic_to_static
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] : tensor<2x3x?x6x8xf32> into tensor<?xf32>
// CHECK: %[[CAST:.*]] = tensor.cast %[[FLAT]] : tensor<?xf32> to tensor<288xf32>
// CHECK: tensor.expand_shape %[[CAST]] {{\[\[}}0, 1, 2, 3]] output_shape [2, 3, 6, 8] : tensor<288xf32> into tensor<2x3x6x8xf32>
func.func @reshape_dynamic_to_static(%x: tensor<2x3x?x6x8xf32>) -> tensor<2x3x6x8xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 3, 6, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x?x6x8xf32>, tensor<4xi64>) -> tensor<2x3x6x8xf32>
  return %0 : tensor<2x3x6x8xf32>
}

// -----

// Tests that a Reshape from a static source to a result with a dynamic dim
// casts the flattened source to a dynamic size before expanding (a dynamic
// expanded dim needs a dynamic collapsed dim).
// CHECK-LABEL: func.func @reshape_collapse_static_to_dynamic
// CHECK: %[[C:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<2x3x8xf32> into tensor<48xf32>
// CHECK: %[[CAST:.*]] = tensor.cast %[[C]] : tensor<48xf32> to tensor<?xf32>
// CHECK: tensor.expand_shape %[[CAST]] {{\[\[}}0, 1]] output_shape [2, 24] : tensor<?xf32> into tensor<2x?xf32>
func.func @reshape_collapse_static_to_dynamic(%x: tensor<2x3x8xf32>) -> tensor<2x?xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 24]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3x8xf32>, tensor<2xi64>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Tests that Unsqueeze with axes given at run time switches on the axes
// mask among the unit-dim sets the shapes allow (3x4 -> 1x3x1x4 has one:
// dims 0 and 2).
// CHECK-LABEL: func.func @unsqueeze_runtime_axes
// CHECK: scf.index_switch
// CHECK: case 5 {
// CHECK: tensor.expand_shape
// CHECK: default {
// CHECK: cf.assert %false, "onnx.Unsqueeze: axes out of range
func.func @unsqueeze_runtime_axes(%x: tensor<3x4xf32>, %a: tensor<2xi64>) -> tensor<1x3x1x4xf32> {
  %0 = "onnx.Unsqueeze"(%x, %a) : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<1x3x1x4xf32>
  return %0 : tensor<1x3x1x4xf32>
}

// -----

// Tests that Squeeze with run-time axes of a dynamic dim checks at run time
// that the dim is 1.
// CHECK-LABEL: func.func @squeeze_runtime_axes
// CHECK: scf.index_switch
// CHECK: case 1 {
// CHECK: cf.assert {{.*}} "onnx.Squeeze: squeezes a dim whose size is not 1"
// CHECK: tensor.collapse_shape
func.func @squeeze_runtime_axes(%x: tensor<?x4xf32>, %a: tensor<1xi64>) -> tensor<4xf32> {
  %0 = "onnx.Squeeze"(%x, %a) : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
