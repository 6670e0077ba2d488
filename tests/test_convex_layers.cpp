// The chapter's layers (sigmoid, softmax, ball projection) against their analytic forms:
// forward error below 1e-10 and backward error below 1e-9 over batches of 20 x 10 inputs.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <optlayer/optlayer.hpp>
#include <optlayer/problems/ball_projection.hpp>
#include <optlayer/problems/sigmoid.hpp>
#include <optlayer/problems/softmax.hpp>
#include <random>

using namespace optlayer;
using Eigen::MatrixXd;

namespace {

constexpr Eigen::Index kBatch = 20, kDim = 10;

MatrixXd normal_matrix(Eigen::Index rows, Eigen::Index cols, double scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  MatrixXd M(rows, cols);
  for (Eigen::Index i = 0; i < M.size(); ++i) M(i) = scale * normal(gen);
  return M;
}

struct Errors {
  double forward = 0.0, backward = 0.0;
};

// Forward and backward through `layer` against the analytic `reference` and `reference_vjp`.
template <typename Layer, typename Reference, typename ReferenceVjp>
Errors layer_errors(Layer& layer, Reference reference, ReferenceVjp reference_vjp, double scale, unsigned seed) {
  const MatrixXd X = normal_matrix(kBatch, kDim, scale, seed);
  const MatrixXd dY = normal_matrix(kBatch, kDim, 1.0, seed + 100);
  MatrixXd Y, dX;
  REQUIRE(layer.forward(X, Y) == Status::solved);
  const long factorizations = layer.layer().total_factorizations();
  REQUIRE(layer.backward(dY, dX));
  CHECK(layer.layer().total_factorizations() == factorizations);  // the backward reuses the factorizations
  Errors errors;
  errors.forward = (Y - reference(X)).cwiseAbs().maxCoeff();
  errors.backward = (dX - reference_vjp(X, dY)).cwiseAbs().maxCoeff();
  MESSAGE("scale ", scale, ": forward max error ", errors.forward, ", backward max error ", errors.backward);
  return errors;
}

}  // namespace

TEST_CASE("sigmoid layer matches 1 / (1 + exp(-x)) and its derivative") {
  SigmoidLayer layer;
  for (double scale : {1.0, 10.0}) {
    const Errors e = layer_errors(layer, sigmoid, sigmoid_backward, scale, 11);
    CHECK(e.forward < 1e-10);
    CHECK(e.backward < 1e-9);
  }
}

TEST_CASE("softmax layer matches the analytic softmax and its vector-Jacobian product") {
  SoftmaxLayer layer(kDim);
  for (double scale : {1.0, 10.0}) {
    const Errors e = layer_errors(layer, softmax, softmax_backward, scale, 22);
    CHECK(e.forward < 1e-10);
    CHECK(e.backward < 1e-9);
  }
}

TEST_CASE("ball projection layer matches x / max(1, ||x||) inside and outside the ball") {
  BallProjectionLayer layer(kDim);
  for (double scale : {0.1, 1.0, 10.0}) {  // 0.1: every row inside the ball (inactive constraint)
    const Errors e = layer_errors(layer, ball_projection, ball_projection_backward, scale, 33);
    CHECK(e.forward < 1e-10);
    CHECK(e.backward < 1e-9);
  }
}

TEST_CASE("softmax errors over the chapter's 20 x 10 batch are far below the chapter's 3.96e-5 / 4.49e-5") {
  // The chapter reports the mean absolute error of forward and backward (with random dL/dy).
  SoftmaxLayer layer(kDim);
  const MatrixXd X = normal_matrix(kBatch, kDim, 1.0, 7);
  const MatrixXd r = normal_matrix(kBatch, kDim, 1.0, 8);
  MatrixXd Y, dX;
  REQUIRE(layer.forward(X, Y) == Status::solved);
  REQUIRE(layer.backward(r, dX));
  const double forward_mean = (Y - softmax(X)).cwiseAbs().mean();
  const double backward_mean = (dX - softmax_backward(X, r)).cwiseAbs().mean();
  MESSAGE("softmax mean abs error: forward ", forward_mean, " (chapter 3.96e-5), backward ", backward_mean,
          " (chapter 4.49e-5)");
  CHECK(forward_mean < 1e-12);
  CHECK(backward_mean < 1e-12);
}

