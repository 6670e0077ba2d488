// Backward and forward mode against central finite differences on random non-degenerate QPs.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <optlayer/optlayer.hpp>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::Random;

namespace {

// A random perturbation of every input at once (P symmetric), for the adjoint identity.
QpPerturbation random_perturbation(Random& rng, const QpData& d) {
  QpPerturbation t;
  const Eigen::MatrixXd V = rng.normal(d.P.rows(), d.P.cols());
  t.P = 0.5 * (V + V.transpose());
  t.q = rng.normal(d.q.size());
  t.G = rng.normal(d.G.rows(), d.G.cols());
  t.h = rng.normal(d.h.size());
  t.A = rng.normal(d.A.rows(), d.A.cols());
  t.b = rng.normal(d.b.size());
  return t;
}

double inner(const QpGradient& g, const QpPerturbation& t) {
  return (g.P.array() * t.P.array()).sum() + g.q.dot(t.q) + (g.G.array() * t.G.array()).sum() + g.h.dot(t.h) +
         (g.A.array() * t.A.array()).sum() + g.b.dot(t.b);
}

double squared_norm(const QpGradient& g) {
  return g.P.squaredNorm() + g.q.squaredNorm() + g.G.squaredNorm() + g.h.squaredNorm() + g.A.squaredNorm() +
         g.b.squaredNorm();
}

double squared_norm(const QpPerturbation& t) {
  return t.P.squaredNorm() + t.q.squaredNorm() + t.G.squaredNorm() + t.h.squaredNorm() + t.A.squaredNorm() +
         t.b.squaredNorm();
}

double optional_dot(const Eigen::VectorXd& w, const Eigen::VectorXd& x) { return w.size() > 0 ? w.dot(x) : 0.0; }

struct Totals {
  int checked = 0, skipped = 0;
  double backward = 0.0, forward = 0.0, adjoint = 0.0, gradcheck_adjoint = 0.0;
};

// <dL/dtheta, dtheta> = <dL/dy, dy> for a joint perturbation of all six inputs, and no
// factorization added by backward or forward. Returns the relative adjoint mismatch.
double check_adjoint_and_factorizations(Random& rng, const QpData& d, const GradcheckLoss& loss) {
  QpSolver solver(d.P.rows(), d.G.rows(), d.A.rows(), gradcheck_settings());
  REQUIRE(solver.solve(d.P, d.q, d.G, d.h, d.A, d.b) == Status::solved);
  const long factorizations = solver.total_factorizations();
  QpGradient g;
  QpTangent t;
  const QpPerturbation dtheta = random_perturbation(rng, d);
  REQUIRE(solver.backward(loss.z, loss.lambda, loss.nu, g));
  REQUIRE(solver.forward(dtheta, t));
  CHECK(solver.total_factorizations() == factorizations);
  const double lhs = inner(g, dtheta);
  const double rhs = loss.z.dot(t.z) + optional_dot(loss.lambda, t.lambda) + optional_dot(loss.nu, t.nu);
  // Cauchy-Schwarz bound of lhs as the scale: robust when lhs happens to be near zero.
  return std::abs(lhs - rhs) / std::sqrt(squared_norm(g) * squared_norm(dtheta));
}

}  // namespace

