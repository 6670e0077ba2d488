// Projection onto the unit ball: a quadratic objective and one curved inequality.

#include "optlayer/problems/ball_projection.hpp"

#include <algorithm>

#include "optlayer/autodiff_functions.hpp"

namespace optlayer {
namespace {

// f(z; x) = 1/2 ||z - x||^2.
struct HalfSquaredDistance {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    return 0.5 * (z - x).squaredNorm();
  }
};

// g(z) = ||z||^2 - 1 <= 0.
struct OutsideUnitBall {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X&, Out& g) const {
    g(0) = z.squaredNorm() - 1.0;
  }
};

}  // namespace

ConvexProblem make_ball_projection_problem(Eigen::Index n) {
  return make_convex_problem(n, n, HalfSquaredDistance{}, inequalities(1, OutsideUnitBall{}));
}

BallProjectionLayer::BallProjectionLayer(Eigen::Index n, const Settings& settings)
    : layer_(make_ball_projection_problem(n), settings) {}

Eigen::MatrixXd ball_projection(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd Y(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) Y.row(i) = X.row(i) / std::max(1.0, X.row(i).norm());
  return Y;
}

Eigen::MatrixXd ball_projection_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  Eigen::MatrixXd dX(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double norm = X.row(i).norm();
    if (norm <= 1.0) {
      dX.row(i) = dY.row(i);
      continue;
    }
    const Eigen::RowVectorXd y = X.row(i) / norm;
    dX.row(i) = (dY.row(i) - y * y.dot(dY.row(i))) / norm;
  }
  return dX;
}

}  // namespace optlayer
