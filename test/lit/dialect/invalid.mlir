// RUN: kiln-opt %s -split-input-file -verify-diagnostics
// The verifiers of the generated ops reject what the ONNX schema forbids.

func.func @wrong_operand_count(%x: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Add' op expected 2 operands, but found 1}}
  %0 = "onnx.Add"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @wrong_element_type(%x: tensor<2xi32>) {
  %none = onnx.NoValue
  // expected-error @+1 {{'onnx.Conv' op operand #0 must be tensor of bfloat16 type or 16-bit float or 32-bit float or 64-bit float values}}
  %0 = "onnx.Conv"(%x, %x, %none) : (tensor<2xi32>, tensor<2xi32>, none) -> tensor<2xi32>
  return
}

// -----

func.func @wrong_attribute_type(%x: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Softmax' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = "onnx.Softmax"(%x) {axis = 1.0 : f32} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @missing_required_attribute(%x: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Cast' op requires attribute 'to'}}
  %0 = "onnx.Cast"(%x) : (tensor<2xf32>) -> tensor<2xi32>
  return
}

// -----

func.func @none_for_required_operand(%x: tensor<2xf32>) {
  %none = onnx.NoValue
  // expected-error @+1 {{'onnx.Add' op operand #1 must be tensor of}}
  %0 = "onnx.Add"(%x, %none) : (tensor<2xf32>, none) -> tensor<2xf32>
  return
}

// -----

func.func @bad_dims_encoding(
    // expected-error @+1 {{expects every dimension symbol to be a string, got 3 : i64}}
    %x: tensor<?xf32, #onnx.dims<[3]>>) {
  return
}

// -----

func.func @if_with_empty_branch(%c: tensor<i1>, %x: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.If' op region #1 ('else_branch') failed to verify constraint: region with 1 blocks}}
  %0 = "onnx.If"(%c) ({
    onnx.Yield %x : tensor<2xf32>
  }, {
  }) : (tensor<i1>) -> tensor<2xf32>
  return
}
