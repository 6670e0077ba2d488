// Workspace use: update inputs in place, solve again, warm starts.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cmath>
#include <optlayer/optlayer.hpp>
#include <random>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

struct RandomQp {
  MatrixXd P, G, A;
  VectorXd q, h, b;
};

// OptNet-style feasible QP: P = L L' + 1e-3 I, h = G z0 + s0, b = A z0.
RandomQp random_qp(int n, int m, int p, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  auto randn = [&](int r, int c) {
    MatrixXd M(r, c);
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = normal(rng);
    return M;
  };
  RandomQp qp;
  const MatrixXd L = randn(n, n);
  qp.P = L * L.transpose() + 1e-3 * MatrixXd::Identity(n, n);
  qp.q = randn(n, 1);
  qp.G = randn(m, n);
  qp.A = randn(p, n);
  const VectorXd z0 = randn(n, 1);
  VectorXd s0(m);
  for (int i = 0; i < m; ++i) s0(i) = uniform(rng);
  qp.h = qp.G * z0 + s0;
  qp.b = qp.A * z0;
  return qp;
}

}  // namespace

TEST_CASE("solve() before any data is invalid_input") {
  QpSolver solver(2, 1, 0);
  CHECK(solver.solve() == Status::invalid_input);
  CHECK(solver.result().message.find("no problem data") != std::string::npos);
}

TEST_CASE("update_q then solve() equals a fresh solve") {
  const RandomQp qp = random_qp(8, 8, 3, 1);
  QpSolver solver(8, 8, 3);
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  const VectorXd q2 = qp.q + VectorXd::Constant(8, 0.3);
  REQUIRE(solver.update_q(q2));
  REQUIRE(solver.solve() == Status::solved);
  const QpResult fresh = solve_qp(qp.P, q2, qp.G, qp.h, qp.A, qp.b);
  REQUIRE(fresh.status == Status::solved);
  CHECK((solver.result().z - fresh.z).norm() < 1e-7);
}

// The workspace equilibrates its matrices once and keeps the scaling while only q, h, b change;
// each changed matrix must be equilibrated again, on either backend.
TEST_CASE("update_P, update_G, update_A then solve() equal a fresh solve") {
  for (const Backend backend : {Backend::dense, Backend::sparse}) {
    CAPTURE(static_cast<int>(backend));
    Settings settings;
    settings.backend = backend;
    RandomQp qp = random_qp(8, 8, 3, 4);
    const RandomQp other = random_qp(8, 8, 3, 5);
    QpSolver solver(8, 8, 3, settings);
    REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
    const VectorXd z = solver.result().z;  // feasible for every changed problem below
    auto check_against_fresh = [&] {
      REQUIRE(solver.solve() == Status::solved);
      const QpResult fresh = solve_qp(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b, settings);
      REQUIRE(fresh.status == Status::solved);
      CHECK((solver.result().z - fresh.z).norm() < 1e-7);
    };
    qp.P = other.P;
    REQUIRE(solver.update_P(qp.P));
    check_against_fresh();
    qp.G += 0.5 * other.G;
    qp.h = qp.G * z + VectorXd::Constant(8, 0.1);
    REQUIRE(solver.update_G(qp.G));
    REQUIRE(solver.update_h(qp.h));
    check_against_fresh();
    qp.A += 0.5 * other.A;
    qp.b = qp.A * z;
    REQUIRE(solver.update_A(qp.A));
    REQUIRE(solver.update_b(qp.b));
    check_against_fresh();
  }
}

TEST_CASE("sparse update_P, update_G, update_A (same pattern, then a new one) equal a fresh solve") {
  for (const Backend backend : {Backend::dense, Backend::sparse}) {
    CAPTURE(static_cast<int>(backend));
    Settings settings;
    settings.backend = backend;
    RandomQp qp = random_qp(8, 8, 3, 6);
    QpSolver solver(8, 8, 3, settings);
    REQUIRE(solver.solve(Eigen::SparseMatrix<double>(qp.P.sparseView()), qp.q,
                         Eigen::SparseMatrix<double>(qp.G.sparseView()), qp.h,
                         Eigen::SparseMatrix<double>(qp.A.sparseView()), qp.b) == Status::solved);
    const VectorXd z = solver.result().z;
    auto check_against_fresh = [&] {
      REQUIRE(solver.solve() == Status::solved);
      const QpResult fresh = solve_qp(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b, settings);
      REQUIRE(fresh.status == Status::solved);
      CHECK((solver.result().z - fresh.z).norm() < 1e-7);
    };
    // Same (dense) pattern, new values.
    qp.P *= 2.0;
    qp.G *= 0.5;
    qp.h = qp.G * z + VectorXd::Constant(8, 0.1);
    qp.A *= 3.0;
    qp.b = qp.A * z;
    REQUIRE(solver.update_P(Eigen::SparseMatrix<double>(qp.P.sparseView())));
    REQUIRE(solver.update_G(Eigen::SparseMatrix<double>(qp.G.sparseView())));
    REQUIRE(solver.update_h(qp.h));
    REQUIRE(solver.update_A(Eigen::SparseMatrix<double>(qp.A.sparseView())));
    REQUIRE(solver.update_b(qp.b));
    check_against_fresh();
    // A new pattern: zero a column block of G (feasibility is kept by h).
    qp.G.leftCols(3).setZero();
    qp.h = qp.G * z + VectorXd::Constant(8, 0.1);
    REQUIRE(solver.update_G(Eigen::SparseMatrix<double>(qp.G.sparseView())));
    REQUIRE(solver.update_h(qp.h));
    check_against_fresh();
  }
}

