/** @file
 * optlayer C API: a QP workspace for control loops, usable from plain C (C89 and later).
 *
 *   minimize 1/2 z'Pz + q'z   subject to   Gz <= h,  Az = b     (z in R^n, m rows of G, p rows of A)
 *
 * Set up once with fixed dimensions, give every input once, then per sampling period update what
 * changed, solve, read the solution, and optionally differentiate it. After the first solve,
 * updates, solves and backward passes allocate nothing (dense problems; see docs/control.md).
 * Matrices are dense, column-major (Fortran order), e.g. G[i + j * m] is G(i, j).
 * No C++ exception crosses this boundary: failures are reported through return values.
 *
 *   optlayer_workspace* w = optlayer_setup(n, m, p, NULL);      (NULL: default settings)
 *   optlayer_update_P(w, P); ... optlayer_update_b(w, b);        (all six before the first solve)
 *   if (optlayer_solve(w) == OPTLAYER_SOLVED) use(optlayer_z(w));
 *   optlayer_free(w);
 */
#ifndef OPTLAYER_H
#define OPTLAYER_H

#ifdef __cplusplus
extern "C" {
#endif

/** How a solve ended; the values match optlayer::Status. */
typedef enum optlayer_status {
  OPTLAYER_SOLVED = 0,            /**< residuals and gap below tolerance */
  OPTLAYER_PRIMAL_INFEASIBLE = 1, /**< a Farkas certificate was found */
  OPTLAYER_DUAL_INFEASIBLE = 2,   /**< a direction of unbounded descent was found */
  OPTLAYER_MAX_ITERATIONS = 3,    /**< settings.max_iter reached */
  OPTLAYER_TIME_LIMIT = 4,        /**< settings.time_limit reached */
  OPTLAYER_NUMERICAL_ERROR = 5,   /**< the KKT system could not be factored or the iterates stalled */
  OPTLAYER_INVALID_INPUT = 6,     /**< missing or non-finite data, asymmetric P; see optlayer_message */
  OPTLAYER_NON_CONVEX = 7,        /**< P is not positive semidefinite */
  OPTLAYER_UNSOLVED = 8           /**< no solve has run yet */
} optlayer_status;

/** Solver settings (see optlayer::Settings for the meaning of each field). */
typedef struct optlayer_settings {
  double eps_abs;               /**< absolute tolerance of residuals and gap */
  double eps_rel;               /**< relative tolerance (times the size of the terms) */
  double eps_primal_infeasible; /**< tolerance of a primal infeasibility certificate */
  double eps_dual_infeasible;   /**< tolerance of a dual infeasibility certificate */
  int max_iter;                 /**< interior-point iterations per solve, retries included */
  double time_limit;            /**< seconds; a value <= 0 means no limit */
  int verbose;                  /**< nonzero: print an iteration log */
  int scaling_iterations;       /**< Ruiz equilibration passes; 0: no scaling */
  double reg_primal;            /**< primal regularization of the KKT matrix (scaled units) */
  double reg_dual;              /**< dual regularization of the KKT matrix (scaled units) */
  int max_refinement_steps;     /**< iterative refinement steps per KKT solve */
  double step_fraction;         /**< fraction of the step to the boundary that is taken */
  double warm_start_margin;     /**< warm-start slacks and multipliers are raised to at least this */
  int check_convexity;          /**< nonzero: check that P is positive semidefinite */
  int max_polish_rounds;        /**< active-set polishing of a solve that stops short; 0: off */
  int search_certificates;      /**< nonzero: auxiliary LPs look for a certificate after a stall */
} optlayer_settings;

/** Opaque workspace: solver, held problem data and the last result. */
typedef struct optlayer_workspace optlayer_workspace;

/** Fills `settings` with the library defaults. */
void optlayer_default_settings(optlayer_settings* settings);

/** Creates a workspace for n variables, m inequalities and p equalities; settings may be NULL for
 *  the defaults. Returns NULL when a size is negative, n is 0, the settings are invalid or memory ran out. */
optlayer_workspace* optlayer_setup(int n, int m, int p, const optlayer_settings* settings);
/** Frees a workspace (NULL is allowed). */
void optlayer_free(optlayer_workspace* w);

/** Replace one input (P: n x n, q: n, G: m x n, h: m, A: p x n, b: p; column-major). Return 0 on
 *  success, -1 on a NULL workspace or a NULL array of nonzero size (P, G, A: also on a sparse
 *  workspace). Values are checked by the next solve. */
/**@{*/
int optlayer_update_P(optlayer_workspace* w, const double* P);
int optlayer_update_q(optlayer_workspace* w, const double* q);
int optlayer_update_G(optlayer_workspace* w, const double* G);
int optlayer_update_h(optlayer_workspace* w, const double* h);
int optlayer_update_A(optlayer_workspace* w, const double* A);
int optlayer_update_b(optlayer_workspace* w, const double* b);
/**@}*/

/** Sparse workspaces. A workspace made by optlayer_setup_sparse holds P, G and A as sparse matrices in
 *  compressed sparse column form: col_ptr (cols + 1 entries, col_ptr[0] = 0, nondecreasing), row_index
 *  and values (col_ptr[cols] entries each, 0-based, strictly increasing within a column). P holds both
 *  triangles (it must be symmetric). It solves on the sparse KKT backend (sparse LDL'), and no dense
 *  n x n array is allocated. The optlayer_update_P/G/A and
 *  optlayer_backward entry points (dense arrays) return -1 on it; q, h, b, warm starts, results and
 *  optlayer_forward work as on a dense workspace. Same return value as optlayer_setup. */
optlayer_workspace* optlayer_setup_sparse(int n, int m, int p, const optlayer_settings* settings);
/** Gives P (n x n), G (m x n) or A (p x n) of a sparse workspace: its pattern and values (copied; this
 *  allocates). Returns 0, or -1 on a NULL pointer, a dense workspace, or an invalid pattern. */
/**@{*/
int optlayer_set_P_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values);
int optlayer_set_G_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values);
int optlayer_set_A_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values);
/**@}*/
/** Replaces the values of a matrix given by optlayer_set_*_csc, in the order of its pattern (as many
 *  as it has entries). Allocates nothing (a control loop's path). Returns 0, or -1 on a NULL pointer or a
 *  matrix never given. */
