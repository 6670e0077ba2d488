#pragma once
// Certificate search after a solve that stops short (numerical_error or max_iterations).
//
// Why: the interior-point iterates show infeasibility only as a ray they run along. On a badly
// scaled unbounded problem the objective falls so slowly along the ray that the iterates stall
// (mu -> 0, dual residual near 1e-7) before any of them passes the certificate test; in
// tests/test_status_sweep.cpp that was 32 of 80 unbounded problems scaled over 10^+-6. The
// certificates are themselves solutions of linear programs that are always feasible and bounded:
//   ray:    min q'd         s.t.  P d = 0, A d = 0, G d <= 0,  -1 <= d <= 1
//   Farkas: min h'l + b'v   s.t.  G'l + A'v = 0,  0 <= l <= 1,  -1 <= v <= 1
// (d = 0, l = 0, v = 0 are feasible). A negative optimum is a certificate. The engine solves them
// on its equilibrated data with a nested solver and accepts a point only through the same tests
// as an iterate's certificate, so the search can only turn a failure into a verified verdict.

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include "optlayer/settings.hpp"

namespace optlayer {

/// Settings of the auxiliary solves: those of the failed solve, without a nested search, the
/// convexity test (P = 0) or output, within `seconds_left`.
Settings certificate_search_settings(const Settings& settings, double seconds_left);

/// The minimizer d of the ray LP above (size n), or an empty vector when its solve gave no
/// finite point.
Eigen::VectorXd search_unbounded_ray(const Eigen::MatrixXd& P, const Eigen::VectorXd& q, const Eigen::MatrixXd& G,
                                     const Eigen::MatrixXd& A, const Settings& settings);
Eigen::VectorXd search_unbounded_ray(const Eigen::SparseMatrix<double>& P, const Eigen::VectorXd& q,
                                     const Eigen::SparseMatrix<double>& G, const Eigen::SparseMatrix<double>& A,
                                     const Settings& settings);

/// The minimizer (lambda, nu) of the Farkas LP above (sizes m and p). False when its solve gave no
/// finite point.
bool search_farkas_certificate(const Eigen::MatrixXd& G, const Eigen::VectorXd& h, const Eigen::MatrixXd& A,
                               const Eigen::VectorXd& b, const Settings& settings, Eigen::VectorXd& lambda,
                               Eigen::VectorXd& nu);
bool search_farkas_certificate(const Eigen::SparseMatrix<double>& G, const Eigen::VectorXd& h,
                               const Eigen::SparseMatrix<double>& A, const Eigen::VectorXd& b,
                               const Settings& settings, Eigen::VectorXd& lambda, Eigen::VectorXd& nu);

}  // namespace optlayer
