/*===- kiln_runtime.h - The generic runtime behind every generated model --===*
 *
 * Plain C11 + pthreads, no MLIR/LLVM. A generated library holds one constant
 * `kiln_rt_model` descriptor (built by codegen/package) and thin exported
 * functions `<m>_create/_run/...` that forward to the functions below. The
 * runtime is compiled to LLVM bitcode, linked into each model's module and
 * internalized there, so two models in one executable never share or clash
 * on runtime symbols.
 *
 * Tensor convention of kiln_rt_run (documented in the generated header too):
 * - inputs: in[i] in graph order; dtype, rank and every static dim must match
 *   the descriptor; a dynamic dim bound to a symbol (e.g. "N") must take the
 *   same value everywhere the symbol appears; data may be NULL only for an
 *   input with zero elements; shape may be NULL only for rank 0.
 * - outputs with a fully static shape: the caller provides out[i].data with
 *   room for the whole tensor (the product of its dims times the element
 *   size); the kernel writes straight into it. No allocation happens in run.
 * - outputs with a dynamic dim: the runtime writes into a session-owned
 *   buffer (grown when needed) and sets out[i].data; the buffer stays valid
 *   until the next run on the session or its destruction. This includes
 *   data-dependent outputs, whose dims are known only after the kernel ran
 *   (NonZero, Unique, Compress, a shape computed from input values): the
 *   kernel publishes them (kiln_rt_publish_output), and run returns their
 *   dims in out[i].shape like any other.
 * - string outputs (dtype 8), static shape or not, are always session-owned:
 *   run sets out[i].data to an array of `const char *` (never NULL; "" for
 *   an empty string), the array and every string valid until the next run
 *   on the session or its destruction (strings passed through from an input
 *   are copied). out[i].data given by the caller is ignored.
 * - on success every out[i].shape (session-owned, same lifetime), rank and
 *   dtype are set. out[i].shape/rank/dtype given by the caller are ignored.
 *
 * Errors: every function returning int returns KILN_OK (0) or a KILN_ERR_*
 * code and leaves a one-line message readable with kiln_rt_error(session).
 * A failed create sets *out to NULL; kiln_rt_error(NULL) then gives its
 * message (per thread). Run on a NULL session fails with an error code.
 * One session runs on one thread at a time; separate sessions may run
 * concurrently and share the model's weights read-only.
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_KILN_RUNTIME_H
#define KILN_RUNTIME_KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/kiln_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The public tensor/options types; the same guarded definitions appear in
 * every generated model header, so any number of them can be included. */
#ifndef KILN_TENSOR_TYPES_DEFINED
#define KILN_TENSOR_TYPES_DEFINED
typedef struct {
  void *data;
  const int64_t *shape;
  int32_t rank;
  int32_t dtype; /* ONNX TensorProto data type code */
} kiln_tensor;
typedef struct {
  int32_t threads;          /* <= 0: one per online CPU */
  const char *weights_path; /* models compiled with --weights file */
  int32_t cuda_device;      /* ignored on CPU */
  int32_t io_memory;        /* where run's tensor data live: KILN_IO_* */
} kiln_options;
#define KILN_IO_HOST 0   /* host memory (the default: 0 / opt NULL) */
/* KILN_IO_DEVICE: device memory of the session's GPU (--target cuda); with
 * --cuda-arch sm_90 at tf32/fp16 the GEMM kernels read inputs by TMA, which
 * needs 16-byte aligned addresses (cudaMalloc's are). */
#define KILN_IO_DEVICE 1
#define KILN_OK 0
#define KILN_ERR_INVALID_ARGUMENT 1
#define KILN_ERR_WEIGHTS 2
#define KILN_ERR_OUT_OF_MEMORY 3
#define KILN_ERR_BAD_STATE 4
#endif
#ifndef KILN_IO_DEVICE
#error "kiln_options was defined by an older kiln header, without io_memory"
#endif

