// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a binary op broadcasts its operands numpy-style: the rank-1
// operand is aligned with the trailing dim and the symbolic batch dim N of
// both sides needs no run-time check.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<4xf32>) -> tensor<?x4xf32>
// CHECK: %[[DIM:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[DIM]]) : tensor<?x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<?x4xf32>, tensor<4xf32>) outs(%[[EMPTY]] : tensor<?x4xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<?x4xf32, #onnx.dims<["N", ""]>>, %b: tensor<4xf32>) -> tensor<?x4xf32, #onnx.dims<["N", ""]>> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x4xf32, #onnx.dims<["N", ""]>>, tensor<4xf32>) -> tensor<?x4xf32, #onnx.dims<["N", ""]>>
  return %0 : tensor<?x4xf32, #onnx.dims<["N", ""]>>
}

// -----

// Tests that a static unit dim broadcasts through a constant-0 map.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @mul_unit_dim
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
// CHECK: arith.mulf
func.func @mul_unit_dim(%a: tensor<3x4xf32>, %b: tensor<3x1xf32>) -> tensor<3x4xf32> {
  %0 = "onnx.Mul"(%a, %b) : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Tests that two dynamic dims with different symbols are broadcast at run
// time: the operand is read with tensor.extract at an index that is 0 where
// its dim is 1.
// CHECK-LABEL: func.func @add_runtime_broadcast
// CHECK: arith.maxui
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: arith.addf
func.func @add_runtime_broadcast(%a: tensor<?xf32, #onnx.dims<["A"]>>, %b: tensor<?xf32, #onnx.dims<["B"]>>) -> tensor<?xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?xf32, #onnx.dims<["A"]>>, tensor<?xf32, #onnx.dims<["B"]>>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that Relu is a max with zero and Clip with omitted max clamps below
// only.
// CHECK-LABEL: func.func @relu_clip
// CHECK: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.*}}, %[[ZERO]] : f32
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: arith.minimumf
// CHECK: linalg.yield
func.func @relu_clip(%x: tensor<8xf32>, %lo: tensor<f32>) -> tensor<8xf32> {
  %0 = "onnx.Relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %none = onnx.NoValue
  %1 = "onnx.Clip"(%0, %lo, %none) : (tensor<8xf32>, tensor<f32>, none) -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// Tests that unsigned integers become signless and use unsigned arith ops.
// CHECK-LABEL: func.func @div_unsigned
// CHECK-SAME: tensor<4xi8>
// CHECK: arith.divui
func.func @div_unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "onnx.Div"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Tests that integer Mod (fmod = 0) takes the divisor's sign.
// CHECK-LABEL: func.func @mod_int
// CHECK: %[[REM:.*]] = arith.remsi
// CHECK: arith.xori
// CHECK: %[[ADJ:.*]] = arith.addi %[[REM]]
// CHECK: arith.select %{{.*}}, %[[ADJ]], %[[REM]]
func.func @mod_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = "onnx.Mod"(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Tests that comparisons yield i1 and Where selects with broadcasting.
// CHECK-LABEL: func.func @less_where
// CHECK: arith.cmpf olt
// CHECK: linalg.generic
// CHECK: arith.select
func.func @less_where(%a: tensor<2x3xf32>, %b: tensor<f32>) -> tensor<2x3xf32> {
  %0 = "onnx.Less"(%a, %b) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
  %1 = "onnx.Where"(%0, %a, %b) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Tests that a float -> int Cast truncates and saturates (NaN -> 0).
// CHECK-LABEL: func.func @cast_f32_i8
// CHECK: arith.fptosi %{{.*}} : f32 to i8
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf uno
// CHECK: arith.select
func.func @cast_f32_i8(%a: tensor<4xf32>) -> tensor<4xi8> {
  %0 = "onnx.Cast"(%a) {to = 3 : i64} : (tensor<4xf32>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// Tests that Gelu without approximation uses erf, and with "tanh" uses tanh.
// CHECK-LABEL: func.func @gelu
// CHECK: math.erf
// CHECK: math.tanh
func.func @gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.Gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.Gelu"(%0) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Tests that variadic Sum folds all operands in one generic.
// CHECK-LABEL: func.func @sum3
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: arith.addf
// CHECK: arith.addf
func.func @sum3(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<1xf32>) -> tensor<4xf32> {
  %0 = "onnx.Sum"(%a, %b, %c) : (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that CastLike casts to the element type of its second operand
// without reading it (its shape need not broadcast with the input).
// CHECK-LABEL: func.func @castlike
// CHECK-SAME: %[[X:.*]]: tensor<3x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @castlike(%x: tensor<3x4xf32>, %like: tensor<0xf16>) -> tensor<3x4xf16> {
  %0 = "onnx.CastLike"(%x, %like) : (tensor<3x4xf32>, tensor<0xf16>) -> tensor<3x4xf16>
  return %0 : tensor<3x4xf16>
}
