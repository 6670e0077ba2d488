/* The C API from plain C: setup, updates, solve, warm start, backward, forward, errors.
 *
 * Test problem: minimize 1/2 (z1^2 + z2^2) - z1 - z2  s.t.  z1 <= 0.3, -z2 <= 0, z1 + z2 = 1.
 * Solution z = (0.3, 0.7), lambda = (0.4, 0), nu = 0.3. The bound z1 <= 0.3 is active, so
 * dz/dh1 = (1, -1) and dz/db = (0, 1). */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "optlayer/optlayer.h"

static int failures = 0;

#define CHECK(cond)                                               \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(fabs((a) - (b)) <= (tol))

/* Column-major data of the test problem. */
static const double P[4] = {1.0, 0.0, 0.0, 1.0};
static const double q[2] = {-1.0, -1.0};
static const double G[4] = {1.0, 0.0, 0.0, -1.0}; /* rows (1, 0) and (0, -1) */
static const double h[2] = {0.3, 0.0};
static const double A[2] = {1.0, 1.0};
static const double b[1] = {1.0};

static optlayer_workspace* make_workspace(const optlayer_settings* settings) {
  optlayer_workspace* w = optlayer_setup(2, 2, 1, settings);
  CHECK(w != NULL);
  if (w == NULL) return NULL;
  CHECK(optlayer_update_P(w, P) == 0);
  CHECK(optlayer_update_q(w, q) == 0);
  CHECK(optlayer_update_G(w, G) == 0);
  CHECK(optlayer_update_h(w, h) == 0);
  CHECK(optlayer_update_A(w, A) == 0);
  CHECK(optlayer_update_b(w, b) == 0);
  return w;
}

static void test_solve(void) {
  optlayer_workspace* w = make_workspace(NULL);
  const double* z;
  if (w == NULL) return;
  CHECK(optlayer_get_status(w) == OPTLAYER_UNSOLVED);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK(optlayer_get_status(w) == OPTLAYER_SOLVED);
  z = optlayer_z(w);
  CHECK_NEAR(z[0], 0.3, 1e-7);
  CHECK_NEAR(z[1], 0.7, 1e-7);
  CHECK_NEAR(optlayer_lambda(w)[0], 0.4, 1e-7);
  CHECK_NEAR(optlayer_lambda(w)[1], 0.0, 1e-7);
  CHECK_NEAR(optlayer_nu(w)[0], 0.3, 1e-7);
  CHECK_NEAR(optlayer_s(w)[1], 0.7, 1e-7);
  CHECK_NEAR(optlayer_objective(w), 0.5 * (0.09 + 0.49) - 1.0, 1e-7);
  CHECK(optlayer_iterations(w) > 0);
  CHECK(optlayer_primal_residual(w) < 1e-7);
  CHECK(optlayer_dual_residual(w) < 1e-7);
  CHECK(optlayer_duality_gap(w) < 1e-7);
  CHECK(optlayer_solve_time(w) >= 0.0);
  CHECK(strcmp(optlayer_message(w), "") == 0);
  optlayer_free(w);
}

