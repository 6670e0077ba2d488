// Backward on the sparse backend, checked against central finite differences on
// Maros-Meszaros problems: the gradient of L = c'z with respect to P, G, A (on their
// sparsity patterns) and q, h, b, in random directions that keep every pattern and
// keep P symmetric. The problems are the small ones whose solution is nondegenerate
// (linearly independent active constraints, strict complementarity), where z is
// differentiable; the test checks that first. (Where the active rows are dependent, e.g.
// CVXQP1_S with 39 active bounds + 50 equalities of rank 86, z is only directionally
// differentiable and a central difference averages two one-sided derivatives; see
// docs/derivatives.md.)

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "optlayer/qp_solver.hpp"
#include "optlayer/qps_reader.hpp"

using namespace optlayer;
using Eigen::VectorXd;
using Sparse = Eigen::SparseMatrix<double>;

namespace {

Settings tight_sparse_settings() {
  Settings settings;
  settings.backend = Backend::sparse;
  settings.eps_abs = 1e-10;
  settings.eps_rel = 0.0;
  return settings;
}

VectorXd random_vector(std::mt19937& rng, Eigen::Index size) {
  std::normal_distribution<double> normal;
  VectorXd v(size);
  for (Eigen::Index i = 0; i < size; ++i) v(i) = normal(rng);
  return v;
}

// A random matrix on the pattern of M, scaled entry by entry like M (|M_ij| + 1e-3 of its
// largest entry), symmetric when M is.
Sparse random_on_pattern(std::mt19937& rng, const Sparse& M, bool symmetric) {
  std::normal_distribution<double> normal;
  Sparse D = M;
  const double size = M.nonZeros() > 0 ? M.coeffs().cwiseAbs().maxCoeff() : 1.0;
  for (Eigen::Index k = 0; k < D.outerSize(); ++k)
    for (Sparse::InnerIterator it(D, k); it; ++it) it.valueRef() = normal(rng) * (std::abs(it.value()) + 1e-3 * size);
  if (symmetric) {
    const Sparse Dt = D.transpose();
    D = 0.5 * (D + Dt);
  }
  return D;
}

// Active inequality rows (s below 1e-7) and equality rows are linearly independent, and every
// active row has a multiplier clearly above zero.
bool nondegenerate(const SparseQp& qp, const QpResult& r) {
  std::vector<Eigen::Index> active;
  for (Eigen::Index i = 0; i < r.s.size(); ++i) {
    if (r.s(i) < 1e-7 && r.lambda(i) < 1e-5) return false;  // weakly active
    if (r.s(i) < 1e-7) active.push_back(i);
  }
  const Eigen::MatrixXd G(qp.G), A(qp.A);
  Eigen::MatrixXd J(static_cast<Eigen::Index>(active.size()) + A.rows(), A.cols());
  for (std::size_t k = 0; k < active.size(); ++k) J.row(static_cast<Eigen::Index>(k)) = G.row(active[k]);
  J.bottomRows(A.rows()) = A;
  return J.rows() == 0 || Eigen::FullPivLU<Eigen::MatrixXd>(J).rank() == J.rows();
}

double sparse_dot(const Sparse& X, const Sparse& Y) {
  return X.cwiseProduct(Y).sum();
}

struct Direction {
  Sparse P, G, A;
  VectorXd q, h, b;
};

// L(t) = c' z(data + t direction). A P that is only semidefinite can lose a hair of its
// definiteness at t = +-1e-5; the constraints keep these problems bounded, so the convexity
// test is off for the perturbed solves.
double loss_along(const SparseQp& qp, const Direction& d, const VectorXd& c, double t) {
  Settings settings = tight_sparse_settings();
  settings.check_convexity = false;
  QpSolver solver(qp.P.rows(), qp.G.rows(), qp.A.rows(), settings);
  const Sparse P = qp.P + t * d.P, G = qp.G + t * d.G, A = qp.A + t * d.A;
  const Status status = solver.solve(P, qp.q + t * d.q, G, qp.h + t * d.h, A, qp.b + t * d.b);
  CAPTURE(solver.result().message);
  REQUIRE(status == Status::solved);
  return c.dot(solver.result().z);
}

void check_problem(const std::string& name, unsigned seed) {
  CAPTURE(name);
  const SparseQp qp = to_standard_form(read_qps(std::string(OPTLAYER_MM_DIR) + "/" + name + ".QPS"));
  QpSolver solver(qp.P.rows(), qp.G.rows(), qp.A.rows(), tight_sparse_settings());
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  CHECK(solver.active_backend() == Backend::sparse);
  REQUIRE(nondegenerate(qp, solver.result()));

  std::mt19937 rng(seed);
  const VectorXd c = random_vector(rng, qp.P.rows());
  QpSparseGradient grad;
  REQUIRE(solver.backward(c, VectorXd(), VectorXd(), grad));
  // The gradients live on the patterns of the data.
  CHECK(grad.P.nonZeros() <= qp.P.nonZeros());
  CHECK(grad.G.nonZeros() <= qp.G.nonZeros());
  CHECK(grad.A.nonZeros() <= qp.A.nonZeros());

  for (int trial = 0; trial < 3; ++trial) {
    Direction d;
    d.P = random_on_pattern(rng, qp.P, true);
    d.G = random_on_pattern(rng, qp.G, false);
    d.A = random_on_pattern(rng, qp.A, false);
    d.q = random_vector(rng, qp.q.size()).cwiseProduct(qp.q.cwiseAbs() + VectorXd::Constant(qp.q.size(), 1e-3));
    d.h = random_vector(rng, qp.h.size()).cwiseProduct(qp.h.cwiseAbs() + VectorXd::Constant(qp.h.size(), 1e-3));
    d.b = random_vector(rng, qp.b.size()).cwiseProduct(qp.b.cwiseAbs() + VectorXd::Constant(qp.b.size(), 1e-3));
    const double predicted = sparse_dot(grad.P, d.P) + sparse_dot(grad.G, d.G) + sparse_dot(grad.A, d.A) +
                             grad.q.dot(d.q) + grad.h.dot(d.h) + grad.b.dot(d.b);
    // The perturbed solves stop at residuals of 1e-10, which leaves z accurate to about 5e-9
    // on DUAL2 (ill-conditioned P): at t = 1e-5 that noise alone is 2.5e-4 of the difference
    // quotient. t = 1e-4 keeps it near 2.5e-5, and the curvature term (t^2) stays far below.
    const double t = 1e-4;
    const double measured = (loss_along(qp, d, c, t) - loss_along(qp, d, c, -t)) / (2 * t);
    CAPTURE(trial);
    CHECK(std::abs(predicted - measured) <= 1e-4 * (1.0 + std::abs(measured)));
  }
}

}  // namespace

TEST_CASE("sparse backward matches finite differences on Maros-Meszaros problems") {
  unsigned seed = 1;
  for (const char* name : {"HS21", "HS35", "HS76", "HS118", "GENHS28", "DUAL2", "LOTSCHD", "QPTEST"})
    check_problem(name, seed++);
}
