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

// Tests that an integer power becomes a square-and-multiply loop over the
// exponent's bits, with 1 / b^|e| in integers for negative exponents.

// CHECK-LABEL: func.func @ipowi
// CHECK-SAME: (%[[B:.*]]: i32, %[[E:.*]]: i32)
// CHECK-NOT: math.ipowi
// CHECK: %[[LOOP:.*]]:3 = scf.while (%[[R:.*]] = %{{.*}}, %[[S:.*]] = %[[B]], %[[N:.*]] = %[[E]])
// CHECK: arith.cmpi sgt, %[[N]]
// CHECK: scf.condition
// CHECK: arith.andi
// CHECK: arith.muli
// CHECK: arith.select
// CHECK: arith.muli
// CHECK: arith.shrui
// CHECK: scf.yield
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[E]]
// CHECK: %[[RES:.*]] = arith.select %[[NEG]], %{{.*}}, %[[LOOP]]#0
// CHECK: return %[[RES]]
func.func @ipowi(%b: i32, %e: i32) -> i32 {
  %r = math.ipowi %b, %e : i32
  return %r : i32
}

// Tests that f64 exp, log, sin and cos (libdevice otherwise) become arith:
// no math ops but fma and roundeven are left (their values are checked
// against libm by test/cuda/kernel_math_vs_libm.py), and f32 ones stay for
// kiln-cpu-approximate-math.

// CHECK-LABEL: func.func @f64_math
// CHECK-NOT: math.exp %{{.*}} : f64
// CHECK-NOT: math.log %{{.*}} : f64
// CHECK-NOT: math.sin %{{.*}} : f64
// CHECK-NOT: math.cos %{{.*}} : f64
// CHECK: math.roundeven
// CHECK: math.exp %{{.*}} : f32
func.func @f64_math(%x: f64, %y: f32) -> (f64, f64, f64, f64, f32) {
  %a = math.exp %x : f64
  %b = math.log %x : f64
  %c = math.sin %x : f64
  %d = math.cos %x : f64
  %e = math.exp %y : f32
  return %a, %b, %c, %d, %e : f64, f64, f64, f64, f32
}
