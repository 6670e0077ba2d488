// Sigmoid as the minimizer of a linear term plus the negative binary entropy.

#include "optlayer/problems/sigmoid.hpp"

#include <cmath>
#include <limits>

#include "optlayer/autodiff_functions.hpp"

namespace optlayer {
namespace {

// f(z; x) = -z x + z log z + (1 - z) log(1 - z), written once for any scalar type.
struct NegativeBinaryEntropy {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    using std::log;
    return -z(0) * x(0) + z(0) * log(z(0)) + (1.0 - z(0)) * log(1.0 - z(0));
  }
};

}  // namespace

ConvexProblem make_sigmoid_problem() {
  ConvexProblem problem = make_convex_problem(1, 1, NegativeBinaryEntropy{});
  problem.set_bounds(Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1));
  return problem;
}

SigmoidLayer::SigmoidLayer(const Settings& settings) : layer_(make_sigmoid_problem(), settings) {}

// Every entry is an independent scalar problem: the layer sees the entries as one column.
Status SigmoidLayer::forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) {
  rows_ = X.rows();
  cols_ = X.cols();
  column_in_ = Eigen::Map<const Eigen::MatrixXd>(X.data(), X.size(), 1);
  const Status status = layer_.forward(column_in_, column_out_);
  Y = Eigen::Map<const Eigen::MatrixXd>(column_out_.data(), rows_, cols_);
  return status;
}

bool SigmoidLayer::backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) {
  if (dY.rows() != rows_ || dY.cols() != cols_) return false;
  column_in_ = Eigen::Map<const Eigen::MatrixXd>(dY.data(), dY.size(), 1);
  if (!layer_.backward(column_in_, column_out_)) return false;
  dX = Eigen::Map<const Eigen::MatrixXd>(column_out_.data(), rows_, cols_);
  return true;
}

Eigen::MatrixXd sigmoid(const Eigen::MatrixXd& X) {
  return X.unaryExpr([](double x) {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
  });
}

Eigen::MatrixXd sigmoid_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  const Eigen::MatrixXd y = sigmoid(X);
  return (dY.array() * y.array() * (1.0 - y.array())).matrix();
}

}  // namespace optlayer
