// Dense Jacobians dz/dq, dz/dh, dz/db: against finite differences, backward and forward mode.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::Random;

namespace {

enum class Vec { q, h, b };

// Central-difference Jacobian of z with respect to one of the vectors q, h, b (tight solves).
// z is piecewise affine in (q, h, b), so away from active-set changes a large step has no
// truncation error and keeps the solver's round-off noise small.
Eigen::MatrixXd fd_jacobian(const QpData& d, Vec which, double step = 1e-4) {
  QpData work = d;
  Eigen::VectorXd& x = which == Vec::q ? work.q : which == Vec::h ? work.h : work.b;
  const Eigen::VectorXd& x0 = which == Vec::q ? d.q : which == Vec::h ? d.h : d.b;
  QpSolver solver(d.P.rows(), d.G.rows(), d.A.rows(), gradcheck_settings());
  Eigen::MatrixXd J(d.P.rows(), x.size());
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    const double eps = step * std::max(1.0, std::abs(x0(j)));
    x(j) = x0(j) + eps;
    REQUIRE(solver.solve(work.P, work.q, work.G, work.h, work.A, work.b) == Status::solved);
    const Eigen::VectorXd plus = solver.result().z;
    x(j) = x0(j) - eps;
    REQUIRE(solver.solve(work.P, work.q, work.G, work.h, work.A, work.b) == Status::solved);
    J.col(j) = (plus - solver.result().z) / (2.0 * eps);
    x(j) = x0(j);
  }
  return J;
}

// Largest entry error relative to the largest entry of the reference, or absolute when that is
// below 1 (a Jacobian can be exactly zero, e.g. dz/dq at a vertex; the data here are O(1)).
double relative_error(const Eigen::MatrixXd& J, const Eigen::MatrixXd& reference) {
  if (reference.size() == 0) return 0.0;
  return (J - reference).cwiseAbs().maxCoeff() / std::max(1.0, reference.cwiseAbs().maxCoeff());
}

}  // namespace

TEST_CASE("unconstrained QP: dz/dq = -P^-1 exactly") {
  Eigen::MatrixXd P(3, 3);
  P << 4, 1, 0, 1, 3, 1, 0, 1, 2;
  const Eigen::VectorXd q = Eigen::Vector3d(1, -2, 0.5);
  QpSolver solver(3, 0, 0);
  REQUIRE(solver.solve(P, q, Eigen::MatrixXd(0, 3), Eigen::VectorXd(0), Eigen::MatrixXd(0, 3), Eigen::VectorXd(0)) ==
          Status::solved);
  QpJacobians J;
  REQUIRE(solver.jacobians(J));
  CHECK(J.dz_dh.rows() == 3);
  CHECK(J.dz_dh.cols() == 0);
  CHECK(J.dz_db.cols() == 0);
  CHECK(relative_error(J.dz_dq, -P.inverse()) < 1e-12);
}

TEST_CASE("Jacobians agree with finite differences, backward and forward on random QPs") {
  Random rng(11);
  int checked = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const Eigen::Index n = 4 + 3 * trial, m = n + 2, p = trial % 2 == 0 ? n / 2 : 0;
    const QpData d = optlayer_test::optnet_qp(rng, n, m, p);
    QpSolver solver(n, m, p, gradcheck_settings());
    REQUIRE(solver.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
    // Skip near-degenerate draws, where the one-sided derivatives differ (see test_derivatives_degenerate).
    if (optlayer_test::complementarity_margin(solver.result().s, solver.result().lambda) < 1e-2) continue;
    const long factorizations = solver.total_factorizations();
    QpJacobians J;
    REQUIRE(solver.jacobians(J));
    CHECK(solver.total_factorizations() == factorizations);
    CHECK(J.dz_dq.rows() == n);
    CHECK(J.dz_dh.cols() == m);
    CHECK(J.dz_db.cols() == p);
    INFO("trial " << trial);
    CHECK(relative_error(J.dz_dq, fd_jacobian(d, Vec::q)) < 1e-6);
    CHECK(relative_error(J.dz_dh, fd_jacobian(d, Vec::h)) < 1e-6);
    CHECK(relative_error(J.dz_db, fd_jacobian(d, Vec::b)) < 1e-6);
    // dz/dq = -(K^-1)_zz is symmetric.
    CHECK(relative_error(J.dz_dq, J.dz_dq.transpose()) < 1e-10);

    // Backward: w' J is the gradient for the cotangent w.
    const Eigen::VectorXd w = rng.normal(n);
    QpGradient g;
    REQUIRE(solver.backward(w, g));
    CHECK(relative_error((w.transpose() * J.dz_dq).transpose(), g.q) < 1e-10);
    CHECK(relative_error((w.transpose() * J.dz_dh).transpose(), g.h) < 1e-10);
    CHECK(relative_error((w.transpose() * J.dz_db).transpose(), g.b) < 1e-10);

    // Forward: J v is the tangent of z along (dq, dh, db) = v.
    QpPerturbation dv;
    dv.q = rng.normal(n);
    dv.h = rng.normal(m);
    dv.b = rng.normal(p);
    QpTangent t;
    REQUIRE(solver.forward(dv, t));
    const Eigen::VectorXd expected = J.dz_dq * dv.q + J.dz_dh * dv.h + J.dz_db * dv.b;
    CHECK(relative_error(expected, t.z) < 1e-10);
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("jacobians() refuses when no solved problem is held") {
  QpSolver solver(2, 1, 0);
  QpJacobians J;
  CHECK_FALSE(solver.jacobians(J));  // nothing solved yet
  Eigen::MatrixXd G(2, 2);
  G << 1, 0, -1, 0;
  QpSolver infeasible(2, 2, 0);
  infeasible.solve(Eigen::MatrixXd::Identity(2, 2), Eigen::VectorXd::Zero(2), G, Eigen::VectorXd::Constant(2, -1.0),
                   Eigen::MatrixXd(0, 2), Eigen::VectorXd(0));
  CHECK(infeasible.result().status == Status::primal_infeasible);
  CHECK_FALSE(infeasible.jacobians(J));
  CHECK(J.dz_dq.size() == 0);  // untouched
}
