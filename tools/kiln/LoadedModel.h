//===- LoadedModel.h - A generated shared library opened with dlopen ------===//
//
// What `kiln run` and `kiln bench` need: the model's C API resolved by name
// from `lib<m>.so` (compiled on the fly from MODEL.onnx when given one), and
// host tensors read from ONNX TensorProto (.pb) or NumPy (.npy) files.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_LOADEDMODEL_H
#define KILN_TOOLS_KILN_LOADEDMODEL_H

#include "runtime/kiln_runtime.h"
#include "tools/kiln/Backend.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::driver {

/// Bytes per element of a host tensor: kiln_rt_dtype_size, or 1 for the
/// sub-byte and 8-bit types the runtime does not size (unpacked in memory).
size_t hostElemSize(int32_t dtype);
/// 4 for INT4/UINT4/FLOAT4E2M1, 2 for INT2/UINT2, 0 for the other dtypes.
int subByteBits(int32_t dtype);

/// A dense host tensor.
struct HostTensor {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
  /// A string tensor's (dtype 8) elements; `bytes` then holds one
  /// `const char *` into them per element, as the C API takes them.
  std::shared_ptr<std::vector<std::string>> strings;

  int64_t numElements() const;
  kiln_tensor view();
  /// Scalar components: elements, twice that for complex types.
  int64_t numComponents() const;
  /// Component i converted to double (for comparisons); complex numbers are
  /// (real, imaginary) pairs.
  double at(int64_t i) const;
};

/// The C API of one generated library.
class LoadedModel {
public:
  /// Opens MODEL.onnx (compiled for `target` to a temporary shared
  /// library) or LIB.so.
  static llvm::Expected<std::unique_ptr<LoadedModel>>
  /// `profile` compiles MODEL.onnx with --profile.
  open(const std::string &path, const llvm::StringMap<int64_t> &dims,
       bool verbose, const std::string &target = "cpu",
       const std::string &cudaArch = "sm_80", bool profile = false,
       const InputStructures &structures = {});
  ~LoadedModel();

  struct Session;
  llvm::Expected<void *> create(int32_t threads);
  void destroy(void *session);
  /// Runs; on failure returns the model's error message.
  llvm::Error run(void *session, std::vector<HostTensor> &inputs,
                  std::vector<HostTensor> &outputs);

  size_t numInputs() const { return numInputs_(); }
  size_t numOutputs() const { return numOutputs_(); }
  std::string inputName(size_t i) const { return inputName_(i); }
  std::string outputName(size_t i) const { return outputName_(i); }
  int32_t inputDtype(size_t i) const { return inputDtype_(i); }
  std::vector<int64_t> inputDims(size_t i) const;
  const std::string &symbol() const { return symbol_; }
  /// m_workspace_bytes(), or -1 when the library does not define it.
  int64_t workspaceBytes() const {
    return workspaceBytes_ ? static_cast<int64_t>(workspaceBytes_()) : -1;
  }

  /// One dispatch of a --profile build: names, op kinds and totals since
  /// the last resetProfile.
  struct DispatchProfile {
    std::string name, kind;
    int64_t nanoseconds = 0, calls = 0;
  };
  /// True when the library was compiled with --profile.
  bool hasProfile() const { return profileCounters_ && profileTable_; }
  void resetProfile();
  std::vector<DispatchProfile> readProfile() const;

private:
  LoadedModel() = default;
  void *handle = nullptr;
  std::string symbol_, tempDir;
  int (*create_)(void **, const kiln_options *) = nullptr;
  int (*run_)(void *, const kiln_tensor *, size_t, kiln_tensor *,
              size_t) = nullptr;
  void (*destroy_)(void *) = nullptr;
  const char *(*error_)(const void *) = nullptr;
  size_t (*numInputs_)() = nullptr;
  size_t (*numOutputs_)() = nullptr;
  const char *(*inputName_)(size_t) = nullptr;
  const char *(*outputName_)(size_t) = nullptr;
  int32_t (*inputDtype_)(size_t) = nullptr;
  int32_t (*inputRank_)(size_t) = nullptr;
  int64_t (*inputDim_)(size_t, size_t) = nullptr;
  size_t (*workspaceBytes_)() = nullptr;
  int64_t *profileCounters_ = nullptr;
  const char *profileTable_ = nullptr;
};

/// Reads a TensorProto (.pb) or NumPy array (.npy, little-endian, C order).
llvm::Expected<HostTensor> readTensorFile(const std::string &path);
/// Reads element `index` of a SequenceProto (.pb), or of the sequence an
/// OptionalProto holds.
llvm::Expected<HostTensor> readSequenceElement(const std::string &path,
                                               size_t index);
/// Reads the tensor an OptionalProto (.pb) holds.
llvm::Expected<HostTensor> readOptionalTensor(const std::string &path);
/// The structure of a SequenceProto (its length) or, with `optional`, of
/// an OptionalProto (present or not, and the length of a sequence it
/// holds).
llvm::Expected<kiln::ImportOptions::InputStructure>
readInputStructure(const std::string &path, bool optional);
/// Writes `t` as a .npy file.
llvm::Error writeNpy(const std::string &path, const HostTensor &t);

} // namespace kiln::driver

#endif // KILN_TOOLS_KILN_LOADEDMODEL_H
