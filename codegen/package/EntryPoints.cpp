//===- EntryPoints.cpp - Model descriptor and exported C API wrappers -----===//
//
// Builds, in the model's LLVM module, the constant `kiln_rt_model`
// descriptor (layout mirrored from runtime/kiln_runtime.h) and one thin
// external function per entry of DESIGN.md's C API, each a call into the
// generic runtime with the descriptor as first argument. Only these
// `<m>_*` functions stay visible after linkRuntime().
//
//===----------------------------------------------------------------------===//

#include "codegen/package/Package.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace kiln::package {
namespace {

/// Must equal KILN_RT_ABI_VERSION in runtime/kiln_runtime.h.
constexpr int32_t kRuntimeAbiVersion = 1;

class EntryPointBuilder {
public:
  EntryPointBuilder(Module &m, const ModelInterface &iface, StringRef symbol)
      : m(m), ctx(m.getContext()), iface(iface), symbol(symbol.str()),
        ptr(PointerType::get(ctx, 0)), i32(Type::getInt32Ty(ctx)),
        i64(Type::getInt64Ty(ctx)) {}

  Error build(const KernelArtifact &kernel, const PackageOptions &opts);

private:
  Constant *str(StringRef s, const Twine &name) {
    auto *init = ConstantDataArray::getString(ctx, s, /*AddNull=*/true);
    auto *g = new GlobalVariable(m, init->getType(), true,
                                 GlobalValue::PrivateLinkage, init, name);
    g->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    return g;
  }
  template <typename T>
  Constant *array(ArrayRef<T> values, Type *elem, const Twine &name) {
    if (values.empty())
      return ConstantPointerNull::get(ptr);
    SmallVector<Constant *> elems;
    for (T v : values)
      elems.push_back(ConstantInt::get(elem, v, /*IsSigned=*/true));
    auto *type = ArrayType::get(elem, values.size());
    return new GlobalVariable(m, type, true, GlobalValue::PrivateLinkage,
                              ConstantArray::get(type, elems), name);
  }
  Constant *tensorTable(ArrayRef<TensorInterface> tensors, StringRef kind);
  Constant *symbolTable();
  Function *declare(StringRef name, Type *ret, ArrayRef<Type *> params) {
    return cast<Function>(
        m.getOrInsertFunction(name, FunctionType::get(ret, params, false))
            .getCallee());
  }
  /// Defines `<symbol>_<suffix>` whose body `body` fills from its arguments.
  void define(StringRef suffix, Type *ret, ArrayRef<Type *> params,
              function_ref<Value *(IRBuilder<> &, Function *)> body);
  void defineMetadata(bool outputs);
  void defineInfer();

