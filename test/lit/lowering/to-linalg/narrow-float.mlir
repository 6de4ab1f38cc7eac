// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that Cast to float8 works on the f32 bits: the mantissa is rounded
// to nearest even with integer adds, target subnormals with the 2^23 trick,
// and the i8 result is bitcast to the float8 type.
// CHECK-LABEL: func.func @cast_to_e4m3fn
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.shrui
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.fptoui
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK: -> tensor<4xf8E4M3FN>
func.func @cast_to_e4m3fn(%x: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %0 = "onnx.Cast"(%x) {to = 17 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

// Tests that Cast from float4 decodes the bits into an f32 (normal numbers by
// shifting, subnormals by a multiply) before truncating to f16.
// CHECK-LABEL: func.func @cast_from_f4
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : f4E2M1FN to i4
// CHECK: arith.extui %{{.*}} : i4 to i32
// CHECK: arith.uitofp
// CHECK: arith.mulf
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: -> tensor<4xf16>
func.func @cast_from_f4(%x: tensor<4xf4E2M1FN>) -> tensor<4xf16> {
  %0 = "onnx.Cast"(%x) {to = 10 : i64} : (tensor<4xf4E2M1FN>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Tests that Cast to E8M0 with round_mode "up" adds one to the f32 exponent
// when any mantissa bit is set (and saturates at 0xfe).
// CHECK-LABEL: func.func @cast_to_e8m0
// CHECK: linalg.generic
// CHECK: arith.andi %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi ne
// CHECK: arith.extui %{{.*}} : i1 to i32
// CHECK: arith.bitcast %{{.*}} : i8 to f8E8M0FNU
func.func @cast_to_e8m0(%x: tensor<4xf32>) -> tensor<4xf8E8M0FNU> {
  %0 = "onnx.Cast"(%x) {to = 24 : i64, round_mode = "up", saturate = 1 : i64} : (tensor<4xf32>) -> tensor<4xf8E8M0FNU>
  return %0 : tensor<4xf8E8M0FNU>
}

// -----

// Tests that BitCast reinterprets f32 as i32 and bool as a 0/1 byte.
// CHECK-LABEL: func.func @bitcast
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.extui %{{.*}} : i1 to i8
func.func @bitcast(%x: tensor<4xf32>, %b: tensor<4xi1>) -> (tensor<4xi32>, tensor<4xui8>) {
  %0 = "onnx.BitCast"(%x) {to = 6 : i64} : (tensor<4xf32>) -> tensor<4xi32>
  %1 = "onnx.BitCast"(%b) {to = 2 : i64} : (tensor<4xi1>) -> tensor<4xui8>
  return %0, %1 : tensor<4xi32>, tensor<4xui8>
}
