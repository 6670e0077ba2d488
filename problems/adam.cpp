// Adam with bias correction, as torch.optim.Adam computes it (no weight decay, no amsgrad).

#include "optlayer/problems/adam.hpp"

#include <cmath>
#include <stdexcept>

namespace optlayer {

Adam::Adam(double learning_rate, double beta1, double beta2, double epsilon)
    : lr_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
  set_learning_rate(learning_rate);
  if (!(beta1 >= 0.0 && beta1 < 1.0 && beta2 >= 0.0 && beta2 < 1.0 && epsilon > 0.0))
    throw std::invalid_argument("optlayer::Adam: need 0 <= beta1, beta2 < 1 and epsilon > 0");
}

void Adam::set_learning_rate(double learning_rate) {
  if (!(learning_rate > 0.0)) throw std::invalid_argument("optlayer::Adam: the learning rate must be > 0");
  lr_ = learning_rate;
}

void Adam::step(Eigen::Ref<Eigen::VectorXd> theta, const Eigen::Ref<const Eigen::VectorXd>& gradient) {
  if (theta.size() != gradient.size() || (t_ > 0 && m_.size() != theta.size()))
    throw std::invalid_argument("optlayer::Adam::step: parameter and gradient sizes changed");
  if (t_ == 0) {
    m_ = Eigen::VectorXd::Zero(theta.size());
    v_ = Eigen::VectorXd::Zero(theta.size());
  }
  ++t_;
  m_ = beta1_ * m_ + (1.0 - beta1_) * gradient;
  v_ = beta2_ * v_ + (1.0 - beta2_) * gradient.cwiseAbs2();
  const double correction1 = 1.0 - std::pow(beta1_, static_cast<double>(t_));
  const double correction2 = 1.0 - std::pow(beta2_, static_cast<double>(t_));
  // torch: denominator = sqrt(v) / sqrt(correction2) + eps, step = lr / correction1.
  theta.array() -= (lr_ / correction1) * m_.array() / (v_.array().sqrt() / std::sqrt(correction2) + epsilon_);
}

}  // namespace optlayer
