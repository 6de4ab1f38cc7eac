// RUN: kiln-opt %s -split-input-file -kiln-cpu-kernel-wrapper -verify-diagnostics

// Tests that an entry function that still returns values is rejected.

// expected-error @+1 {{expects a bufferized entry function with out-params}}
func.func @main_graph(%x: memref<4xf32>) -> memref<4xf32> {
  return %x : memref<4xf32>
}

// -----

// Tests that a strided argument cannot be passed through the frame.

// expected-error @+1 {{cannot pass argument #0 of type 'memref<4xf32, strided<[2]>>' through the kernel frame}}
func.func @main_graph(%x: memref<4xf32, strided<[2]>>) {
  return
}
