#include "solver/qp/certificate_search.hpp"

#include <vector>

#include "optlayer/qp_solver.hpp"

namespace optlayer {
namespace {

using SparseMatrix = Eigen::SparseMatrix<double>;
using Triplets = std::vector<Eigen::Triplet<double>>;
using Eigen::Index;

// Appends M, or M' when `transpose`, with its top-left entry at (row0, col0).
void append(Triplets& t, const SparseMatrix& M, Index row0, Index col0, bool transpose) {
  for (Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) {
      if (transpose) t.emplace_back(row0 + j, col0 + it.row(), it.value());
      else t.emplace_back(row0 + it.row(), col0 + j, it.value());
    }
}

// Appends value * I of the given size at (row0, col0).
void append_identity(Triplets& t, Index row0, Index col0, Index size, double value) {
  for (Index i = 0; i < size; ++i) t.emplace_back(row0 + i, col0 + i, value);
}

SparseMatrix from_triplets(Index rows, Index cols, const Triplets& t) {
  SparseMatrix M(rows, cols);
  M.setFromTriplets(t.begin(), t.end());
  return M;
}

// min cost'y  s.t.  G y <= h,  A y = 0, with dense or sparse storage like the failed solve. The
// point is returned whatever the status (the caller's certificate test judges it), unless it is
// not finite.
Eigen::VectorXd solve_lp(const Eigen::VectorXd& cost, const SparseMatrix& G, const Eigen::VectorXd& h,
                         const SparseMatrix& A, const Settings& settings, bool dense) {
  const Index size = cost.size();
  QpSolver solver(size, G.rows(), A.rows(), settings);
  const SparseMatrix zero(size, size);
  const Eigen::VectorXd b = Eigen::VectorXd::Zero(A.rows());
  if (dense) solver.solve(Eigen::MatrixXd(zero), cost, Eigen::MatrixXd(G), h, Eigen::MatrixXd(A), b);
  else solver.solve(zero, cost, G, h, A, b);
  const QpResult& r = solver.result();
  if (r.status == Status::invalid_input || !r.z.allFinite()) return Eigen::VectorXd();
  return r.z;
}

// min q'd  s.t.  [G; I; -I] d <= [0; 1; 1],  [P; A] d = 0.
Eigen::VectorXd ray_lp(const SparseMatrix& P, const Eigen::VectorXd& q, const SparseMatrix& G, const SparseMatrix& A,
                       const Settings& settings, bool dense) {
  const Index n = q.size(), m = G.rows(), p = A.rows();
  Triplets t;
  append(t, G, 0, 0, false);
  append_identity(t, m, 0, n, 1.0);
  append_identity(t, m + n, 0, n, -1.0);
  const SparseMatrix inequalities = from_triplets(m + 2 * n, n, t);
  Eigen::VectorXd h = Eigen::VectorXd::Ones(m + 2 * n);
  h.head(m).setZero();
  t.clear();
  append(t, P, 0, 0, false);
  append(t, A, n, 0, false);
  return solve_lp(q, inequalities, h, from_triplets(n + p, n, t), settings, dense);
}

// min h'l + b'v  s.t.  -l <= 0, (l, v) <= 1, -v <= 1,  G'l + A'v = 0.
bool farkas_lp(const SparseMatrix& G, const Eigen::VectorXd& h, const SparseMatrix& A, const Eigen::VectorXd& b,
               const Settings& settings, bool dense, Eigen::VectorXd& lambda, Eigen::VectorXd& nu) {
  const Index n = G.cols(), m = G.rows(), p = A.rows();
  Triplets t;
  append_identity(t, 0, 0, m, -1.0);
  append_identity(t, m, 0, m + p, 1.0);
  append_identity(t, 2 * m + p, m, p, -1.0);
  const SparseMatrix inequalities = from_triplets(2 * m + 2 * p, m + p, t);
  Eigen::VectorXd bounds = Eigen::VectorXd::Ones(2 * m + 2 * p);
  bounds.head(m).setZero();
  t.clear();
  append(t, G, 0, 0, true);
  append(t, A, 0, m, true);
  Eigen::VectorXd cost(m + p);
  cost << h, b;
  const Eigen::VectorXd y = solve_lp(cost, inequalities, bounds, from_triplets(n, m + p, t), settings, dense);
  if (y.size() != m + p) return false;
  lambda = y.head(m).cwiseMax(0.0);  // the certificate test wants lambda >= 0 exactly
  nu = y.tail(p);
  return true;
}

}  // namespace

Settings certificate_search_settings(const Settings& settings, double seconds_left) {
  Settings aux = settings;
  aux.search_certificates = false;
  aux.check_convexity = false;
  aux.verbose = false;
  aux.time_limit = seconds_left;
  return aux;
}

Eigen::VectorXd search_unbounded_ray(const Eigen::MatrixXd& P, const Eigen::VectorXd& q, const Eigen::MatrixXd& G,
                                     const Eigen::MatrixXd& A, const Settings& settings) {
  return ray_lp(P.sparseView(), q, G.sparseView(), A.sparseView(), settings, /*dense=*/true);
}

Eigen::VectorXd search_unbounded_ray(const SparseMatrix& P, const Eigen::VectorXd& q, const SparseMatrix& G,
                                     const SparseMatrix& A, const Settings& settings) {
  return ray_lp(P, q, G, A, settings, /*dense=*/false);
}

bool search_farkas_certificate(const Eigen::MatrixXd& G, const Eigen::VectorXd& h, const Eigen::MatrixXd& A,
                               const Eigen::VectorXd& b, const Settings& settings, Eigen::VectorXd& lambda,
                               Eigen::VectorXd& nu) {
  return farkas_lp(G.sparseView(), h, A.sparseView(), b, settings, /*dense=*/true, lambda, nu);
}

bool search_farkas_certificate(const SparseMatrix& G, const Eigen::VectorXd& h, const SparseMatrix& A,
                               const Eigen::VectorXd& b, const Settings& settings, Eigen::VectorXd& lambda,
                               Eigen::VectorXd& nu) {
  return farkas_lp(G, h, A, b, settings, /*dense=*/false, lambda, nu);
}

}  // namespace optlayer
