// Thread safety: concurrent solves, backward and forward passes on separate QpSolver
// workspaces give bit-identical results to a serial loop. Run under ThreadSanitizer by
// `make test-tsan` (build-tsan), where any data race between the workspaces (shared
// static scratch, lazily initialized globals, Eigen's internals) is reported as an error.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "optlayer/qp_solver.hpp"

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

struct Problem {
  MatrixXd P, G, A;
  VectorXd q, h, b;
  VectorXd dl_dz;  // cotangent for the backward pass
  QpPerturbation perturbation;
};

// A feasible, bounded QP of its own size: P = B'B + I/10, constraints satisfied at a random z0.
// Every fifth problem is an LP with a box, and every seventh is primal infeasible, so the threads
// also run the other exits of the solver at the same time.
Problem make_problem(int k) {
  std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(k));
  std::normal_distribution<double> normal;
  auto matrix = [&](Eigen::Index r, Eigen::Index c) {
    MatrixXd M(r, c);
    for (Eigen::Index j = 0; j < c; ++j)
      for (Eigen::Index i = 0; i < r; ++i) M(i, j) = normal(rng);
    return M;
  };
  auto vector = [&](Eigen::Index r) { return VectorXd(matrix(r, 1)); };
  const Eigen::Index n = 3 + k % 9, m = 2 + (k * 5) % 11, p = k % 4;
  Problem pr;
  const MatrixXd B = matrix(n, n);
  pr.P = B.transpose() * B + 0.1 * MatrixXd::Identity(n, n);
  pr.q = vector(n);
  const VectorXd z0 = vector(n);
  pr.G = matrix(m, n);
  pr.h = pr.G * z0 + VectorXd::Ones(m);
  pr.A = matrix(p, n);
  pr.b = pr.A * z0;
  if (k % 5 == 4) {  // LP on a box
    pr.P.setZero();
    pr.G = MatrixXd(2 * n, n);
    pr.G << MatrixXd::Identity(n, n), -MatrixXd::Identity(n, n);
    pr.h = VectorXd::Ones(2 * n) + pr.G * z0.cwiseMax(-0.5).cwiseMin(0.5);
  }
  if (k % 7 == 6 && pr.G.rows() >= 2) {  // rows 0 and 1 contradict each other
    pr.G.row(1) = -pr.G.row(0);
    pr.h(1) = -pr.h(0) - 1.0;
  }
  pr.dl_dz = vector(n);
  pr.perturbation.q = vector(n);
  pr.perturbation.h = vector(pr.G.rows());
  return pr;
}

struct Outcome {
  Status status = Status::unsolved;
  int iterations = 0;
  VectorXd z, s, lambda, nu;
  bool backward_ok = false, forward_ok = false;
  QpGradient gradient;
  QpTangent tangent;
};

// Two solves per problem on one workspace (the second warm-started after a change of q) plus
// backward and forward: everything a training loop does with a solver per thread.
Outcome run(const Problem& pr) {
  QpSolver solver(pr.P.rows(), pr.G.rows(), pr.A.rows());
  solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b);
  solver.warm_start_from_result();
  solver.update_q(pr.q + 0.01 * pr.dl_dz);
  solver.solve();
  Outcome out;
  const QpResult& r = solver.result();
  out.status = r.status;
  out.iterations = r.iterations;
  out.z = r.z;
  out.s = r.s;
  out.lambda = r.lambda;
  out.nu = r.nu;
  out.backward_ok = solver.backward(pr.dl_dz, out.gradient);
  out.forward_ok = solver.forward(pr.perturbation, out.tangent);
  return out;
}

bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0);
}

