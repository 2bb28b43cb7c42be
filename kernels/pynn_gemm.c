/* pynn_gemm.c: single-precision matrix products for pynn in WebAssembly (SIMD128).
 *
 * numpy in Pyodide has no BLAS: its matmul runs at ~2 GFLOP/s there. This file is the
 * textbook blocked GEMM (Goto and van de Geijn, "Anatomy of high-performance matrix
 * multiplication", 2008; the BLIS papers), small enough to read in one sitting:
 *
 *   for each block of NC columns of B              (jc)
 *     for each block of KC rows of B / columns of A  (pc)  pack B's block into NR-wide panels
 *       for each block of MC rows of A               (ic)  pack A's block into MR-tall panels
 *         for each MR x NR tile of C: the micro-kernel (kc rank-1 updates in registers)
 *
 * Packing copies a block into the order the micro-kernel reads (contiguous, 16-byte
 * vectors), so the kernel never sees strides: transposed and non-contiguous operands are
 * handled by the packing loops alone, and edges are padded with zeros there. Tiles that
 * stick out of C are computed into a scratch tile and only their valid part is stored.
 *
 * Built freestanding (no libc: Pyodide already has one, and every symbol of a side module
 * shares one namespace with it): devtools/kernel.py compiles it with clang
 * --target=wasm32-unknown-emscripten -msimd128 and links a side module with wasm-ld.
 * Only functions named pynn_gemm_* are exported. pynn/wasm_products.py loads it with ctypes.
 */
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

/* Tile and block sizes. A 4x8 tile keeps 8 accumulators + 2 B vectors + 1 broadcast of A
 * in registers (x86 has 16 vector registers, and V8 maps wasm SIMD onto them).
 *
 * KC is large on purpose: a product of up to KC terms is summed in one pass, k = 0, 1, 2...,
 * one multiply and one add per term, exactly as numpy's own float32 loop without BLAS does.
 * So up to K = 4096 the kernel's results are numpy's in Pyodide bit for bit (tests check it),
 * and switching the kernel on or off changes no trained weight. The blocks of A (mc rows)
 * and B (nc columns) are then as large as the workspace allows for this K: packed A
 * (A_FLOATS, 256 KB) and packed B (B_FLOATS, 1 MB) stay in the L2 cache, and a KC x NR panel
 * of B (up to 128 KB; 25 KB for K = 784) sits in L1 or L2 while the kernel walks down A. */
enum { MR = 4, NR = 8, KC = 4096, A_FLOATS = 64 * 1024, B_FLOATS = 256 * 1024 };

/* The packing buffers and the edge tile live in a workspace the caller passes (WORK_FLOATS
 * floats, 16-byte aligned): a side module's static arrays would be shipped as zeros. */
enum { WORK_FLOATS = A_FLOATS + B_FLOATS + MR * NR };

/* op(A)'s rows [0, mc) and columns [0, kc) into MR-tall panels: panel p holds, for each k,
 * the MR values A[p*MR + r][k] side by side (zeros below the last row). Element (i, k) of
 * op(A) is a[i*rsa + k*csa]: strides in elements, so a transpose is just swapped strides. */
static void pack_a(float *out, int mc, int kc, const float *a, int rsa, int csa) {
    for (int i = 0; i < mc; i += MR) {
        int rows = mc - i < MR ? mc - i : MR;
        for (int k = 0; k < kc; k++) {
            const float *column = a + i * rsa + k * csa;
            for (int r = 0; r < rows; r++) out[r] = column[r * rsa];
            for (int r = rows; r < MR; r++) out[r] = 0.0f;
            out += MR;
        }
    }
}

/* op(B)'s rows [0, kc) and columns [0, nc) into NR-wide panels: panel p holds, for each k,
 * B[k][p*NR .. p*NR+NR) (zeros right of the last column). Element (k, j) is b[k*rsb + j*csb]. */
static void pack_b(float *out, int kc, int nc, const float *b, int rsb, int csb) {
    for (int j = 0; j < nc; j += NR) {
        int cols = nc - j < NR ? nc - j : NR;
        for (int k = 0; k < kc; k++) {
            const float *row = b + k * rsb + j * csb;
            if (cols == NR && csb == 1) {          /* the common case: two vector copies */
                wasm_v128_store(out, wasm_v128_load(row));
                wasm_v128_store(out + 4, wasm_v128_load(row + 4));
            } else {
                for (int c = 0; c < cols; c++) out[c] = row[c * csb];
                for (int c = cols; c < NR; c++) out[c] = 0.0f;
            }
            out += NR;
        }
    }
}

