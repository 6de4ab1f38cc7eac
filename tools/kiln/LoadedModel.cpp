//===- LoadedModel.cpp - dlopen'ed model libraries and tensor files -------===//
//
// Opens `lib<m>.so` (the symbol prefix is the file name's) and resolves its
// C API; MODEL.onnx is first compiled to a shared library in a temporary
// folder removed when the model is closed. Tensor files: ONNX TensorProto
// (raw_data or the typed repeated fields) and NumPy .npy (v1-3, C order).
//
//===----------------------------------------------------------------------===//

#include "tools/kiln/LoadedModel.h"
#include "tools/kiln/Backend.h"

#include "frontend/OnnxProto.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <cstring>
#include <dlfcn.h>

using namespace llvm;

namespace kiln::driver {

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

kiln_tensor HostTensor::view() {
  return kiln_tensor{bytes.data(), shape.data(),
                     static_cast<int32_t>(shape.size()), dtype};
}

namespace {

/// A minifloat with `e` exponent and `m` mantissa bits to double. `fnuz`:
/// no negative zero, 0x80 is NaN, bias + 1; `fn`: no infinities, all-ones
/// exponent and mantissa is NaN.
double minifloat(uint32_t bits, int e, int m, bool fn, bool fnuz) {
  uint32_t sign = bits >> (e + m), exp = (bits >> m) & ((1u << e) - 1),
           man = bits & ((1u << m) - 1);
  int bias = (1 << (e - 1)) - 1 + (fnuz ? 1 : 0);
  if (fnuz && bits == (1u << (e + m)))
    return NAN;
  if (!fn && !fnuz && exp == (1u << e) - 1)
    return man ? NAN : (sign ? -INFINITY : INFINITY);
  if (fn && exp == (1u << e) - 1 && man == (1u << m) - 1)
    return NAN;
  double v = exp ? std::ldexp(1.0 + std::ldexp(double(man), -m), int(exp) - bias)
                 : std::ldexp(double(man), 1 - bias - m);
  return sign ? -v : v;
}

} // namespace

int subByteBits(int32_t dtype) {
  if (dtype == 21 || dtype == 22 || dtype == 23)
    return 4;
  return dtype == 25 || dtype == 26 ? 2 : 0;
}

size_t hostElemSize(int32_t dtype) {
  // The C API's size: the 4- and 2-bit types take one byte per element
  // (unpacked), as the generated code stores them.
  return kiln_rt_dtype_size(dtype);
}

int64_t HostTensor::numComponents() const {
  return numElements() * (dtype == 14 || dtype == 15 ? 2 : 1);
}

double HostTensor::at(int64_t i) const {
  const char *p = bytes.data();
  auto load = [&](auto v, size_t size) {
    std::memcpy(&v, p + size * i, size);
    return v;
  };
  switch (dtype) {
  case 1: case 14: return load(float(), 4);
  case 11: case 15: return load(double(), 8);
  case 7: return double(load(int64_t(), 8));
  case 13: return double(load(uint64_t(), 8));
  case 6: return load(int32_t(), 4);
  case 12: return load(uint32_t(), 4);
  case 5: return load(int16_t(), 2);
  case 4: return load(uint16_t(), 2);
  case 3: case 22: case 26: return static_cast<int8_t>(p[i]);
  case 2: case 9: case 21: case 25: return static_cast<uint8_t>(p[i]);
  case 10: return minifloat(load(uint16_t(), 2), 5, 10, false, false);
  case 16: {
    uint32_t bits = uint32_t(load(uint16_t(), 2)) << 16;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  case 17: return minifloat(uint8_t(p[i]), 4, 3, true, false);
  case 18: return minifloat(uint8_t(p[i]), 4, 3, false, true);
  case 19: return minifloat(uint8_t(p[i]), 5, 2, false, false);
  case 20: return minifloat(uint8_t(p[i]), 5, 2, false, true);
  case 23: { // float4e2m1: no infinities or NaN
    uint8_t b = uint8_t(p[i]);
    double v = (b & 6) ? std::ldexp(1.0 + (b & 1) / 2.0, ((b >> 1) & 3) - 1)
                       : (b & 1) / 2.0;
    return (b & 8) ? -v : v;
  }
  case 24: { // float8e8m0: a biased power of two, 0xff NaN
    uint8_t b = uint8_t(p[i]);
    return b == 0xff ? NAN : std::ldexp(1.0, int(b) - 127);
  }
  default: return 0;
  }
}

Expected<std::unique_ptr<LoadedModel>>
LoadedModel::open(const std::string &path, const StringMap<int64_t> &dims,
                  bool verbose, const std::string &target,
                  const std::string &cudaArch, bool profile,
                  const InputStructures &structures) {
  std::unique_ptr<LoadedModel> m(new LoadedModel());
  std::string lib = path;
  if (!StringRef(path).ends_with(".so")) {
    SmallString<128> dir;
    if (std::error_code ec = sys::fs::createUniqueDirectory("kiln-run", dir))
      return createStringError("cannot create a temporary folder: " +
                               ec.message());
    m->tempDir = dir.str().str();
    BackendOptions opts;
    opts.symbol = "kiln_run_model";
    opts.outDir = m->tempDir;
    opts.emit = "shared";
    opts.modelPath = path;
    opts.verbose = verbose;
    opts.target = target;
    opts.cudaArch = cudaArch;
    opts.profile = profile;
    opts.inputStructures = structures;
    if (compileModelFile(path, opts, dims) != 0)
      return createStringError("compiling '" + path + "' failed");
    lib = m->tempDir + "/libkiln_run_model.so";
  }
  StringRef stem = sys::path::stem(lib);
  if (!stem.consume_front("lib") || stem.empty())
    return createStringError("'" + lib +
                             "' is not named lib<model>.so; cannot tell the "
                             "model's symbol prefix");
  m->symbol_ = stem.str();
  std::string abs = lib;
  if (!sys::path::is_absolute(abs)) {
    SmallString<256> full(lib);
    sys::fs::make_absolute(full);
    abs = full.str().str();
  }
  m->handle = dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle)
    return createStringError("cannot load '" + lib + "': " + dlerror());
  std::string missing;
  auto get = [&](auto &fn, const char *suffix) {
    std::string name = m->symbol_ + "_" + suffix;
    void *sym = dlsym(m->handle, name.c_str());
    if (!sym && missing.empty())
      missing = name;
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  get(m->create_, "create");
  get(m->run_, "run");
  get(m->destroy_, "destroy");
  get(m->error_, "error");
  get(m->numInputs_, "num_inputs");
  get(m->numOutputs_, "num_outputs");
  get(m->inputName_, "input_name");
  get(m->outputName_, "output_name");
  get(m->inputDtype_, "input_dtype");
  get(m->inputRank_, "input_rank");
  get(m->inputDim_, "input_dim");
  if (!missing.empty())
    return createStringError("'" + lib + "' does not define '" + missing +
                             "'");
  // Optional: the arena size, and the globals of --profile builds.
  get(m->workspaceBytes_, "workspace_bytes");
  m->profileCounters_ = static_cast<int64_t *>(
      dlsym(m->handle, (m->symbol_ + "_profile_counters").c_str()));
  m->profileTable_ = static_cast<const char *>(
      dlsym(m->handle, (m->symbol_ + "_profile_table").c_str()));
  return m;
}

void LoadedModel::resetProfile() {
  if (!hasProfile())
    return;
  size_t n = readProfile().size();
  std::memset(profileCounters_, 0, 2 * n * sizeof(int64_t));
}

std::vector<LoadedModel::DispatchProfile> LoadedModel::readProfile() const {
  std::vector<DispatchProfile> dispatches;
  if (!hasProfile())
    return dispatches;
  // One "name<TAB>kind" line per dispatch, in counter order.
  StringRef table(profileTable_);
  while (!table.empty()) {
    auto [line, rest] = table.split('\n');
    table = rest;
    if (line.empty())
      continue;
    DispatchProfile d;
    auto [name, kind] = line.split('\t');
    d.name = name.str();
    d.kind = kind.str();
    size_t id = dispatches.size();
    d.nanoseconds = profileCounters_[2 * id];
    d.calls = profileCounters_[2 * id + 1];
    dispatches.push_back(std::move(d));
  }
  return dispatches;
}

LoadedModel::~LoadedModel() {
  if (handle)
    dlclose(handle);
  if (!tempDir.empty())
    sys::fs::remove_directories(tempDir);
}

Expected<void *> LoadedModel::create(int32_t threads) {
  void *s = nullptr;
  kiln_options opt{threads, nullptr, 0};
  if (create_(&s, &opt) != 0)
    return createStringError(StringRef("create failed: ") + error_(nullptr));
  return s;
}

void LoadedModel::destroy(void *s) { destroy_(s); }

std::vector<int64_t> LoadedModel::inputDims(size_t i) const {
  std::vector<int64_t> dims;
  for (int32_t d = 0; d < inputRank_(i); ++d)
    dims.push_back(inputDim_(i, d));
  return dims;
}

Error LoadedModel::run(void *s, std::vector<HostTensor> &inputs,
                       std::vector<HostTensor> &outputs) {
  std::vector<kiln_tensor> in;
  for (HostTensor &t : inputs)
    in.push_back(t.view());
  size_t nOut = numOutputs();
  // Static outputs need caller buffers: allocate from the declared dims;
  // dynamic ones come back in session buffers.
  auto outRank = reinterpret_cast<int32_t (*)(size_t)>(
      dlsym(handle, (symbol_ + "_output_rank").c_str()));
  auto outDim = reinterpret_cast<int64_t (*)(size_t, size_t)>(
      dlsym(handle, (symbol_ + "_output_dim").c_str()));
  auto outDtype = reinterpret_cast<int32_t (*)(size_t)>(
      dlsym(handle, (symbol_ + "_output_dtype").c_str()));
  if (!outRank || !outDim || !outDtype)
    return createStringError("the library lacks output metadata functions");
  std::vector<std::vector<char>> buffers(nOut);
  std::vector<kiln_tensor> out(nOut);
  for (size_t o = 0; o < nOut; ++o) {
    int64_t count = 1;
    bool dynamic = false;
    for (int32_t d = 0; d < outRank(o); ++d) {
      int64_t v = outDim(o, d);
      dynamic |= v < 0;
      count *= v < 0 ? 0 : v;
    }
    if (!dynamic) {
      buffers[o].resize(std::max<int64_t>(count, 1) *
                        hostElemSize(outDtype(o)));
      out[o].data = buffers[o].data();
    }
  }
  if (run_(s, in.data(), in.size(), out.data(), nOut) != 0)
    return createStringError(error_(s));
  outputs.clear();
  for (size_t o = 0; o < nOut; ++o) {
    HostTensor t;
    t.name = outputName(o);
    t.dtype = out[o].dtype;
    t.shape.assign(out[o].shape, out[o].shape + out[o].rank);
    size_t bytes = t.numElements() * hostElemSize(t.dtype);
    const char *p = static_cast<const char *>(out[o].data);
    t.bytes.assign(p, p + bytes);
    // A string output's elements point into the session, which dies before
    // the caller compares them: copy the strings (NULL never comes back,
    // but would read as "").
    if (t.dtype == 8) {
      t.strings = std::make_shared<std::vector<std::string>>();
      const char *const *elems = static_cast<const char *const *>(out[o].data);
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.strings->push_back(elems[i] ? elems[i] : "");
      for (int64_t i = 0; i < t.numElements(); ++i) {
        const char *str = (*t.strings)[i].c_str();
        std::memcpy(t.bytes.data() + i * sizeof(str), &str, sizeof(str));
      }
    }
    // A 4- or 2-bit element holds its value in the low bits of its byte
    // (the rest unspecified); widen it to a whole int8/uint8.
    if (int bits = subByteBits(t.dtype)) {
      bool isSigned = t.dtype == 22 || t.dtype == 26;
      for (char &c : t.bytes) {
        unsigned v = uint8_t(c) & ((1u << bits) - 1);
        if (isSigned && (v >> (bits - 1)))
          v |= ~0u << bits;
        c = static_cast<char>(v);
      }
    }
    outputs.push_back(std::move(t));
  }
  return Error::success();
}

namespace {

Expected<HostTensor> fromProto(const std::string &path, StringRef bytes) {
  pb::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError("'" + path + "' is not a TensorProto");
  HostTensor t;
  t.name = proto.name();
  t.dtype = proto.data_type();
  for (int64_t d : proto.dims()) {
    if (d < 0 || d > (int64_t(1) << 40))
      return createStringError("'" + path + "' has a bad dim");
    t.shape.push_back(d);
  }
  size_t elem = hostElemSize(t.dtype);
  if (!elem)
    return createStringError("'" + path + "' has unsupported data type " +
                             Twine(t.dtype));
  size_t bytesNeeded = static_cast<size_t>(t.numElements()) * elem;
  if (t.dtype == 8) {
    t.strings = std::make_shared<std::vector<std::string>>(
        proto.string_data().begin(), proto.string_data().end());
    for (const std::string &str : *t.strings) {
      const char *p = str.c_str();
      const char *c = reinterpret_cast<const char *>(&p);
      t.bytes.insert(t.bytes.end(), c, c + sizeof(p));
    }
  } else if (proto.has_raw_data()) {
    t.bytes.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    auto append = [&](const void *p, size_t n) {
      const char *c = static_cast<const char *>(p);
      t.bytes.insert(t.bytes.end(), c, c + n);
    };
    if (t.dtype == 1)
      for (float v : proto.float_data()) append(&v, 4);
    else if (t.dtype == 11)
      for (double v : proto.double_data()) append(&v, 8);
    else if (t.dtype == 7)
      for (int64_t v : proto.int64_data()) append(&v, 8);
    else if (t.dtype == 14)
      for (float v : proto.float_data()) append(&v, 4);
    else if (t.dtype == 15)
      for (double v : proto.double_data()) append(&v, 8);
    else if (t.dtype == 12 || t.dtype == 13)
      for (uint64_t v : proto.uint64_data()) append(&v, elem);
    else
      for (int32_t v : proto.int32_data()) append(&v, elem); // little endian
  }
  // 4- and 2-bit types are packed (first element in the low bits, raw_data
  // or one byte per int32_data entry); unpack to a byte each, sign-extended.
  if (int bits = subByteBits(t.dtype)) {
    size_t n = static_cast<size_t>(t.numElements()), perByte = 8 / bits;
    if (t.bytes.size() != (n + perByte - 1) / perByte)
      return createStringError("'" + path + "' holds " +
                               Twine(t.bytes.size()) + " bytes of " +
                               Twine(bits) + "-bit data for " + Twine(n) +
                               " elements");
    std::vector<char> unpacked(n);
    bool isSigned = t.dtype == 22 || t.dtype == 26;
    for (size_t k = 0; k < n; ++k) {
      unsigned v = (uint8_t(t.bytes[k / perByte]) >> ((k % perByte) * bits)) &
                   ((1u << bits) - 1);
      if (isSigned && (v >> (bits - 1)))
        v |= ~0u << bits;
      unpacked[k] = static_cast<char>(v);
    }
    t.bytes = std::move(unpacked);
  }
  if (t.bytes.size() != bytesNeeded)
    return createStringError("'" + path + "' holds " + Twine(t.bytes.size()) +
                             " bytes of data, its shape needs " +
                             Twine(bytesNeeded));
  return t;
}

Expected<HostTensor> fromNpy(const std::string &path, StringRef bytes) {
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return createStringError("'" + path + "' is not a .npy file");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, start;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
    start = 10;
  } else {
    if (bytes.size() < 12)
      return createStringError("'" + path + "' is truncated");
    headerLen = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8) |
                (uint32_t(uint8_t(bytes[10])) << 16) |
                (uint32_t(uint8_t(bytes[11])) << 24);
    start = 12;
  }
  if (start + headerLen > bytes.size())
    return createStringError("'" + path + "' is truncated");
  StringRef header = bytes.substr(start, headerLen);
  HostTensor t;
  auto field = [&](StringRef key) {
    size_t at = header.find(key);
    return at == StringRef::npos ? StringRef() : header.drop_front(at + key.size());
  };
  StringRef descr = field("'descr':").ltrim(" '").take_until([](char c) {
    return c == '\'';
  });
  static const std::pair<const char *, int32_t> kinds[] = {
      {"<f4", 1}, {"<f8", 11}, {"<i8", 7}, {"<i4", 6}, {"<i2", 5},
      {"<u2", 4}, {"|u1", 2},  {"|i1", 3}, {"|b1", 9}, {"<f2", 10}};
  for (auto &[name, code] : kinds)
    if (descr == name)
      t.dtype = code;
  if (!t.dtype)
    return createStringError("'" + path + "' has unsupported dtype '" + descr +
                             "'");
  if (field("'fortran_order':").ltrim().starts_with("True"))
    return createStringError("'" + path + "' is in Fortran order");
  StringRef shape = field("'shape':").ltrim(" (").take_until(
      [](char c) { return c == ')'; });
  SmallVector<StringRef> parts;
  shape.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef p : parts) {
    int64_t d;
    if (p.trim().empty())
      continue;
    if (p.trim().getAsInteger(10, d) || d < 0)
      return createStringError("'" + path + "' has a bad shape");
    t.shape.push_back(d);
  }
  size_t need = t.numElements() * hostElemSize(t.dtype);
  StringRef data = bytes.drop_front(start + headerLen);
  if (data.size() != need)
    return createStringError("'" + path + "' holds " + Twine(data.size()) +
                             " bytes of data, its shape needs " + Twine(need));
  t.bytes.assign(data.begin(), data.end());
  return t;
}

} // namespace

