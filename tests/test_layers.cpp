// The ready QP layers of problems/: ReLU, sparsemax, polytope projection, the OptNet layer and
// non-negative least squares with an l1 term. Forward and backward against the analytic
// references where they exist, every backward against central differences of the layer itself,
// plus the shared row-batch engine, the KKT residual and Adam.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <optlayer/optlayer.hpp>
#include <vector>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using optlayer_test::Random;

namespace {

// Tight solves, as finite differences need.
QpLayerOptions tight(unsigned threads = 1) { return QpLayerOptions{gradcheck_settings(), threads}; }

double max_abs(const MatrixXd& M) { return M.size() > 0 ? M.cwiseAbs().maxCoeff() : 0.0; }

// A matrix as a flat (column-major) vector and back.
VectorXd flat(const MatrixXd& M) { return Eigen::Map<const VectorXd>(M.data(), M.size()); }
MatrixXd shaped(const VectorXd& v, Eigen::Index rows, Eigen::Index cols) {
  return Eigen::Map<const MatrixXd>(v.data(), rows, cols);
}

// Relative finite-difference error of `gradient` for a loss of a matrix argument shaped like `at`;
// `loss` returns false when the layer cannot be evaluated there.
double fd_error(const std::function<bool(const MatrixXd&, double&)>& loss, const MatrixXd& at, const MatrixXd& gradient) {
  const ScalarFunction f = [&](const VectorXd& x, double& value) { return loss(shaped(x, at.rows(), at.cols()), value); };
  const FunctionCheck check = check_gradient(f, flat(at), flat(gradient));
  CHECK(check.failed_evaluations == 0);
  CHECK(check.checks == at.size());
  return check.max_error;
}

// Forward and backward of a row layer (forward(X, Y), backward(dY, dX)) with the cotangent R.
template <typename Layer>
void run_layer(Layer& layer, const MatrixXd& X, const MatrixXd& R, MatrixXd& Y, MatrixXd& dX) {
  REQUIRE(layer.forward(X, Y) == Status::solved);
  REQUIRE(layer.backward(R, dX));
}

// Backward of a row layer for L = <R, Y> against central differences of a second instance (so
// the checked layer keeps its own factorizations).
template <typename Layer>
double layer_fd_error(Layer& layer, Layer& probe, const MatrixXd& X, const MatrixXd& R) {
  MatrixXd Y, dX;
  run_layer(layer, X, R, Y, dX);
  const auto loss = [&](const MatrixXd& x, double& value) {
    MatrixXd y;
    if (probe.forward(x, y) != Status::solved) return false;
    value = (R.array() * y.array()).sum();
    return true;
  };
  return fd_error(loss, X, dX);
}

// Standard-normal entries pushed away from 0 by at least `gap`: keeps ReLU off its kink.
MatrixXd away_from_zero(Random& rng, Eigen::Index rows, Eigen::Index cols, double gap) {
  MatrixXd X = rng.normal(rows, cols);
  return X.unaryExpr([gap](double v) { return v >= 0.0 ? v + gap : v - gap; });
}

}  // namespace

TEST_CASE("ReLU layer: forward and backward equal the analytic ReLU") {
  Random rng(1);
  const MatrixXd X = away_from_zero(rng, 6, 8, 0.05), R = rng.normal(6, 8);
  ReluLayer layer(8);
  MatrixXd Y, dX;
  run_layer(layer, X, R, Y, dX);
  CHECK(max_abs(Y - relu(X)) < 1e-9);
  CHECK(max_abs(dX - relu_backward(X, R)) < 1e-9);
  CHECK(relu_backward(X, R).cwiseAbs().sum() > 1.0);  // the comparison is not of two zero matrices
}

TEST_CASE("ReLU layer: backward matches central differences of the layer") {
  Random rng(2);
  const MatrixXd X = away_from_zero(rng, 3, 5, 0.05), R = rng.normal(3, 5);
  ReluLayer layer(5, tight()), probe(5, tight());
  CHECK(layer_fd_error(layer, probe, X, R) < 1e-6);
}