bool same(const Outcome& a, const Outcome& b) {
  bool ok = a.status == b.status && a.iterations == b.iterations && same_bits(a.z, b.z) && same_bits(a.s, b.s) &&
            same_bits(a.lambda, b.lambda) && same_bits(a.nu, b.nu) && a.backward_ok == b.backward_ok &&
            a.forward_ok == b.forward_ok;
  if (ok && a.backward_ok)
    ok = same_bits(a.gradient.P, b.gradient.P) && same_bits(a.gradient.q, b.gradient.q) &&
         same_bits(a.gradient.G, b.gradient.G) && same_bits(a.gradient.h, b.gradient.h) &&
         same_bits(a.gradient.A, b.gradient.A) && same_bits(a.gradient.b, b.gradient.b);
  if (ok && a.forward_ok)
    ok = same_bits(a.tangent.z, b.tangent.z) && same_bits(a.tangent.lambda, b.tangent.lambda) &&
         same_bits(a.tangent.nu, b.tangent.nu);
  return ok;
}

}  // namespace

TEST_CASE("concurrent solves on separate workspaces equal the serial results") {
  constexpr int kProblems = 28;
  constexpr unsigned kThreads = 4;
  std::vector<Problem> problems;
  for (int k = 0; k < kProblems; ++k) problems.push_back(make_problem(k));

  std::vector<Outcome> serial;
  for (const Problem& pr : problems) serial.push_back(run(pr));
  int solved = 0, infeasible = 0;
  for (const Outcome& o : serial) {
    solved += o.status == Status::solved ? 1 : 0;
    infeasible += o.status == Status::primal_infeasible ? 1 : 0;
  }
  CHECK(solved >= kProblems - 6);  // the mix really exercises both exits
  CHECK(infeasible >= 2);

  // Threads pull problems from a shared counter, so which thread solves which problem varies
  // from run to run; the results may not.
  std::vector<Outcome> parallel(problems.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (std::size_t k = next++; k < problems.size(); k = next++) parallel[k] = run(problems[k]);
    });
  for (std::thread& t : threads) t.join();
  for (std::size_t k = 0; k < problems.size(); ++k) {
    CAPTURE(k);
    CHECK(same(serial[k], parallel[k]));
  }
}

TEST_CASE("one long-lived solver per thread, many solves each") {
  // The control-loop pattern: each thread owns one workspace and re-solves with new data.
  constexpr unsigned kThreads = 3;
  constexpr int kRounds = 6;
  const Eigen::Index n = 6, m = 8, p = 2;
  auto problem_for = [&](unsigned t, int round) {
    Problem pr;
    std::mt19937_64 rng(t * 7919u + static_cast<unsigned>(round));
    std::normal_distribution<double> normal;
    const MatrixXd B = MatrixXd::NullaryExpr(n, n, [&]() { return normal(rng); });
    pr.P = B.transpose() * B + MatrixXd::Identity(n, n);
    pr.q = VectorXd::NullaryExpr(n, [&]() { return normal(rng); });
    pr.G = MatrixXd::NullaryExpr(m, n, [&]() { return normal(rng); });
    pr.h = VectorXd::Ones(m);
    pr.A = MatrixXd::NullaryExpr(p, n, [&]() { return normal(rng); });
    pr.b = VectorXd::Zero(p);
    return pr;
  };
  std::vector<std::vector<VectorXd>> serial(kThreads), parallel(kThreads);
  for (unsigned t = 0; t < kThreads; ++t) {
    QpSolver solver(n, m, p);
    for (int round = 0; round < kRounds; ++round) {
      const Problem pr = problem_for(t, round);
      REQUIRE(solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b) == Status::solved);
      serial[t].push_back(solver.result().z);
    }
  }
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      QpSolver solver(n, m, p);
      for (int round = 0; round < kRounds; ++round) {
        const Problem pr = problem_for(t, round);
        solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b);
        parallel[t].push_back(solver.result().z);
      }
    });
  for (std::thread& t : threads) t.join();
  for (unsigned t = 0; t < kThreads; ++t)
    for (int round = 0; round < kRounds; ++round) {
      CAPTURE(t);
      CAPTURE(round);
      CHECK(same_bits(serial[t][static_cast<std::size_t>(round)], parallel[t][static_cast<std::size_t>(round)]));
    }
}
