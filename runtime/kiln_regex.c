/*===- kiln_regex.c - RegexFullMatch: a small RE2-syntax Thompson NFA -----===*
 *
 * RegexFullMatch's patterns (RE2 syntax) are compiled to a tiny instruction
 * program and run as a Pike VM (Thompson NFA, lock-step over code points):
 * time O(text * program), no backtracking, no step limits. Supported:
 * literals and escapes (\. \- \n \t ...), `.`, classes `[...]` / `[^...]`
 * with ranges and \w \d \s (ASCII, as RE2), \w \W \d \D \s \S, groups
 * `(...)` and `(?:...)`, `|`, `* + ?` (greedy or lazy), `{m}`, `{m,}`,
 * `{m,n}`, anchors `^ $` and `\b \B`. Anything else (back-references,
 * look-arounds, Unicode classes, flags, non-ASCII pattern bytes) is
 * rejected by kiln_rt_regex_check, which the compiler calls on the pattern
 * so that an unsupported pattern is a compile-time error. The text is
 * UTF-8: `.` and negated classes consume whole code points. The lowered
 * code passes the pattern by value, as the little-endian bytes of
 * KILN_RT_REGEX_WORDS i64 arguments (so patterns are < 128 bytes), which
 * needs no constant data in the model.
 *===----------------------------------------------------------------------===*/

#include "runtime/kiln_internal.h"

#include <stdlib.h>
#include <string.h>

enum { RX_CHAR, RX_ANY, RX_CLASS, RX_SPLIT, RX_JMP, RX_BOL, RX_EOL,
       RX_WORDB, RX_NWORDB, RX_MATCH };

#define RX_MAX_INST 4096

typedef struct {
  int op;
  int x, y;                /* CHAR: the byte; SPLIT/JMP: relative targets */
  unsigned char set[16];   /* CLASS: ASCII bitmap */
  int negated;             /* CLASS: matches non-ASCII code points */
} rx_inst;

typedef struct {
  rx_inst *code;
  int n, cap;
  const char *p;           /* parse position */
  const char *error;
} rx_prog;

static int rx_emit(rx_prog *g, int op) {
  if (g->n >= RX_MAX_INST) {
    g->error = "the pattern is too large";
    return -1;
  }
  if (g->n == g->cap) {
    int cap = g->cap ? 2 * g->cap : 64;
    rx_inst *c = (rx_inst *)realloc(g->code, (size_t)cap * sizeof(rx_inst));
    if (!c) {
      g->error = "out of memory";
      return -1;
    }
    g->code = c;
    g->cap = cap;
  }
  memset(&g->code[g->n], 0, sizeof(rx_inst));
  g->code[g->n].op = op;
  return g->n++;
}

/* Inserts `count` empty instructions at `at` (relative jumps inside the
 * moved code stay valid; none point into it from outside yet). */
static int rx_insert(rx_prog *g, int at, int count) {
  for (int i = 0; i < count; ++i)
    if (rx_emit(g, RX_JMP) < 0)
      return -1;
  memmove(&g->code[at + count], &g->code[at],
          (size_t)(g->n - count - at) * sizeof(rx_inst));
  for (int i = 0; i < count; ++i) {
    memset(&g->code[at + i], 0, sizeof(rx_inst));
    g->code[at + i].op = RX_JMP;
  }
  return 0;
}

/* Appends a copy of [from, to). */
static int rx_copy(rx_prog *g, int from, int to) {
  for (int i = from; i < to; ++i) {
    int k = rx_emit(g, RX_JMP);
    if (k < 0)
      return -1;
    g->code[k] = g->code[i];
  }
  return 0;
}

