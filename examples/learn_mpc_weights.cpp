// Learning MPC cost weights from expert demonstrations by gradient descent through the MPC
// layer (the differentiable-MPC idea of Amos et al., 2018, "Differentiable MPC for End-to-end
// Planning and Control").
//
// The expert is the quadrotor MPC with hidden diagonal weights Q*, R*. The learner has the same
// model and limits but weights Q = diag(exp(theta_Q)), R = diag(exp(theta_R)) (positive by
// construction), starting from Q = R = I. The loss is the mean squared difference between the
// learner's planned inputs and the expert's, over a set of initial states; its gradient with
// respect to Q and R comes from MpcLayer::backward (one adjoint solve on the kept factorization
// per demonstration), and Adam follows it.
//
//   learn_mpc_weights [epochs]

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optlayer/optlayer.hpp>
#include <random>
#include <vector>

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;
using optlayer::MpcForm;
using optlayer::MpcLayer;

struct Demonstration {
  VectorXd x0;
  MatrixXd inputs;  // the expert's plan, nu x N
};

// Initial states around hover: position offsets, small tilts, some velocity.
std::vector<VectorXd> initial_states(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::vector<VectorXd> states;
  for (int i = 0; i < count; ++i) {
    VectorXd x = VectorXd::Zero(12);
    for (int j = 0; j < 3; ++j) x(j) = 1.5 * unit(rng);
    for (int j = 3; j < 5; ++j) x(j) = 0.1 * unit(rng);
    for (int j = 6; j < 9; ++j) x(j) = 0.5 * unit(rng);
    states.push_back(x);
  }
  return states;
}

std::vector<Demonstration> expert_demonstrations(const optlayer::LinearMpc& expert, int count) {
  MpcLayer layer(expert, MpcForm::condensed);
  std::vector<Demonstration> demos;
  for (const VectorXd& x0 : initial_states(count, 2018)) {
    if (layer.solve(x0, VectorXd::Zero(12)) != optlayer::Status::solved) continue;
    demos.push_back({x0, layer.inputs()});
  }
  return demos;
}

// The learner's MPC for weights exp(theta): theta = (log diag Q (12), log diag R (4)).
optlayer::LinearMpc with_weights(optlayer::LinearMpc mpc, const VectorXd& theta) {
  mpc.Q = theta.head(12).array().exp().matrix().asDiagonal();
  mpc.R = theta.tail(4).array().exp().matrix().asDiagonal();
  return mpc;
}

/// Loss and its gradient with respect to theta over all demonstrations.
double loss_and_gradient(MpcLayer& layer, const optlayer::LinearMpc& base, const VectorXd& theta,
                         const std::vector<Demonstration>& demos, VectorXd& gradient) {
  layer.set_mpc(with_weights(base, theta));
  gradient.setZero(theta.size());
  double loss = 0.0;
  const double scale = 1.0 / static_cast<double>(demos.size());
  optlayer::MpcGradient g;
  for (const Demonstration& d : demos) {
    if (layer.solve(d.x0, VectorXd::Zero(12)) != optlayer::Status::solved) continue;
    const MatrixXd error = layer.inputs() - d.inputs;
    loss += scale * error.squaredNorm();
    if (!layer.backward(2.0 * scale * error, MatrixXd(), g)) continue;
    // Chain rule through Q = diag(exp(theta)): dL/dtheta_j = dL/dQ_jj exp(theta_j).
    gradient.head(12) += (g.Q.diagonal().array() * theta.head(12).array().exp()).matrix();
    gradient.tail(4) += (g.R.diagonal().array() * theta.tail(4).array().exp()).matrix();
  }
  return loss;
}

/// Adam (Kingma and Ba) on a parameter vector.
struct Adam {
  double rate = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  VectorXd m, v;
  int t = 0;
  void step(VectorXd& theta, const VectorXd& gradient) {
    if (m.size() != theta.size()) {
      m = VectorXd::Zero(theta.size());
      v = VectorXd::Zero(theta.size());
    }
    ++t;
    m = beta1 * m + (1.0 - beta1) * gradient;
    v = beta2 * v + (1.0 - beta2) * gradient.cwiseAbs2();
    const double c1 = 1.0 - std::pow(beta1, t), c2 = 1.0 - std::pow(beta2, t);
    theta.array() -= rate * (m.array() / c1) / ((v.array() / c2).sqrt() + eps);
  }
};

void print_weights(const char* label, const VectorXd& q, const VectorXd& r) {
  std::printf("%-8s Q diag:", label);
  for (Eigen::Index i = 0; i < q.size(); ++i) std::printf(" %6.3g", q(i));
  std::printf("\n%-8s R diag:", "");
  for (Eigen::Index i = 0; i < r.size(); ++i) std::printf(" %6.3g", r(i));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 150;
  const optlayer::LinearMpc expert = optlayer::quadrotor_mpc(0.1, 10);
  const std::vector<Demonstration> demos = expert_demonstrations(expert, 8);
  std::printf("learning 16 MPC weights from %zu expert plans (quadrotor, N = 10)\n", demos.size());

  VectorXd theta = VectorXd::Zero(16);  // Q = I, R = I
  MpcLayer learner(with_weights(expert, theta), MpcForm::condensed);
  Adam adam;
  VectorXd gradient;
  double first = 0.0, last = 0.0;
  for (int epoch = 0; epoch <= epochs; ++epoch) {
    last = loss_and_gradient(learner, expert, theta, demos, gradient);
    if (epoch == 0) first = last;
    if (epoch % 10 == 0 || epoch == epochs) std::printf("epoch %4d  loss %.6e\n", epoch, last);
    if (epoch < epochs) adam.step(theta, gradient);
  }
  std::printf("loss fell by a factor %.3g\n", first / last);
  print_weights("expert", expert.Q.diagonal(), expert.R.diagonal());
  print_weights("learned", theta.head(12).array().exp().matrix(), theta.tail(4).array().exp().matrix());
  std::printf("(the plans fix the weights only up to what the demonstrations reveal: unexcited states stay loose)\n");
  return last < first ? 0 : 1;
}
