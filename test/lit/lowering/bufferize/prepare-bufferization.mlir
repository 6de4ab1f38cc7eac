// RUN: kiln-opt %s -kiln-prepare-bufferization | FileCheck %s

// Tests that expand_shape output sizes given as SSA values for static result
// dims become static (memref.expand_shape rejects the mixed form), while
// sizes of dynamic dims stay operands.

// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<?x32xf32>, %[[N:[a-z0-9_]+]]: index)
// CHECK: tensor.expand_shape %[[X]] {{\[}}[0, 1], [2]] output_shape [%[[N]], 128, 32] : tensor<?x32xf32> into tensor<?x128x32xf32>
func.func @expand(%x: tensor<?x32xf32>, %n: index) -> tensor<?x128x32xf32> {
  %c128 = arith.constant 128 : index
  %c32 = arith.constant 32 : index
  %e = tensor.expand_shape %x [[0, 1], [2]] output_shape [%n, %c128, %c32] : tensor<?x32xf32> into tensor<?x128x32xf32>
  return %e : tensor<?x128x32xf32>
}
