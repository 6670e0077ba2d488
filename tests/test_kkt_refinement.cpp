// Iterative refinement and its GMRES stage (solver/linalg/kkt_refinement.hpp), on a mock backend whose
// "factorization" is a chosen preconditioner M of a chosen K. Refinement converges only when every
// eigenvalue of M^-1 K lies within 1 of 1; GMRES of dimension k removes up to k outliers.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <random>
#include <utility>

#include "mock_kkt_backend.hpp"
#include "solver/linalg/kkt_refinement.hpp"

using namespace optlayer;
using optlayer::testing::MockKktBackend;

namespace {

constexpr Eigen::Index kN = 8, kM = 6, kP = 3, kSize = kN + kM + kP;

Eigen::MatrixXd quasi_definite(std::mt19937& rng) { return testing::random_quasi_definite(rng, kN, kM + kP); }
Eigen::MatrixXd low_rank(std::mt19937& rng, Eigen::Index rank, double scale) {
  return testing::random_low_rank(rng, kSize, rank, scale);
}

struct Outcome {
  double error;
  double solution_error;
};

Outcome refine_with(const MockKktBackend& backend, bool with_krylov, const Eigen::VectorXd& rhs) {
  KktRefinement refinement;
  refinement.resize(kN, kM, kP, with_krylov);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(kSize);
  const double error = refinement.refine(backend, rhs, x, /*max_steps=*/8, /*tolerance=*/1e-14);
  const Eigen::VectorXd exact = backend.K.partialPivLu().solve(rhs);
  return {error, (x - exact).cwiseAbs().maxCoeff() / exact.cwiseAbs().maxCoeff()};
}

}  // namespace

TEST_CASE("refinement: converges when the preconditioner is close, with or without the Krylov stage") {
  std::mt19937 rng(1);
  const Eigen::MatrixXd K = quasi_definite(rng);
  const MockKktBackend backend(K, 1e-6 * Eigen::MatrixXd::Identity(kSize, kSize));
  const Eigen::VectorXd rhs = Eigen::VectorXd::LinSpaced(kSize, -3.0, 5.0);
  for (bool with_krylov : {false, true}) {
    const Outcome outcome = refine_with(backend, with_krylov, rhs);
    CHECK(outcome.error <= 1e-14);
    CHECK(outcome.solution_error <= 1e-12);
  }
}

TEST_CASE("refinement: a few outlying eigenvalues stall plain refinement; GMRES of dimension 5 solves it") {
  for (int rank = 1; rank <= 3; ++rank) {
    CAPTURE(rank);
    std::mt19937 rng(10 + rank);
    const Eigen::MatrixXd K = quasi_definite(rng);
    const MockKktBackend backend(K, low_rank(rng, rank, 3.0));
    const Eigen::VectorXd rhs = Eigen::VectorXd::LinSpaced(kSize, 1.0, 2.0);
    const Outcome plain = refine_with(backend, false, rhs);
    const Outcome krylov = refine_with(backend, true, rhs);
    CHECK(plain.error > 1e-6);  // the test's premise: refinement alone stalls here
    CHECK(krylov.error <= 1e-13);
    CHECK(krylov.solution_error <= 1e-10);
  }
}

TEST_CASE("refinement: the Krylov stage never returns a worse solve than refinement alone") {
  // Many outliers (a full-rank perturbation): more than two cycles of 5 steps can remove.
  for (int seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(100 + seed);
    const Eigen::MatrixXd K = quasi_definite(rng);
    const MockKktBackend backend(K, low_rank(rng, kSize, 0.5));
    const Eigen::VectorXd rhs = Eigen::VectorXd::Ones(kSize);
    const Outcome plain = refine_with(backend, false, rhs);
    const Outcome krylov = refine_with(backend, true, rhs);
    CHECK(krylov.error <= plain.error);
  }
}

TEST_CASE("refinement: a right-hand side of zero gives x = 0 with the Krylov stage on") {
  std::mt19937 rng(7);
  const MockKktBackend backend(quasi_definite(rng), low_rank(rng, 2, 3.0));
  const Outcome outcome = refine_with(backend, true, Eigen::VectorXd::Ones(kSize));
  CHECK(outcome.error <= 1e-13);
  KktRefinement refinement;
  refinement.resize(kN, kM, kP, true);
  Eigen::VectorXd x = Eigen::VectorXd::Ones(kSize), zero = Eigen::VectorXd::Zero(kSize);
  CHECK(refinement.refine(backend, zero, x, 8) == 0.0);
  CHECK(x.cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("refinement: a stall at round-off level does not start the Krylov stage; a stall above it does") {
  std::mt19937 rng(21);
  MockKktBackend backend(quasi_definite(rng), 1e-8 * Eigen::MatrixXd::Identity(kSize, kSize));
  const Eigen::VectorXd rhs = Eigen::VectorXd::LinSpaced(kSize, 1.0, 2.0);
  // noise: the size of the simulated round-off in K x, so the level refinement stalls at.
  auto solves_and_error = [&](double noise, bool with_krylov) {
    backend.noise = noise;
    backend.rounding.seed(1);  // the same "round-off" in both runs
    backend.solves = 0;
    KktRefinement refinement;
    refinement.resize(kN, kM, kP, with_krylov);
    Eigen::VectorXd x = Eigen::VectorXd::Zero(kSize);
    const double error = refinement.refine(backend, rhs, x, 8, KktRefinement::kRefinedEnough);
    return std::make_pair(backend.solves, error);
  };
  const auto roundoff_plain = solves_and_error(3e-14, false);
  const auto roundoff_krylov = solves_and_error(3e-14, true);
  REQUIRE(roundoff_plain.second > KktRefinement::kRefinedEnough);  // it does stall above the target...
  REQUIRE(roundoff_plain.second < KktRefinement::kRoundoffStall);  // ...but at round-off level
  CHECK(roundoff_krylov.first == roundoff_plain.first);
  const auto high_plain = solves_and_error(1e-10, false);
  const auto high_krylov = solves_and_error(1e-10, true);
  REQUIRE(high_plain.second > KktRefinement::kRoundoffStall);
  CHECK(high_krylov.first > high_plain.first);  // tried (noise cannot be removed: no gain is kept)
  CHECK(high_krylov.second <= high_plain.second);
}