Expected<HostTensor> readTensorFile(const std::string &path) {
  auto buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError("cannot read '" + path + "': " +
                             buf.getError().message());
  StringRef bytes = (*buf)->getBuffer();
  if (StringRef(path).ends_with(".npy"))
    return fromNpy(path, bytes);
  return fromProto(path, bytes);
}

namespace {
/// The `index`-th occurrence of length-delimited field `field` in the
/// message `bytes` (0-based), or none; `count` gets the number of
/// occurrences when given.
std::optional<std::string> findField(StringRef bytes, uint32_t field,
                                     size_t index, size_t *count = nullptr) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t *>(bytes.data()),
      static_cast<int>(bytes.size()));
  std::optional<std::string> found;
  size_t seen = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == static_cast<int>(field) &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string value;
      uint32_t size = 0;
      if (!in.ReadVarint32(&size) ||
          !in.ReadString(&value, static_cast<int>(size)))
        break;
      if (seen++ == index)
        found = std::move(value);
      if (!count && found)
        break;
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag))
      break;
  }
  if (count)
    *count = seen;
  return found;
}

Expected<std::string> readBytes(const std::string &path) {
  auto buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError("cannot read '" + path + "': " +
                             buf.getError().message());
  return (*buf)->getBuffer().str();
}
} // namespace

