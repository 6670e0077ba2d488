// Active-set polishing of solves that stop short of the tolerances (Settings::max_polish_rounds).
// On a Maros-Meszaros problem (LISWET1): tests/test_maros_meszaros.cpp.

#include <doctest/doctest.h>


#include <optlayer/optlayer.hpp>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::Random;

namespace {

Settings cut_short_settings(Backend backend, int max_iter) {
  Settings s;
  s.eps_abs = 1e-9;
  s.eps_rel = 0.0;
  s.max_iter = max_iter;
  s.backend = backend;
  return s;
}

Status solve(QpSolver& solver, const QpData& d) { return solver.solve(d.P, d.q, d.G, d.h, d.A, d.b); }

}  // namespace

TEST_CASE("an iteration limit is finished by polishing, to the full solve's point and gradient") {
  int rescued = 0;
  for (Backend backend : {Backend::dense, Backend::sparse}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      CAPTURE(seed);
      CAPTURE(static_cast<int>(backend));
      Random rng(seed);
      const QpData d = optlayer_test::optnet_qp(rng, 12, 20, 3);

      QpSolver full(12, 20, 3, cut_short_settings(backend, 200));
      REQUIRE(solve(full, d) == Status::solved);
      CHECK_FALSE(full.result().polished);

      // Without polishing, 5 iterations end at the limit.
      Settings unpolished = cut_short_settings(backend, 5);
      unpolished.max_polish_rounds = 0;
      QpSolver cut(12, 20, 3, unpolished);
      REQUIRE(solve(cut, d) == Status::max_iterations);

      QpSolver polished(12, 20, 3, cut_short_settings(backend, 5));
      const Status status = solve(polished, d);
      CHECK((status == Status::solved || status == Status::max_iterations));
      // Polishing never makes the returned point worse than the best iterate.
      const QpResult& r = polished.result();
      const double worst = std::max({r.primal_residual, r.dual_residual, r.duality_gap});
      CHECK(worst <= std::max({cut.result().primal_residual, cut.result().dual_residual,
                               cut.result().duality_gap}) * (1.0 + 1e-12));
      if (status != Status::solved) continue;
      ++rescued;
      CHECK(r.polished);
      CHECK(r.iterations == 5);
      CHECK(worst <= 1e-9);
      CHECK((r.z - full.result().z).cwiseAbs().maxCoeff() <= 1e-7);
      CHECK((r.lambda - full.result().lambda).cwiseAbs().maxCoeff() <= 1e-6);

      // The derivatives use the factorization at the polished point.
      const Eigen::VectorXd dl_dz = rng.normal(12);
      QpGradient g_full, g_polished;
      REQUIRE(full.backward(dl_dz, g_full));
      REQUIRE(polished.backward(dl_dz, g_polished));
      CHECK((g_polished.q - g_full.q).cwiseAbs().maxCoeff() <= 1e-6 * (1.0 + g_full.q.cwiseAbs().maxCoeff()));
      CHECK((g_polished.h - g_full.h).cwiseAbs().maxCoeff() <= 1e-6 * (1.0 + g_full.h.cwiseAbs().maxCoeff()));
    }
  }
  MESSAGE("polishing finished ", rescued, " of 20 solves cut at 5 iterations");
  CHECK(rescued >= 15);
}

TEST_CASE("polishing an infeasible or unbounded problem never reports solved") {
  for (Backend backend : {Backend::dense, Backend::sparse}) {
    // Primal infeasible: z <= -1 and z >= 1.
    Eigen::MatrixXd P = Eigen::MatrixXd::Identity(1, 1), G(2, 1), A(0, 1);
    Eigen::VectorXd q = Eigen::VectorXd::Zero(1), h(2), b(0);
    G << 1.0, -1.0;
    h << -1.0, -1.0;
    QpSolver solver(1, 2, 0, cut_short_settings(backend, 3));
    CHECK(solver.solve(P, q, G, h, A, b) != Status::solved);
    // Unbounded LP: minimize -z subject to -z <= 0.
    Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(1, 1), G1(1, 1);
    Eigen::VectorXd q1(1), h1 = Eigen::VectorXd::Zero(1);
    G1 << -1.0;
    q1 << -1.0;
    QpSolver lp(1, 1, 0, cut_short_settings(backend, 3));
    CHECK(lp.solve(Z, q1, G1, h1, A, b) != Status::solved);
  }
}
