/*===- kiln_strings.c - String element helpers for lowered code -----------===*
 *
 * A string tensor element (ONNX dtype 8) is a `const char *` to NUL-
 * terminated UTF-8 in the C API, and an i64 holding that pointer in the
 * lowered code. The string ops call these helpers per element. A NULL
 * element reads as the empty string.
 *
 * Strings a run makes live in the session's string arena (kiln_rt_strings,
 * kiln_internal.h): chunks freed at the next run and at destroy. Case
 * mapping is Unicode's simple (one code point to one) mapping for the
 * scripts listed at case_map; a code point outside them, or invalid UTF-8,
 * fails the run rather than giving a string that is wrong.
 *===----------------------------------------------------------------------===*/

#include "runtime/kiln_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local kiln_rt_strings *kiln_rt_current_strings;

kiln_rt_strings *kiln_rt_strings_current(void) {
  return kiln_rt_current_strings;
}

kiln_rt_strings *kiln_rt_strings_make_current(kiln_rt_strings *st) {
  kiln_rt_strings *previous = kiln_rt_current_strings;
  kiln_rt_current_strings = st;
  return previous;
}

static const char *str_of(int64_t handle) {
  const char *s = (const char *)(intptr_t)handle;
  return s ? s : "";
}

int32_t kiln_rt_str_equal(int64_t a, int64_t b) {
  return strcmp(str_of(a), str_of(b)) == 0;
}

/* The NUL-padded little-endian bytes of KILN_RT_REGEX_WORDS words (a
 * compile-time string passed by value) into `b`; returns its length. */
static size_t words_to_string(const int64_t *words, char *b) {
  memcpy(b, words, 8 * KILN_RT_REGEX_WORDS);
  b[8 * KILN_RT_REGEX_WORDS] = 0;
  return strlen(b);
}

#define KILN_WORDS_PARAMS                                                      \
  int64_t w0, int64_t w1, int64_t w2, int64_t w3, int64_t w4, int64_t w5,      \
      int64_t w6, int64_t w7, int64_t w8, int64_t w9, int64_t w10,             \
      int64_t w11, int64_t w12, int64_t w13, int64_t w14, int64_t w15
#define KILN_WORDS_ARRAY                                                       \
  {w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15}

int32_t kiln_rt_str_equal_words(int64_t a, KILN_WORDS_PARAMS) {
  const int64_t words[KILN_RT_REGEX_WORDS] = KILN_WORDS_ARRAY;
  char b[8 * KILN_RT_REGEX_WORDS + 1];
  words_to_string(words, b);
  return strcmp(str_of(a), b) == 0;
}

/*===-------------------------- The string arena --------------------------===*/

struct kiln_rt_str_chunk {
  kiln_rt_str_chunk *next;
  size_t size, used;
  char data[];
};

#define KILN_RT_STR_CHUNK_MIN 4096

static _Atomic uint64_t kiln_rt_str_generations;

int kiln_rt_strings_init(kiln_rt_strings *st) {
  if (pthread_mutex_init(&st->mu, NULL) != 0)
    return KILN_ERR_OUT_OF_MEMORY;
  st->ready = 1;
  return KILN_OK;
}

static void free_chunks(kiln_rt_str_chunk *c) {
  while (c) {
    kiln_rt_str_chunk *next = c->next;
    free(c);
    c = next;
  }
}

void kiln_rt_strings_reset(kiln_rt_strings *st) {
  if (st->chunks) {
    free_chunks(st->chunks->next);
    st->chunks->next = NULL;
    st->chunks->used = 0;
  }
  st->failed = 0;
  st->error[0] = 0;
  st->generation = atomic_fetch_add(&kiln_rt_str_generations, 1) + 1;
}

void kiln_rt_strings_free(kiln_rt_strings *st) {
  free_chunks(st->chunks);
  st->chunks = NULL;
  if (st->ready)
    pthread_mutex_destroy(&st->mu);
  st->ready = 0;
}

