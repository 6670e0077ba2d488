// The sparse LDL' factorization (solver/linalg/sparse_ldl.hpp) on quasi-definite matrices: solves against
// a dense reference, agrees to the last bit with Eigen's SimplicialLDLT (it replays the same update
// order), refactors new values on the analyzed pattern, and reports zero pivots.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <Eigen/SparseCholesky>
#include <random>
#include <vector>

#include "solver/linalg/sparse_ldl.hpp"

using optlayer::SparseLdl;
using SparseMatrix = SparseLdl::SparseMatrix;

namespace {

// Upper triangle of [P + I  G'; G  -I] with random sparse P (psd) and G, in a random symmetric
// permutation, so that the pattern has fill and an irregular elimination tree.
SparseMatrix random_quasi_definite(int n, int m, double density, std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::bernoulli_distribution keep(density);
  Eigen::MatrixXd B = Eigen::MatrixXd::Zero(n, n), G = Eigen::MatrixXd::Zero(m, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (keep(rng)) B(i, j) = unit(rng);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      if (keep(rng) || j == i % n) G(i, j) = unit(rng);
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(n + m, n + m);
  K.topLeftCorner(n, n) = B.transpose() * B + Eigen::MatrixXd::Identity(n, n);
  K.bottomLeftCorner(m, n) = G;
  K.topRightCorner(n, m) = G.transpose();
  K.bottomRightCorner(m, m) = -Eigen::MatrixXd::Identity(m, m);
  std::vector<int> order(static_cast<std::size_t>(n + m));
  for (int i = 0; i < n + m; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), rng);
  Eigen::MatrixXd permuted(n + m, n + m);
  for (int i = 0; i < n + m; ++i)
    for (int j = 0; j < n + m; ++j) permuted(i, j) = K(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  const Eigen::MatrixXd upper = permuted.triangularView<Eigen::Upper>();
  return upper.sparseView();
}

Eigen::MatrixXd full(const SparseMatrix& upper) {
  const Eigen::MatrixXd U = Eigen::MatrixXd(upper);
  Eigen::MatrixXd K = U + U.transpose();
  K.diagonal() = U.diagonal();
  return K;
}

}  // namespace

TEST_CASE("solves quasi-definite systems to round-off and matches SimplicialLDLT bit for bit") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 5 + trial * 3, m = 3 + trial * 2;
    const SparseMatrix upper = random_quasi_definite(n, m, 0.15, rng);
    SparseLdl ldl;
    ldl.analyze(upper);
    REQUIRE(ldl.factorize(upper));
    Eigen::VectorXd rhs = Eigen::VectorXd::Random(n + m);
    Eigen::VectorXd x = rhs;
    ldl.solve_in_place(x);
    const Eigen::MatrixXd K = full(upper);
    CHECK((K * x - rhs).norm() <= 1e-10 * (1.0 + rhs.norm()) * (1.0 + x.norm()));

    Eigen::SimplicialLDLT<SparseMatrix, Eigen::Upper, Eigen::NaturalOrdering<int>> reference(upper);
    REQUIRE(reference.info() == Eigen::Success);
    const Eigen::VectorXd expected = reference.solve(rhs);
    CHECK(x == expected);
    CHECK(ldl.diagonal() == reference.vectorD());
  }
}

TEST_CASE("refactors new values on the analyzed pattern") {
  std::mt19937 rng(11);
  SparseMatrix upper = random_quasi_definite(30, 20, 0.1, rng);
  SparseLdl ldl;
  ldl.analyze(upper);
  for (int round = 0; round < 5; ++round) {
    // Rescale the diagonal as an interior-point iteration does with its weights.
    for (int k = 0; k < upper.cols(); ++k) upper.coeffRef(k, k) *= 1.0 + 10.0 * round;
    REQUIRE(ldl.factorize(upper));
    const Eigen::VectorXd rhs = Eigen::VectorXd::Random(upper.rows());
    Eigen::VectorXd x = rhs;
    ldl.solve_in_place(x);
    CHECK((full(upper) * x - rhs).norm() <= 1e-9 * (1.0 + rhs.norm()) * (1.0 + x.norm()));
  }
}

TEST_CASE("a zero pivot is reported, and the next factorization starts clean") {
  // [0 1; 1 0] has a zero first pivot.
  Eigen::MatrixXd singular(2, 2);
  singular << 0.0, 1.0, 0.0, 0.0;
  SparseMatrix upper = singular.sparseView();
  upper.coeffRef(0, 0) = 0.0;  // keep the diagonal in the pattern
  upper.coeffRef(1, 1) = 0.0;
  SparseLdl ldl;
  ldl.analyze(upper);
  CHECK_FALSE(ldl.factorize(upper));
  upper.coeffRef(0, 0) = 2.0;
  upper.coeffRef(1, 1) = -1.0;
  REQUIRE(ldl.factorize(upper));
  Eigen::VectorXd x(2);
  x << 1.0, 2.0;
  ldl.solve_in_place(x);
  // [2 1; 1 -1] x = (1, 2): x = (1, -1).
  CHECK(x(0) == doctest::Approx(1.0));
  CHECK(x(1) == doctest::Approx(-1.0));
}

TEST_CASE("empty and diagonal matrices") {
  SparseLdl ldl;
  SparseMatrix empty(0, 0);
  ldl.analyze(empty);
  CHECK(ldl.factorize(empty));
  CHECK(ldl.factor_nonzeros() == 0);

  SparseMatrix diagonal(3, 3);
  diagonal.insert(0, 0) = 2.0;
  diagonal.insert(1, 1) = -4.0;
  diagonal.insert(2, 2) = 8.0;
  ldl.analyze(diagonal);
  REQUIRE(ldl.factorize(diagonal));
  Eigen::VectorXd x = Eigen::VectorXd::Ones(3);
  ldl.solve_in_place(x);
  CHECK(x(0) == 0.5);
  CHECK(x(1) == -0.25);
  CHECK(x(2) == 0.125);
}