static void test_updates_and_warm_start(void) {
  optlayer_workspace* w = make_workspace(NULL);
  const double h2[2] = {0.2, 0.0};
  int cold;
  if (w == NULL) return;
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  cold = optlayer_iterations(w);
  /* A new bound moves the solution to (0.2, 0.8). */
  CHECK(optlayer_update_h(w, h2) == 0);
  CHECK(optlayer_warm_start_from_result(w) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK_NEAR(optlayer_z(w)[0], 0.2, 1e-7);
  CHECK_NEAR(optlayer_z(w)[1], 0.8, 1e-7);
  /* Warm start at the solution of the same problem: it is accepted and the solve still succeeds. */
  CHECK(optlayer_warm_start(w, optlayer_z(w), optlayer_s(w), optlayer_lambda(w), optlayer_nu(w)) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK_NEAR(optlayer_z(w)[0], 0.2, 1e-7);
  CHECK(optlayer_iterations(w) <= cold);
  CHECK(optlayer_warm_start(w, NULL, optlayer_s(w), optlayer_lambda(w), optlayer_nu(w)) == -1);
  optlayer_free(w);
}

static void test_backward_and_forward(void) {
  optlayer_workspace* w = make_workspace(NULL);
  const double dl_dz[2] = {1.0, 0.0};
  const double dh[2] = {1.0, 0.0};
  double grad_P[4], grad_q[2], grad_G[4], grad_h[2], grad_A[2], grad_b[1];
  double dz[2], dlambda[2], dnu[1];
  if (w == NULL) return;
  CHECK(optlayer_backward(w, dl_dz, NULL, NULL, grad_P, grad_q, grad_G, grad_h, grad_A, grad_b) == -1);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  /* L = z1: z1 = h1 while the bound is active, so dL/dh = (1, 0), dL/db = 0, dL/dq = 0. */
  CHECK(optlayer_backward(w, dl_dz, NULL, NULL, grad_P, grad_q, grad_G, grad_h, grad_A, grad_b) == 0);
  CHECK_NEAR(grad_h[0], 1.0, 1e-6);
  CHECK_NEAR(grad_h[1], 0.0, 1e-6);
  CHECK_NEAR(grad_b[0], 0.0, 1e-6);
  CHECK_NEAR(grad_q[0], 0.0, 1e-6);
  CHECK_NEAR(grad_P[1], grad_P[2], 1e-12); /* symmetric */
  /* Outputs may be skipped. */
  CHECK(optlayer_backward(w, dl_dz, NULL, NULL, NULL, NULL, NULL, grad_h, NULL, NULL) == 0);
  CHECK(optlayer_backward(w, NULL, NULL, NULL, NULL, NULL, NULL, grad_h, NULL, NULL) == -1);
  /* Forward: raising h1 moves z along (1, -1). */
  CHECK(optlayer_forward(w, NULL, NULL, NULL, dh, NULL, NULL, dz, dlambda, dnu) == 0);
  CHECK_NEAR(dz[0], 1.0, 1e-6);
  CHECK_NEAR(dz[1], -1.0, 1e-6);
  optlayer_free(w);
}

/* The backward gradient with respect to b matches a finite difference of L = z2. */
static void test_gradient_matches_finite_difference(void) {
  optlayer_workspace* w = make_workspace(NULL);
  const double dl_dz[2] = {0.0, 1.0};
  const double t = 1e-6;
  double grad_b[1], bp[1], fd;
  if (w == NULL) return;
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK(optlayer_backward(w, dl_dz, NULL, NULL, NULL, NULL, NULL, NULL, NULL, grad_b) == 0);
  bp[0] = b[0] + t;
  CHECK(optlayer_update_b(w, bp) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  fd = optlayer_z(w)[1];
  bp[0] = b[0] - t;
  CHECK(optlayer_update_b(w, bp) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  fd = (fd - optlayer_z(w)[1]) / (2.0 * t);
  CHECK_NEAR(fd, 1.0, 1e-5);
  CHECK_NEAR(grad_b[0], fd, 1e-5);
  optlayer_free(w);
}

static void test_errors_and_limits(void) {
  optlayer_settings settings;
  optlayer_workspace* w;
  const double bad_q[2] = {1.0, NAN};
  CHECK(optlayer_setup(-1, 0, 0, NULL) == NULL);
  CHECK(optlayer_setup(0, 1, 0, NULL) == NULL);
  optlayer_default_settings(&settings);
  settings.eps_abs = -1.0;
  CHECK(optlayer_setup(2, 2, 1, &settings) == NULL);

  /* Solving before every input was given is refused with a message. */
  w = optlayer_setup(2, 2, 1, NULL);
  CHECK(w != NULL);
  if (w != NULL) {
    CHECK(optlayer_update_P(w, P) == 0);
    CHECK(optlayer_solve(w) == OPTLAYER_INVALID_INPUT);
    CHECK(strstr(optlayer_message(w), "q was never given") != NULL);
    CHECK(optlayer_update_q(w, NULL) == -1);
    optlayer_free(w);
  }
  /* Non-finite data is caught by the solve. */
  w = make_workspace(NULL);
  if (w != NULL) {
    CHECK(optlayer_update_q(w, bad_q) == 0);
    CHECK(optlayer_solve(w) == OPTLAYER_INVALID_INPUT);
    CHECK(strstr(optlayer_message(w), "q(1)") != NULL);
    optlayer_free(w);
  }
  /* Limits stop the solve and say which one (polishing off: it would finish this small problem). */
  optlayer_default_settings(&settings);
  settings.max_iter = 1;
  settings.max_polish_rounds = 0;
  w = make_workspace(&settings);
  if (w != NULL) {
    CHECK(optlayer_solve(w) == OPTLAYER_MAX_ITERATIONS);
    CHECK(optlayer_iterations(w) <= 1);
    CHECK(optlayer_polished(w) == 0);
    optlayer_free(w);
  }
  /* With polishing (the default), the same iteration limit ends solved, and says so. */
  settings.max_polish_rounds = 5;
  w = make_workspace(&settings);
  if (w != NULL) {
    CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
    CHECK(optlayer_iterations(w) <= 1);
    CHECK(optlayer_polished(w) == 1);
    optlayer_free(w);
  }
  CHECK(optlayer_polished(NULL) == 0);
  optlayer_default_settings(&settings);
  settings.time_limit = 1e-12;
  w = make_workspace(&settings);
  if (w != NULL) {
    CHECK(optlayer_solve(w) == OPTLAYER_TIME_LIMIT);
    optlayer_free(w);
  }
  optlayer_free(NULL);
  CHECK(optlayer_solve(NULL) == OPTLAYER_INVALID_INPUT);
}

static void test_status_strings(void) {
  CHECK(strcmp(optlayer_status_string(OPTLAYER_SOLVED), "solved") == 0);
  CHECK(strcmp(optlayer_status_string(OPTLAYER_PRIMAL_INFEASIBLE), "primal_infeasible") == 0);
  CHECK(strcmp(optlayer_status_string(OPTLAYER_TIME_LIMIT), "time_limit") == 0);
  CHECK(strcmp(optlayer_status_string(OPTLAYER_UNSOLVED), "unsolved") == 0);
  CHECK(strcmp(optlayer_status_string((optlayer_status)42), "unknown") == 0);
}

/* The same problem on a sparse workspace (CSC: P = I, G = diag(1, -1), A = (1 1)). */
static const int P_col[3] = {0, 1, 2}, P_row[2] = {0, 1};
static const double P_val[2] = {1.0, 1.0};
static const int G_col[3] = {0, 1, 2}, G_row[2] = {0, 1};
static const double G_val[2] = {1.0, -1.0};
static const int A_col[3] = {0, 1, 2}, A_row[2] = {0, 0};
static const double A_val[2] = {1.0, 1.0};

static optlayer_workspace* make_sparse_workspace(void) {
  optlayer_workspace* w = optlayer_setup_sparse(2, 2, 1, NULL);
  CHECK(w != NULL);
  if (w == NULL) return NULL;
  CHECK(optlayer_set_P_csc(w, P_col, P_row, P_val) == 0);
  CHECK(optlayer_update_q(w, q) == 0);
  CHECK(optlayer_set_G_csc(w, G_col, G_row, G_val) == 0);
  CHECK(optlayer_update_h(w, h) == 0);
  CHECK(optlayer_set_A_csc(w, A_col, A_row, A_val) == 0);
  CHECK(optlayer_update_b(w, b) == 0);
  return w;
}

static void test_sparse_workspace(void) {
  optlayer_workspace* w = make_sparse_workspace();
  optlayer_workspace* d = make_workspace(NULL);
  const double dl_dz[2] = {1.0, 0.5};
  const double P2[2] = {2.0, 1.0}, P2_dense[4] = {2.0, 0.0, 0.0, 1.0};
  double gP[2], gq[2], gG[2], gh[2], gA[2], gb[1];
  double dP[4], dq[2], dG[4], dh[2], dA[2], db[1];
  int k;
  if (w == NULL || d == NULL) return;
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK(optlayer_solve(d) == OPTLAYER_SOLVED);
  CHECK_NEAR(optlayer_z(w)[0], 0.3, 1e-7);
  CHECK_NEAR(optlayer_z(w)[1], 0.7, 1e-7);
  /* The gradients on the patterns are the dense gradients' entries there. */
  CHECK(optlayer_backward_csc(w, dl_dz, NULL, NULL, gP, gq, gG, gh, gA, gb) == 0);
  CHECK(optlayer_backward(d, dl_dz, NULL, NULL, dP, dq, dG, dh, dA, db) == 0);
  CHECK_NEAR(gP[0], dP[0], 1e-9);
  CHECK_NEAR(gP[1], dP[3], 1e-9);
  CHECK_NEAR(gG[0], dG[0], 1e-9);
  CHECK_NEAR(gG[1], dG[3], 1e-9);
  CHECK_NEAR(gA[0], dA[0], 1e-9);
  CHECK_NEAR(gA[1], dA[1], 1e-9);
  for (k = 0; k < 2; ++k) {
    CHECK_NEAR(gq[k], dq[k], 1e-9);
    CHECK_NEAR(gh[k], dh[k], 1e-9);
  }
  CHECK_NEAR(gb[0], db[0], 1e-9);
  /* New values on the held pattern: the same solution as the dense workspace's. */
  CHECK(optlayer_update_P_values(w, P2) == 0);
  CHECK(optlayer_update_P(d, P2_dense) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  CHECK(optlayer_solve(d) == OPTLAYER_SOLVED);
  CHECK_NEAR(optlayer_z(w)[0], optlayer_z(d)[0], 1e-8);
  CHECK_NEAR(optlayer_z(w)[1], optlayer_z(d)[1], 1e-8);
  /* Dense matrix entry points are refused on a sparse workspace, and the reverse. */
  CHECK(optlayer_update_P(w, P2_dense) == -1);
  CHECK(optlayer_update_G(w, G) == -1);
  CHECK(optlayer_backward(w, dl_dz, NULL, NULL, dP, dq, dG, dh, dA, db) == -1);
  CHECK(optlayer_set_P_csc(d, P_col, P_row, P_val) == -1);
  CHECK(optlayer_update_P_values(d, P2) == -1);
  CHECK(optlayer_backward_csc(d, dl_dz, NULL, NULL, gP, gq, gG, gh, gA, gb) == -1);
  optlayer_free(w);
  optlayer_free(d);
}

static void test_sparse_errors(void) {
  optlayer_workspace* w = optlayer_setup_sparse(2, 2, 1, NULL);
  const int unsorted_row[2] = {1, 0}, out_of_range_row[2] = {0, 2}, bad_col[3] = {0, 2, 1};
  const int one_column[3] = {0, 2, 2}, two_rows[2] = {0, 1};
  if (w == NULL) return;
  /* Values before the pattern, and invalid patterns, are refused. */
  CHECK(optlayer_update_P_values(w, P_val) == -1);
  CHECK(optlayer_set_P_csc(w, P_col, unsorted_row, P_val) == 0); /* one entry per column: sorted */
  CHECK(optlayer_set_P_csc(w, one_column, unsorted_row, P_val) == -1);
  CHECK(optlayer_set_P_csc(w, one_column, two_rows, P_val) == 0);
  CHECK(optlayer_set_G_csc(w, G_col, out_of_range_row, G_val) == -1);
  CHECK(optlayer_set_G_csc(w, bad_col, G_row, G_val) == -1);
  CHECK(optlayer_set_G_csc(w, NULL, G_row, G_val) == -1);
  CHECK(optlayer_set_G_csc(w, G_col, G_row, NULL) == -1);
  /* A missing matrix is named. */
  CHECK(optlayer_update_q(w, q) == 0);
  CHECK(optlayer_update_h(w, h) == 0);
  CHECK(optlayer_update_b(w, b) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_INVALID_INPUT);
  CHECK(strstr(optlayer_message(w), "optlayer_set_G_csc") != NULL);
  /* An asymmetric P (upper triangle only) is caught by the solve, with a message. */
  CHECK(optlayer_set_G_csc(w, G_col, G_row, G_val) == 0);
  CHECK(optlayer_set_A_csc(w, A_col, A_row, A_val) == 0);
  CHECK(optlayer_solve(w) == OPTLAYER_INVALID_INPUT);
  CHECK(strstr(optlayer_message(w), "symmetric") != NULL);
  /* A NaN value given through the pattern is caught by the solve too. */
  CHECK(optlayer_set_P_csc(w, P_col, P_row, P_val) == 0);
  {
    const double nan_values[2] = {1.0, NAN};
    CHECK(optlayer_update_G_values(w, nan_values) == 0);
    CHECK(optlayer_solve(w) == OPTLAYER_INVALID_INPUT);
    CHECK(strstr(optlayer_message(w), "G") != NULL);
    CHECK(optlayer_update_G_values(w, G_val) == 0);
    CHECK(optlayer_solve(w) == OPTLAYER_SOLVED);
  }
  optlayer_free(w);
}

int main(void) {
  test_solve();
  test_sparse_workspace();
  test_sparse_errors();
  test_updates_and_warm_start();
  test_backward_and_forward();
  test_gradient_matches_finite_difference();
  test_errors_and_limits();
  test_status_strings();
  if (failures > 0) {
    fprintf(stderr, "test_c_api: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_c_api: all checks passed\n");
  return 0;
}
