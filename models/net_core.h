/* net_core.h - a dense tanh network on a block of rows, with every pass
 * the image and meta-learning families need: forward, backward to the
 * weights and to the input, and Pearlmutter's R-operator along a direction
 * of the weights, of the input, or both.
 *
 * Shapes.  L weight layers, widths n_0 (inputs) .. n_L (outputs); a block
 * of nb <= chunk rows X (nb x n_0, one example a row).  The parameters are
 * one flat array th, layer after layer: W_l (n_l x n_{l-1}, row-major) at
 * woff[l], then b_l (n_l) at boff[l]; P entries in all.  A family places
 * one or more networks in its theta or lambda at offsets of its own.
 *
 * Forward (A_0 = X):
 *   Z_l = A_{l-1} W_l^T + 1 b_l^T,  A_l = tanh(Z_l) (l < L),  Z_L the output
 *   s' = 1 - A_l^2,  s''(Z_l) = -2 A_l s'
 * Backward, given G_L = dl/dZ_L:
 *   dl/dW_l = G_l^T A_{l-1},  dl/db_l = G_l^T 1,
 *   G_{l-1} = (G_l W_l) .* s'(Z_{l-1}),  dl/dX = G_1 W_1.
 * R-operator along (V, RX): V a direction of the parameters laid out like
 * th (c_l its biases), RX a direction of the input; either may be absent
 * (zero).  R{f} = d/dt f(th + t V, X + t RX) at t = 0:
 *   R{A_0} = RX,  R{Z_l} = R{A_{l-1}} W_l^T + A_{l-1} V_l^T + 1 c_l^T,
 *   R{A_l} = s'(Z_l) .* R{Z_l};
 * given R{G_L} (the head's R-op):
 *   R{dl/dW_l} = R{G_l}^T A_{l-1} + G_l^T R{A_{l-1}},  R{dl/db_l} = R{G_l}^T 1,
 *   dA = G_l W_l,  R{dA} = R{G_l} W_l + G_l V_l,
 *   R{G_{l-1}} = R{dA} .* s'(Z_{l-1}) + dA .* s''(Z_{l-1}) .* R{Z_{l-1}},
 *   R{dl/dX} = R{G_1} W_1 + G_1 V_1.
 * With RX = 0 this is the Hessian-vector product (R{dl/dth} = H V) and the
 * mixed product d/dX <dl/dth, V> (R{dl/dX}); with V = 0 and RX given,
 * R{dl/dth} is the derivative of the weight gradient along a change of
 * the input.  Every matrix product is one gsl_blas_dgemm; along V the
 * first layer's two products with the input are one, X [W_1; V_1]^T.
 *
 * Nothing here allocates after ihg_net_init.
 */
#ifndef IHG_NET_CORE_H
#define IHG_NET_CORE_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#define IHG_NET_MAX_LAYERS 9

typedef struct {
    size_t L;                              /* weight layers             */
    size_t width[IHG_NET_MAX_LAYERS + 1];  /* n_0 .. n_L                */
    size_t woff[IHG_NET_MAX_LAYERS + 1];   /* W_l at woff[l], l = 1..L  */
    size_t boff[IHG_NET_MAX_LAYERS + 1];   /* b_l at boff[l]            */
    size_t P;                              /* parameters                */
    size_t n_weights;                      /* entries of the W_l        */
    size_t wmax;                           /* widest layer (n_0 included) */
    size_t chunk;                          /* rows per block            */
    /* l = 1..L, chunk x n_l: A_l (Z_L at l = L) and R{A_l} (R{Z_L}) */
    gsl_matrix *A[IHG_NET_MAX_LAYERS + 1], *RA[IHG_NET_MAX_LAYERS + 1];
    /* l = 1..L-1, chunk x n_l: s'(Z_l) and s''(Z_l) .* R{Z_l} */
    gsl_matrix *D[IHG_NET_MAX_LAYERS + 1], *Q[IHG_NET_MAX_LAYERS + 1];
    /* chunk x wmax: the backward pass's G and R{G}, two of each */
    gsl_matrix *G[2], *RG[2];
    /* the first layer along V: [W_1; V_1] (2 n_1 x n_0) and its product
     * with the input (chunk x 2 n_1), so that the input is read once */
    gsl_matrix *WV, *ZR;
} ihg_net;

/* Sizes of a network of L layers with widths width[0..L] (all >= 1):
 * fills n (no allocation) and returns 1, or 0 when L is out of range or a
 * size overflows IHG_NET_MAX_ELEMS entries. */
#define IHG_NET_MAX_ELEMS ((size_t)1 << 30)
int ihg_net_shape(ihg_net *n, size_t L, const size_t *width, size_t chunk);
/* ihg_net_shape, then the workspace for blocks of chunk rows.  IHG_OK,
 * IHG_EINVAL (shape) or IHG_ENOMEM, with the error recorded; ihg_net_free
 * is safe after a failure. */
int ihg_net_init(ihg_net *n, size_t L, const size_t *width, size_t chunk);
void ihg_net_free(ihg_net *n);
/* Doubles of workspace ihg_net_init allocates. */
double ihg_net_workspace(const ihg_net *n);

/* LeCun normal weights W_l ~ N(0, gain^2 / n_{l-1}) (the last layer's
 * gain last_gain), zero biases. */
void ihg_net_init_params(const ihg_net *n, double *th, gsl_rng *rng, double gain,
                         double last_gain);

/* Forward pass on the rows X (nb <= chunk); with V and/or RX (nb x n_0)
 * not NULL also the R-pass. */
void ihg_net_forward(ihg_net *n, const double *th, const gsl_matrix *X, const double *V,
                     const gsl_matrix *RX);
/* The outputs Z_L and R{Z_L} of the last forward pass (nb x n_L views). */
gsl_matrix_view ihg_net_out(ihg_net *n, size_t nb);
gsl_matrix_view ihg_net_rout(ihg_net *n, size_t nb);
/* Where the caller writes G_L = dl/dZ_L and R{G_L} (nb x n_L views) before
 * a backward pass. */
gsl_matrix_view ihg_net_gout(ihg_net *n, size_t nb);
gsl_matrix_view ihg_net_rgout(ihg_net *n, size_t nb);

/* Backward pass after ihg_net_forward on the same rows: grad = beta grad +
 * dl/dth (P entries; beta 0 or 1; NULL: not wanted), GX = dl/dX (nb x n_0;
 * NULL: not wanted). */
void ihg_net_backward(ihg_net *n, const double *th, const gsl_matrix *X, double *grad,
                      double beta, gsl_matrix *GX);
/* Backward R-pass after ihg_net_forward with the R-pass (the same V and
 * RX): rgrad = beta rgrad + R{dl/dth} (NULL: not wanted), RGX = R{dl/dX}
 * (NULL: not wanted). */
void ihg_net_backward_r(ihg_net *n, const double *th, const double *V, const gsl_matrix *X,
                        const gsl_matrix *RX, double *rgrad, double beta, gsl_matrix *RGX);

#endif
