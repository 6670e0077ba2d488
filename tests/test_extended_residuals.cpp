// The extended-precision measures of a candidate solution (solver/linalg/extended_residuals.hpp):
// they must see what double-precision sums lose, on dense and sparse data alike.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "solver/linalg/extended_residuals.hpp"

using namespace optlayer;

namespace {

// min 1/2 z'z + q'z, one inequality row and one equality row, at a point where every
// measure is a difference of terms near 1e16 whose exact value is 1 or 2.
struct CancellingProblem {
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(3, 3);
  Eigen::VectorXd q = Eigen::Vector3d(-1e8, 0.0, 0.0);
  Eigen::MatrixXd G = Eigen::RowVector3d(1e8, 1.0, 0.0);
  Eigen::VectorXd h = Eigen::VectorXd::Constant(1, 1e16);
  Eigen::MatrixXd A = Eigen::RowVector3d(1e8, 0.0, 2.0);
  Eigen::VectorXd b = Eigen::VectorXd::Constant(1, 1e16);
  Eigen::VectorXd z = Eigen::Vector3d(1e8, 1.0, 1.0);
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(1);
  Eigen::VectorXd nu = Eigen::VectorXd::Zero(1);
};

}  // namespace

TEST_CASE("extended residuals: exact where double sums round to zero") {
  CancellingProblem c;
  // Double precision: z'z = 1e16 + 2 rounds to 1e16, and Gz - h = (1e16 + 1) - 1e16 rounds to 0.
  CHECK(c.z.dot(c.z) + c.q.dot(c.z) == 0.0);
  ExtendedResiduals extended;
  extended.resize(3, 1, 1);
  const ExtendedResiduals::Measures dense = extended.evaluate(c.P, c.q, c.G, c.h, c.A, c.b, c.z, c.lambda, c.nu);
  CHECK(dense.gap == 2.0);     // z'z + q'z = 1e16 + 2 - 1e16
  CHECK(dense.primal == 2.0);  // max(Gz - h, |Az - b|) = max(1, 2)
  // Dual residual P z + q: (1e8 - 1e8, 1, 1).
  CHECK(dense.dual == 1.0);

  const SparseMatrix Ps = c.P.sparseView(), Gs = c.G.sparseView(), As = c.A.sparseView();
  const ExtendedResiduals::Measures sparse = extended.evaluate(Ps, c.q, Gs, c.h, As, c.b, c.z, c.lambda, c.nu);
  CHECK(sparse.gap == dense.gap);
  CHECK(sparse.primal == dense.primal);
  CHECK(sparse.dual == dense.dual);
}

TEST_CASE("extended residuals: a non-symmetric P counts through its symmetric part") {
  Eigen::MatrixXd P(2, 2);
  P << 2.0, 4.0, 0.0, 2.0;  // symmetric part [[2, 2], [2, 2]]
  const Eigen::VectorXd q = Eigen::Vector2d(-4.0, -4.0);
  const Eigen::MatrixXd G(0, 2), A(0, 2);
  const Eigen::VectorXd h(0), b(0), lambda(0), nu(0);
  const Eigen::VectorXd z = Eigen::Vector2d(1.0, 1.0);
  ExtendedResiduals extended;
  extended.resize(2, 0, 0);
  const ExtendedResiduals::Measures m = extended.evaluate(P, q, G, h, A, b, z, lambda, nu);
  CHECK(m.dual == 0.0);    // (P + P')/2 z + q = (4, 4) - (4, 4)
  CHECK(m.gap == 0.0);     // z'Pz + q'z = 8 - 8
  CHECK(m.primal == 0.0);  // no constraints
}

TEST_CASE("extended residuals: products are exact, beyond long double's 64 bits") {
  // (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104: the double product drops 2^-104, and so does a long
  // double product (64-bit mantissa); the dual residual P z + q with q = -fl(P z) is 2^-104.
  const double a = 1.0 + std::ldexp(1.0, -52);
  const Eigen::MatrixXd P = Eigen::MatrixXd::Constant(1, 1, a), G(0, 1), A(0, 1);
  const Eigen::VectorXd z = Eigen::VectorXd::Constant(1, a), q = Eigen::VectorXd::Constant(1, -(a * a));
  const Eigen::VectorXd h(0), b(0), lambda(0), nu(0);
  ExtendedResiduals extended;
  extended.resize(1, 0, 0);
  const ExtendedResiduals::Measures m = extended.evaluate(P, q, G, h, A, b, z, lambda, nu);
  CHECK(m.dual == std::ldexp(1.0, -104));
  // z'Pz + q'z = a^3 - fl(a^2) a = a (a^2 - fl(a^2)) = a 2^-104.
  CHECK(m.gap == doctest::Approx(a * std::ldexp(1.0, -104)).epsilon(1e-15));
}

TEST_CASE("extended residuals: an overflowed sum shows as non-finite, never as 0") {
  // G z = 1e300 * 1e300 - 1e300 * 1e300 = inf - inf: NaN, which std::max would have dropped.
  const Eigen::MatrixXd P = Eigen::MatrixXd::Zero(2, 2), G = Eigen::RowVector2d(1e300, 1e300), A(0, 2);
  const Eigen::VectorXd q = Eigen::VectorXd::Zero(2), h = Eigen::VectorXd::Zero(1), b(0), nu(0);
  const Eigen::VectorXd z = Eigen::Vector2d(1e300, -1e300), lambda = Eigen::VectorXd::Zero(1);
  ExtendedResiduals extended;
  extended.resize(2, 1, 0);
  const ExtendedResiduals::Measures m = extended.evaluate(P, q, G, h, A, b, z, lambda, nu);
  CHECK_FALSE(std::isfinite(m.primal));
}
