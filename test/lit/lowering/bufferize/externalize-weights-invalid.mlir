// RUN: kiln-opt %s -split-input-file -allow-unregistered-dialect -kiln-externalize-weights -verify-diagnostics


// Tests that a resource whose size does not match its type is an error.

module {
  // expected-error @+1 {{resource 'bad_blob' holds 4 bytes, expected 16 for 'memref<4xf32>'}}
  memref.global "private" constant @bad : memref<4xf32> = dense_resource<bad_blob>
  func.func @main_graph(%out: memref<4xf32> {bufferize.result}) {
    %0 = memref.get_global @bad : memref<4xf32>
    memref.copy %0, %out : memref<4xf32> to memref<4xf32>
    return
  }
}
{-#
  dialect_resources: {
    builtin: {
      bad_blob: "0x040000000000803F"
    }
  }
#-}
