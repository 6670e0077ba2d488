// The structured simplex QP solver and the sparsemax layer built on it: solutions and
// derivatives against the analytic sparsemax, the general QpSolver and central differences;
// bad input; threads that do not change a bit.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <optlayer/optlayer.hpp>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using optlayer_test::Random;

namespace {

double max_abs(const MatrixXd& M) { return M.size() > 0 ? M.cwiseAbs().maxCoeff() : 0.0; }

}  // namespace

TEST_CASE("simplex QP: sparsemax rows equal the analytic sparsemax, forward and backward") {
  Random rng(21);
  for (Eigen::Index n : {1, 2, 10, 100}) {
    const MatrixXd X = rng.normal(5, n), R = rng.normal(5, n);
    SimplexQpSolver solver(n);
    const MatrixXd Y = sparsemax(X), dX = sparsemax_backward(X, R);
    for (Eigen::Index k = 0; k < X.rows(); ++k) {
      REQUIRE(solver.solve(VectorXd::Constant(n, 2.0), -2.0 * X.row(k).transpose()) == Status::solved);
      CHECK(max_abs(solver.result().z.transpose() - Y.row(k)) < 1e-10);
      CHECK(solver.result().z.minCoeff() > 0.0);  // an interior point
      VectorXd grad_q(n);
      REQUIRE(solver.backward(R.row(k).transpose(), grad_q));
      CHECK(max_abs(-2.0 * grad_q.transpose() - dX.row(k)) < 1e-9);
    }
  }
}

TEST_CASE("simplex QP: a weighted diagonal matches the general QP solver, grad_d matches differences") {
  Random rng(22);
  const Eigen::Index n = 7;
  const VectorXd d = (rng.normal(n, 1).array().abs() + 0.5).matrix(), q = rng.normal(n, 1), g = rng.normal(n, 1);
  SimplexQpSolver solver(n, gradcheck_settings());
  REQUIRE(solver.solve(d, q) == Status::solved);
  const QpResult general = solve_qp(MatrixXd(d.asDiagonal()), q, -MatrixXd::Identity(n, n), VectorXd::Zero(n),
                                    MatrixXd::Ones(1, n), VectorXd::Ones(1), gradcheck_settings());
  REQUIRE(general.status == Status::solved);
  CHECK(max_abs(solver.result().z - general.z) < 1e-9);
  CHECK(std::abs(solver.result().nu(0) - general.nu(0)) < 1e-8);
  CHECK(max_abs(solver.result().lambda - general.lambda) < 1e-8);

  VectorXd grad_q(n), grad_d(n);
  REQUIRE(solver.backward(g, grad_q, grad_d));
  SimplexQpSolver probe(n, gradcheck_settings());
  const auto loss = [&](const VectorXd& dd, const VectorXd& qq) {
    REQUIRE(probe.solve(dd, qq) == Status::solved);
    return g.dot(probe.result().z);
  };
  const double eps = 1e-6;
  for (Eigen::Index i = 0; i < n; ++i) {
    VectorXd e = VectorXd::Zero(n);
    e(i) = eps;
    CHECK(std::abs((loss(d, q + e) - loss(d, q - e)) / (2 * eps) - grad_q(i)) < 1e-6);
    CHECK(std::abs((loss(d + e, q) - loss(d - e, q)) / (2 * eps) - grad_d(i)) < 1e-6);
  }
}