static void set_bit(unsigned char *set, int c) { set[c >> 3] |= 1u << (c & 7); }
static int has_bit(const unsigned char *set, int c) {
  return (set[c >> 3] >> (c & 7)) & 1;
}
static int is_word(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

/* Adds class escape `e` (w d s, or W D S) to `set`; 0 if not one. */
static int add_class_escape(unsigned char *set, char e) {
  int (*fn)(int) = NULL;
  int neg = 0;
  switch (e) {
  case 'w': fn = is_word; break;
  case 'W': fn = is_word; neg = 1; break;
  case 'd': fn = is_digit; break;
  case 'D': fn = is_digit; neg = 1; break;
  case 's': fn = is_space; break;
  case 'S': fn = is_space; neg = 1; break;
  default: return 0;
  }
  for (int c = 0; c < 128; ++c)
    if (fn(c) != neg)
      set_bit(set, c);
  return 1;
}

/* A literal escape's byte, or -1 when `e` is not one kiln supports. */
static int literal_escape(char e) {
  switch (e) {
  case 'n': return '\n';
  case 't': return '\t';
  case 'r': return '\r';
  case 'f': return '\f';
  case 'v': return '\v';
  default: break;
  }
  if ((e >= 0x21 && e <= 0x2f) || (e >= 0x3a && e <= 0x40) ||
      (e >= 0x5b && e <= 0x60) || (e >= 0x7b && e <= 0x7e))
    return (unsigned char)e; /* escaped punctuation */
  return -1;
}

static int rx_alt(rx_prog *g);

static int rx_class(rx_prog *g) {
  int k = rx_emit(g, RX_CLASS);
  if (k < 0)
    return -1;
  unsigned char set[16] = {0};
  int negated = 0;
  if (*g->p == '^') {
    negated = 1;
    ++g->p;
  }
  int first = 1;
  while (*g->p && (*g->p != ']' || first)) {
    first = 0;
    int lo;
    if (*g->p == '[') {
      g->error = "nested classes ([:alpha:] ...) are not supported";
      return -1;
    }
    if (*g->p == '\\') {
      char e = g->p[1];
      if (!e) {
        g->error = "a trailing backslash";
        return -1;
      }
      g->p += 2;
      if (add_class_escape(set, e))
        continue;
      lo = literal_escape(e);
      if (lo < 0) {
        g->error = "an unsupported escape in a class";
        return -1;
      }
    } else {
      lo = (unsigned char)*g->p++;
    }
    int hi = lo;
    if (g->p[0] == '-' && g->p[1] && g->p[1] != ']') {
      ++g->p;
      if (*g->p == '\\') {
        hi = g->p[1] ? literal_escape(g->p[1]) : -1;
        g->p += g->p[1] ? 2 : 1;
      } else {
        hi = (unsigned char)*g->p++;
      }
      if (hi < lo) {
        g->error = "a bad class range";
        return -1;
      }
    }
    for (int c = lo; c <= hi && c < 128; ++c)
      set_bit(set, c);
  }
  if (*g->p != ']') {
    g->error = "a missing ]";
    return -1;
  }
  ++g->p;
  if (negated)
    for (int i = 0; i < 16; ++i)
      set[i] = (unsigned char)~set[i];
  memcpy(g->code[k].set, set, 16);
  g->code[k].negated = negated;
  return 0;
}

/* One atom: a literal, class, group or assertion. */
static int rx_atom(rx_prog *g) {
  char c = *g->p;
  if (c == '(') {
    ++g->p;
    if (g->p[0] == '?') {
      if (g->p[1] != ':') {
        g->error = "look-arounds, flags and named groups are not supported";
        return -1;
      }
      g->p += 2;
    }
    if (rx_alt(g) < 0)
      return -1;
    if (*g->p != ')') {
      g->error = "a missing )";
      return -1;
    }
    ++g->p;
    return 0;
  }
  if (c == '[') {
    ++g->p;
    return rx_class(g);
  }
  ++g->p;
  if (c == '.')
    return rx_emit(g, RX_ANY) < 0 ? -1 : 0;
  if (c == '^')
    return rx_emit(g, RX_BOL) < 0 ? -1 : 0;
  if (c == '$')
    return rx_emit(g, RX_EOL) < 0 ? -1 : 0;
  if (c == '\\') {
    char e = *g->p;
    if (!e) {
      g->error = "a trailing backslash";
      return -1;
    }
    ++g->p;
    if (e == 'b' || e == 'B')
      return rx_emit(g, e == 'b' ? RX_WORDB : RX_NWORDB) < 0 ? -1 : 0;
    unsigned char set[16] = {0};
    if (add_class_escape(set, e)) {
      int k = rx_emit(g, RX_CLASS);
      if (k < 0)
        return -1;
      memcpy(g->code[k].set, set, 16);
      g->code[k].negated = e == 'W' || e == 'D' || e == 'S';
      return 0;
    }
    int lit = literal_escape(e);
    if (lit < 0) {
      g->error = "an unsupported escape (back-references, \\p, \\A, \\z ...)";
      return -1;
    }
    c = (char)lit;
  } else if (c == '*' || c == '+' || c == '?' || c == '{') {
    g->error = "a repetition with nothing to repeat";
    return -1;
  } else if ((unsigned char)c >= 0x80) {
    g->error = "non-ASCII pattern characters are not supported";
    return -1;
  }
  int k = rx_emit(g, RX_CHAR);
  if (k < 0)
    return -1;
  g->code[k].x = (unsigned char)c;
  return 0;
}

static int parse_int(const char **p) {
  int v = 0, any = 0;
  while (**p >= '0' && **p <= '9') {
    v = v * 10 + (**p - '0');
    if (v > 1000)
      return -2;
    ++*p;
    any = 1;
  }
  return any ? v : -1;
}

/* Wraps [start, n) in `x?` (greedy unless lazy). */
static int rx_optional(rx_prog *g, int start, int lazy) {
  if (rx_insert(g, start, 1) < 0)
    return -1;
  g->code[start].op = RX_SPLIT;
  g->code[start].x = lazy ? g->n - start : 1;
  g->code[start].y = lazy ? 1 : g->n - start;
  return 0;
}

/* Wraps [start, n) in `x*`. */
static int rx_star(rx_prog *g, int start, int lazy) {
  if (rx_insert(g, start, 1) < 0)
    return -1;
  int j = rx_emit(g, RX_JMP);
  if (j < 0)
    return -1;
  g->code[j].x = start - j;
  g->code[start].op = RX_SPLIT;
  g->code[start].x = lazy ? g->n - start : 1;
  g->code[start].y = lazy ? 1 : g->n - start;
  return 0;
}

/* An atom and its quantifiers. */
static int rx_piece(rx_prog *g) {
  int start = g->n;
  if (rx_atom(g) < 0)
    return -1;
  for (;;) {
    char q = *g->p;
    int min, max; /* max -1: unbounded */
    if (q == '*') { min = 0; max = -1; ++g->p; }
    else if (q == '+') { min = 1; max = -1; ++g->p; }
    else if (q == '?') { min = 0; max = 1; ++g->p; }
    else if (q == '{') {
      const char *p = g->p + 1;
      min = parse_int(&p);
      if (min < 0) /* not a repetition: RE2 reads '{' literally */
        return 0;
      max = min;
      if (*p == ',') {
        ++p;
        max = parse_int(&p);
        if (max == -2 || (max >= 0 && max < min))
          min = -2;
      }
      if (*p != '}')
        return 0;
      if (min == -2) {
        g->error = "a bad or too large repetition count";
        return -1;
      }
      g->p = p + 1;
    } else {
      return 0;
    }
    int lazy = 0;
    if (*g->p == '?') {
      lazy = 1;
      ++g->p;
    }
    if (*g->p == '+') {
      g->error = "possessive repetitions are not supported";
      return -1;
    }
    int end = g->n, len = end - start;
    if (min == 0 && max == -1) {
      if (rx_star(g, start, lazy) < 0)
        return -1;
    } else if (min == 0 && max == 1) {
      if (rx_optional(g, start, lazy) < 0)
        return -1;
    } else {
      /* x{m,n}: m copies, then n-m nested optionals (or a star). */
      if (min == 0) {
        /* Drop the atom's code; re-emit it only as optionals below. */
        rx_inst *saved = (rx_inst *)malloc((size_t)len * sizeof(rx_inst));
        if (!saved) {
          g->error = "out of memory";
          return -1;
        }
        memcpy(saved, &g->code[start], (size_t)len * sizeof(rx_inst));
        g->n = start;
        int opts = max;
        int rc = 0;
        int firstOpt = g->n;
        for (int i = 0; i < opts && rc == 0; ++i) {
          int s = rx_emit(g, RX_SPLIT);
          rc = s < 0;
          for (int k = 0; k < len && rc == 0; ++k) {
            int at = rx_emit(g, RX_JMP);
            rc = at < 0;
            if (!rc)
              g->code[at] = saved[k];
          }
        }
        free(saved);
        if (rc)
          return -1;
        /* Each SPLIT: continue into its copy, or skip to the end. */
        for (int i = 0; i < opts; ++i) {
          int s = firstOpt + i * (len + 1);
          g->code[s].x = lazy ? g->n - s : 1;
          g->code[s].y = lazy ? 1 : g->n - s;
        }
      } else {
        for (int i = 1; i < min; ++i)
          if (rx_copy(g, start, end) < 0)
            return -1;
        if (max == -1) {
          int s = g->n;
          if (rx_copy(g, start, end) < 0 || rx_star(g, s, lazy) < 0)
            return -1;
        } else {
          int firstOpt = g->n;
          for (int i = min; i < max; ++i) {
            if (rx_emit(g, RX_SPLIT) < 0 || rx_copy(g, start, end) < 0)
              return -1;
          }
          for (int i = 0; i < max - min; ++i) {
            int s = firstOpt + i * (len + 1);
            g->code[s].x = lazy ? g->n - s : 1;
            g->code[s].y = lazy ? 1 : g->n - s;
          }
        }
      }
    }

  }
}

static int rx_concat(rx_prog *g) {
  while (*g->p && *g->p != '|' && *g->p != ')')
    if (rx_piece(g) < 0)
      return -1;
  return 0;
}

static int rx_alt(rx_prog *g) {
  int start = g->n;
  if (rx_concat(g) < 0)
    return -1;
  while (*g->p == '|') {
    ++g->p;
    /* SPLIT L1, L2; L1: left; JMP end; L2: right */
    if (rx_insert(g, start, 1) < 0)
      return -1;
    int j = rx_emit(g, RX_JMP);
    if (j < 0)
      return -1;
    g->code[start].op = RX_SPLIT;
    g->code[start].x = 1;
    g->code[start].y = g->n - start;
    if (rx_concat(g) < 0)
      return -1;
    g->code[j].x = g->n - j;
  }
  return 0;
}

static const char *rx_compile(const char *pattern, rx_prog *g) {
  memset(g, 0, sizeof(*g));
  g->p = pattern;
  if (rx_alt(g) == 0 && *g->p == ')')
    g->error = "an unmatched )";
  if (!g->error && rx_emit(g, RX_MATCH) < 0 && !g->error)
    g->error = "the pattern is too large";
  return g->error;
}

const char *kiln_rt_regex_check(const char *pattern) {
  rx_prog g;
  const char *error = rx_compile(pattern ? pattern : "", &g);
  free(g.code);
  return error;
}

/* The code point at `s` (length *len, >= 1); non-ASCII code points read
 * as 0x80 (they only match `.` and negated classes). */
static int rx_decode(const unsigned char *s, size_t left, size_t *len) {
  unsigned c = s[0];
  size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (n > left)
    n = left;
  *len = n;
  return c < 0x80 ? (int)c : 0x80;
}

typedef struct {
  int *pcs;
  int n;
} rx_list;

static void rx_add(const rx_prog *g, rx_list *l, int *mark, int gen, int pc,
                   const unsigned char *s, size_t pos, size_t len) {
  if (mark[pc] == gen)
    return;
  mark[pc] = gen;
  const rx_inst *in = &g->code[pc];
  switch (in->op) {
  case RX_JMP:
    rx_add(g, l, mark, gen, pc + in->x, s, pos, len);
    return;
  case RX_SPLIT:
    rx_add(g, l, mark, gen, pc + in->x, s, pos, len);
    rx_add(g, l, mark, gen, pc + in->y, s, pos, len);
    return;
  case RX_BOL:
    if (pos == 0)
      rx_add(g, l, mark, gen, pc + 1, s, pos, len);
    return;
  case RX_EOL:
    if (pos == len)
      rx_add(g, l, mark, gen, pc + 1, s, pos, len);
    return;
  case RX_WORDB:
  case RX_NWORDB: {
    int before = pos > 0 && is_word(s[pos - 1]);
    int after = pos < len && is_word(s[pos]);
    if ((before != after) == (in->op == RX_WORDB))
      rx_add(g, l, mark, gen, pc + 1, s, pos, len);
    return;
  }
  default:
    l->pcs[l->n++] = pc;
  }
}

int32_t kiln_rt_regex_full_match(int64_t text, int64_t w0, int64_t w1,
                                 int64_t w2, int64_t w3, int64_t w4,
                                 int64_t w5, int64_t w6, int64_t w7,
                                 int64_t w8, int64_t w9, int64_t w10,
                                 int64_t w11, int64_t w12, int64_t w13,
                                 int64_t w14, int64_t w15) {
  const int64_t words[KILN_RT_REGEX_WORDS] = {w0, w1, w2,  w3,  w4,  w5,
                                              w6, w7, w8,  w9,  w10, w11,
                                              w12, w13, w14, w15};
  char p[8 * KILN_RT_REGEX_WORDS + 1];
  memcpy(p, words, sizeof(words)); /* little-endian bytes, NUL-padded */
  p[8 * KILN_RT_REGEX_WORDS] = 0;
  const char *t = (const char *)(intptr_t)text;
  const unsigned char *s = (const unsigned char *)(t ? t : "");
  size_t len = strlen((const char *)s);
  rx_prog g;
  if (rx_compile(p, &g)) { /* the compiler checked it already */
    free(g.code);
    return 0;
  }
  int *buf = (int *)malloc((size_t)g.n * 3 * sizeof(int));
  if (!buf) {
    free(g.code);
    return 0;
  }
  int *mark = buf;
  for (int i = 0; i < g.n; ++i)
    mark[i] = -1;
  rx_list cur = {buf + g.n, 0}, next = {buf + 2 * g.n, 0};
  int gen = 0, matched = 0;
  rx_add(&g, &cur, mark, gen, 0, s, 0, len);
  size_t pos = 0;
  for (;;) {
    size_t step = 1;
    int c = pos < len ? rx_decode(s + pos, len - pos, &step) : -1;
    ++gen;
    next.n = 0;
    for (int i = 0; i < cur.n; ++i) {
      const rx_inst *in = &g.code[cur.pcs[i]];
      int ok = 0;
      switch (in->op) {
      case RX_MATCH:
        if (pos == len)
          matched = 1;
        break;
      case RX_CHAR:
        ok = c == in->x;
        break;
      case RX_ANY:
        ok = c >= 0 && c != '\n';
        break;
      case RX_CLASS:
        ok = c >= 0 && (c < 0x80 ? has_bit(in->set, c) : in->negated);
        break;
      default:
        break;
      }
      if (ok)
        rx_add(&g, &next, mark, gen, cur.pcs[i] + 1, s, pos + step, len);
    }
    if (matched || pos >= len || next.n == 0)
      break;
    pos += step;
    rx_list tmp = cur;
    cur = next;
    next = tmp;
  }
  free(buf);
  free(g.code);
  return matched;
}
