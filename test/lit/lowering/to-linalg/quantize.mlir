// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that per-tensor QuantizeLinear rounds half to even, adds the zero
// point and saturates to the uint8 range before converting.
// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: tensor.extract %{{.*}}[] : tensor<i8>
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.uitofp
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.fptoui
// CHECK: -> tensor<2x3xi8>
func.func @quantize_per_tensor(%x: tensor<2x3xf32>, %s: tensor<f32>, %zp: tensor<ui8>) -> tensor<2x3xui8> {
  %0 = "onnx.QuantizeLinear"(%x, %s, %zp) : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// Tests that per-axis QuantizeLinear reads the scale at the index of `axis`.
// CHECK-LABEL: func.func @quantize_per_axis
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %{{.*}}[%[[I]]] : tensor<3xf32>
// CHECK: arith.fptosi
// CHECK: -> tensor<2x3xi8>
func.func @quantize_per_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %zp: tensor<3xi8>) -> tensor<2x3xi8> {
  %0 = "onnx.QuantizeLinear"(%x, %s, %zp) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

// Tests that blocked DequantizeLinear divides the index along `axis` by
// block_size and computes (x - zp) * scale.
// CHECK-LABEL: func.func @dequantize_blocked
// CHECK: linalg.generic
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: %[[B:.*]] = arith.divui %[[I1]], %{{.*}} : index
// CHECK: tensor.extract %{{.*}}[%[[I0]], %[[B]]] : tensor<2x2xf32>
// CHECK: arith.sitofp
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: -> tensor<2x4xf32>
func.func @dequantize_blocked(%x: tensor<2x4xi8>, %s: tensor<2x2xf32>, %zp: tensor<2x2xi8>) -> tensor<2x4xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %zp) {axis = 1 : i64, block_size = 2 : i64} : (tensor<2x4xi8>, tensor<2x2xf32>, tensor<2x2xi8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that DequantizeLinear without a zero point only scales.
// CHECK-LABEL: func.func @dequantize_no_zero_point
// CHECK: linalg.generic
// CHECK: arith.sitofp
// CHECK-NOT: arith.subf
// CHECK: arith.mulf
func.func @dequantize_no_zero_point(%x: tensor<4xi32>, %s: tensor<f32>) -> tensor<4xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.DequantizeLinear"(%x, %s, %none) : (tensor<4xi32>, tensor<f32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that QuantizeLinear to float8 skips the integer rounding: x / scale
// plus the zero point is cast to E4M3FN bit by bit (the zero point, shaped
// [1] beside a scalar scale, is read at [0]).
// CHECK-LABEL: func.func @quantize_e4m3fn
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<1xf8E4M3FN>
// CHECK: arith.divf
// CHECK-NOT: math.roundeven
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK: -> tensor<5xf8E4M3FN>
func.func @quantize_e4m3fn(%x: tensor<5xf32>, %s: tensor<f32>, %zp: tensor<1xf8E4M3FN>) -> tensor<5xf8E4M3FN> {
  %0 = "onnx.QuantizeLinear"(%x, %s, %zp) {saturate = 1 : i64} : (tensor<5xf32>, tensor<f32>, tensor<1xf8E4M3FN>) -> tensor<5xf8E4M3FN>
  return %0 : tensor<5xf8E4M3FN>
}

// -----

// Tests that DequantizeLinear of int4 sign-extends the 4-bit values.
// CHECK-LABEL: func.func @dequantize_int4
// CHECK: linalg.generic
// CHECK: arith.sitofp %{{.*}} : i4 to f32
// CHECK: arith.subf
// CHECK: arith.mulf
func.func @dequantize_int4(%x: tensor<5xi4>, %s: tensor<f32>, %zp: tensor<1xi4>) -> tensor<5xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %zp) : (tensor<5xi4>, tensor<f32>, tensor<1xi4>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests that DynamicQuantizeLinear reduces min and max from 0 in one generic,
// derives scale and zero point as scalars and quantizes with them.
// CHECK-LABEL: func.func @dynamic_quantize
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.select
// CHECK: math.roundeven
// CHECK: linalg.generic
// CHECK: arith.fptoui %{{.*}} : f32 to i8
// CHECK: tensor.from_elements %{{.*}} : tensor<f32>
// CHECK: tensor.from_elements %{{.*}} : tensor<i8>
func.func @dynamic_quantize(%x: tensor<6xf32>) -> (tensor<6xui8>, tensor<f32>, tensor<ui8>) {
  %0:3 = "onnx.DynamicQuantizeLinear"(%x) : (tensor<6xf32>) -> (tensor<6xui8>, tensor<f32>, tensor<ui8>)
  return %0#0, %0#1, %0#2 : tensor<6xui8>, tensor<f32>, tensor<ui8>
}
