//===- ModelInterface.cpp - Extracting a model's C API signature ----------===//
//
// Reads names (`onnx.name` arg/result attributes), ONNX dtypes and dims of
// the graph function, and binds every dynamic dim with a symbol (the
// `#onnx.dims` encoding) to the first input dim carrying it, which is where
// the runtime reads its value at run time.
//
//===----------------------------------------------------------------------===//

#include "codegen/package/ModelInterface.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"
#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace kiln::package {

bool TensorInterface::isStatic() const {
  return llvm::all_of(dims, [](int64_t d) { return d >= 0; });
}

bool ModelInterface::isStatic() const {
  auto isStaticT = [](const TensorInterface &t) { return t.isStatic(); };
  return llvm::all_of(inputs, isStaticT) && llvm::all_of(outputs, isStaticT);
}

bool ModelInterface::hasFloatInfer() const {
  auto isF32 = [](const TensorInterface &t) { return t.dtype == 1; };
  return isStatic() && llvm::all_of(inputs, isF32) &&
         llvm::all_of(outputs, isF32);
}

const char *dtypeName(int32_t dtype) {
  static const char *const names[] = {
      "undefined", "float32",  "uint8",      "int8",         "uint16",
      "int16",     "int32",    "int64",      "string",       "bool",
      "float16",   "float64",  "uint32",     "uint64",       "complex64",
      "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz",
      "float8e5m2", "float8e5m2fnuz", "uint4",    "int4",
      "float4e2m1", "float8e8m0", "uint2",       "int2"};
  if (dtype < 0 || dtype >= static_cast<int32_t>(std::size(names)))
    return "unknown";
  return names[dtype];
}

/// The graph function: `main_graph`, else the only public function.
static func::FuncOp findGraphFunction(ModuleOp module) {
  if (auto f = module.lookupSymbol<func::FuncOp>("main_graph"))
    return f;
  func::FuncOp found;
  for (auto f : module.getOps<func::FuncOp>()) {
    if (!f.isPublic() || f.isExternal())
      continue;
    if (found)
      return nullptr;
    found = f;
  }
  return found;
}

/// Fills name/dtype/dims of one tensor and collects its dim symbols.
static LogicalResult readTensor(Operation *where, Type type, StringAttr name,
                                StringRef kind, unsigned index,
                                TensorInterface &t,
                                SmallVectorImpl<std::string> &dimSymbols) {
  t.name = name ? name.getValue().str() : (kind + Twine(index)).str();
  // Sequences and optionals that onnx-resolve-sequences could not replace
  // by tensors reach the interface as what they are.
  if (isa<onnx::SeqType, onnx::OptType>(type))
    return where->emitError()
           << kind << " '" << t.name << "' is "
           << (isa<onnx::SeqType>(type) ? "a sequence" : "an optional")
           << " (" << type << "), which the C API cannot carry"
           << (kind == "input" ? " (fix its structure with --seq-len or --absent)"
                               : "");
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return where->emitError() << kind << " '" << t.name
                              << "' needs a ranked tensor type, got " << type;
  t.dtype = onnx::getDataTypeForElementType(ranked.getElementType());
  // String tensors cross the C API as `const char *` arrays; a string
  // output's array and strings are session-owned (runtime/kiln_runtime.h).
  if (t.dtype == 0)
    return where->emitError()
           << kind << " '" << t.name << "' has element type "
           << ranked.getElementType() << ", which the C API cannot carry";
  ArrayAttr symbols;
  if (auto dims = dyn_cast_or_null<onnx::DimsAttr>(ranked.getEncoding()))
    symbols = dims.getSymbols();
  for (auto [d, size] : llvm::enumerate(ranked.getShape())) {
    t.dims.push_back(ShapedType::isDynamic(size) ? -1 : size);
    std::string sym;
    if (ShapedType::isDynamic(size) && symbols && d < symbols.size())
      if (auto s = dyn_cast<StringAttr>(symbols[d]))
        sym = s.getValue().str();
    dimSymbols.push_back(sym);
  }
  return success();
}

FailureOr<ModelInterface> extractModelInterface(ModuleOp module) {
  func::FuncOp fn = findGraphFunction(module);
  if (!fn)
    return module.emitError(
        "no graph function: expected func.func @main_graph or one public "
        "function");
  ModelInterface iface;
  llvm::StringMap<int32_t> symbolIndex;
  FunctionType type = fn.getFunctionType();

  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    TensorInterface t;
    SmallVector<std::string> dimSymbols;
    auto name = fn.getArgAttrOfType<StringAttr>(i, "onnx.name");
    if (failed(readTensor(fn, type.getInput(i), name, "input", i, t,
                          dimSymbols)))
      return failure();
    for (auto [d, sym] : llvm::enumerate(dimSymbols)) {
      t.syms.push_back(-1);
      if (sym.empty())
        continue;
      auto [it, inserted] = symbolIndex.try_emplace(
          sym, static_cast<int32_t>(iface.symbols.size()));
      if (inserted)
        iface.symbols.push_back(
            {sym, static_cast<int32_t>(i), static_cast<int32_t>(d)});
      t.syms.back() = it->second;
    }
    iface.inputs.push_back(std::move(t));
  }

  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    TensorInterface t;
    SmallVector<std::string> dimSymbols;
    auto name = fn.getResultAttrOfType<StringAttr>(i, "onnx.name");
    if (failed(readTensor(fn, type.getResult(i), name, "output", i, t,
                          dimSymbols)))
      return failure();
    for (auto [d, sym] : llvm::enumerate(dimSymbols)) {
      t.syms.push_back(-1);
      if (t.dims[d] >= 0)
        continue;
      auto it = symbolIndex.find(sym);
      if (sym.empty() || it == symbolIndex.end()) {
        // Known only after running: the kernel publishes this output.
        t.dataDependent = true;
        fn.setResultAttr(i, kDataDependentResultAttr,
                         UnitAttr::get(module.getContext()));
        continue;
      }
      t.syms.back() = it->second;
    }
    iface.outputs.push_back(std::move(t));
  }
  return iface;
}

} // namespace kiln::package