TEST_CASE("sparsemax, analytic: a hand-computed example, the simplex, and the Jacobian") {
  // x = (1, 0.5, -1): support {0, 1}, tau = (1 + 0.5 - 1) / 2 = 0.25.
  const MatrixXd x = (MatrixXd(1, 3) << 1.0, 0.5, -1.0).finished();
  CHECK(max_abs(sparsemax(x) - (MatrixXd(1, 3) << 0.75, 0.25, 0.0).finished()) < 1e-15);
  // A single large entry takes everything; equal entries share equally.
  CHECK(max_abs(sparsemax((MatrixXd(1, 3) << 5.0, 0.0, 0.0).finished()) - (MatrixXd(1, 3) << 1.0, 0.0, 0.0).finished()) < 1e-15);
  CHECK(max_abs(sparsemax(MatrixXd::Constant(1, 4, 2.0)) - MatrixXd::Constant(1, 4, 0.25)) < 1e-15);
  // An entry barely inside the support: tau = (1 + 0.004 - 1) / 2 = 0.002.
  const MatrixXd barely = sparsemax((MatrixXd(1, 3) << 1.0, 0.004, -1.0).finished());
  CHECK(max_abs(barely - (MatrixXd(1, 3) << 0.998, 0.002, 0.0).finished()) < 1e-15);
  const MatrixXd J = sparsemax_jacobian(x.row(0));
  const MatrixXd expected = (MatrixXd(3, 3) << 0.5, -0.5, 0, -0.5, 0.5, 0, 0, 0, 0).finished();
  CHECK(max_abs(J - expected) < 1e-15);

  Random rng(3);
  const MatrixXd X = rng.normal(20, 7), R = rng.normal(20, 7);
  const MatrixXd Y = sparsemax(X);
  CHECK(Y.minCoeff() >= 0.0);
  CHECK(max_abs(Y.rowwise().sum() - VectorXd::Ones(20)) < 1e-14);
  // The VJP is the Jacobian's transpose applied row by row, and the Jacobian is the derivative.
  const MatrixXd dX = sparsemax_backward(X, R);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    CHECK(max_abs(dX.row(i) - R.row(i) * sparsemax_jacobian(X.row(i))) < 1e-14);
    const double eps = 1e-7;
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      MatrixXd plus = X.row(i), minus = X.row(i);
      plus(0, j) += eps;
      minus(0, j) -= eps;
      const MatrixXd column = (sparsemax(plus) - sparsemax(minus)).transpose() / (2 * eps);
      CHECK(max_abs(column - sparsemax_jacobian(X.row(i)).col(j)) < 1e-7);
    }
  }
}

TEST_CASE("sparsemax layer: forward and backward equal the analytic sparsemax") {
  Random rng(4);
  const MatrixXd X = rng.normal(8, 10), R = rng.normal(8, 10);
  SparsemaxLayer layer(10);
  MatrixXd Y, dX;
  run_layer(layer, X, R, Y, dX);
  CHECK(max_abs(Y - sparsemax(X)) < 1e-9);
  CHECK(max_abs(dX - sparsemax_backward(X, R)) < 1e-9);
  CHECK(max_abs(Y.rowwise().sum() - VectorXd::Ones(8)) < 1e-12);
  // Rows really are sparse, so the inequalities matter.
  CHECK((Y.array() < 1e-9).count() > 8 * 5);
}

TEST_CASE("sparsemax layer: backward matches central differences of the layer") {
  Random rng(5);
  const MatrixXd X = rng.normal(2, 6), R = rng.normal(2, 6);
  SparsemaxLayer layer(6, tight()), probe(6, tight());
  CHECK(layer_fd_error(layer, probe, X, R) < 1e-6);
}

