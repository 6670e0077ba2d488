// Small QPs with hand-checked solutions.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

MatrixXd empty_rows(Eigen::Index n) { return MatrixXd(0, n); }

}  // namespace

TEST_CASE("unconstrained strictly convex QP: z = -P^-1 q") {
  MatrixXd P(2, 2);
  P << 4, 1, 1, 2;
  VectorXd q(2);
  q << 1, 1;
  const QpResult r = solve_qp(P, q, empty_rows(2), VectorXd(0), empty_rows(2), VectorXd(0));
  REQUIRE(r.status == Status::solved);
  const VectorXd expected = -P.ldlt().solve(q);
  CHECK((r.z - expected).norm() < 1e-10);
}

TEST_CASE("box-constrained QP: projection of a point onto [0,1]^3") {
  MatrixXd P = MatrixXd::Identity(3, 3);
  VectorXd x0(3);
  x0 << -0.5, 0.3, 2.0;
  MatrixXd G(6, 3);
  G << MatrixXd::Identity(3, 3), -MatrixXd::Identity(3, 3);
  VectorXd h(6);
  h << 1, 1, 1, 0, 0, 0;
  Settings settings;
  settings.eps_abs = 1e-11;
  const QpResult r = solve_qp(P, -x0, G, h, empty_rows(3), VectorXd(0), settings);
  REQUIRE(r.status == Status::solved);
  CHECK(r.z(0) == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(r.z(1) == doctest::Approx(0.3).epsilon(1e-9));
  CHECK(r.z(2) == doctest::Approx(1.0).epsilon(1e-9));
  // Multipliers: z2 = 1 active with lambda = x0 - 1 = 1; z0 = 0 active with lambda = 0.5.
  CHECK(r.lambda(2) == doctest::Approx(1.0).epsilon(1e-8));
  CHECK(r.lambda(3) == doctest::Approx(0.5).epsilon(1e-8));
  CHECK(r.primal_residual < 1e-8);
  CHECK(r.dual_residual < 1e-8);
  CHECK(r.duality_gap < 1e-8);
}

TEST_CASE("equality-constrained QP: closest point on a plane") {
  MatrixXd P = MatrixXd::Identity(3, 3);
  VectorXd q = VectorXd::Zero(3);
  MatrixXd A(1, 3);
  A << 1, 1, 1;
  VectorXd b(1);
  b << 3;
  const QpResult r = solve_qp(P, q, empty_rows(3), VectorXd(0), A, b);
  REQUIRE(r.status == Status::solved);
  CHECK((r.z - VectorXd::Ones(3)).norm() < 1e-10);
  CHECK(r.nu(0) == doctest::Approx(-1.0).epsilon(1e-9));
}

TEST_CASE("LP (P = 0): min -x - y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0") {
  MatrixXd P = MatrixXd::Zero(2, 2);
  VectorXd q(2);
  q << -1, -1;
  MatrixXd G(4, 2);
  G << 1, 2, 3, 1, -1, 0, 0, -1;
  VectorXd h(4);
  h << 4, 6, 0, 0;
  Settings settings;
  settings.eps_abs = 1e-11;
  const QpResult r = solve_qp(P, q, G, h, empty_rows(2), VectorXd(0), settings);
  REQUIRE(r.status == Status::solved);
  CHECK(r.z(0) == doctest::Approx(1.6).epsilon(1e-9));
  CHECK(r.z(1) == doctest::Approx(1.2).epsilon(1e-9));
  CHECK(r.objective == doctest::Approx(-2.8).epsilon(1e-9));
}

TEST_CASE("duplicated equality and inequality rows") {
  MatrixXd P = MatrixXd::Identity(2, 2);
  VectorXd q(2);
  q << -2, -2;
  MatrixXd G(2, 2);
  G << 1, 0, 1, 0;
  VectorXd h(2);
  h << 0.5, 0.5;
  MatrixXd A(2, 2);
  A << 0, 1, 0, 1;
  VectorXd b(2);
  b << 1, 1;
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::solved);
  CHECK(r.z(0) == doctest::Approx(0.5).epsilon(1e-9));
  CHECK(r.z(1) == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(r.lambda.sum() == doctest::Approx(1.5).epsilon(1e-8));
  CHECK(r.nu.sum() == doctest::Approx(1.0).epsilon(1e-8));
}

TEST_CASE("badly scaled QP: rows and columns over 12 orders of magnitude") {
  MatrixXd P = MatrixXd::Identity(2, 2);
  P(0, 0) = 1e6;
  P(1, 1) = 1e-6;
  VectorXd q(2);
  q << -1e6, -1e-6;  // unconstrained minimizer (1, 1)
  MatrixXd G(1, 2);
  G << 1e-6, 1e-6;  // x + y <= 1, scaled by 1e-6
  VectorXd h(1);
  h << 1e-6;
  Settings settings;
  settings.eps_abs = 1e-12;
  const QpResult r = solve_qp(P, q, G, h, empty_rows(2), VectorXd(0), settings);
  REQUIRE(r.status == Status::solved);
  CHECK(r.z(0) + r.z(1) <= 1.0 + 1e-9);
  CHECK(r.z(0) == doctest::Approx(1.0).epsilon(1e-6));
}

// The dense KKT backend takes single-entry rows of G as bounds and cuts the other rows, sorted by
// their last nonzero column, into blocks that skip the zeros past it (solver/linalg/dense_kkt.cpp).
// A staircase G in shuffled order, with bounds between its rows, must solve as the sparse
// backend (which stores G as given) solves it, in both dense KKT forms.
TEST_CASE("staircase rows and bounds in G: the dense backend agrees with the sparse one") {
  const int n = 30, general = 90;
  const MatrixXd L = MatrixXd::Random(n, n);
  const MatrixXd P = L * L.transpose() + MatrixXd::Identity(n, n);
  const VectorXd q = 5.0 * VectorXd::Random(n);
  MatrixXd G = MatrixXd::Zero(general + 2 * n, n);
  for (int i = 0; i < general; ++i) {
    const int last = (7 * i) % n;  // rows end at every column, in no particular order
    G.row(i).head(last + 1) = MatrixXd::Random(1, last + 1);
  }
  G.bottomRows(2 * n) << MatrixXd::Identity(n, n), -MatrixXd::Identity(n, n);
  const VectorXd h = VectorXd::Constant(general + 2 * n, 0.5);  // z = 0 is strictly feasible
  const MatrixXd A = MatrixXd::Random(2, n);
  const VectorXd b = VectorXd::Zero(2);
  Settings sparse;
  sparse.backend = Backend::sparse;
  const QpResult expected = solve_qp(P, q, G, h, A, b, sparse);
  REQUIRE(expected.status == Status::solved);
  for (const KktMethod method : {KktMethod::reduced, KktMethod::full}) {
    Settings dense;
    dense.backend = Backend::dense;
    dense.kkt_method = method;
    const QpResult r = solve_qp(P, q, G, h, A, b, dense);
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - expected.z).norm() < 1e-6);
    CHECK((r.lambda - expected.lambda).norm() < 1e-5);
  }
}
