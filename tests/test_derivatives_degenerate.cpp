// Derivatives at degenerate points: finite, deterministic, and the documented value
// (docs/derivatives.md): the derivative of the central path at the solver's final mu.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>
#include <vector>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::all_finite;
using optlayer_test::same_bits;

namespace {

Eigen::MatrixXd none(Eigen::Index n) { return Eigen::MatrixXd(0, n); }

// Solves, then checks that backward (with primal and dual cotangents), forward and the
// Jacobians are finite and bit-for-bit repeatable in a fresh solver. Returns the Jacobians.
QpJacobians finite_and_repeatable(const QpData& d, const Settings& settings) {
  const Eigen::Index n = d.P.rows(), m = d.G.rows(), p = d.A.rows();
  QpSolver first(n, m, p, settings), second(n, m, p, settings);
  REQUIRE(first.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
  REQUIRE(second.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
  const Eigen::VectorXd wz = Eigen::VectorXd::LinSpaced(n, 1.0, 2.0), wl = Eigen::VectorXd::Ones(m),
                        wn = Eigen::VectorXd::Constant(p, -1.0);
  QpGradient g1, g2;
  REQUIRE(first.backward(wz, wl, wn, g1));
  REQUIRE(second.backward(wz, wl, wn, g2));
  CHECK(all_finite(g1));
  CHECK(same_bits(g1, g2));
  QpPerturbation dq;
  dq.q = Eigen::VectorXd::Ones(n);
  dq.h = Eigen::VectorXd::Ones(m);
  QpTangent t1, t2;
  REQUIRE(first.forward(dq, t1));
  REQUIRE(second.forward(dq, t2));
  CHECK((t1.z.allFinite() && t1.lambda.allFinite() && t1.nu.allFinite()));
  CHECK((same_bits(t1.z, t2.z) && same_bits(t1.lambda, t2.lambda) && same_bits(t1.nu, t2.nu)));
  // The same solver solving again gives the same bits too (no state carried over).
  REQUIRE(first.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
  QpGradient g3;
  REQUIRE(first.backward(wz, wl, wn, g3));
  CHECK(same_bits(g1, g3));
  QpJacobians J;
  REQUIRE(first.jacobians(J));
  CHECK((J.dz_dq.allFinite() && J.dz_dh.allFinite() && J.dz_db.allFinite()));
  return J;
}

// Projection of x onto {z <= 0}: z = min(x, 0), dz_i/dx_i = 1 (x_i < 0), 0 (x_i > 0), kink at 0.
QpData projection_onto_nonpositive(const Eigen::VectorXd& x) {
  const Eigen::Index n = x.size();
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  return QpData{I, -x, I, Eigen::VectorXd::Zero(n), none(n), Eigen::VectorXd(0)};
}

const Settings kDefault;

}  // namespace

TEST_CASE("weakly active constraint (projection with x_i = 0): dz/dx = 1/2, the average of the sides") {
  const Eigen::Vector4d x(0.0, 1.0, -1.0, 0.0);  // entries 0 and 3 weakly active, 1 active, 2 inactive
  const QpData d = projection_onto_nonpositive(x);
  for (const Settings& settings : {kDefault, gradcheck_settings()}) {
    const QpJacobians J = finite_and_repeatable(d, settings);
    const Eigen::MatrixXd dz_dx = -J.dz_dq;  // q = -x
    const Eigen::Vector4d expected(0.5, 0.0, 1.0, 0.5);
    CHECK((dz_dx - Eigen::MatrixXd(expected.asDiagonal())).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(std::abs(dz_dx(0, 0) - 0.5) < 1e-12);  // s_i = lambda_i on the path, exactly half
  }
  // Central differences straddle the kink and see the same average: gradcheck passes everywhere.
  GradcheckLoss loss{Eigen::Vector4d(1.0, -2.0, 0.5, 3.0), {}, {}};
  const GradcheckReport report = gradcheck(d.P, d.q, d.G, d.h, d.A, d.b, loss);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("weakly active constraint, general P: the average of the active and inactive derivatives") {
  // Minimizer of 1/2 z'Pz + q'z placed exactly on the boundary of row 0; row 1 inactive.
  Eigen::MatrixXd P(3, 3);
  P << 4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2;
  const Eigen::Vector3d z_star(0.5, -1.0, 0.25);
  Eigen::MatrixXd G(2, 3);
  G << 1, 2, -1, 1, 0, 0;
  const Eigen::Vector2d h(G.row(0).dot(z_star), 2.0);
  const QpData d{P, -P * z_star, G, h, none(3), Eigen::VectorXd(0)};
  // One-sided derivatives dz/dq: constraint dropped (inactive side) or held as an equality (active side).
  const Eigen::MatrixXd Pinv = P.inverse();
  const Eigen::Vector3d g = G.row(0).transpose();
  const double c = g.dot(Pinv * g);
  const Eigen::MatrixXd inactive = -Pinv, active = -(Pinv - Pinv * g * g.transpose() * Pinv / c);
  for (const Settings& settings : {kDefault, gradcheck_settings()}) {
    const QpJacobians J = finite_and_repeatable(d, settings);
    CHECK((J.dz_dq - 0.5 * (active + inactive)).cwiseAbs().maxCoeff() < 1e-6);
    // Why: on the central path s_0 = c lambda_0 (c = g'P^-1 g), and with W = s/lambda = c the
    // blend weight W / (W + c) of the inactive side is exactly 1/2.
    QpSolver solver(3, 2, 0, settings);
    REQUIRE(solver.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
    const double w = solver.result().s(0) / solver.result().lambda(0);
    CHECK(w == doctest::Approx(c).epsilon(1e-5));
  }
}

// dz/dq of the equality-constrained QP with rows `active` of G held as equalities (others dropped).
Eigen::MatrixXd piece_derivative(const Eigen::MatrixXd& P, const Eigen::MatrixXd& active) {
  const Eigen::Index n = P.rows(), k = active.rows();
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(n + k, n + k);
  K.topLeftCorner(n, n) = P;
  K.topRightCorner(n, k) = active.transpose();
  K.bottomLeftCorner(k, n) = active;
  return -K.inverse().topLeftCorner(n, n);
}

TEST_CASE("two weakly active constraints: a convex combination of the four one-sided derivatives") {
  Eigen::MatrixXd P(3, 3);
  P << 4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2;
  const Eigen::Vector3d z_star(0.5, -1.0, 0.25);
  Eigen::MatrixXd G(2, 3);
  G << 1, 2, -1, 0.5, -1, 1;
  const QpData d{P, -P * z_star, G, G * z_star, none(3), Eigen::VectorXd(0)};  // both rows weakly active
  const QpJacobians J = finite_and_repeatable(d, kDefault);
  // Corners: neither row, row 0, row 1, both rows treated as active.
  const std::vector<Eigen::MatrixXd> corners{piece_derivative(P, none(3)), piece_derivative(P, G.topRows(1)),
                                             piece_derivative(P, G.bottomRows(1)), piece_derivative(P, G)};
  // Solve J = sum_k w_k C_k with sum_k w_k = 1 by least squares on w_0..w_2 (w_3 = 1 - the rest).
  Eigen::MatrixXd M(9, 3);
  for (int k = 0; k < 3; ++k) M.col(k) = (corners[k] - corners[3]).reshaped();
  const Eigen::VectorXd rhs = (J.dz_dq - corners[3]).reshaped();
  const Eigen::Vector3d w = M.colPivHouseholderQr().solve(rhs);
  CHECK((M * w - rhs).norm() < 1e-8);
  CHECK(w.minCoeff() >= -1e-9);
  CHECK(1.0 - w.sum() >= -1e-9);
  MESSAGE("weights of the one-sided derivatives (none, row 0, row 1, both active): " << w.transpose() << " "
                                                                                    << 1.0 - w.sum());
}

TEST_CASE("duplicated inequality rows: z's derivative as with one row, the multiplier split evenly") {
  // Project (1, 1) onto z1 + z2 <= 1, with the row given twice, plus an inactive row.
  const Eigen::MatrixXd P = Eigen::MatrixXd::Identity(2, 2);
  const Eigen::Vector2d q(-1.0, -1.0);
  Eigen::MatrixXd G2(3, 2), G1(2, 2);
  G2 << 1, 1, 1, 1, -1, 0;
  G1 << 1, 1, -1, 0;
  const QpData twice{P, q, G2, Eigen::Vector3d(1, 1, 5), none(2), Eigen::VectorXd(0)};
  const QpData once{P, q, G1, Eigen::Vector2d(1, 5), none(2), Eigen::VectorXd(0)};
  const QpJacobians J2 = finite_and_repeatable(twice, kDefault);
  const QpJacobians J1 = finite_and_repeatable(once, kDefault);
  CHECK((J2.dz_dq - J1.dz_dq).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((J2.dz_dh.col(0) - 0.5 * J1.dz_dh.col(0)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((J2.dz_dh.col(1) - 0.5 * J1.dz_dh.col(0)).cwiseAbs().maxCoeff() < 1e-9);
  QpSolver solver(2, 3, 0);
  REQUIRE(solver.solve(twice.P, twice.q, twice.G, twice.h, twice.A, twice.b) == Status::solved);
  CHECK(solver.result().lambda(0) == doctest::Approx(0.25).epsilon(1e-9));
  CHECK(solver.result().lambda(1) == doctest::Approx(0.25).epsilon(1e-9));
  QpGradient g;
  REQUIRE(solver.backward(Eigen::Vector2d(1.0, 0.0), g));
  CHECK(g.h(0) == doctest::Approx(g.h(1)).epsilon(1e-12));
}

TEST_CASE("duplicated equality rows: finite, z's derivative as with one row, b's gradient split") {
  const Eigen::MatrixXd P = Eigen::MatrixXd::Identity(2, 2);
  const Eigen::Vector2d q(-1.0, -1.0);
  Eigen::MatrixXd A2(2, 2), A1(1, 2);
  A2 << 1, 1, 1, 1;
  A1 << 1, 1;
  const QpData twice{P, q, none(2), Eigen::VectorXd(0), A2, Eigen::Vector2d(1, 1)};
  const QpData once{P, q, none(2), Eigen::VectorXd(0), A1, Eigen::VectorXd::Ones(1)};
  const QpJacobians J2 = finite_and_repeatable(twice, kDefault);
  const QpJacobians J1 = finite_and_repeatable(once, kDefault);
  CHECK((J2.dz_dq - J1.dz_dq).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((J2.dz_db.col(0) - 0.5 * J1.dz_db.col(0)).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((J2.dz_db.col(1) - 0.5 * J1.dz_db.col(0)).cwiseAbs().maxCoeff() < 1e-9);

  QpSolver solver(2, 0, 2);
  REQUIRE(solver.solve(twice.P, twice.q, twice.G, twice.h, twice.A, twice.b) == Status::solved);
  QpTangent t;
  QpPerturbation consistent;  // both copies of b move together: a real derivative exists
  consistent.b = Eigen::Vector2d(1.0, 1.0);
  REQUIRE(solver.forward(consistent, t));
  CHECK((t.z - Eigen::Vector2d(0.5, 0.5)).cwiseAbs().maxCoeff() < 1e-9);
  // b1 != b2 makes the constraints inconsistent: no derivative exists. The value returned is the
  // regularized solve's (finite; the multipliers of order 1 / reg_dual), so do not use it.
  QpPerturbation inconsistent;
  inconsistent.b = Eigen::Vector2d(1.0, -1.0);
  REQUIRE(solver.forward(inconsistent, t));
  CHECK((t.z.allFinite() && t.nu.allFinite()));
  CHECK(t.z.cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("LP vertex (P = 0): dz/dq ~ 0 and dz/dh = the active rows' inverse") {
  // maximize z1 + 2 z2 on the box [0, 1] x [0, 2]: the vertex (1, 2).
  Eigen::MatrixXd G(4, 2);
  G << 1, 0, 0, 1, -1, 0, 0, -1;
  const QpData lp{Eigen::MatrixXd::Zero(2, 2), Eigen::Vector2d(-1, -2), G, Eigen::Vector4d(1, 2, 0, 0), none(2),
                  Eigen::VectorXd(0)};
  for (const Settings& settings : {kDefault, gradcheck_settings()}) {
    const QpJacobians J = finite_and_repeatable(lp, settings);
    CHECK(J.dz_dq.cwiseAbs().maxCoeff() < 1e-7);  // O(mu / lambda): exactly 0 in the limit
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(2, 4);
    expected.leftCols(2).setIdentity();
    CHECK((J.dz_dh - expected).cwiseAbs().maxCoeff() < 1e-7);
  }
  GradcheckOptions options;
  options.check[static_cast<int>(QpInput::P)] = false;  // P - eps E is not convex at P = 0
  const GradcheckReport report = gradcheck(lp.P, lp.q, lp.G, lp.h, lp.A, lp.b,
                                           GradcheckLoss{Eigen::Vector2d(1.0, 1.0), {}, {}}, options);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("degenerate LP vertex (three active rows in 2-D): finite, exact on consistent directions") {
  // As above plus z1 + z2 <= 3, also active at (1, 2): the multipliers are not unique.
  Eigen::MatrixXd G(5, 2);
  G << 1, 0, 0, 1, -1, 0, 0, -1, 1, 1;
  Eigen::VectorXd h(5);
  h << 1, 2, 0, 0, 3;
  const QpData lp{Eigen::MatrixXd::Zero(2, 2), Eigen::Vector2d(-1, -2), G, h, none(2), Eigen::VectorXd(0)};
  const QpJacobians J = finite_and_repeatable(lp, kDefault);
  // Moving rows 1 and 5 together (dh = (1, 0, 0, 0, 1)) keeps the vertex well defined: dz = (1, 0).
  Eigen::VectorXd dh = Eigen::VectorXd::Zero(5);
  dh(0) = dh(4) = 1.0;
  CHECK((J.dz_dh * dh - Eigen::Vector2d(1.0, 0.0)).cwiseAbs().maxCoeff() < 1e-7);
  // Moving h1 alone has one-sided derivatives dz1/dh1 = 0 (up) and 1 (down); the value returned
  // is a W-weighted least-squares blend of the three active rows: inside [0, 1], but set by the
  // final iterate (so not asserted further), and in general not the central-difference 1/2.
  CHECK(J.dz_dh(0, 0) > 0.0);
  CHECK(J.dz_dh(0, 0) < 1.0);
  GradcheckOptions options;
  options.check = {false, false, false, true, false, false};
  const GradcheckReport report =
      gradcheck(lp.P, lp.q, lp.G, lp.h, lp.A, lp.b, GradcheckLoss{Eigen::Vector2d(1.0, 0.0), {}, {}}, options);
  CHECK(report.status == Status::solved);
  MESSAGE("degenerate vertex: dz1/dh1 = " << J.dz_dh(0, 0) << " (default tolerances); gradcheck error on h "
                                          << report[QpInput::h].backward << " (tight tolerances)");
}