/* Magic and version of a `.weights` file. Layout (little endian):
 *   0  char[8]  "KILNWTS\0"
 *   8  u32      version (1)
 *  12  u32      header bytes (64; the blob starts there, 64-byte aligned)
 *  16  u64      blob bytes
 *  24  u64      FNV-1a 64 hash of the blob (matches the model's descriptor)
 *  32  char[32] zero
 */
#define KILN_WEIGHTS_MAGIC "KILNWTS"
#define KILN_WEIGHTS_VERSION 1u
#define KILN_WEIGHTS_HEADER_BYTES 64u

/* One graph input or output. dims: rank entries, -1 for a dynamic dim.
 * dim_syms: rank entries, the index into kiln_rt_model.symbols of a dynamic
 * dim's symbol, -1 for static dims and anonymous dynamic dims. An output
 * with a dynamic dim that has no symbol is data-dependent: its size is known
 * only once the kernel has computed it (NonZero, Unique, a Reshape to a
 * shape computed from values, ...), so the runtime allocates nothing for it
 * before the kernel runs and the kernel publishes it with
 * kiln_rt_publish_output. */
typedef struct kiln_rt_tensor_desc {
  const char *name;
  int32_t dtype;
  int32_t rank;
  const int64_t *dims;
  const int32_t *dim_syms;
} kiln_rt_tensor_desc;

/* A symbolic dim and the first input dim carrying it, where run reads it. */
typedef struct kiln_rt_symbol_desc {
  const char *name;
  int32_t input;
  int32_t dim;
} kiln_rt_symbol_desc;

#define KILN_RT_ABI_VERSION 1

/* Everything the runtime knows about one compiled model. */
typedef struct kiln_rt_model {
  int32_t abi_version; /* KILN_RT_ABI_VERSION */
  int32_t num_inputs;
  int32_t num_outputs;
  int32_t num_symbols;
  const char *name;
  const kiln_rt_tensor_desc *inputs;
  const kiln_rt_tensor_desc *outputs;
  const kiln_rt_symbol_desc *symbols;
  uint64_t workspace_bytes;
  const void *weights; /* embedded blob; NULL when weights_in_file */
  uint64_t weights_bytes;
  uint64_t weights_hash; /* FNV-1a 64 of the blob */
  int32_t weights_in_file;
  int32_t flags; /* KILN_RT_MODEL_* */
  kiln_kernel_fn kernel;
} kiln_rt_model;

/* kiln_rt_model.flags: the kernel's host code reads values the device
 * computed (--target cuda: shapes from tensors), so a run cannot be
 * recorded as a CUDA graph. */
#define KILN_RT_MODEL_HOST_READS_DEVICE 1
/* Set by the CUDA runtime on its host session's model: the host reads the
 * embedded weights once, to upload them, so they stay in the library image
 * (no huge-page copy, see kiln_weights.c). */
#define KILN_RT_MODEL_WEIGHTS_IN_PLACE 2

typedef struct kiln_rt_session kiln_rt_session;

/// Creates a session of `model`: loads or maps the weights, allocates the
/// arena and starts the thread pool. `opt` may be NULL (defaults).
int kiln_rt_create(const kiln_rt_model *model, kiln_rt_session **out,
                   const kiln_options *opt);
/// Validates the inputs, derives the output shapes and runs the kernel.
int kiln_rt_run(kiln_rt_session *s, const kiln_tensor *in, size_t n_in,
                kiln_tensor *out, size_t n_out);
/// Runs a static-shape model on bare buffers in graph order (m_infer).
int kiln_rt_infer(kiln_rt_session *s, const void *const *in, void *const *out);
/// Stops the pool, unmaps the weights, frees everything. NULL is a no-op.
void kiln_rt_destroy(kiln_rt_session *s);
/// The message of the session's last failure ("" if none). For NULL, the
/// message of this thread's last create that returned no session.
const char *kiln_rt_error(const kiln_rt_session *s);

