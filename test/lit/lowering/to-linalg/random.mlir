// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a seeded RandomUniform hashes each element's row-major index
// into the seed's stream (a constant: splitmix64 of seed 1 xor the seeded
// salt), maps 53 bits to [0, 1), scales to [low, high) in f64 with the
// results clamped below high (2 - 2^-23 in f32), and rounds to f32; no
// draw from the session.
// CHECK-LABEL: func.func @uniform_seeded
// CHECK-NOT: call @kiln_rt_random_draw
// CHECK: %[[STREAM:.*]] = arith.constant -1722046067803779836 : i64
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[IS:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[LIN:.*]] = arith.addi %[[IS]], %[[J]] : index
// CHECK: %[[IDX:.*]] = arith.index_cast %[[LIN]] : index to i64
// CHECK: %[[TWICE:.*]] = arith.shli %[[IDX]]
// CHECK: %[[POS:.*]] = arith.addi %[[TWICE]]
// CHECK: %[[GOLDEN:.*]] = arith.constant -7046029254386353131 : i64
// CHECK: %[[STEP:.*]] = arith.muli %[[POS]], %[[GOLDEN]] : i64
// CHECK: %[[WEYL:.*]] = arith.addi %[[STREAM]], %[[STEP]] : i64
// CHECK: arith.shrui %[[WEYL]]
// CHECK: %[[C11:.*]] = arith.constant 11 : i64
// CHECK: %[[TOP:.*]] = arith.shrui %{{.*}}, %[[C11]] : i64
// CHECK: %[[K:.*]] = arith.uitofp %[[TOP]] : i64 to f64
// CHECK: %[[U:.*]] = arith.mulf %[[K]], %{{.*}} : f64
// CHECK: %[[RANGE:.*]] = arith.constant 3.000000e+00 : f64
// CHECK: arith.mulf %[[U]], %[[RANGE]] : f64
// CHECK: %[[LOW:.*]] = arith.constant -1.000000e+00 : f64
// CHECK: %[[V:.*]] = arith.addf %{{.*}}, %[[LOW]] : f64
// CHECK: %[[V1:.*]] = arith.maximumf %[[V]], %{{.*}} : f64
// CHECK: %[[HIGHEST:.*]] = arith.constant 1.9999998807907104 : f64
// CHECK: %[[V2:.*]] = arith.minimumf %[[V1]], %[[HIGHEST]] : f64
// CHECK: %[[R:.*]] = arith.truncf %[[V2]] : f64 to f32
// CHECK: linalg.yield %[[R]] : f32
func.func @uniform_seeded() -> tensor<2x3xf32> {
  %0 = "onnx.RandomUniform"() {shape = [2, 3], seed = 1.0 : f32, low = -1.0 : f32, high = 2.0 : f32} : () -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that an unseeded RandomNormalLike takes its stream from the
// session's next draw (hashed with the unseeded salt), takes the dynamic
// dims of its input, and runs Box-Muller in f64 for an f64 result: two
// lanes per element (positions 2i + 1 and 2i + 2), u1 in (0, 1], and
// mean + scale * sqrt(max(-2 log u1, 0)) * cos(2 pi (u2 - 1/2)).
// CHECK-LABEL: func.func @normal_like_unseeded
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xi64>)
// CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xi64>
// CHECK: %[[DRAW:.*]] = call @kiln_rt_random_draw() : () -> i64
// CHECK: %[[SALT:.*]] = arith.constant -3124653716464992256 : i64
// CHECK: arith.xori %[[DRAW]], %[[SALT]] : i64
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x4xf64>
// CHECK: linalg.generic
// CHECK: %[[TWICE0:.*]] = arith.shli %[[IDX:.*]], %{{.*}} : i64
// CHECK: %[[LANE0:.*]] = arith.constant 1 : i64
// CHECK: arith.addi %[[TWICE0]], %[[LANE0]] : i64
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[K1:.*]] = arith.addi %{{.*}}, %[[ONE]] : i64
// CHECK: arith.uitofp %[[K1]] : i64 to f64
// CHECK: %[[TWICE1:.*]] = arith.shli %[[IDX]], %{{.*}} : i64
// CHECK: %[[LANE1:.*]] = arith.constant 2 : i64
// CHECK: arith.addi %[[TWICE1]], %[[LANE1]] : i64
// CHECK: %[[LOG:.*]] = math.log %{{.*}} : f64
// CHECK: %[[SQ:.*]] = arith.mulf %{{.*}}, %[[LOG]] : f64
// CHECK: %[[SQ0:.*]] = arith.maximumf %[[SQ]], %{{.*}} : f64
// CHECK: %[[RAD:.*]] = math.sqrt %[[SQ0]] : f64
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f64
// CHECK: %[[CENTRED:.*]] = arith.subf %{{.*}}, %[[HALF]] : f64
// CHECK: %[[TWOPI:.*]] = arith.constant 6.2831853071795862 : f64
// CHECK: %[[ANGLE:.*]] = arith.mulf %[[TWOPI]], %[[CENTRED]] : f64
// CHECK: %[[COS:.*]] = math.cos %[[ANGLE]] : f64
// CHECK: %[[Z:.*]] = arith.mulf %[[RAD]], %[[COS]] : f64
// CHECK: %[[SCALE:.*]] = arith.constant 2.000000e+00 : f64
// CHECK: %[[SZ:.*]] = arith.mulf %[[Z]], %[[SCALE]] : f64
// CHECK: %[[MEAN:.*]] = arith.constant 5.000000e-01 : f64
// CHECK: %[[V:.*]] = arith.addf %[[SZ]], %[[MEAN]] : f64
// CHECK: linalg.yield %[[V]] : f64
func.func @normal_like_unseeded(%x: tensor<?x4xi64>) -> tensor<?x4xf64> {
  %0 = "onnx.RandomNormalLike"(%x) {dtype = 11 : i64, mean = 0.5 : f32, scale = 2.0 : f32} : (tensor<?x4xi64>) -> tensor<?x4xf64>
  return %0 : tensor<?x4xf64>
}