TEST_CASE("polytope projection: dL/dx, dL/dG, dL/dh match central differences") {
  Random rng(6);
  const MatrixXd G = rng.normal(7, 2), X = 1.5 * rng.normal(5, 2), R = rng.normal(5, 2);
  const VectorXd h = VectorXd::Ones(7);
  PolytopeProjectionLayer layer(G, h, tight(2));
  MatrixXd Z, dX, dG;
  VectorXd dh;
  REQUIRE(layer.forward(X, Z) == Status::solved);
  REQUIRE(layer.backward(R, dX, dG, dh));
  CHECK(dG.cwiseAbs().sum() > 0.1);  // some rows are projected onto facets
  // L(X, G, h) = <R, Z(X; G, h)>, one argument varied at a time.
  const auto loss_at = [&](const MatrixXd& x, const MatrixXd& g, const VectorXd& hh, double& value) {
    PolytopeProjectionLayer probe(g, hh, tight());
    MatrixXd z;
    if (probe.forward(x, z) != Status::solved) return false;
    value = (R.array() * z.array()).sum();
    return true;
  };
  CHECK(fd_error([&](const MatrixXd& x, double& v) { return loss_at(x, G, h, v); }, X, dX) < 1e-6);
  CHECK(fd_error([&](const MatrixXd& g, double& v) { return loss_at(X, g, h, v); }, G, dG) < 1e-6);
  CHECK(fd_error([&](const MatrixXd& hh, double& v) { return loss_at(X, G, hh.col(0), v); }, h, dh) < 1e-6);
}

TEST_CASE("projection layer with equalities: dL/dA and dL/db summed over rows match central differences") {
  Random rng(7);
  const MatrixXd G = -MatrixXd::Identity(4, 4), A = rng.normal(2, 4), X = rng.normal(3, 4), R = rng.normal(3, 4);
  const VectorXd h = VectorXd::Constant(4, 0.5), b = 0.1 * rng.normal(2);
  ProjectionLayer layer(G, h, A, b, tight());
  MatrixXd Z, dX;
  ProjectionGradient grad;
  REQUIRE(layer.forward(X, Z) == Status::solved);
  REQUIRE(layer.backward(R, dX, grad));
  CHECK(max_abs(A * Z.transpose() - b.replicate(1, 3)) < 1e-9);
  const auto loss_at = [&](const MatrixXd& a, const VectorXd& bb, double& value) {
    ProjectionLayer probe(G, h, a, bb, tight());
    MatrixXd z;
    if (probe.forward(X, z) != Status::solved) return false;
    value = (R.array() * z.array()).sum();
    return true;
  };
  CHECK(fd_error([&](const MatrixXd& a, double& v) { return loss_at(a, b, v); }, A, grad.A) < 1e-6);
  CHECK(fd_error([&](const MatrixXd& bb, double& v) { return loss_at(A, bb.col(0), v); }, b, grad.b) < 1e-6);
}

TEST_CASE("OptNet layer: gradients of every parameter, Psqrt through P = Psqrt'Psqrt, match central differences") {
  Random rng(8);
  const Eigen::Index n = 5, m = 3, p = 2;
  std::vector<OptNetParameters> x(2);
  for (OptNetParameters& xk : x) {
    const QpData d = optlayer_test::optnet_qp(rng, n, m, p);
    xk = OptNetParameters{rng.normal(n, n), d.q, d.G, d.h, d.A, d.b};
  }
  const MatrixXd R = rng.normal(2, n);
  OptNetLayer layer(n, m, p, tight(2));
  MatrixXd Z;
  std::vector<OptNetParameters> grad;
  REQUIRE(layer.forward(x, Z) == Status::solved);
  REQUIRE(layer.backward(R, grad));
  REQUIRE(grad.size() == 2);
  OptNetLayer probe(n, m, p, tight());
  for (std::size_t k = 0; k < 2; ++k) {
    const auto loss_with = [&](const std::function<void(OptNetParameters&)>& set, double& value) {
      std::vector<OptNetParameters> moved{x[k]};
      set(moved[0]);
      MatrixXd z;
      if (probe.forward(moved, z) != Status::solved) return false;
      value = R.row(static_cast<Eigen::Index>(k)).dot(z.row(0));
      return true;
    };
    CAPTURE(k);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.Psqrt = v; }, l); },
                   x[k].Psqrt, grad[k].Psqrt) < 1e-6);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.q = v.col(0); }, l); },
                   x[k].q, grad[k].q) < 1e-6);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.G = v; }, l); },
                   x[k].G, grad[k].G) < 1e-6);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.h = v.col(0); }, l); },
                   x[k].h, grad[k].h) < 1e-6);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.A = v; }, l); },
                   x[k].A, grad[k].A) < 1e-6);
    CHECK(fd_error([&](const MatrixXd& v, double& l) { return loss_with([&](OptNetParameters& y) { y.b = v.col(0); }, l); },
                   x[k].b, grad[k].b) < 1e-6);
  }
}

