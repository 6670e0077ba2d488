// A shortened examples/learn_mpc_weights.cpp: gradient descent through the MPC layer on the
// log-weights of Q and R reduces the imitation loss against expert plans by a clear factor,
// and the analytic gradient of that loss matches a finite difference.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>
#include <random>
#include <vector>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

struct Demonstration {
  VectorXd x0;
  MatrixXd inputs;
};

std::vector<Demonstration> demonstrations(const LinearMpc& expert, int count) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  MpcLayer layer(expert, MpcForm::condensed);
  std::vector<Demonstration> demos;
  for (int i = 0; i < count; ++i) {
    VectorXd x0 = VectorXd::Zero(12);
    for (int j = 0; j < 3; ++j) x0(j) = 1.5 * unit(rng);
    for (int j = 6; j < 9; ++j) x0(j) = 0.5 * unit(rng);
    REQUIRE(layer.solve(x0, VectorXd::Zero(12)) == Status::solved);
    demos.push_back({x0, layer.inputs()});
  }
  return demos;
}

LinearMpc with_weights(LinearMpc mpc, const VectorXd& theta) {
  mpc.Q = theta.head(12).array().exp().matrix().asDiagonal();
  mpc.R = theta.tail(4).array().exp().matrix().asDiagonal();
  return mpc;
}

// Mean squared input error over the demonstrations and its gradient with respect to theta.
double loss(MpcLayer& layer, const LinearMpc& base, const VectorXd& theta, const std::vector<Demonstration>& demos,
            VectorXd* gradient) {
  layer.set_mpc(with_weights(base, theta));
  if (gradient != nullptr) gradient->setZero(16);
  double total = 0.0;
  const double scale = 1.0 / static_cast<double>(demos.size());
  MpcGradient g;
  for (const Demonstration& d : demos) {
    REQUIRE(layer.solve(d.x0, VectorXd::Zero(12)) == Status::solved);
    const MatrixXd error = layer.inputs() - d.inputs;
    total += scale * error.squaredNorm();
    if (gradient == nullptr) continue;
    REQUIRE(layer.backward(2.0 * scale * error, MatrixXd(), g));
    gradient->head(12) += (g.Q.diagonal().array() * theta.head(12).array().exp()).matrix();
    gradient->tail(4) += (g.R.diagonal().array() * theta.tail(4).array().exp()).matrix();
  }
  return total;
}

Settings tight() {
  Settings s;
  s.eps_abs = 1e-10;
  s.eps_rel = 0.0;
  return s;
}

}  // namespace

TEST_CASE("the imitation-loss gradient with respect to the log-weights matches finite differences") {
  const LinearMpc expert = quadrotor_mpc(0.1, 10);
  const std::vector<Demonstration> demos = demonstrations(expert, 3);
  VectorXd theta = VectorXd::Constant(16, 0.2);
  MpcLayer layer(with_weights(expert, theta), MpcForm::condensed, tight());
  VectorXd gradient;
  loss(layer, expert, theta, demos, &gradient);
  for (int j : {0, 2, 4, 7, 12, 13}) {
    const double t = 1e-5;
    VectorXd plus = theta, minus = theta;
    plus(j) += t;
    minus(j) -= t;
    const double fd = (loss(layer, expert, plus, demos, nullptr) - loss(layer, expert, minus, demos, nullptr)) / (2 * t);
    INFO("theta(" << j << "): analytic " << gradient(j) << ", finite difference " << fd);
    CHECK(std::abs(gradient(j) - fd) <= 1e-4 * (std::abs(fd) + 1e-3));
  }
}

TEST_CASE("gradient descent on the MPC weights cuts the imitation loss by more than 10x") {
  const LinearMpc expert = quadrotor_mpc(0.1, 10);
  const std::vector<Demonstration> demos = demonstrations(expert, 4);
  VectorXd theta = VectorXd::Zero(16);  // start from Q = R = I
  MpcLayer layer(with_weights(expert, theta), MpcForm::condensed);
  // Adam, as in the example.
  VectorXd m = VectorXd::Zero(16), v = VectorXd::Zero(16), gradient;
  const double rate = 0.1, beta1 = 0.9, beta2 = 0.999;
  const double first = loss(layer, expert, theta, demos, &gradient);
  double last = first;
  for (int t = 1; t <= 40; ++t) {
    m = beta1 * m + (1 - beta1) * gradient;
    v = beta2 * v + (1 - beta2) * gradient.cwiseAbs2();
    const VectorXd m_hat = m / (1 - std::pow(beta1, t)), v_hat = v / (1 - std::pow(beta2, t));
    theta.array() -= rate * m_hat.array() / (v_hat.array().sqrt() + 1e-8);
    last = loss(layer, expert, theta, demos, &gradient);
  }
  MESSAGE("imitation loss " << first << " -> " << last);
  CHECK(last < first / 10.0);
}
