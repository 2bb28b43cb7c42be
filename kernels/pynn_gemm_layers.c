/* pynn_gemm_layers.c: the elementwise work of a training step, in WebAssembly SIMD128.
 *
 * Beside the products (pynn_gemm.c), a convnet's step in Pyodide spent most of its time in
 * numpy loops that have no SIMD there and branch on every element: np.maximum(x, 0) costs
 * ~6.5 ns per float (its NaN test mispredicts on half of a ReLU's inputs), g * (x > 0) ~5,
 * max pooling's strided maximum and its gradient's masks more. These loops do the same
 * sums and choices four floats at a time, without branches.
 *
 * They compute what pynn's numpy code computes (pynn/layers.py, pynn/pooling.py, pynn/optim.py):
 * the same values bit for bit on finite inputs (tests/test_kernel_layers.py compares them in
 * Pyodide). pynn/wasm_products.py calls them only on float32 buffers laid out as they expect
 * and keeps numpy's code for anything else. Same build and rules as pynn_gemm.c: freestanding,
 * only pynn_gemm_* symbols exported.
 */
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

/* y = max(x, 0) over n floats, as numpy's maximum(x, 0): pmax is "x < 0 ? 0 : x", so a NaN
 * stays NaN (and -0.0 stays -0.0). x and y may be the same buffer. */
EXPORT void pynn_gemm_relu(int n, const float *x, float *y) {
    v128_t zero = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, wasm_f32x4_pmax(wasm_v128_load(x + i), zero));
    for (; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

/* out = g where x > 0, else 0 (ReLU's gradient), over n floats. */
EXPORT void pynn_gemm_relu_backward(int n, const float *g, const float *x, float *out) {
    v128_t zero = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t positive = wasm_f32x4_gt(wasm_v128_load(x + i), zero);   /* all ones or all zeros */
        wasm_v128_store(out + i, wasm_v128_and(wasm_v128_load(g + i), positive));
    }
    for (; i < n; i++) out[i] = x[i] > 0.0f ? g[i] : 0.0f;
}

/* param -= rate * grad over n floats (SGD's step): the product rounded to float32, then the
 * difference, as numpy's param -= rate * grad (WebAssembly has no fused multiply-add). */
EXPORT void pynn_gemm_sub_scaled(int n, float *param, float rate, const float *grad) {
    v128_t r = wasm_f32x4_splat(rate);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(param + i, wasm_f32x4_sub(wasm_v128_load(param + i),
                                                  wasm_f32x4_mul(r, wasm_v128_load(grad + i))));
    for (; i < n; i++) param[i] -= rate * grad[i];
}

/* Max pooling with p x p windows (stride p) of images stored batch last, as pynn's Conv2D
 * leaves them: x is [c][h][w][n] (element (ch, i, j, b) at ((ch*h + i)*w + j)*n + b), out is
 * [c][h/p][w/p][n], and which[] (same shape as out) gets the window offset u*p + v of each
 * output's first maximum in row-major order (ties: the first). Rows and columns that do not
 * fill a window are left out. A NaN in a window wins, so it reaches the output as in numpy. */
EXPORT void pynn_gemm_max_pool(int c, int h, int w, int n, int p, const float *x, float *out,
                               int *which) {
    int h_out = h / p, w_out = w / p;
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < h_out; i++)
            for (int j = 0; j < w_out; j++) {
                const float *window = x + ((ch * h + i * p) * w + j * p) * n;
                int at = ((ch * h_out + i) * w_out + j) * n, b = 0;
                for (; b + 4 <= n; b += 4) {
                    v128_t best = wasm_v128_load(window + b), index = wasm_i32x4_splat(0);
                    for (int k = 1; k < p * p; k++) {
                        v128_t value = wasm_v128_load(window + (k / p * w + k % p) * n + b);
                        v128_t wins = wasm_v128_or(wasm_f32x4_gt(value, best), wasm_f32x4_ne(value, value));
                        best = wasm_v128_bitselect(value, best, wins);
                        index = wasm_v128_bitselect(wasm_i32x4_splat(k), index, wins);
                    }
                    wasm_v128_store(out + at + b, best);
                    wasm_v128_store(which + at + b, index);
                }
                for (; b < n; b++) {
                    float best = window[b];
                    int index = 0;
                    for (int k = 1; k < p * p; k++) {
                        float value = window[(k / p * w + k % p) * n + b];
                        if (value > best || value != value) { best = value; index = k; }
                    }
                    out[at + b] = best;
                    which[at + b] = index;
                }
            }
}

/* The gradient of pynn_gemm_max_pool: grad ([c][h][w][n], every element written) gets each
 * output's gradient g ([c][h/p][w/p][n]) at the position which[] names, and 0 elsewhere
 * (the other window elements, and rows and columns left out of the windows). */
EXPORT void pynn_gemm_max_pool_backward(int c, int h, int w, int n, int p, const float *g,
                                        const int *which, float *grad) {
    int h_out = h / p, w_out = w / p, size = c * h * w * n, i = 0;
    v128_t zero = wasm_f32x4_splat(0.0f);
    for (; i + 4 <= size; i += 4) wasm_v128_store(grad + i, zero);
    for (; i < size; i++) grad[i] = 0.0f;
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < h_out; i++)
            for (int j = 0; j < w_out; j++) {
                float *window = grad + ((ch * h + i * p) * w + j * p) * n;
                int at = ((ch * h_out + i) * w_out + j) * n, b = 0;
                for (; b + 4 <= n; b += 4) {
                    v128_t gradient = wasm_v128_load(g + at + b), index = wasm_v128_load(which + at + b);
                    for (int k = 0; k < p * p; k++) {
                        v128_t mine = wasm_i32x4_eq(index, wasm_i32x4_splat(k));
                        wasm_v128_store(window + (k / p * w + k % p) * n + b, wasm_v128_and(gradient, mine));
                    }
                }
                for (; b < n; b++) {
                    int k = which[at + b];
                    window[(k / p * w + k % p) * n + b] = g[at + b];
                }
            }
}
