#pragma once
// The chapter's sigmoid as an optimization layer:
//   sigma(x) = argmin_{0 < z < 1}  -z x + z log z + (1 - z) log(1 - z)
// one scalar problem per entry of the input, with its analytic reference.

#include <Eigen/Core>

#include "optlayer/problems/convex_layer.hpp"

namespace optlayer {

/// The scalar problem (n = nx = 1, bounds (0, 1)), derivatives by automatic differentiation.
ConvexProblem make_sigmoid_problem();

/// The chapter's sigmoid as a smooth convex layer: one entropy-regularized scalar problem per entry.
class SigmoidLayer {
 public:
  /// Throws std::invalid_argument for invalid settings.
  explicit SigmoidLayer(const Settings& settings = layer_settings());
  /// Y = sigma(X) entrywise, one solve per entry. Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y);
  /// dX = (dY/dX)' dY entrywise from the last forward's factorizations.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX);
  /// The convex layer underneath (its solvers and results).
  const ConvexLayer& layer() const { return layer_; }

 private:
  ConvexLayer layer_;
  Eigen::Index rows_ = 0, cols_ = 0;
  Eigen::MatrixXd column_in_, column_out_;
};

/// Analytic sigmoid, entrywise and overflow-free.
Eigen::MatrixXd sigmoid(const Eigen::MatrixXd& X);
/// Analytic vector-Jacobian product: dX = dY o sigma(X) o (1 - sigma(X)).
Eigen::MatrixXd sigmoid_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY);

}  // namespace optlayer