// SequenceProto and OptionalProto (onnx-data.proto, not in Debian's
// onnx.proto): SequenceProto's field 3, tensor_values, holds the elements;
// OptionalProto's field 3 (tensor_value) or 5 (sequence_value) the value.

Expected<HostTensor> readSequenceElement(const std::string &path,
                                         size_t index) {
  auto bytes = readBytes(path);
  if (!bytes)
    return bytes.takeError();
  std::string sequence = *bytes;
  // An OptionalProto holding a sequence: look inside.
  size_t elements = 0;
  findField(sequence, 3, 0, &elements);
  if (elements == 0)
    if (std::optional<std::string> inner = findField(sequence, 5, 0))
      sequence = *inner;
  if (std::optional<std::string> element = findField(sequence, 3, index))
    return fromProto(path, *element);
  return createStringError("'" + path + "' is not a SequenceProto with an element " +
                           Twine(index));
}

Expected<HostTensor> readOptionalTensor(const std::string &path) {
  auto bytes = readBytes(path);
  if (!bytes)
    return bytes.takeError();
  if (std::optional<std::string> value = findField(*bytes, 3, 0))
    return fromProto(path, *value);
  return createStringError("'" + path + "' is not an OptionalProto holding a tensor");
}

Expected<ImportOptions::InputStructure>
readInputStructure(const std::string &path, bool optional) {
  auto bytes = readBytes(path);
  if (!bytes)
    return bytes.takeError();
  ImportOptions::InputStructure structure;
  std::string sequence = *bytes;
  if (optional) {
    if (findField(sequence, 3, 0))
      return structure;
    std::optional<std::string> inner = findField(sequence, 5, 0);
    if (!inner) {
      structure.present = false;
      return structure;
    }
    sequence = *inner;
  }
  size_t length = 0;
  findField(sequence, 3, 0, &length);
  structure.length = static_cast<int64_t>(length);
  for (size_t i = 0; i < length; ++i) {
    auto element = fromProto(path, *findField(sequence, 3, i));
    if (!element)
      return element.takeError();
    structure.elementRanks.push_back(
        static_cast<int64_t>(element->shape.size()));
  }
  return structure;
}

