#pragma once
// A minimal Adam optimizer (Kingma and Ba, 2015) with torch.optim.Adam's update and defaults,
// for training layer parameters in examples and tests.

#include <Eigen/Core>

namespace optlayer {

/// Adam with torch.optim.Adam's update and defaults: the optimizer of the chapter's polytope example.
class Adam {
 public:
  /// Throws std::invalid_argument unless lr > 0, 0 <= beta1, beta2 < 1 and epsilon > 0.
  explicit Adam(double learning_rate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8);

  /// One step: m and v are the running moments of the gradient, bias-corrected by the step count;
  /// theta -= lr * m_hat / (sqrt(v_hat) + epsilon). The moments are sized (zero) on the first call;
  /// throws std::invalid_argument when a later call has another size.
  void step(Eigen::Ref<Eigen::VectorXd> theta, const Eigen::Ref<const Eigen::VectorXd>& gradient);

  /// The learning rate of the next steps (a schedule changes it between steps).
  void set_learning_rate(double learning_rate);
  /// The learning rate of the next step.
  double learning_rate() const { return lr_; }
  /// Steps taken so far.
  long steps() const { return t_; }

 private:
  double lr_, beta1_, beta2_, epsilon_;
  long t_ = 0;
  Eigen::VectorXd m_, v_;
};

}  // namespace optlayer