TEST_CASE("NNLS with l1: the solution satisfies the KKT conditions of the chapter's objective") {
  Random rng(9);
  const MatrixXd A = rng.normal(50, 10), B = rng.normal(3, 50);
  const double lambda = 0.1;
  NnlsL1Layer layer(A, lambda);
  MatrixXd Z;
  REQUIRE(layer.forward(B, Z) == Status::solved);
  const MatrixXd duals = layer.duals();
  for (Eigen::Index k = 0; k < 3; ++k) {
    const VectorXd z = Z.row(k).transpose(), mu = duals.row(k).transpose(), b = B.row(k).transpose();
    // Written out from ||Az - b||^2 + lambda 1'z - mu'z, independent of the QP form.
    CHECK(max_abs(2.0 * A.transpose() * (A * z - b) + VectorXd::Constant(10, lambda) - mu) < 1e-9);
    CHECK(max_abs(z.cwiseProduct(mu)) < 1e-9);
    CHECK(z.minCoeff() > -1e-12);
    CHECK(mu.minCoeff() > -1e-12);
    CHECK(layer.batch().kkt_residual(k).max() < 1e-9);
    CHECK((z.array() < 1e-9).count() > 0);  // the constraint is active somewhere
  }
  CHECK_THROWS_AS(NnlsL1Layer(A, -1.0), std::invalid_argument);
}

TEST_CASE("NNLS with l1: gradients of z and of the duals w.r.t. b, A and lambda match central differences") {
  Random rng(10);
  const MatrixXd A = rng.normal(12, 5), B = rng.normal(2, 12), R = rng.normal(2, 5), S = rng.normal(2, 5);
  const double lambda = 0.3;
  NnlsL1Layer layer(A, lambda, tight());
  MatrixXd Z;
  NnlsL1Gradient grad;
  REQUIRE(layer.forward(B, Z) == Status::solved);
  REQUIRE(layer.backward(R, S, grad));  // L = <R, Z> + <S, duals>
  const auto loss_at = [&](const MatrixXd& a, const MatrixXd& b, double lam, double& value) {
    NnlsL1Layer probe(a, lam, tight());
    MatrixXd z;
    if (probe.forward(b, z) != Status::solved) return false;
    value = (R.array() * z.array()).sum() + (S.array() * probe.duals().array()).sum();
    return true;
  };
  CHECK(fd_error([&](const MatrixXd& b, double& v) { return loss_at(A, b, lambda, v); }, B, grad.B) < 1e-6);
  CHECK(fd_error([&](const MatrixXd& a, double& v) { return loss_at(a, B, lambda, v); }, A, grad.A) < 1e-6);
  CHECK(fd_error([&](const MatrixXd& l, double& v) { return loss_at(A, B, l(0, 0), v); },
                 MatrixXd::Constant(1, 1, lambda), MatrixXd::Constant(1, 1, grad.lambda)) < 1e-6);
}