Error writeNpy(const std::string &path, const HostTensor &t) {
  // Strings become NumPy's fixed-width unicode (<U: UTF-32 code units, as
  // many per element as the longest string has code points).
  std::vector<char> unicode;
  std::string unicodeDescr;
  if (t.dtype == 8) {
    std::vector<std::vector<UTF32>> codes;
    size_t width = 1;
    for (int64_t i = 0; i < t.numElements(); ++i) {
      const std::string &str = t.strings ? (*t.strings)[i] : std::string();
      std::vector<UTF32> cps(str.size() + 1);
      const UTF8 *src = reinterpret_cast<const UTF8 *>(str.data());
      UTF32 *dst = cps.data();
      ConvertUTF8toUTF32(&src, src + str.size(), &dst, dst + cps.size(),
                         lenientConversion);
      cps.resize(dst - cps.data());
      width = std::max(width, cps.size());
      codes.push_back(std::move(cps));
    }
    for (std::vector<UTF32> &cps : codes) {
      cps.resize(width, 0);
      const char *c = reinterpret_cast<const char *>(cps.data());
      unicode.insert(unicode.end(), c, c + width * sizeof(UTF32));
    }
    unicodeDescr = "<U" + std::to_string(width);
  }
  const char *descr = t.dtype == 8 ? unicodeDescr.c_str() : "<f4";
  switch (t.dtype) {
  case 11: descr = "<f8"; break;
  case 7: descr = "<i8"; break;
  case 6: descr = "<i4"; break;
  case 2: descr = "|u1"; break;
  case 3: descr = "|i1"; break;
  case 9: descr = "|b1"; break;
  case 10: descr = "<f2"; break;
  default: break;
  }
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (";
  for (int64_t d : t.shape)
    header += std::to_string(d) + ", ";
  header += "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return createStringError("cannot write '" + path + "': " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  if (t.dtype == 8)
    os.write(unicode.data(), unicode.size());
  else
    os.write(t.bytes.data(), t.bytes.size());
  return Error::success();
}

} // namespace kiln::driver