  Module &m;
  LLVMContext &ctx;
  const ModelInterface &iface;
  std::string runtimePrefix = "kiln_rt_";
  std::string symbol;
  PointerType *ptr;
  Type *i32, *i64;
  GlobalVariable *descriptor = nullptr;
  StructType *tensorDescTy = nullptr;
};

Constant *EntryPointBuilder::tensorTable(ArrayRef<TensorInterface> tensors,
                                         StringRef kind) {
  if (tensors.empty())
    return ConstantPointerNull::get(ptr);
  SmallVector<Constant *> elems;
  for (auto [i, t] : llvm::enumerate(tensors)) {
    std::string base = (symbol + "." + kind + Twine(i)).str();
    elems.push_back(ConstantStruct::get(
        tensorDescTy,
        {str(t.name, base + ".name"), ConstantInt::get(i32, t.dtype),
         ConstantInt::get(i32, t.dims.size()),
         array<int64_t>(t.dims, i64, base + ".dims"),
         array<int32_t>(t.syms, i32, base + ".syms")}));
  }
  auto *type = ArrayType::get(tensorDescTy, elems.size());
  return new GlobalVariable(m, type, true, GlobalValue::PrivateLinkage,
                            ConstantArray::get(type, elems),
                            symbol + "." + kind);
}

Constant *EntryPointBuilder::symbolTable() {
  if (iface.symbols.empty())
    return ConstantPointerNull::get(ptr);
  auto *symTy = StructType::get(ctx, {ptr, i32, i32});
  SmallVector<Constant *> elems;
  for (auto [i, s] : llvm::enumerate(iface.symbols))
    elems.push_back(ConstantStruct::get(
        symTy, {str(s.name, Twine(symbol) + ".sym" + Twine(i)),
                ConstantInt::get(i32, s.input), ConstantInt::get(i32, s.dim)}));
  auto *type = ArrayType::get(symTy, elems.size());
  return new GlobalVariable(m, type, true, GlobalValue::PrivateLinkage,
                            ConstantArray::get(type, elems),
                            symbol + ".symbols");
}

void EntryPointBuilder::define(
    StringRef suffix, Type *ret, ArrayRef<Type *> params,
    function_ref<Value *(IRBuilder<> &, Function *)> body) {
  auto *fn = Function::Create(FunctionType::get(ret, params, false),
                              GlobalValue::ExternalLinkage,
                              symbol + "_" + suffix.str(), m);
  fn->setVisibility(GlobalValue::DefaultVisibility);
  fn->addFnAttr(Attribute::NoUnwind);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
  Value *result = body(b, fn);
  if (ret->isVoidTy())
    b.CreateRetVoid();
  else
    b.CreateRet(result);
}

void EntryPointBuilder::defineMetadata(bool outputs) {
  StringRef kind = outputs ? "output" : "input";
  Value *which = ConstantInt::get(i32, outputs ? 1 : 0);
  size_t count = outputs ? iface.outputs.size() : iface.inputs.size();
  define(outputs ? "num_outputs" : "num_inputs", i64, {},
         [&](IRBuilder<> &, Function *) { return ConstantInt::get(i64, count); });
  auto forward = [&](StringRef suffix, StringRef runtimeFn, Type *ret,
                     ArrayRef<Type *> extra) {
    SmallVector<Type *> rtParams = {ptr, i32};
    rtParams.append(extra.begin(), extra.end());
    Function *callee = declare(runtimeFn, ret, rtParams);
    define((kind + "_" + suffix).str(), ret, extra,
           [&](IRBuilder<> &b, Function *fn) -> Value * {
             SmallVector<Value *> args = {descriptor, which};
             for (Argument &a : fn->args())
               args.push_back(&a);
             return b.CreateCall(callee, args);
           });
  };
  forward("name", "kiln_rt_tensor_name", ptr, {i64});
  forward("dtype", "kiln_rt_tensor_dtype", i32, {i64});
  forward("rank", "kiln_rt_tensor_rank", i32, {i64});
  forward("dim", "kiln_rt_tensor_dim", i64, {i64, i64});
}

void EntryPointBuilder::defineInfer() {
  size_t nIn = iface.inputs.size(), nOut = iface.outputs.size();
  SmallVector<Type *> params(1 + nIn + nOut, ptr);
  Function *callee =
      declare(runtimePrefix + "infer", i32, {ptr, ptr, ptr});
  define("infer", i32, params, [&](IRBuilder<> &b, Function *fn) -> Value * {
    auto *inTy = ArrayType::get(ptr, std::max<size_t>(nIn, 1));
    auto *outTy = ArrayType::get(ptr, std::max<size_t>(nOut, 1));
    Value *ins = b.CreateAlloca(inTy);
    Value *outs = b.CreateAlloca(outTy);
    for (size_t i = 0; i < nIn; ++i)
      b.CreateStore(fn->getArg(1 + i), b.CreateConstGEP2_32(inTy, ins, 0, i));
    for (size_t o = 0; o < nOut; ++o)
      b.CreateStore(fn->getArg(1 + nIn + o),
                    b.CreateConstGEP2_32(outTy, outs, 0, o));
    return b.CreateCall(callee, {fn->getArg(0), ins, outs});
  });
}

Error EntryPointBuilder::build(const KernelArtifact &kernel,
                               const PackageOptions &opts) {
  runtimePrefix = kernel.runtimePrefix;
  Function *kernelFn = m.getFunction(kernel.kernelName);
  if (!kernelFn || kernelFn->isDeclaration())
    return createStringError("the module does not define kernel '" +
                             kernel.kernelName + "'");
  tensorDescTy = StructType::get(ctx, {ptr, i32, i32, ptr, ptr});
  bool inFile = opts.weights == WeightsMode::File;
  uint64_t weightsBytes = kernel.weights.totalBytes;
  Constant *weights = ConstantPointerNull::get(ptr);
  if (!inFile && weightsBytes > 0) {
    // Defined by the weights object (writeWeightsObject), never as IR.
    auto *g = new GlobalVariable(m, Type::getInt8Ty(ctx), true,
                                 GlobalValue::ExternalLinkage, nullptr,
                                 symbol + "_weights");
    g->setVisibility(GlobalValue::HiddenVisibility);
    g->setDSOLocal(true);
    weights = g;
  }
  auto *modelTy = StructType::get(
      ctx, {i32, i32, i32, i32, ptr, ptr, ptr, ptr, i64, ptr, i64, i64, i32,
            i32, ptr});
  Constant *fields[] = {
      ConstantInt::get(i32, kRuntimeAbiVersion),
      ConstantInt::get(i32, iface.inputs.size()),
      ConstantInt::get(i32, iface.outputs.size()),
      ConstantInt::get(i32, iface.symbols.size()),
      str(symbol, symbol + ".name"),
      tensorTable(iface.inputs, "input"),
      tensorTable(iface.outputs, "output"),
      symbolTable(),
      ConstantInt::get(i64, kernel.workspaceBytes),
      weights,
      ConstantInt::get(i64, weightsBytes),
      ConstantInt::get(i64, weightsBytes ? kernel.weights.hash() : 0),
      ConstantInt::get(i32, inFile && weightsBytes > 0 ? 1 : 0),
      ConstantInt::get(i32, kernel.flags),
      kernelFn};
  descriptor = new GlobalVariable(m, modelTy, true, GlobalValue::PrivateLinkage,
                                  ConstantStruct::get(modelTy, fields),
                                  symbol + ".descriptor");
  descriptor->setAlignment(Align(8));

  Function *create = declare(runtimePrefix + "create", i32, {ptr, ptr, ptr});
  Function *run =
      declare(runtimePrefix + "run", i32, {ptr, ptr, i64, ptr, i64});
  Function *destroy =
      declare(runtimePrefix + "destroy", Type::getVoidTy(ctx), {ptr});
  Function *error = declare(runtimePrefix + "error", ptr, {ptr});
  auto forwardAll = [&](Function *callee, bool withDescriptor) {
    return [=](IRBuilder<> &b, Function *fn) -> Value * {
      SmallVector<Value *> args;
      if (withDescriptor)
        args.push_back(descriptor);
      for (Argument &a : fn->args())
        args.push_back(&a);
      return b.CreateCall(callee, args);
    };
  };
  define("create", i32, {ptr, ptr}, forwardAll(create, true));
  define("run", i32, {ptr, ptr, i64, ptr, i64}, forwardAll(run, false));
  define("destroy", Type::getVoidTy(ctx), {ptr}, forwardAll(destroy, false));
  define("error", ptr, {ptr}, forwardAll(error, false));
  defineMetadata(/*outputs=*/false);
  defineMetadata(/*outputs=*/true);
  define("workspace_bytes", i64, {}, [&](IRBuilder<> &, Function *) {
    return ConstantInt::get(i64, kernel.workspaceBytes);
  });
  if (iface.hasFloatInfer())
    defineInfer();
  return Error::success();
}

} // namespace

std::vector<std::string> exportedNames(const ModelInterface &iface,
                                       StringRef symbol) {
  std::vector<std::string> names;
  for (const char *suffix :
       {"create", "run", "destroy", "error", "num_inputs", "input_name",
        "input_dtype", "input_rank", "input_dim", "num_outputs", "output_name",
        "output_dtype", "output_rank", "output_dim", "workspace_bytes"})
    names.push_back((symbol + "_" + suffix).str());
  if (iface.hasFloatInfer())
    names.push_back((symbol + "_infer").str());
  return names;
}

Error buildEntryPoints(Module &module, const ModelInterface &iface,
                       const KernelArtifact &kernel,
                       const PackageOptions &opts) {
  for (const std::string &name : exportedNames(iface, opts.symbol))
    if (module.getNamedValue(name))
      return createStringError("symbol '" + name +
                               "' is already defined in the kernel module");
  return EntryPointBuilder(module, iface, opts.symbol).build(kernel, opts);
}

} // namespace kiln::package