// -----

// Tests that RandomNormal with an f16 result computes in f32 (24-bit
// uniforms, the f32 log/cos) and rounds once.
// CHECK-LABEL: func.func @normal_f16
// CHECK: linalg.generic
// CHECK: %[[C40:.*]] = arith.constant 40 : i64
// CHECK: arith.shrui %{{.*}}, %[[C40]] : i64
// CHECK: arith.uitofp %{{.*}} : i64 to f32
// CHECK: math.log %{{.*}} : f32
// CHECK: math.cos %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK: linalg.yield %[[R]] : f16
func.func @normal_f16() -> tensor<8xf16> {
  %0 = "onnx.RandomNormal"() {shape = [8], dtype = 10 : i64, seed = 2.0 : f32} : () -> tensor<8xf16>
  return %0 : tensor<8xf16>
}

// -----

// Tests that RandomUniform into f16 clamps to the f16 values inside
// [low, high) (low = 0.1 is not one: the smallest above it is
// 0.10003662109375; the largest below 1 is 1 - 2^-11) and rounds through
// f32.
// CHECK-LABEL: func.func @uniform_f16
// CHECK: linalg.generic
// CHECK: %[[LOWEST:.*]] = arith.constant 0.10003662109375 : f64
// CHECK: %[[V1:.*]] = arith.maximumf %{{.*}}, %[[LOWEST]] : f64
// CHECK: %[[HIGHEST:.*]] = arith.constant 0.99951171875 : f64
// CHECK: %[[V2:.*]] = arith.minimumf %[[V1]], %[[HIGHEST]] : f64
// CHECK: %[[F:.*]] = arith.truncf %[[V2]] : f64 to f32
// CHECK: %[[H:.*]] = arith.truncf %[[F]] : f32 to f16
// CHECK: linalg.yield %[[H]] : f16
func.func @uniform_f16() -> tensor<8xf16> {
  %0 = "onnx.RandomUniform"() {shape = [8], dtype = 10 : i64, low = 0.1 : f32} : () -> tensor<8xf16>
  return %0 : tensor<8xf16>
}

// -----

// Tests that Bernoulli compares a 53-bit uniform with p in f64 and yields
// 1 where u < p, in the dtype's type.
// CHECK-LABEL: func.func @bernoulli_f32_to_i32
// CHECK-SAME: (%[[P:.*]]: tensor<3x4xf32>)
// CHECK: call @kiln_rt_random_draw() : () -> i64
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xi32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i32):
// CHECK: %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: %[[PROB:.*]] = arith.extf %[[IN]] : f32 to f64
// CHECK: %[[ONE:.*]] = arith.cmpf olt, %[[U]], %[[PROB]] : f64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i32
// CHECK: %[[R:.*]] = arith.select %[[ONE]], %[[C1]], %[[C0]] : i32
// CHECK: linalg.yield %[[R]] : i32
func.func @bernoulli_f32_to_i32(%p: tensor<3x4xf32>) -> tensor<3x4xi32> {
  %0 = "onnx.Bernoulli"(%p) {dtype = 6 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

// Tests that inference Dropout (no training_mode) forwards its input.
// CHECK-LABEL: func.func @dropout_inference
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[X]]
func.func @dropout_inference(%x: tensor<4xf32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  %0, %m = "onnx.Dropout"(%x, %none, %none) : (tensor<4xf32>, none, none) -> (tensor<4xf32>, none)
  return %0 : tensor<4xf32>
}

// -----

// Tests that Dropout with a constant zero ratio forwards its input and
// fills the mask with true, whatever training_mode says.
// CHECK-LABEL: func.func @dropout_zero_ratio
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %{{.*}}: tensor<i1>)
// CHECK-NOT: kiln_rt_random_draw
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: %[[MASK:.*]] = linalg.fill ins(%[[TRUE]] : i1)
// CHECK: return %[[X]], %[[MASK]]
func.func @dropout_zero_ratio(%x: tensor<3x4xf32>, %t: tensor<i1>) -> (tensor<3x4xf32>, tensor<3x4xi1>) {
  %r = "onnx.Constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %0, %1 = "onnx.Dropout"(%x, %r, %t) : (tensor<3x4xf32>, tensor<f32>, tensor<i1>) -> (tensor<3x4xf32>, tensor<3x4xi1>)
  return %0, %1 : tensor<3x4xf32>, tensor<3x4xi1>
}