/* Metadata accessors. Out-of-range indices give NULL / 0 / -1 / -1. */
size_t kiln_rt_num_tensors(const kiln_rt_model *m, int outputs);
const char *kiln_rt_tensor_name(const kiln_rt_model *m, int outputs, size_t i);
int32_t kiln_rt_tensor_dtype(const kiln_rt_model *m, int outputs, size_t i);
int32_t kiln_rt_tensor_rank(const kiln_rt_model *m, int outputs, size_t i);
int64_t kiln_rt_tensor_dim(const kiln_rt_model *m, int outputs, size_t i,
                           size_t d);
size_t kiln_rt_workspace_bytes(const kiln_rt_model *m);

/// Size in bytes of one element of ONNX dtype `dtype`; 0 when unsupported.
/// A string element (dtype 8) is a `const char *` to NUL-terminated UTF-8.
size_t kiln_rt_dtype_size(int32_t dtype);

#define KILN_RT_REGEX_WORDS 16

/// 1 when the string elements `a` and `b` (pointers as i64, NULL = "") are
/// equal, else 0: Equal on string tensors calls it per element.
int32_t kiln_rt_str_equal(int64_t a, int64_t b);
/// kiln_rt_str_equal against a constant string passed by value as the
/// NUL-padded little-endian bytes of KILN_RT_REGEX_WORDS (below) words.
int32_t kiln_rt_str_equal_words(int64_t a, int64_t w0, int64_t w1, int64_t w2,
                                int64_t w3, int64_t w4, int64_t w5,
                                int64_t w6, int64_t w7, int64_t w8,
                                int64_t w9, int64_t w10, int64_t w11,
                                int64_t w12, int64_t w13, int64_t w14,
                                int64_t w15);

/// RegexFullMatch (runtime/kiln_regex.c). kiln_rt_regex_check returns NULL
/// when `pattern` is in the supported RE2 subset, else why not (the
/// compiler calls it). kiln_rt_regex_full_match gives 1 when the whole
/// string element `text` matches the pattern passed as the NUL-padded
/// little-endian bytes of KILN_RT_REGEX_WORDS words.
const char *kiln_rt_regex_check(const char *pattern);
int32_t kiln_rt_regex_full_match(int64_t text, int64_t w0, int64_t w1,
                                 int64_t w2, int64_t w3, int64_t w4,
                                 int64_t w5, int64_t w6, int64_t w7,
                                 int64_t w8, int64_t w9, int64_t w10,
                                 int64_t w11, int64_t w12, int64_t w13,
                                 int64_t w14, int64_t w15);

/// The string ops that make strings (runtime/kiln_strings.c). Each returns
/// a new string element (the pointer as i64) owned by the running session
/// (valid until its next run or destroy), or 0 (reads as "") after a
/// failure that then fails the run. Constant strings come as the words of
/// kiln_rt_str_equal_words. kiln_rt_str_from_words: that constant (an
/// element of a string Constant); kiln_rt_str_concat: a then b.
int64_t kiln_rt_str_from_words(int64_t w0, int64_t w1, int64_t w2, int64_t w3,
                               int64_t w4, int64_t w5, int64_t w6, int64_t w7,
                               int64_t w8, int64_t w9, int64_t w10,
                               int64_t w11, int64_t w12, int64_t w13,
                               int64_t w14, int64_t w15);
int64_t kiln_rt_str_concat(int64_t a, int64_t b);
/// StringSplit of `x` at the delimiter (the words; "" splits at runs of
/// whitespace) with at most `maxsplit` splits (< 0: no limit), as Python's
/// str.split: the number of pieces, and piece `k` (0 past the last one).
int64_t kiln_rt_str_split_count(int64_t x, int64_t maxsplit, int64_t w0,
                                int64_t w1, int64_t w2, int64_t w3, int64_t w4,
                                int64_t w5, int64_t w6, int64_t w7, int64_t w8,
                                int64_t w9, int64_t w10, int64_t w11,
                                int64_t w12, int64_t w13, int64_t w14,
                                int64_t w15);
