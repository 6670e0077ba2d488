// QpBatch: results bit-identical to a serial loop and across thread counts.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <optlayer/optlayer.hpp>
#include <stdexcept>
#include <vector>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::Random;
using optlayer_test::same_bits;

namespace {

using optlayer_test::same_bits;  // the overloads below would otherwise hide the helpers' ones

constexpr Eigen::Index kN = 12, kM = 14, kP = 5;

std::vector<QpData> random_batch(Random& rng, std::size_t size) {
  std::vector<QpData> batch;
  for (std::size_t k = 0; k < size; ++k) batch.push_back(optlayer_test::optnet_qp(rng, kN, kM, kP));
  return batch;
}

std::vector<Eigen::VectorXd> random_vectors(Random& rng, std::size_t size, Eigen::Index length) {
  std::vector<Eigen::VectorXd> v;
  for (std::size_t k = 0; k < size; ++k) v.push_back(rng.normal(length));
  return v;
}

// Everything a batch call produces, for bitwise comparison.
struct Outputs {
  std::vector<QpResult> results;
  std::vector<QpGradient> gradients;
  std::vector<QpTangent> tangents;
};

bool same_bits(const QpResult& a, const QpResult& b) {
  return a.status == b.status && a.iterations == b.iterations && same_bits(a.z, b.z) && same_bits(a.s, b.s) &&
         same_bits(a.lambda, b.lambda) && same_bits(a.nu, b.nu);
}

bool same_bits(const QpTangent& a, const QpTangent& b) {
  return same_bits(a.z, b.z) && same_bits(a.lambda, b.lambda) && same_bits(a.nu, b.nu);
}

bool same_bits(const Outputs& a, const Outputs& b) {
  if (a.results.size() != b.results.size()) return false;
  for (std::size_t k = 0; k < a.results.size(); ++k)
    if (!same_bits(a.results[k], b.results[k]) || !same_bits(a.gradients[k], b.gradients[k]) ||
        !same_bits(a.tangents[k], b.tangents[k]))
      return false;
  return true;
}

struct Inputs {
  std::vector<QpData> problems;
  std::vector<Eigen::VectorXd> dl_dz, dl_dlambda;
  std::vector<QpPerturbation> perturbations;
};

Inputs random_inputs(Random& rng, std::size_t size) {
  Inputs in;
  in.problems = random_batch(rng, size);
  in.dl_dz = random_vectors(rng, size, kN);
  in.dl_dlambda = random_vectors(rng, size, kM);
  for (std::size_t k = 0; k < size; ++k) {
    QpPerturbation d;
    d.q = rng.normal(kN);
    d.G = rng.normal(kM, kN);
    in.perturbations.push_back(d);
  }
  return in;
}

Outputs run_serial(const Inputs& in) {
  Outputs out;
  for (std::size_t k = 0; k < in.problems.size(); ++k) {
    const QpData& d = in.problems[k];
    QpSolver solver(kN, kM, kP);
    solver.solve(d.P, d.q, d.G, d.h, d.A, d.b);
    out.results.push_back(solver.result());
    out.gradients.emplace_back();
    out.tangents.emplace_back();
    solver.backward(in.dl_dz[k], in.dl_dlambda[k], Eigen::VectorXd(), out.gradients.back());
    solver.forward(in.perturbations[k], out.tangents.back());
  }
  return out;
}

Outputs run_batch(QpBatch& batch, const Inputs& in) {
  Outputs out;
  batch.solve(in.problems);
  for (std::size_t k = 0; k < batch.size(); ++k) out.results.push_back(batch.result(k));
  CHECK(batch.backward(in.dl_dz, in.dl_dlambda, {}, out.gradients));
  CHECK(batch.forward(in.perturbations, out.tangents));
  return out;
}

}  // namespace

TEST_CASE("batch results are bit-identical to a serial loop for 1, 2, 3 and all threads") {
  Random rng(5);
  const std::size_t size = 9;
  const Inputs first = random_inputs(rng, size), second = random_inputs(rng, size);
  const Outputs serial_first = run_serial(first), serial_second = run_serial(second);
  for (const unsigned threads : {1u, 2u, 3u, 0u}) {
    CAPTURE(threads);
    QpBatch batch(size, kN, kM, kP, Settings(), threads);
    // Twice with different data: the reused workers and workspaces must not carry state over.
    CHECK(same_bits(run_batch(batch, first), serial_first));
    CHECK(same_bits(run_batch(batch, second), serial_second));
    CHECK(same_bits(run_batch(batch, first), serial_first));
  }
  for (std::size_t k = 0; k < size; ++k) CHECK(serial_first.results[k].status == Status::solved);
}

TEST_CASE("batch backward reuses each problem's factorization") {
  Random rng(8);
  const Inputs in = random_inputs(rng, 4);
  QpBatch batch(4, kN, kM, kP, Settings(), 2);
  CHECK(batch.solve(in.problems) == 4);
  std::vector<long> before;
  for (std::size_t k = 0; k < batch.size(); ++k) before.push_back(batch.solver(k).total_factorizations());
  std::vector<QpGradient> gradients;
  CHECK(batch.backward(in.dl_dz, gradients));
  for (std::size_t k = 0; k < batch.size(); ++k) CHECK(batch.solver(k).total_factorizations() == before[k]);
}

TEST_CASE("never more threads than problems") {
  CHECK(QpBatch(2, 3, 1, 0, Settings(), 8).threads() == 2u);
  CHECK(QpBatch(1, 3, 1, 0, Settings(), 0).threads() == 1u);
  CHECK(QpBatch(5, 3, 1, 0, Settings(), 3).threads() == 3u);
  QpBatch empty(0, 3, 1, 0);
  CHECK(empty.solve({}) == 0u);
}

TEST_CASE("a failed problem in a batch: status, no gradient, the others unaffected") {
  Random rng(9);
  Inputs in = random_inputs(rng, 3);
  // Problem 1: rows g'z <= -1 and -g'z <= -1 cannot both hold.
  in.problems[1].G.row(1) = -in.problems[1].G.row(0);
  in.problems[1].h(0) = in.problems[1].h(1) = -1.0;
  QpBatch batch(3, kN, kM, kP, Settings(), 3);
  CHECK(batch.solve(in.problems) == 2u);
  CHECK(batch.result(1).status == Status::primal_infeasible);
  std::vector<QpGradient> gradients;
  CHECK_FALSE(batch.backward(in.dl_dz, gradients));
  CHECK(batch.succeeded(0));
  CHECK_FALSE(batch.succeeded(1));
  CHECK(batch.succeeded(2));
  CHECK(gradients[1].q.size() == 0);  // left empty, not a stale or fake gradient
  CHECK(gradients[0].q.size() == kN);
  // Same results as solving problem 2 alone.
  QpSolver alone(kN, kM, kP);
  alone.solve(in.problems[2].P, in.problems[2].q, in.problems[2].G, in.problems[2].h, in.problems[2].A,
              in.problems[2].b);
  QpGradient g;
  REQUIRE(alone.backward(in.dl_dz[2], g));
  CHECK(same_bits(g, gradients[2]));
}

TEST_CASE("batch size mismatches throw") {
  QpBatch batch(2, 3, 1, 0);
  CHECK_THROWS_AS(batch.solve(std::vector<QpData>(3)), std::invalid_argument);
  std::vector<QpGradient> g;
  CHECK_THROWS_AS(batch.backward(std::vector<Eigen::VectorXd>(1), g), std::invalid_argument);
  CHECK_THROWS_AS(QpBatch(2, -1, 0, 0), std::invalid_argument);
}