// -----

// Tests that Dropout with a run-time training_mode and ratio checks the
// ratio at run time in training mode, applies ratio 0 outside it, scales
// by 1 / (1 - ratio) in f32, keeps an element where u >= ratio and yields
// (x * scale) * mask and the mask from one generic; seed 3 is the stream.
// CHECK-LABEL: func.func @dropout_training
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[RT:.*]]: tensor<f32>, %[[TT:.*]]: tensor<i1>)
// CHECK: %[[R32:.*]] = tensor.extract %[[RT]][] : tensor<f32>
// CHECK: %[[R:.*]] = arith.extf %[[R32]] : f32 to f64
// CHECK: %[[T:.*]] = tensor.extract %[[TT]][] : tensor<i1>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK: %[[ABOVE0:.*]] = arith.cmpf oge, %[[R]], %[[ZERO]] : f64
// CHECK: %[[BELOW1:.*]] = arith.cmpf olt, %[[R]], %{{.*}} : f64
// CHECK: %[[IN:.*]] = arith.andi %[[ABOVE0]], %[[BELOW1]] : i1
// CHECK: %[[NT:.*]] = arith.xori %[[T]], %{{.*}} : i1
// CHECK: %[[OK:.*]] = arith.ori %[[NT]], %[[IN]] : i1
// CHECK: cf.assert %[[OK]], "onnx.Dropout: training mode needs a ratio in [0, 1)"
// CHECK: %[[APPLIED:.*]] = arith.select %[[T]], %[[R]], %[[ZERO]] : f64
// CHECK: %[[RF:.*]] = arith.truncf %[[APPLIED]] : f64 to f32
// CHECK: %[[KEEPF:.*]] = arith.subf %{{.*}}, %[[RF]] : f32
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %[[KEEPF]] : f32
// CHECK: %[[STREAM:.*]] = arith.constant -349020638095135418 : i64
// CHECK: %[[RES:.*]]:2 = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<3x4xi1>)
// CHECK: ^bb0(%[[XE:.*]]: f32, %{{.*}}: f32, %{{.*}}: i1):
// CHECK: arith.addi %[[STREAM]], %{{.*}} : i64
// CHECK: %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: %[[KEEP:.*]] = arith.cmpf oge, %[[U]], %[[APPLIED]] : f64
// CHECK: %[[XS:.*]] = arith.mulf %[[XE]], %[[SCALE]] : f32
// CHECK: %[[M:.*]] = arith.uitofp %[[KEEP]] : i1 to f32
// CHECK: %[[Y:.*]] = arith.mulf %[[XS]], %[[M]] : f32
// CHECK: linalg.yield %[[Y]], %[[KEEP]] : f32, i1
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @dropout_training(%x: tensor<3x4xf32>, %r: tensor<f32>, %t: tensor<i1>) -> (tensor<3x4xf32>, tensor<3x4xi1>) {
  %0, %1 = "onnx.Dropout"(%x, %r, %t) {seed = 3 : i64} : (tensor<3x4xf32>, tensor<f32>, tensor<i1>) -> (tensor<3x4xf32>, tensor<3x4xi1>)
  return %0, %1 : tensor<3x4xf32>, tensor<3x4xi1>
}

// -----

// Tests that f16 Dropout without a mask output and without a ratio (0.5)
// computes in f32 and rounds the product back to f16.
// CHECK-LABEL: func.func @dropout_f16_default_ratio
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f64
// CHECK: arith.select %{{.*}}, %[[HALF]], %{{.*}} : f64
// CHECK: call @kiln_rt_random_draw() : () -> i64
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<6xf16>)
// CHECK: %[[XE:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[XS:.*]] = arith.mulf %[[XE]], %{{.*}} : f32
// CHECK: %[[Y:.*]] = arith.mulf %[[XS]], %{{.*}} : f32
// CHECK: %[[H:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK: linalg.yield %[[H]] : f16
func.func @dropout_f16_default_ratio(%x: tensor<6xf16>) -> tensor<6xf16> {
  %none = onnx.NoValue
  %t = "onnx.Constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0, %m = "onnx.Dropout"(%x, %none, %t) : (tensor<6xf16>, none, tensor<i1>) -> (tensor<6xf16>, none)
  return %0 : tensor<6xf16>
}