/**@{*/
int optlayer_update_P_values(optlayer_workspace* w, const double* values);
int optlayer_update_G_values(optlayer_workspace* w, const double* values);
int optlayer_update_A_values(optlayer_workspace* w, const double* values);
/**@}*/

/** Solves the held problem. OPTLAYER_INVALID_INPUT when an input was never given or is not finite. */
optlayer_status optlayer_solve(optlayer_workspace* w);

/** Starts the next solve from (z, s, lambda, nu) (sizes n, m, m, p; NULL allowed only for size 0).
 *  A warm solve that fails is retried cold. Returns 0, or -1 when a pointer is NULL or a value not finite. */
int optlayer_warm_start(optlayer_workspace* w, const double* z, const double* s, const double* lambda,
                        const double* nu);
/** Warm-starts the next solve from the last result. Returns 0, or -1 when there is none. */
int optlayer_warm_start_from_result(optlayer_workspace* w);

/** Gradient of a loss L through the last solve, given dL/dz (n) and optionally dL/dlambda (m) and
 *  dL/dnu (p) (NULL for zero). Writes the gradients with respect to P (n x n), q, G (m x n), h,
 *  A (p x n), b; any output may be NULL to skip it. Reuses the solver's factorization.
 *  Returns 0, or -1 when the last solve is not OPTLAYER_SOLVED, dl_dz is NULL, or the workspace is
 *  sparse (use optlayer_backward_csc). */
int optlayer_backward(optlayer_workspace* w, const double* dl_dz, const double* dl_dlambda, const double* dl_dnu,
                      double* grad_P, double* grad_q, double* grad_G, double* grad_h, double* grad_A,
                      double* grad_b);

/** optlayer_backward for a sparse workspace: the gradients with respect to P, G and A on their
 *  patterns (values in the order of the optlayer_set_*_csc arrays), q, h, b dense; any output may be
 *  NULL. Allocates nothing after the first call. Returns 0, or -1 when the workspace is not sparse,
 *  the last solve is not OPTLAYER_SOLVED, or dl_dz is NULL. */
int optlayer_backward_csc(optlayer_workspace* w, const double* dl_dz, const double* dl_dlambda,
                          const double* dl_dnu, double* grad_P_values, double* grad_q, double* grad_G_values,
                          double* grad_h, double* grad_A_values, double* grad_b);

/** Derivative of (z, lambda, nu) along a perturbation of the inputs (NULL inputs mean zero). Writes
 *  dz (n), dlambda (m), dnu (p); NULL outputs are skipped. Same return value as optlayer_backward.
 *  Allocates (it is meant for analysis, not for the control loop). */
int optlayer_forward(optlayer_workspace* w, const double* dP, const double* dq, const double* dG,
                     const double* dh, const double* dA, const double* db, double* dz, double* dlambda,
                     double* dnu);

/** Results of the last solve (pointers stay valid until the next solve or optlayer_free). */
const double* optlayer_z(const optlayer_workspace* w);      /**< primal solution (n) */
const double* optlayer_s(const optlayer_workspace* w);      /**< slacks h - Gz (m) */
const double* optlayer_lambda(const optlayer_workspace* w); /**< multipliers of Gz <= h (m) */
const double* optlayer_nu(const optlayer_workspace* w);     /**< multipliers of Az = b (p) */
optlayer_status optlayer_get_status(const optlayer_workspace* w); /**< status of the last solve */
int optlayer_iterations(const optlayer_workspace* w);        /**< interior-point iterations */
/** 1 when the last solution came from active-set polishing (see optlayer_settings.max_polish_rounds). */
int optlayer_polished(const optlayer_workspace* w);
double optlayer_objective(const optlayer_workspace* w);       /**< 1/2 z'Pz + q'z */
double optlayer_primal_residual(const optlayer_workspace* w); /**< max(|Az - b|, |max(Gz - h, 0)|), infinity norm */
double optlayer_dual_residual(const optlayer_workspace* w);   /**< |Pz + q + G'lambda + A'nu|, infinity norm */
double optlayer_duality_gap(const optlayer_workspace* w);     /**< |z'Pz + q'z + h'lambda + b'nu| */
double optlayer_solve_time(const optlayer_workspace* w);   /**< seconds */
/** Why the last status is not solved (empty string when solved). */
const char* optlayer_message(const optlayer_workspace* w);

/** Lower-case name of a status, e.g. "primal_infeasible" ("unknown" for values outside the enum). */
const char* optlayer_status_string(optlayer_status status);

#ifdef __cplusplus
}
#endif

#endif /* OPTLAYER_H */