TEST_CASE("sparse updates: wrong sizes are refused, NaN and asymmetry are caught at solve()") {
  const RandomQp qp = random_qp(4, 3, 1, 7);
  Settings settings;
  settings.backend = Backend::sparse;
  QpSolver solver(4, 3, 1, settings);
  Eigen::SparseMatrix<double> P = qp.P.sparseView();
  REQUIRE(solver.solve(P, qp.q, Eigen::SparseMatrix<double>(qp.G.sparseView()), qp.h,
                       Eigen::SparseMatrix<double>(qp.A.sparseView()), qp.b) == Status::solved);
  CHECK_FALSE(solver.update_P(Eigen::SparseMatrix<double>(3, 3)));
  CHECK_FALSE(solver.update_G(Eigen::SparseMatrix<double>(3, 5)));
  CHECK_FALSE(solver.update_A(Eigen::SparseMatrix<double>(2, 4)));
  REQUIRE(solver.solve() == Status::solved);

  P.coeffRef(2, 1) = std::nan("");
  REQUIRE(solver.update_P(P));
  CHECK(solver.solve() == Status::invalid_input);
  CHECK(solver.result().message == "P(2, 1) is nan");

  P.coeffRef(2, 1) = P.coeff(1, 2) + 1.0;  // same pattern, values no longer symmetric
  REQUIRE(solver.update_P(P));
  CHECK(solver.solve() == Status::invalid_input);
  CHECK(solver.result().message.find("P is not symmetric") != std::string::npos);
}

TEST_CASE("updates with the wrong size are refused and change nothing") {
  const RandomQp qp = random_qp(4, 3, 1, 2);
  QpSolver solver(4, 3, 1);
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  const VectorXd z = solver.result().z;
  CHECK_FALSE(solver.update_q(VectorXd::Zero(5)));
  CHECK_FALSE(solver.update_P(MatrixXd::Zero(3, 3)));
  CHECK_FALSE(solver.update_G(MatrixXd::Zero(3, 5)));
  CHECK_FALSE(solver.update_h(VectorXd::Zero(2)));
  CHECK_FALSE(solver.update_A(MatrixXd::Zero(2, 4)));
  CHECK_FALSE(solver.update_b(VectorXd::Zero(2)));
  REQUIRE(solver.solve() == Status::solved);
  CHECK((solver.result().z - z).norm() < 1e-12);
}

TEST_CASE("a NaN put in by an update is caught at solve()") {
  const RandomQp qp = random_qp(4, 3, 1, 3);
  QpSolver solver(4, 3, 1);
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  VectorXd h = qp.h;
  h(1) = std::nan("");
  REQUIRE(solver.update_h(h));
  CHECK(solver.solve() == Status::invalid_input);
  CHECK(solver.result().message == "h(1) is nan");
}

TEST_CASE("warm start from a nearby solution takes fewer iterations") {
  const RandomQp qp = random_qp(20, 20, 5, 4);
  QpSolver solver(20, 20, 5);
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  const VectorXd q2 = qp.q + 1e-3 * VectorXd::Ones(20);
  REQUIRE(solver.update_q(q2));
  REQUIRE(solver.solve() == Status::solved);
  const int cold_iterations = solver.result().iterations;
  const VectorXd cold_z = solver.result().z;
  // Back to the first problem's solution, then warm-start the perturbed one from it.
  REQUIRE(solver.update_q(qp.q));
  REQUIRE(solver.solve() == Status::solved);
  REQUIRE(solver.warm_start_from_result());
  REQUIRE(solver.update_q(q2));
  REQUIRE(solver.solve() == Status::solved);
  CHECK(solver.result().iterations < cold_iterations);
  CHECK((solver.result().z - cold_z).norm() < 1e-6);
}

TEST_CASE("a bad warm start never loses a solve") {
  const RandomQp qp = random_qp(10, 10, 2, 5);
  QpSolver solver(10, 10, 2);
  REQUIRE(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) == Status::solved);
  const VectorXd z = solver.result().z;
  REQUIRE(solver.warm_start(VectorXd::Constant(10, 1e6), VectorXd::Constant(10, 1e-12), VectorXd::Constant(10, 1e9),
                            VectorXd::Constant(2, -1e7)));
  REQUIRE(solver.solve() == Status::solved);
  CHECK((solver.result().z - z).norm() < 1e-6);
}

TEST_CASE("warm_start refuses wrong sizes and non-finite values") {
  QpSolver solver(3, 2, 1);
  CHECK_FALSE(solver.warm_start(VectorXd::Zero(2), VectorXd::Ones(2), VectorXd::Ones(2), VectorXd::Zero(1)));
  VectorXd s = VectorXd::Ones(2);
  s(0) = std::numeric_limits<double>::infinity();
  CHECK_FALSE(solver.warm_start(VectorXd::Zero(3), s, VectorXd::Ones(2), VectorXd::Zero(1)));
  CHECK(solver.warm_start(VectorXd::Zero(3), VectorXd::Ones(2), VectorXd::Ones(2), VectorXd::Zero(1)));
}
