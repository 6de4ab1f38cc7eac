// RUN: kiln-opt %s -onnx-shape-inference -split-input-file | FileCheck %s

// Tests that a unary activation takes its input's shape and symbols.
// CHECK-LABEL: func.func @unary
// CHECK: "onnx.Relu"{{.*}} -> tensor<?x16xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Sigmoid"{{.*}} -> tensor<?x16xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Gelu"{{.*}} -> tensor<?x16xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Clip"{{.*}} -> tensor<?x16xf32, #onnx.dims<["N", ""]>>
func.func @unary(%x: tensor<?x16xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Relu"(%x) : (tensor<?x16xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32>
  %1 = "onnx.Sigmoid"(%0) : (tensor<*xf32>) -> tensor<*xf32>
  %2 = "onnx.Gelu"(%1) : (tensor<*xf32>) -> tensor<*xf32>
  %3 = "onnx.Clip"(%2, %none, %none) : (tensor<*xf32>, none, none) -> tensor<*xf32>
  return %3 : tensor<*xf32>
}

// -----

// Tests that N + N stays N, and the function result type follows.
// CHECK-LABEL: func.func @same_symbol
// CHECK-SAME: -> tensor<?x8xf32, #onnx.dims<["N", ""]>>
// CHECK: "onnx.Add"{{.*}} -> tensor<?x8xf32, #onnx.dims<["N", ""]>>
func.func @same_symbol(%a: tensor<?x8xf32, #onnx.dims<["N", ""]>>, %b: tensor<?x8xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x8xf32, #onnx.dims<["N", ""]>>, tensor<?x8xf32, #onnx.dims<["N", ""]>>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests broadcasting: N vs 1 is N, 3 vs N is 3, N vs M is unknown, and
// ranks align from the right.
// CHECK-LABEL: func.func @broadcast
// CHECK: "onnx.Mul"{{.*}} -> tensor<?x?x?xf32, #onnx.dims<["N", "N", ""]>>
// CHECK: "onnx.Sub"{{.*}} -> tensor<?x3x?xf32, #onnx.dims<["N", "", ""]>>
func.func @broadcast(%a: tensor<?x1x?xf32, #onnx.dims<["N", "", "N"]>>, %b: tensor<?x?xf32, #onnx.dims<["N", "M"]>>, %c: tensor<3x1xf32>) -> tensor<*xf32> {
  %0 = "onnx.Mul"(%a, %b) : (tensor<?x1x?xf32, #onnx.dims<["N", "", "N"]>>, tensor<?x?xf32, #onnx.dims<["N", "M"]>>) -> tensor<*xf32>
  %1 = "onnx.Sub"(%0, %c) : (tensor<*xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests that 3 vs a dynamic dim gives 3 and comparisons give bool.
// CHECK-LABEL: func.func @compare
// CHECK: "onnx.Less"{{.*}} -> tensor<2x3xi1>
// CHECK: "onnx.Where"{{.*}} -> tensor<2x3xf32>
// CHECK: "onnx.Not"{{.*}} -> tensor<2x3xi1>
func.func @compare(%a: tensor<2x3xf32>, %b: tensor<?x?xf32>) -> (tensor<*xf32>, tensor<*xi1>) {
  %0 = "onnx.Less"(%a, %b) : (tensor<2x3xf32>, tensor<?x?xf32>) -> tensor<*xi1>
  %1 = "onnx.Where"(%0, %a, %b) : (tensor<*xi1>, tensor<2x3xf32>, tensor<?x?xf32>) -> tensor<*xf32>
  %2 = "onnx.Not"(%0) : (tensor<*xi1>) -> tensor<*xi1>
  return %1, %2 : tensor<*xf32>, tensor<*xi1>
}

// -----

// Tests variadic broadcasting (Sum, Max) and Pow taking its base's type.
// CHECK-LABEL: func.func @variadic
// CHECK: "onnx.Sum"{{.*}} -> tensor<4x5x6xf32>
// CHECK: "onnx.Max"{{.*}} -> tensor<4x5x6xf32>
// CHECK: "onnx.Pow"{{.*}} -> tensor<4x5x6xf32>
func.func @variadic(%a: tensor<5x1xf32>, %b: tensor<4x1x6xf32>, %c: tensor<6xf32>, %e: tensor<i32>) -> tensor<*xf32> {
  %0 = "onnx.Sum"(%a, %b, %c) : (tensor<5x1xf32>, tensor<4x1x6xf32>, tensor<6xf32>) -> tensor<*xf32>
  %1 = "onnx.Max"(%0, %a) : (tensor<*xf32>, tensor<5x1xf32>) -> tensor<*xf32>
  %2 = "onnx.Pow"(%1, %e) : (tensor<*xf32>, tensor<i32>) -> tensor<*xf32>
  return %2 : tensor<*xf32>
}

// -----

// Tests Cast and CastLike changing only the element type.
// CHECK-LABEL: func.func @cast
// CHECK: "onnx.Cast"{{.*}} -> tensor<?x4xi64, #onnx.dims<["B", ""]>>
// CHECK: "onnx.CastLike"{{.*}} -> tensor<?x4xf16, #onnx.dims<["B", ""]>>
func.func @cast(%x: tensor<?x4xf32, #onnx.dims<["B", ""]>>, %t: tensor<f16>) -> (tensor<*xi64>, tensor<*xf16>) {
  %0 = "onnx.Cast"(%x) {to = 7 : i64} : (tensor<?x4xf32, #onnx.dims<["B", ""]>>) -> tensor<*xi64>
  %1 = "onnx.CastLike"(%x, %t) : (tensor<?x4xf32, #onnx.dims<["B", ""]>>, tensor<f16>) -> tensor<*xf16>
  return %0, %1 : tensor<*xi64>, tensor<*xf16>
}

// -----

// Tests Dropout's optional bool mask and an omitted mask left as none.
// CHECK-LABEL: func.func @dropout
// CHECK: "onnx.Dropout"{{.*}} -> (tensor<2x3xf32>, tensor<2x3xi1>)
// CHECK: "onnx.Dropout"{{.*}} -> (tensor<2x3xf32>, none)
func.func @dropout(%x: tensor<2x3xf32>) -> (tensor<*xf32>, tensor<*xi1>) {
  %none = onnx.NoValue
  %0:2 = "onnx.Dropout"(%x, %none, %none) : (tensor<2x3xf32>, none, none) -> (tensor<*xf32>, tensor<*xi1>)
  %1:2 = "onnx.Dropout"(%0#0, %none, %none) : (tensor<*xf32>, none, none) -> (tensor<*xf32>, none)
  return %1#0, %0#1 : tensor<*xf32>, tensor<*xi1>
}

// -----

// Tests that an existing static result dim is kept where the rule only
// knows a dynamic one, and an existing symbol where the rule knows none.
// CHECK-LABEL: func.func @keep_existing
// CHECK: "onnx.Add"{{.*}} -> tensor<7x?xf32, #onnx.dims<["", "K"]>>
func.func @keep_existing(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32, #onnx.dims<["", "K"]>> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<7x?xf32, #onnx.dims<["", "K"]>>
  %1 = "onnx.Identity"(%0) : (tensor<7x?xf32, #onnx.dims<["", "K"]>>) -> tensor<?x?xf32, #onnx.dims<["", "K"]>>
  return %1 : tensor<?x?xf32, #onnx.dims<["", "K"]>>
}

// -----

// Tests that ops without a rule are left as they are.
// CHECK-LABEL: func.func @no_rule
// CHECK: "onnx.StringNormalizer"{{.*}} -> tensor<*x!onnx.string>
func.func @no_rule(%x: tensor<3x!onnx.string>) -> tensor<*x!onnx.string> {
  %0 = "onnx.StringNormalizer"(%x) : (tensor<3x!onnx.string>) -> tensor<*x!onnx.string>
  return %0 : tensor<*x!onnx.string>
}
