// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that MatMulInteger is one i32 contraction whose body extends both
// uint8 operands and subtracts their zero points (read at [0]).
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[ZP:.*]] = affine_map<(d0, d1, d2) -> (0)>
// CHECK-LABEL: func.func @matmul_integer
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[ZP]], #[[ZP]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.subi
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: -> tensor<4x2xi32>
func.func @matmul_integer(%a: tensor<4x3xui8>, %b: tensor<3x2xui8>, %azp: tensor<1xui8>, %bzp: tensor<1xui8>) -> tensor<4x2xi32> {
  %0 = "onnx.MatMulInteger"(%a, %b, %azp, %bzp) : (tensor<4x3xui8>, tensor<3x2xui8>, tensor<1xui8>, tensor<1xui8>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

// Tests that QLinearMatMul requantizes the i32 accumulator in f64: the
// multiplier a_scale * b_scale / y_scale is formed in the scales' type, then
// rounded half to even and clamped to int8.
// CHECK-LABEL: func.func @qlinear_matmul
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}} : f16
// CHECK: arith.divf %{{.*}} : f16
// CHECK: arith.sitofp %{{.*}} : i32 to f64
// CHECK: math.roundeven %{{.*}} : f64
// CHECK: arith.fptosi %{{.*}} : f64 to i8
// CHECK: -> tensor<2x3xi8>
func.func @qlinear_matmul(%a: tensor<2x4xi8>, %as: tensor<1xf16>, %azp: tensor<1xi8>, %b: tensor<4x3xi8>, %bs: tensor<1xf16>, %bzp: tensor<1xi8>, %ys: tensor<1xf16>, %yzp: tensor<1xi8>) -> tensor<2x3xi8> {
  %0 = "onnx.QLinearMatMul"(%a, %as, %azp, %b, %bs, %bzp, %ys, %yzp) : (tensor<2x4xi8>, tensor<1xf16>, tensor<1xi8>, tensor<4x3xi8>, tensor<1xf16>, tensor<1xi8>, tensor<1xf16>, tensor<1xi8>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

// Tests that ConvInteger pads x with its zero point and reads a per-output-
// channel w zero point along the output channel loop.
// CHECK-DAG: #[[WZP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1)>
// CHECK-LABEL: func.func @conv_integer
// CHECK: %[[PADV:.*]] = tensor.extract %{{.*}}[] : tensor<i8>
// CHECK: tensor.pad
// CHECK: tensor.yield %[[PADV]]
// CHECK: linalg.generic {indexing_maps = [{{.*}}, {{.*}}, {{.*}}, #[[WZP]], {{.*}}]
// CHECK: arith.muli
// CHECK: -> tensor<1x2x4x4xi32>
func.func @conv_integer(%x: tensor<1x1x3x3xui8>, %w: tensor<2x1x2x2xui8>, %xzp: tensor<ui8>, %wzp: tensor<2xui8>) -> tensor<1x2x4x4xi32> {
  %0 = "onnx.ConvInteger"(%x, %w, %xzp, %wzp) {pads = [1, 1, 1, 1]} : (tensor<1x1x3x3xui8>, tensor<2x1x2x2xui8>, tensor<ui8>, tensor<2xui8>) -> tensor<1x2x4x4xi32>
  return %0 : tensor<1x2x4x4xi32>
}