/* Records the first failure of the run (any thread). */
static void strings_fail(kiln_rt_strings *st, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void strings_fail(kiln_rt_strings *st, int code, const char *fmt, ...) {
  pthread_mutex_lock(&st->mu);
  if (!st->failed) {
    st->failed = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->error, sizeof(st->error), fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&st->mu);
}

/* `n` bytes in the arena, NULL (and the run failed) when out of memory. */
static char *strings_alloc(kiln_rt_strings *st, size_t n) {
  char *p = NULL;
  pthread_mutex_lock(&st->mu);
  kiln_rt_str_chunk *c = st->chunks;
  if (c && c->size - c->used >= n) {
    p = c->data + c->used;
    c->used += n;
  } else {
    size_t size = c ? c->size : KILN_RT_STR_CHUNK_MIN / 2;
    size = size > SIZE_MAX / 2 ? SIZE_MAX : size * 2;
    if (size < n)
      size = n;
    kiln_rt_str_chunk *fresh = NULL;
    if (size <= SIZE_MAX - sizeof(kiln_rt_str_chunk))
      fresh = (kiln_rt_str_chunk *)malloc(sizeof(kiln_rt_str_chunk) + size);
    if (fresh) {
      fresh->next = c;
      fresh->size = size;
      fresh->used = n;
      st->chunks = fresh;
      p = fresh->data;
    }
  }
  pthread_mutex_unlock(&st->mu);
  if (!p)
    strings_fail(st, KILN_ERR_OUT_OF_MEMORY,
                 "run: cannot allocate %zu bytes for strings", n);
  return p;
}

static int strings_own(const kiln_rt_strings *st, const char *p) {
  for (const kiln_rt_str_chunk *c = st->chunks; c; c = c->next)
    if ((uintptr_t)p >= (uintptr_t)c->data &&
        (uintptr_t)p < (uintptr_t)(c->data + c->used))
      return 1;
  return 0;
}

int kiln_rt_strings_adopt(kiln_rt_strings *st, const char **elems, size_t n) {
  static const char empty[1] = "";
  for (size_t i = 0; i < n; ++i) {
    const char *s = elems[i];
    if (!s) {
      elems[i] = empty;
      continue;
    }
    if (s == empty || strings_own(st, s))
      continue;
    size_t len = strlen(s);
    char *copy = strings_alloc(st, len + 1);
    if (!copy)
      return KILN_ERR_OUT_OF_MEMORY;
    memcpy(copy, s, len + 1);
    elems[i] = copy;
  }
  return KILN_OK;
}

/* The arena of the run calling a helper. Helpers are only called from a
 * kernel that the runtime runs. */
static kiln_rt_strings *current(void) {
  kiln_rt_strings *st = kiln_rt_current_strings;
  if (!st)
    kiln_rt_check_failed("a string was made outside a run");
  return st;
}

/* A new arena string of bytes [s, s + n); 0 (reads as "") on failure. */
static int64_t make_string(kiln_rt_strings *st, const char *s, size_t n) {
  char *p = strings_alloc(st, n + 1);
  if (!p)
    return 0;
  memcpy(p, s, n);
  p[n] = 0;
  return (int64_t)(intptr_t)p;
}

/*===------------------------------ UTF-8 ---------------------------------===*/

/* Decodes the code point at s[*i] (s NUL-terminated) and advances *i;
 * returns -1 for an invalid sequence (overlong, surrogate, above U+10FFFF,
 * truncated), advancing by one byte. */
static int32_t utf8_next(const unsigned char *s, size_t *i) {
  unsigned char c = s[*i];
  int32_t cp;
  int extra;
  if (c < 0x80) {
    *i += 1;
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    cp = c & 0x1F;
    extra = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    cp = c & 0x0F;
    extra = 2;
  } else if (c >= 0xF0 && c <= 0xF4) {
    cp = c & 0x07;
    extra = 3;
  } else {
    *i += 1;
    return -1;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char n = s[*i + k];
    if ((n & 0xC0) != 0x80) {
      *i += 1;
      return -1;
    }
    cp = (cp << 6) | (n & 0x3F);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    *i += 1;
    return -1;
  }
  *i += (size_t)extra + 1;
  return cp;
}

static size_t utf8_put(int32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Python's str.isspace (what the ONNX reference's str.split uses). */
static int is_space(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) ||
         cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/*===--------------------------- Case mapping -----------------------------===*/

/* A pair block: upper and lower case alternate, each upper case letter
 * right before its lower case, upper on even (`upper_even`) or odd code
 * points. */
static int32_t pair_map(int32_t cp, int upper, int upper_even) {
  int is_upper = ((cp & 1) == 0) == (upper_even != 0);
  if (upper && !is_upper)
    return cp - 1;
  if (!upper && is_upper)
    return cp + 1;
  return cp;
}

/* Unicode's simple upper (`upper`) or lower case mapping of `cp`, for:
 * Basic Latin, Latin-1 Supplement, Latin Extended-A, Latin Extended
 * Additional (Vietnamese), modern Greek, the basic Cyrillic alphabet
 * (U+0400..U+045F) and fullwidth Latin letters; code points of caseless
 * scripts and symbols (combining marks, Hebrew, Arabic, Indic, Thai, CJK,
 * kana, Hangul, punctuation, arrows, emoji) map to themselves. Returns -1
 * for any other code point: its mapping is not implemented. As with
 * towupper, U+00DF (sharp s) and other letters whose upper case takes two
 * code points stay as they are. */
static int32_t case_map(int32_t cp, int upper) {
  if (cp < 0x80) {
    if (upper && cp >= 'a' && cp <= 'z')
      return cp - 32;
    if (!upper && cp >= 'A' && cp <= 'Z')
      return cp + 32;
    return cp;
  }
  if (cp < 0x100) {
    if (cp == 0xB5)
      return upper ? 0x39C : cp;
    if (cp == 0xFF)
      return upper ? 0x178 : cp;
    if (cp == 0xD7 || cp == 0xF7 || cp == 0xDF || cp < 0xC0)
      return cp;
    if (upper && cp >= 0xE0)
      return cp - 32;
    if (!upper && cp < 0xE0)
      return cp + 32;
    return cp;
  }
  if (cp < 0x180) {
    if (cp == 0x130)
      return upper ? cp : 'i';
    if (cp == 0x131)
      return upper ? 'I' : cp;
    if (cp == 0x138 || cp == 0x149)
      return cp;
    if (cp == 0x178)
      return upper ? cp : 0xFF;
    if (cp == 0x17F)
      return upper ? 'S' : cp;
    if (cp < 0x138 || (cp >= 0x14A && cp < 0x178))
      return pair_map(cp, upper, 1);
    return pair_map(cp, upper, 0); /* 0x139..0x148, 0x179..0x17E */
  }
  if ((cp >= 0x2B0 && cp <= 0x344) || (cp >= 0x346 && cp <= 0x36F))
    return cp;
  if (cp >= 0x370 && cp < 0x400) {
    if (cp == 0x384 || cp == 0x385 || cp == 0x387 || cp == 0x390 ||
        cp == 0x3B0)
      return cp;
    if (cp == 0x386)
      return upper ? cp : 0x3AC;
    if (cp == 0x3AC)
      return upper ? 0x386 : cp;
    if (cp >= 0x388 && cp <= 0x38A)
      return upper ? cp : cp + 0x25;
    if (cp >= 0x3AD && cp <= 0x3AF)
      return upper ? cp - 0x25 : cp;
    if (cp == 0x38C)
      return upper ? cp : 0x3CC;
    if (cp == 0x3CC)
      return upper ? 0x38C : cp;
    if (cp == 0x38E || cp == 0x38F)
      return upper ? cp : cp + 0x3F;
    if (cp == 0x3CD || cp == 0x3CE)
      return upper ? cp - 0x3F : cp;
    if (cp == 0x3C2)
      return upper ? 0x3A3 : cp;
    if ((cp >= 0x391 && cp <= 0x3A1) || (cp >= 0x3A3 && cp <= 0x3AB))
      return upper ? cp : cp + 0x20;
    if ((cp >= 0x3B1 && cp <= 0x3C1) || (cp >= 0x3C3 && cp <= 0x3CB))
      return upper ? cp - 0x20 : cp;
    return -1;
  }
  if (cp >= 0x400 && cp < 0x460) {
    if (cp < 0x410)
      return upper ? cp : cp + 0x50;
    if (cp < 0x430)
      return upper ? cp : cp + 0x20;
    if (cp < 0x450)
      return upper ? cp - 0x20 : cp;
    return upper ? cp - 0x50 : cp;
  }
  if (cp >= 0x1E00 && cp < 0x1F00) {
    if (cp == 0x1E9B)
      return upper ? 0x1E60 : cp;
    if (cp == 0x1E9E)
      return upper ? cp : 0xDF;
    if (cp >= 0x1E96 && cp <= 0x1E9F)
      return cp;
    return pair_map(cp, upper, 1);
  }
  if (cp >= 0xFF21 && cp <= 0xFF3A)
    return upper ? cp : cp + 0x20;
  if (cp >= 0xFF41 && cp <= 0xFF5A)
    return upper ? cp - 0x20 : cp;
  if ((cp >= 0x591 && cp <= 0x6FF) || (cp >= 0x900 && cp <= 0xE7F) ||
      (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
      (cp >= 0x2190 && cp <= 0x23FF) || (cp >= 0x2500 && cp <= 0x27BF) ||
      (cp >= 0x3000 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
      (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
      (cp >= 0x20000 && cp <= 0x3FFFF))
    return cp;
  return -1;
}

/* The case-mapped `s`: its UTF-8 length, written to `out` unless NULL
 * (then it only measures); (size_t)-1 with `why` set (-1: invalid UTF-8,
 * else the code point without a mapping) when it cannot be mapped. */
static size_t change_case(const char *s, int upper, char *out, int32_t *why) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, n = 0;
  char buf[4];
  while (u[i]) {
    int32_t cp = utf8_next(u, &i);
    if (cp < 0) {
      *why = -1;
      return (size_t)-1;
    }
    int32_t mapped = case_map(cp, upper);
    if (mapped < 0) {
      *why = cp;
      return (size_t)-1;
    }
    n += utf8_put(mapped, out ? out + n : buf);
  }
  if (out)
    out[n] = 0;
  return n;
}

const char *kiln_rt_str_case_check(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (u[i]) {
    int32_t cp = utf8_next(u, &i);
    if (cp < 0)
      return "it is not valid UTF-8";
    if (case_map(cp, 0) < 0 || case_map(cp, 1) < 0)
      return "it holds a character whose case mapping kiln does not "
             "implement";
  }
  return NULL;
}

static void case_failed(kiln_rt_strings *st, int32_t why) {
  if (why < 0)
    strings_fail(st, KILN_ERR_INVALID_ARGUMENT,
                 "run: StringNormalizer: an input string is not valid UTF-8");
  else
    strings_fail(st, KILN_ERR_INVALID_ARGUMENT,
                 "run: StringNormalizer: changing the case of U+%04X is not "
                 "supported (kiln maps Latin, Greek, basic Cyrillic and "
                 "caseless scripts)",
                 (unsigned)why);
}

int64_t kiln_rt_str_change_case(int64_t x, int32_t upper) {
  kiln_rt_strings *st = current();
  const char *s = str_of(x);
  int32_t why = 0;
  size_t n = change_case(s, upper, NULL, &why);
  if (n == (size_t)-1) {
    case_failed(st, why);
    return 0;
  }
  char *p = strings_alloc(st, n + 1);
  if (!p)
    return 0;
  change_case(s, upper, p, &why);
  return (int64_t)(intptr_t)p;
}

/* Compares `a` and `b` after mapping both to one case (fold: 1 lower,
 * 2 upper), code point by code point; -1 when `a` cannot be mapped (the
 * failure recorded). */
static int equal_folded(kiln_rt_strings *st, const char *a, const char *b,
                        int upper) {
  const unsigned char *ua = (const unsigned char *)a,
                      *ub = (const unsigned char *)b;
  size_t i = 0, j = 0;
  int equal = 1;
  while (ua[i]) {
    int32_t ca = utf8_next(ua, &i);
    int32_t ma = ca < 0 ? -1 : case_map(ca, upper);
    if (ma < 0) {
      case_failed(st, ca);
      return -1;
    }
    if (!equal)
      continue; /* still validate the whole input */
    if (!ub[j]) {
      equal = 0;
      continue;
    }
    int32_t cb = utf8_next(ub, &j);
    int32_t mb = cb < 0 ? -1 : case_map(cb, upper);
    equal = mb >= 0 && ma == mb;
  }
  return equal && !ub[j];
}

int32_t kiln_rt_str_stopword(int64_t x, int32_t fold, KILN_WORDS_PARAMS) {
  const int64_t words[KILN_RT_REGEX_WORDS] = KILN_WORDS_ARRAY;
  char word[8 * KILN_RT_REGEX_WORDS + 1];
  words_to_string(words, word);
  const char *s = str_of(x);
  if (fold == 0)
    return strcmp(s, word) == 0;
  return equal_folded(current(), s, word, fold == 2) == 1;
}

/*===--------------------------- Concat, split ----------------------------===*/

int64_t kiln_rt_str_from_words(KILN_WORDS_PARAMS) {
  const int64_t words[KILN_RT_REGEX_WORDS] = KILN_WORDS_ARRAY;
  char b[8 * KILN_RT_REGEX_WORDS + 1];
  size_t n = words_to_string(words, b);
  return make_string(current(), b, n);
}

int64_t kiln_rt_str_concat(int64_t a, int64_t b) {
  kiln_rt_strings *st = current();
  const char *x = str_of(a), *y = str_of(b);
  size_t nx = strlen(x), ny = strlen(y);
  if (nx > SIZE_MAX - 1 - ny) {
    strings_fail(st, KILN_ERR_OUT_OF_MEMORY, "run: a string is too long");
    return 0;
  }
  char *p = strings_alloc(st, nx + ny + 1);
  if (!p)
    return 0;
  memcpy(p, x, nx);
  memcpy(p + nx, y, ny + 1);
  return (int64_t)(intptr_t)p;
}

/* StringSplit's scan of one string, as Python's str.split(sep, maxsplit)
 * (the ONNX reference): with a delimiter, every occurrence (left to right,
 * not overlapping) splits, empty pieces included; without one (or ""), runs
 * of whitespace split and leading/trailing whitespace gives no piece. After
 * maxsplit splits (maxsplit < 0: no limit) the rest is the last piece. */
typedef struct split_scan {
  const char *s;
  size_t len, pos;
  const char *delim;
  size_t dlen;
  int64_t maxsplit, k; /* k: pieces found so far */
  int done;
} split_scan;

static void split_begin(split_scan *c, const char *s, const char *delim,
                        int64_t maxsplit) {
  c->s = s;
  c->len = strlen(s);
  c->pos = 0;
  c->delim = delim;
  c->dlen = strlen(delim);
  c->maxsplit = maxsplit;
  c->k = 0;
  c->done = 0;
}

/* Length of the whitespace character at s[i], 0 if it is none. */
static size_t space_at(const char *s, size_t i) {
  size_t j = i;
  int32_t cp = utf8_next((const unsigned char *)s, &j);
  return cp >= 0 && is_space(cp) ? j - i : 0;
}

/* The next piece [*begin, *end); 0 when there is none. */
static int split_next(split_scan *c, size_t *begin, size_t *end) {
  if (c->done)
    return 0;
  int limited = c->maxsplit >= 0 && c->k >= c->maxsplit;
  if (c->dlen > 0) {
    const char *hit = NULL;
    if (!limited)
      for (size_t i = c->pos; i + c->dlen <= c->len; ++i)
        if (c->s[i] == c->delim[0] &&
            memcmp(c->s + i, c->delim, c->dlen) == 0) {
          hit = c->s + i;
          break;
        }
    *begin = c->pos;
    if (hit) {
      *end = (size_t)(hit - c->s);
      c->pos = *end + c->dlen;
    } else {
      *end = c->len;
      c->done = 1;
    }
    ++c->k;
    return 1;
  }
  size_t w;
  while (c->pos < c->len && (w = space_at(c->s, c->pos)) > 0)
    c->pos += w;
  if (c->pos == c->len) {
    c->done = 1;
    return 0;
  }
  *begin = c->pos;
  if (limited) {
    *end = c->len;
    c->done = 1;
  } else {
    size_t i = c->pos;
    while (i < c->len && space_at(c->s, i) == 0) {
      size_t j = i;
      utf8_next((const unsigned char *)c->s, &j);
      i = j;
    }
    *end = i;
    c->pos = i;
  }
  ++c->k;
  return 1;
}

int64_t kiln_rt_str_split_count(int64_t x, int64_t maxsplit,
                                KILN_WORDS_PARAMS) {
  const int64_t words[KILN_RT_REGEX_WORDS] = KILN_WORDS_ARRAY;
  char delim[8 * KILN_RT_REGEX_WORDS + 1];
  words_to_string(words, delim);
  split_scan c;
  split_begin(&c, str_of(x), delim, maxsplit);
  size_t b, e;
  while (split_next(&c, &b, &e)) {
  }
  return c.k;
}

/* The scan of the last piece this thread made, so that pieces 0, 1, 2, ...
 * of one string (the order a row is filled in) cost one pass over it. Only
 * a cache: a string whose scan is not here is scanned from its start. Valid
 * within one run (its generation), whose strings never change. */
static _Thread_local struct {
  uint64_t generation;
  int64_t words[KILN_RT_REGEX_WORDS];
  char delim[8 * KILN_RT_REGEX_WORDS + 1];
  split_scan scan;
} kiln_rt_split_cache;

int64_t kiln_rt_str_split_piece(int64_t x, int64_t k, int64_t maxsplit,
                                KILN_WORDS_PARAMS) {
  kiln_rt_strings *st = current();
  const int64_t words[KILN_RT_REGEX_WORDS] = KILN_WORDS_ARRAY;
  const char *s = str_of(x);
  split_scan *c = &kiln_rt_split_cache.scan;
  if (kiln_rt_split_cache.generation != st->generation || c->s != s ||
      c->maxsplit != maxsplit || c->k > k ||
      memcmp(kiln_rt_split_cache.words, words, sizeof(words)) != 0) {
    kiln_rt_split_cache.generation = st->generation;
    memcpy(kiln_rt_split_cache.words, words, sizeof(words));
    words_to_string(words, kiln_rt_split_cache.delim);
    split_begin(c, s, kiln_rt_split_cache.delim, maxsplit);
  }
  size_t b, e;
  while (c->k <= k) {
    if (!split_next(c, &b, &e))
      return 0; /* past the last piece: padding, "" */
    if (c->k == k + 1)
      return make_string(st, s + b, e - b);
  }
  return 0;
}