TEST_CASE("backward and forward match finite differences on 200+ random non-degenerate QPs") {
  Random rng(20240611);
  Totals totals;
  GradcheckOptions options;
  options.directions = 1;  // one random direction per input per problem keeps the run short
  options.tolerance = 1e-6;
  for (int k = 0; k < 240; ++k) {
    const Eigen::Index n = 1 + k % 30, m = n, p = (k / 30) % 2 == 1 ? n / 2 : 0;
    const QpData d = optlayer_test::optnet_qp(rng, n, m, p);
    GradcheckLoss loss;
    loss.z = rng.normal(n);
    if (k % 3 == 0) {  // dual cotangents on a third of the problems
      loss.lambda = rng.normal(m);
      loss.nu = rng.normal(p);
    }
    // Non-degenerate: solved at tight tolerance and strictly complementary with margin 1e-2
    // (the derivative at the final iterate is off by about mu / margin^2, see docs/derivatives.md).
    const QpResult r = solve_qp(d.P, d.q, d.G, d.h, d.A, d.b, gradcheck_settings());
    if (r.status != Status::solved || optlayer_test::complementarity_margin(r.s, r.lambda) < 1e-2) {
      ++totals.skipped;
      continue;
    }
    options.seed = static_cast<std::uint64_t>(k);
    const GradcheckReport report = gradcheck(d.P, d.q, d.G, d.h, d.A, d.b, loss, options);
    INFO("problem " << k << " (n = " << n << ", p = " << p << ")\n" << report.summary());
    CHECK(report.passed());
    totals.backward = std::max(totals.backward, report.max_backward_error());
    totals.forward = std::max(totals.forward, report.max_forward_error());
    for (const auto& input : report.inputs)
      totals.gradcheck_adjoint = std::max(totals.gradcheck_adjoint, input.adjoint);
    const double adjoint = check_adjoint_and_factorizations(rng, d, loss);
    CHECK(adjoint <= 1e-10);
    totals.adjoint = std::max(totals.adjoint, adjoint);
    ++totals.checked;
  }
  MESSAGE("checked " << totals.checked << " QPs (skipped " << totals.skipped << "): max FD error backward "
                     << totals.backward << ", forward " << totals.forward << "; adjoint mismatch "
                     << totals.adjoint << " (joint), " << totals.gradcheck_adjoint << " (per input)");
  CHECK(totals.checked >= 200);
  CHECK(totals.gradcheck_adjoint <= 1e-10);
}

TEST_CASE("gradcheck in entry mode on a small QP with equalities and dual cotangents") {
  Random rng(7);
  const QpData d = optlayer_test::optnet_qp(rng, 6, 8, 3);
  GradcheckLoss loss{rng.normal(6), rng.normal(8), rng.normal(3)};
  const GradcheckReport report = gradcheck(d.P, d.q, d.G, d.h, d.A, d.b, loss);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report[QpInput::P].checks == 6 * 7 / 2);  // symmetric pairs: the lower triangle
  CHECK(report[QpInput::G].checks == 8 * 6);
  CHECK(report[QpInput::b].checks == 3);
}

TEST_CASE("gradcheck reports an unsolved problem instead of checking it") {
  // z <= -1 and -z <= -1 together are infeasible.
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(1, 1), G(2, 1), A(0, 1);
  G << 1, -1;
  const Eigen::VectorXd q = Eigen::VectorXd::Zero(1), h = Eigen::VectorXd::Constant(2, -1.0), b(0);
  const GradcheckReport report = gradcheck(P, q, G, h, A, b, GradcheckLoss{Eigen::VectorXd::Ones(1), {}, {}});
  CHECK(report.status == Status::primal_infeasible);
  CHECK_FALSE(report.passed());
  CHECK(report[QpInput::q].checks == 0);
}

TEST_CASE("check_gradient detects a wrong gradient and accepts the right one") {
  // f(x) = sum(sin(x)): gradient cos(x).
  const optlayer::ScalarFunction f = [](const Eigen::VectorXd& x, double& value) {
    value = x.array().sin().sum();
    return true;
  };
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(5, -1.0, 2.0);
  const Eigen::VectorXd right = x.array().cos().matrix();
  Eigen::VectorXd wrong = right;
  wrong(2) += 1e-3;
  CHECK(check_gradient(f, x, right).max_error < 1e-8);
  CHECK(check_gradient(f, x, wrong).max_error > 1e-4);
  GradcheckOptions random;
  random.directions = 4;
  CHECK(check_gradient(f, x, right, random).checks == 4);
  CHECK(check_gradient(f, x, right, random).max_error < 1e-8);
}