TEST_CASE("layers report shape errors and refuse a backward without a solved forward") {
  SoftmaxLayer layer(kDim);
  MatrixXd Y, dX;
  CHECK(layer.forward(MatrixXd::Zero(3, kDim + 1), Y) == Status::invalid_input);
  CHECK_FALSE(layer.backward(MatrixXd::Zero(3, kDim), dX));
  REQUIRE(layer.forward(MatrixXd::Zero(3, kDim), Y) == Status::solved);
  CHECK((Y.array() - 0.1).abs().maxCoeff() < 1e-12);  // softmax of zeros is uniform
  CHECK_FALSE(layer.backward(MatrixXd::Zero(2, kDim), dX));
  SigmoidLayer sigmoid_layer;
  REQUIRE(sigmoid_layer.forward(MatrixXd::Zero(2, 3), Y) == Status::solved);
  CHECK((Y.array() - 0.5).abs().maxCoeff() < 1e-14);
  CHECK_FALSE(sigmoid_layer.backward(MatrixXd::Zero(3, 2), dX));
}

TEST_CASE("a weakly active ball constraint (||x|| = 1) gives a finite derivative") {
  BallProjectionLayer layer(3);
  MatrixXd X(1, 3), Y, dX;
  X << 0.6, 0.8, 0.0;  // on the sphere: lambda = 0 and g = 0 at the solution
  REQUIRE(layer.forward(X, Y) == Status::solved);
  CHECK((Y - X).cwiseAbs().maxCoeff() < 1e-6);
  REQUIRE(layer.backward(MatrixXd::Ones(1, 3), dX));
  CHECK(dX.allFinite());
  // Between the one-sided derivatives: identity (inside) and the tangent projection (outside).
  const MatrixXd inside = MatrixXd::Ones(1, 3);
  const MatrixXd outside = ball_projection_backward(X * (1.0 + 1e-12), MatrixXd::Ones(1, 3));
  for (Eigen::Index j = 0; j < 3; ++j) {
    CHECK(dX(0, j) >= std::min(inside(0, j), outside(0, j)) - 1e-6);
    CHECK(dX(0, j) <= std::max(inside(0, j), outside(0, j)) + 1e-6);
  }
}

TEST_CASE("convex layer on threads: bit-identical to one thread") {
  const MatrixXd X = normal_matrix(9, kDim, 1.0, 41), R = normal_matrix(9, kDim, 1.0, 42);
  SoftmaxLayer serial(kDim), threaded(kDim, layer_settings(), 3);
  MatrixXd Y1, Y3, dX1, dX3;
  REQUIRE(serial.forward(X, Y1) == Status::solved);
  REQUIRE(threaded.forward(X, Y3) == Status::solved);
  REQUIRE(serial.backward(R, dX1));
  REQUIRE(threaded.backward(R, dX3));
  CHECK((Y1.array() == Y3.array()).all());
  CHECK((dX1.array() == dX3.array()).all());
  CHECK((Y1 - softmax(X)).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("the entropy through automatic differentiation takes the same diagonal path as the hand-written one") {
  // Same problem as make_softmax_problem, derivatives from the tape: equal to round-off.
  const auto entropy = [](const auto& z, const auto& x) { return (z.array() * z.array().log()).sum() - z.dot(x); };
  const auto sum_to_one = [](const auto& z, const auto&, auto& h) { h(0) = z.sum() - 1.0; };
  ConvexProblem autodiff = make_convex_problem(kDim, kDim, entropy, equalities(1, sum_to_one));
  autodiff.set_lower_bounds(Eigen::VectorXd::Zero(kDim));
  ConvexSolver by_tape(autodiff, layer_settings()), by_hand(make_softmax_problem(kDim), layer_settings());
  const Eigen::VectorXd x = normal_matrix(kDim, 1, 2.0, 43), r = normal_matrix(kDim, 1, 1.0, 44);
  REQUIRE(by_tape.solve(x) == Status::solved);
  REQUIRE(by_hand.solve(x) == Status::solved);
  CHECK((by_tape.result().z - by_hand.result().z).cwiseAbs().maxCoeff() < 1e-13);
  Eigen::VectorXd g_tape, g_hand;
  REQUIRE(by_tape.backward(r, g_tape));
  REQUIRE(by_hand.backward(r, g_hand));
  CHECK((g_tape - g_hand).cwiseAbs().maxCoeff() < 1e-11);
}