int64_t kiln_rt_str_split_piece(int64_t x, int64_t k, int64_t maxsplit,
                                int64_t w0, int64_t w1, int64_t w2, int64_t w3,
                                int64_t w4, int64_t w5, int64_t w6, int64_t w7,
                                int64_t w8, int64_t w9, int64_t w10,
                                int64_t w11, int64_t w12, int64_t w13,
                                int64_t w14, int64_t w15);
/// StringNormalizer: `x` in upper (upper != 0) or lower case, and whether
/// `x` equals the stopword (the words) compared as is (fold 0) or after
/// mapping both to lower (1) or upper (2) case. Case mapping is Unicode's
/// simple mapping for Latin (Basic, Latin-1, Extended-A, Extended
/// Additional), modern Greek, basic Cyrillic and fullwidth Latin, and the
/// identity for caseless scripts; any other code point or invalid UTF-8
/// fails the run. kiln_rt_str_case_check (the compiler's check of
/// stopwords) returns NULL when all of `s` can be mapped, else why not.
int64_t kiln_rt_str_change_case(int64_t x, int32_t upper);
int32_t kiln_rt_str_stopword(int64_t x, int32_t fold, int64_t w0, int64_t w1,
                             int64_t w2, int64_t w3, int64_t w4, int64_t w5,
                             int64_t w6, int64_t w7, int64_t w8, int64_t w9,
                             int64_t w10, int64_t w11, int64_t w12,
                             int64_t w13, int64_t w14, int64_t w15);
const char *kiln_rt_str_case_check(const char *s);

/// The stream of an unseeded random op (RandomUniform, RandomNormal, their
/// -Like forms, Bernoulli, training-mode Dropout without a seed): how many
/// such ops the running session executed before this one, over all its runs
/// (runtime/kiln_random.c). The lowered op hashes it with each element's
/// index, so every run (and every loop iteration) draws new numbers, while
/// a fresh session replays the same sequence. Called on the thread that
/// runs the kernel; 0 outside a run.
int64_t kiln_rt_random_draw(void);

/// Runs fn(ctx, begin, end) over [0, n) split into at most `threads`
/// contiguous chunks of near-equal size (static partitioning: which indices
/// run together never depends on timing). `runtime` is frame->runtime; NULL,
/// a one-thread pool or a call nested inside another parallel_for runs the
/// whole range on the calling thread. Returns when every chunk is done.
void kiln_rt_parallel_for(void *runtime, int64_t n,
                          void (*fn)(void *ctx, int64_t begin, int64_t end),
                          void *ctx);
/// Number of threads of the pool behind `runtime` (1 for NULL).
int32_t kiln_rt_num_threads(void *runtime);

/// Called by a kernel when a run-time check on the model's own values fails
/// (an out-of-range axis, a shape that does not fit, ...): kiln_rt_run then
/// returns KILN_ERR_INVALID_ARGUMENT with `message` as the session's error.
/// Does not return: it jumps back into kiln_rt_run (checks run on the
/// thread that called run, outside parallel_for chunks). Heap buffers the
/// kernel allocated before the check and still held are freed (they come
/// from _mlir_memref_to_llvm_alloc below). Called outside a run (a kernel
/// object used without the runtime), it prints and aborts.
void kiln_rt_check_failed(const char *message);

/// The kernel's heap buffers (memref.alloc/dealloc of dynamic sizes; the
/// CPU pipeline lowers memrefs with use-generic-functions): malloc/free
/// that also keep the run's list of live blocks (kiln_heap.c).
void *_mlir_memref_to_llvm_alloc(size_t bytes);
void _mlir_memref_to_llvm_free(void *p);

/// Called by a kernel once per data-dependent output `output` (graph order)
/// when it has computed it: `data` is its first element, `dims_strides`
/// holds rank dims then rank strides (in elements). The runtime copies it
/// into the session's buffer for that output and records the dims. Static
/// dims that do not match, or an allocation failure, fail the run.
void kiln_rt_publish_output(int32_t output, const void *data,
                            const int64_t *dims_strides);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_RUNTIME_H */
