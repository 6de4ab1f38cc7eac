// RUN: kiln-opt %s -kiln-cuda-expand-math | FileCheck %s

// Tests that sinh, cosh, tan and powf (no NVPTX instruction, libdevice
// otherwise) become exp/log/sin/cos that kiln-cpu-approximate-math handles.

// CHECK-LABEL: func.func @expand
// CHECK-NOT: math.sinh
// CHECK-NOT: math.cosh
// CHECK-NOT: math.tan
// CHECK-NOT: math.powf
// CHECK-DAG: math.exp
// CHECK-DAG: math.sin
// CHECK-DAG: math.cos
// CHECK-DAG: math.log
// CHECK: return
func.func @expand(%x: f32, %y: f32) -> (f32, f32, f32, f32) {
  %a = math.sinh %x : f32
  %b = math.cosh %x : f32
  %c = math.tan %x : f32
  %d = math.powf %x, %y : f32
  return %a, %b, %c, %d : f32, f32, f32, f32
}