TEST_CASE("QP row batch: threads give bit-identical results; failures are reported, never stale") {
  Random rng(11);
  const MatrixXd X = rng.normal(9, 6), R = rng.normal(9, 6);
  SparsemaxLayer serial(6, QpLayerOptions{layer_settings(), 1}), threaded(6, QpLayerOptions{layer_settings(), 3});
  MatrixXd Y1, Y3, dX1, dX3;
  REQUIRE(serial.forward(X, Y1) == Status::solved);
  REQUIRE(threaded.forward(X, Y3) == Status::solved);
  REQUIRE(serial.backward(R, dX1));
  REQUIRE(threaded.backward(R, dX3));
  CHECK((Y1.array() == Y3.array()).all());
  CHECK((dX1.array() == dX3.array()).all());

  // A different batch size re-makes the solvers; wrong shapes are refused.
  REQUIRE(serial.forward(X.topRows(2), Y1) == Status::solved);
  CHECK(Y1.rows() == 2);
  CHECK_FALSE(serial.backward(R, dX1));
  MatrixXd wrong;
  CHECK(serial.forward(MatrixXd::Zero(2, 5), wrong) == Status::invalid_input);

  // An empty polytope: every row infeasible, NaN outputs, and no gradient.
  const MatrixXd G = (MatrixXd(2, 2) << 1, 0, -1, 0).finished();
  PolytopeProjectionLayer empty(G, (VectorXd(2) << -1.0, -1.0).finished());
  MatrixXd Z, dX, dG;
  VectorXd dh;
  CHECK(empty.forward(X.leftCols(2), Z) == Status::primal_infeasible);
  CHECK(Z.array().isNaN().all());
  CHECK_FALSE(empty.backward(R.leftCols(2), dX, dG, dh));
  CHECK_THROWS_AS(empty.set_parameters(MatrixXd::Zero(3, 2), VectorXd::Zero(3)), std::invalid_argument);
}

TEST_CASE("KKT residual: zero at a solution, positive away from it") {
  Random rng(12);
  const QpData d = optlayer_test::optnet_qp(rng, 6, 4, 2);
  QpResult r = solve_qp(d.P, d.q, d.G, d.h, d.A, d.b, gradcheck_settings());
  REQUIRE(r.status == Status::solved);
  CHECK(kkt_residual(d, r).max() < 1e-9);
  r.z(0) += 1e-3;
  const QpKktResidual moved = kkt_residual(d, r);
  CHECK(moved.stationarity > 1e-6);
  r.lambda(0) = -1.0;
  CHECK(kkt_residual(d, r).dual_feasibility == 1.0);
}

TEST_CASE("Adam: torch's first step and convergence on a quadratic") {
  // First step: m_hat = g, v_hat = g^2, so theta moves by lr * g / (|g| + eps).
  Adam adam(0.1);
  VectorXd theta = (VectorXd(2) << 1.0, -2.0).finished();
  const VectorXd g = (VectorXd(2) << 4.0, -0.5).finished();
  adam.step(theta, g);
  CHECK(theta(0) == doctest::Approx(1.0 - 0.1 * 4.0 / (4.0 + 1e-8)).epsilon(1e-15));
  CHECK(theta(1) == doctest::Approx(-2.0 + 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-15));
  CHECK(adam.steps() == 1);
  CHECK_THROWS_AS(adam.step(theta.head(1), g.head(1)), std::invalid_argument);

  // 1/2 ||theta - c||^2 from far away, with a learning-rate drop like the chapter's.
  Adam fit(0.1);
  const VectorXd c = (VectorXd(3) << 0.5, -1.0, 2.0).finished();
  VectorXd x = VectorXd::Zero(3);
  for (int i = 0; i < 400; ++i) {
    if (i == 300) fit.set_learning_rate(0.01);
    fit.step(x, x - c);
  }
  CHECK(max_abs(x - c) < 1e-2);
  CHECK_THROWS_AS(Adam(0.0), std::invalid_argument);
  CHECK_THROWS_AS(Adam(0.1, 1.0), std::invalid_argument);
}