TEST_CASE("simplex QP: bad input is reported, never thrown; backward needs a solved problem") {
  CHECK_THROWS_AS(SimplexQpSolver(0), std::invalid_argument);
  SimplexQpSolver solver(3);
  VectorXd grad(3);
  CHECK_FALSE(solver.backward(VectorXd::Ones(3), grad));
  CHECK(solver.solve(VectorXd::Ones(2), VectorXd::Zero(3)) == Status::invalid_input);
  CHECK(solver.solve(-VectorXd::Ones(3), VectorXd::Zero(3)) == Status::invalid_input);
  CHECK(solver.result().message.find("negative") != std::string::npos);
  VectorXd q = VectorXd::Zero(3);
  q(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK(solver.solve(VectorXd::Ones(3), q) == Status::invalid_input);
  CHECK_FALSE(solver.backward(VectorXd::Ones(3), grad));
  // A linear objective (d = 0) is a vertex of the simplex.
  REQUIRE(solver.solve(VectorXd::Zero(3), (VectorXd(3) << 1.0, -1.0, 0.0).finished()) == Status::solved);
  CHECK(std::abs(solver.result().z(1) - 1.0) < 1e-9);
}

TEST_CASE("simplex sparsemax layer: equals the QP layer; threads give bit-identical results") {
  Random rng(23);
  const MatrixXd X = rng.normal(9, 6), R = rng.normal(9, 6);
  SimplexSparsemaxLayer serial(6), threaded(6, QpLayerOptions{layer_settings(), 3});
  SparsemaxLayer general(6);
  MatrixXd Y1, Y3, Yg, dX1, dX3, dXg;
  REQUIRE(serial.forward(X, Y1) == Status::solved);
  REQUIRE(threaded.forward(X, Y3) == Status::solved);
  REQUIRE(general.forward(X, Yg) == Status::solved);
  REQUIRE(serial.backward(R, dX1));
  REQUIRE(threaded.backward(R, dX3));
  REQUIRE(general.backward(R, dXg));
  CHECK((Y1.array() == Y3.array()).all());
  CHECK((dX1.array() == dX3.array()).all());
  CHECK(max_abs(Y1 - Yg) < 1e-9);
  CHECK(max_abs(dX1 - dXg) < 1e-8);
  // Wrong shapes are refused; a smaller batch after a larger one works.
  MatrixXd wrong;
  CHECK(serial.forward(MatrixXd::Zero(2, 5), wrong) == Status::invalid_input);
  CHECK_FALSE(serial.backward(R, dX1));
  REQUIRE(serial.forward(X.topRows(2), Y1) == Status::solved);
  CHECK_FALSE(serial.backward(R, dX1));
  REQUIRE(serial.backward(R.topRows(2), dX1));
  CHECK(max_abs(dX1 - sparsemax_backward(X.topRows(2), R.topRows(2))) < 1e-9);
}

TEST_CASE("simplex sparsemax layer: a batch large enough for a parallel backward is still bit-identical") {
  Random rng(24);
  const MatrixXd X = rng.normal(64, 1024), R = rng.normal(64, 1024);  // 2^16 entries
  SimplexSparsemaxLayer serial(1024), threaded(1024, QpLayerOptions{layer_settings(), 2});
  MatrixXd Y1, Y2, dX1, dX2;
  REQUIRE(serial.forward(X, Y1) == Status::solved);
  REQUIRE(threaded.forward(X, Y2) == Status::solved);
  REQUIRE(serial.backward(R, dX1));
  REQUIRE(threaded.backward(R, dX2));
  CHECK((Y1.array() == Y2.array()).all());
  CHECK((dX1.array() == dX2.array()).all());
  // 64 x 1024 normal entries put some within ~1e-5 of the threshold tau, where the derivative
  // at the final iterate still blends the two sides of the kink: its weight on entry i is
  // about mu / (x_i - tau)^2, with mu ~ 1e-13 (the same holds for QpSolver's derivatives).
  CHECK(max_abs(dX1 - sparsemax_backward(X, R)) < 1e-3);
}

TEST_CASE("simplex QP: many rows solve in few iterations (a corrected step that raised mu once cycled)") {
  Random rng(25);
  for (Eigen::Index n : {10, 1000}) {
    SimplexQpSolver solver(n);
    const VectorXd d = VectorXd::Constant(n, 2.0);
    const MatrixXd X = rng.normal(n == 10 ? 500 : 100, n);
    int worst = 0;
    for (Eigen::Index k = 0; k < X.rows(); ++k) {
      REQUIRE(solver.solve(d, -2.0 * X.row(k).transpose()) == Status::solved);
      worst = std::max(worst, solver.result().iterations);
    }
    CAPTURE(n);
    CHECK(worst <= 20);
  }
}
