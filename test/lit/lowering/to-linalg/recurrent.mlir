// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that RNN projects X·Wᵀ for all steps before the loop, then per step
// computes H·Rᵀ and tanh of the sum with both biases, carrying H and Y.
// CHECK-LABEL: func.func @rnn_forward
// CHECK: %[[XW:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}}) -> (tensor<3x4xf32>, tensor<2x3x4xf32>)
// CHECK: tensor.extract_slice %[[XW]][%[[T]], 0, 0] [1, 3, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<3x4xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.tanh
// CHECK: tensor.insert_slice %{{.*}} into %[[Y]][%[[T]], 0, 0] [1, 3, 4] [1, 1, 1]
// CHECK: scf.yield
func.func @rnn_forward(%x: tensor<2x3x5xf32>, %w: tensor<1x4x5xf32>, %r: tensor<1x4x4xf32>, %b: tensor<1x8xf32>) -> (tensor<2x1x3x4xf32>, tensor<1x3x4xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.RNN"(%x, %w, %r, %b, %none, %none) <{hidden_size = 4 : i64}> : (tensor<2x3x5xf32>, tensor<1x4x5xf32>, tensor<1x4x4xf32>, tensor<1x8xf32>, none, none) -> (tensor<2x1x3x4xf32>, tensor<1x3x4xf32>)
  return %0#0, %0#1 : tensor<2x1x3x4xf32>, tensor<1x3x4xf32>
}

// -----

// Tests that a bidirectional GRU runs two loops, the second from the last
// step, and that without linear_before_reset the candidate gate reads
// (r ⊙ h)·Rhᵀ computed after the reset gate.
// CHECK-LABEL: func.func @gru_bidirectional
// CHECK: scf.for %[[T0:[^ ]*]] =
// CHECK: tensor.extract_slice %{{.*}}[%[[T0]], 0, 0]
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.tanh
// CHECK: scf.yield
// CHECK: scf.for %[[T1:[^ ]*]] =
// CHECK: %[[REV:.*]] = arith.subi %{{.*}}, %[[T1]] : index
// CHECK: tensor.extract_slice %{{.*}}[%[[REV]], 0, 0]
func.func @gru_bidirectional(%x: tensor<3x1x2xf32>, %w: tensor<2x9x2xf32>, %r: tensor<2x9x3xf32>) -> tensor<2x1x3xf32> {
  %none = onnx.NoValue
  %0:2 = "onnx.GRU"(%x, %w, %r, %none, %none, %none) <{direction = "bidirectional", hidden_size = 3 : i64}> : (tensor<3x1x2xf32>, tensor<2x9x2xf32>, tensor<2x9x3xf32>, none, none, none) -> (none, tensor<2x1x3xf32>)
  return %0#1 : tensor<2x1x3xf32>
}

// -----

// Tests that LSTM carries the cell state next to H and masks steps past
// sequence_lens (state kept, Y zero).
// CHECK-LABEL: func.func @lstm_seq_lens
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<2x3xf32>, tensor<1x2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.cmpi slt
// CHECK: arith.select
func.func @lstm_seq_lens(%x: tensor<1x2x4xf32>, %w: tensor<1x12x4xf32>, %r: tensor<1x12x3xf32>, %lens: tensor<2xi32>) -> tensor<1x2x3xf32> {
  %none = onnx.NoValue
  %0:3 = "onnx.LSTM"(%x, %w, %r, %none, %lens, %none, %none, %none) <{hidden_size = 3 : i64}> : (tensor<1x2x4xf32>, tensor<1x12x4xf32>, tensor<1x12x3xf32>, none, tensor<2xi32>, none, none, none) -> (none, tensor<1x2x3xf32>, none)
  return %0#1 : tensor<1x2x3xf32>
}

// -----

// Tests that ReverseSequence reads x at len[b] - 1 - t inside the length.
// CHECK-LABEL: func.func @reverse_sequence
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: tensor.extract
func.func @reverse_sequence(%x: tensor<4x4xf32>, %lens: tensor<4xi64>) -> tensor<4x4xf32> {
  %0 = "onnx.ReverseSequence"(%x, %lens) <{batch_axis = 0 : i64, time_axis = 1 : i64}> : (tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// Tests that a reverse RNN with sequence_lens runs forward over the
// per-entry reversed input and reverses its Y back (one ReverseSequence
// generic before the loop, one after).
// CHECK-LABEL: func.func @rnn_reverse_seq_lens
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0
// CHECK: scf.for
// CHECK: arith.cmpi slt
// CHECK: scf.yield
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @rnn_reverse_seq_lens(%x: tensor<3x2x2xf32>, %w: tensor<1x4x2xf32>, %r: tensor<1x4x4xf32>, %lens: tensor<2xi32>) -> tensor<3x1x2x4xf32> {
  %none = onnx.NoValue
  %0:2 = "onnx.RNN"(%x, %w, %r, %none, %lens, %none) <{direction = "reverse", hidden_size = 4 : i64}> : (tensor<3x2x2xf32>, tensor<1x4x2xf32>, tensor<1x4x4xf32>, none, tensor<2xi32>, none) -> (tensor<3x1x2x4xf32>, none)
  return %0#0 : tensor<3x1x2x4xf32>
}
