//===- OnnxBase.td - The onnx dialect, its types and hand-written ops -----===//
//
// Holds everything of the onnx dialect that is not generated from the ONNX
// schema: the dialect itself, the sequence/optional/string types, the
// symbolic-dimension tensor encoding, and the structural ops (NoValue, Yield)
// that the generated ops rely on. OnnxOps.td (generated) includes this file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECT_ONNXBASE_TD
#define KILN_DIALECT_ONNXBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::kiln::onnx";
  let summary = "The ONNX operator set (default domain), one op per ONNX node";
  let description = [{
    Every op of the default ONNX domain at the pinned onnx release, in its
    newest form. Older op versions are converted to this form by the
    frontend. Optional inputs that a node leaves out are `none` values made
    by `onnx.NoValue`; optional outputs it leaves out are results of type
    `none`. Tensors with symbolic dimensions carry a `#onnx.dims` encoding
    naming each dynamic dimension, so equal symbols are known equal.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class ONNX_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<ONNX_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def ONNX_StringType : ONNX_Type<"String", "string"> {
  let summary = "ONNX string element type";
}

def ONNX_SeqType : ONNX_Type<"Seq", "seq"> {
  let summary = "ONNX sequence of tensors";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_OptType : ONNX_Type<"Opt", "opt"> {
  let summary = "ONNX optional value (a tensor or a sequence, or nothing)";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_DimsAttr : AttrDef<ONNX_Dialect, "Dims"> {
  let mnemonic = "dims";
  let summary = "Symbolic names of a tensor's dimensions (tensor encoding)";
  let description = [{
    One string per dimension: the symbol of a dynamic dimension (an ONNX
    `dim_param` or a symbol made by shape inference), or "" where the
    dimension is static or unknown. Two dynamic dimensions with the same
    symbol are equal at run time.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$symbols);
  let assemblyFormat = "`<` $symbols `>`";
  let genVerifyDecl = 1;
}

def ONNX_AnySeq : Type<CPred<"::llvm::isa<::kiln::onnx::SeqType>($_self)">,
                       "onnx sequence">;
def ONNX_AnyOpt : Type<CPred<"::llvm::isa<::kiln::onnx::OptType>($_self)">,
                       "onnx optional">;
def ONNX_String : Type<CPred<"::llvm::isa<::kiln::onnx::StringType>($_self)">,
                       "onnx string">;

class ONNX_Op<string mnemonic, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic, traits>;

def ONNX_NoValueOp : ONNX_Op<"NoValue", [Pure, ConstantLike]> {
  let summary = "The absent value of an optional ONNX input";
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let builders = [OpBuilder<(ins), [{
    build($_builder, $_state, $_builder.getNoneType());
  }]>];
  let hasFolder = 1;
}

def ONNX_YieldOp : ONNX_Op<"Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Returns the outputs of an ONNX subgraph (If/Loop/Scan body)";
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
}

#endif // KILN_DIALECT_ONNXBASE_TD
