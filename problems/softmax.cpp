// Softmax as the minimizer of a linear term plus the negative entropy on the simplex.

#include "optlayer/problems/softmax.hpp"

#include "optlayer/autodiff_functions.hpp"

namespace optlayer {
namespace {

// f(z; x) = -z'x + sum_i z_i log z_i.
struct NegativeEntropy {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    return (z.array() * z.array().log()).sum() - z.dot(x);
  }
};

// h(z) = 1'z - 1.
struct SumToOne {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X&, Out& h) const {
    h(0) = z.sum() - 1.0;
  }
};

}  // namespace

ConvexProblem make_softmax_problem(Eigen::Index n) {
  ConvexProblem problem = make_convex_problem(n, n, NegativeEntropy{}, equalities(1, SumToOne{}));
  problem.set_lower_bounds(Eigen::VectorXd::Zero(n));
  return problem;
}

SoftmaxLayer::SoftmaxLayer(Eigen::Index n, const Settings& settings) : layer_(make_softmax_problem(n), settings) {}

Eigen::MatrixXd softmax(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd Y(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    Y.row(i) = (X.row(i).array() - X.row(i).maxCoeff()).exp().matrix();
    Y.row(i) /= Y.row(i).sum();
  }
  return Y;
}

Eigen::MatrixXd softmax_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  const Eigen::MatrixXd Y = softmax(X);
  Eigen::MatrixXd dX(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    dX.row(i) = (Y.row(i).array() * (dY.row(i).array() - Y.row(i).dot(dY.row(i)))).matrix();
  return dX;
}

}  // namespace optlayer