/* One MR x NR tile: C = sum over k of (column k of the A panel) x (row k of the B panel),
 * as kc rank-1 updates kept in eight vector registers; then C = that (add == 0) or
 * C += that (add == 1). c's rows are ldc floats apart. WebAssembly SIMD128 has no fused
 * multiply-add, so each update is a multiply and an add. */
static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, int add) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int k = 0; k < kc; k++) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 1);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
        v128_t a2 = wasm_v128_load32_splat(a + 2), a3 = wasm_v128_load32_splat(a + 3);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
        a += MR;
        b += NR;
    }
    v128_t tile[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
    for (int r = 0; r < MR; r++, c += ldc) {
        v128_t lo = tile[r][0], hi = tile[r][1];
        if (add) {
            lo = wasm_f32x4_add(lo, wasm_v128_load(c));
            hi = wasm_f32x4_add(hi, wasm_v128_load(c + 4));
        }
        wasm_v128_store(c, lo);
        wasm_v128_store(c + 4, hi);
    }
}

/* A tile of mr <= MR rows and nr <= NR columns: full tiles go straight to C; edge tiles
 * are computed into `edge` (MR x NR scratch) and only their mr x nr corner is stored or added. */
static void tile(int mr, int nr, int kc, const float *a, const float *b, float *c, int ldc,
                 int add, float *edge) {
    if (mr == MR && nr == NR) {
        micro_kernel(kc, a, b, c, ldc, add);
        return;
    }
    micro_kernel(kc, a, b, edge, NR, 0);
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++)
            c[r * ldc + j] = add ? c[r * ldc + j] + edge[r * NR + j] : edge[r * NR + j];
}

/* C = op(A) @ op(B) (accumulate == 0) or C += op(A) @ op(B) (accumulate == 1), float32.
 * op(A) is m x k with element (i, p) at a[i*rsa + p*csa]; op(B) is k x n with element
 * (p, j) at b[p*rsb + j*csb]; C is m x n with rows ldc floats apart and contiguous columns.
 * Strides are in elements (numpy's byte strides / 4) and may be anything, so A.T @ B and
 * A @ B.T are the same call with swapped strides. C must not overlap A or B (the caller
 * checks). Any size works, 0 included (k == 0 sets C to zeros unless accumulating).
 * work: pynn_gemm_work_floats() floats, 16-byte aligned, not overlapping anything else. */
EXPORT void pynn_gemm_sgemm(int m, int n, int k, const float *a, int rsa, int csa,
                            const float *b, int rsb, int csb, float *c, int ldc, int accumulate,
                            float *work) {
    float *packed_a = work, *packed_b = work + A_FLOATS, *edge = packed_b + B_FLOATS;
    if (k == 0 && !accumulate)
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[i * ldc + j] = 0.0f;
    int kc_max = k < KC ? k : KC;
    int mc_max = A_FLOATS / (kc_max ? kc_max : 1) / MR * MR;     /* >= 16 rows */
    int nc_max = B_FLOATS / (kc_max ? kc_max : 1) / NR * NR;     /* >= 64 columns */
    for (int jc = 0; jc < n; jc += nc_max) {
        int nc = n - jc < nc_max ? n - jc : nc_max;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            int add = accumulate || pc > 0;          /* later K blocks add to the first */
            pack_b(packed_b, kc, nc, b + pc * rsb + jc * csb, rsb, csb);
            for (int ic = 0; ic < m; ic += mc_max) {
                int mc = m - ic < mc_max ? m - ic : mc_max;
                pack_a(packed_a, mc, kc, a + ic * rsa + pc * csa, rsa, csa);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = mc - ir < MR ? mc - ir : MR;
                        tile(mr, nr, kc, packed_a + ir * kc, packed_b + jr * kc,
                             c + (ic + ir) * ldc + jc + jr, ldc, add, edge);
                    }
                }
            }
        }
    }
}

/* How many floats pynn_gemm_sgemm's workspace must hold. */
EXPORT int pynn_gemm_work_floats(void) { return WORK_FLOATS; }
