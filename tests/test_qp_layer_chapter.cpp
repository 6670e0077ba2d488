// The chapter's QP layer: n = 10, m = 4, p = 5, P = Psqrt' Psqrt, a batch of 2 parameter
// sets, loss = sum over the batch of sum(z) (the chapter's layer(*x).sum()), every gradient
// checked against central finite differences with the library's checkers.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <optlayer/optlayer.hpp>
#include <string>
#include <vector>

#include "derivative_test_problems.hpp"

using namespace optlayer;
using optlayer_test::Random;

namespace {

constexpr Eigen::Index kN = 10, kM = 4, kP = 5, kBatch = 2;

// The layer's parameters; P is built from Psqrt.
struct LayerParameters {
  Eigen::MatrixXd Psqrt, G, A;
  Eigen::VectorXd q, h, b;

  QpData qp() const { return QpData{Psqrt.transpose() * Psqrt, q, G, h, A, b}; }
};

// Random parameters, feasible by construction: h = G z0 + s0 (s0 > 0), b = A z0.
LayerParameters random_parameters(Random& rng) {
  LayerParameters x;
  x.Psqrt = rng.normal(kN, kN);
  x.q = rng.normal(kN);
  x.G = rng.normal(kM, kN);
  x.A = rng.normal(kP, kN);
  const Eigen::VectorXd z0 = rng.normal(kN);
  x.h = x.G * z0 + rng.uniform(kM, 0.1, 1.0);
  x.b = x.A * z0;
  return x;
}

// The six parameter blocks as flat vectors (column-major), so check_gradient can perturb one.
enum Block { kPsqrt, kQ, kG, kH, kA, kB, kNumBlocks };
const char* const kBlockNames[kNumBlocks] = {"Psqrt", "q", "G", "h", "A", "b"};

Eigen::Map<Eigen::VectorXd> block(LayerParameters& x, int which) {
  Eigen::MatrixXd* matrices[] = {&x.Psqrt, nullptr, &x.G, nullptr, &x.A, nullptr};
  Eigen::VectorXd* vectors[] = {nullptr, &x.q, nullptr, &x.h, nullptr, &x.b};
  if (matrices[which] != nullptr) return {matrices[which]->data(), matrices[which]->size()};
  return {vectors[which]->data(), vectors[which]->size()};
}

// Gradients of sum(z) for the whole batch, through QpBatch, with the Psqrt chain rule.
std::vector<LayerParameters> layer_gradients(QpBatch& batch, const std::vector<LayerParameters>& x) {
  std::vector<QpData> problems;
  for (const auto& xi : x) problems.push_back(xi.qp());
  REQUIRE(batch.solve(problems) == x.size());
  std::vector<QpGradient> g;
  REQUIRE(batch.backward(std::vector<Eigen::VectorXd>(x.size(), Eigen::VectorXd::Ones(kN)), g));
  std::vector<LayerParameters> out(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) {
    // L(P(Psqrt)) with P = S'S: dL = <grad_P, dS'S + S'dS>, so grad_S = S (grad_P + grad_P').
    out[k].Psqrt = x[k].Psqrt * (g[k].P + g[k].P.transpose());
    out[k].q = g[k].q;
    out[k].G = g[k].G;
    out[k].h = g[k].h;
    out[k].A = g[k].A;
    out[k].b = g[k].b;
  }
  return out;
}

// sum(z) of one problem of the batch with block `which` replaced by `values`.
bool layer_loss(LayerParameters x, int which, const Eigen::VectorXd& values, double& loss) {
  block(x, which) = values;
  const QpData d = x.qp();
  QpSolver solver(kN, kM, kP, gradcheck_settings());
  if (solver.solve(d.P, d.q, d.G, d.h, d.A, d.b) != Status::solved) return false;
  loss = solver.result().z.sum();
  return true;
}

}  // namespace

TEST_CASE("chapter QP layer: gradients w.r.t. Psqrt, q, G, h, A, b match finite differences") {
  Random rng(2017);
  std::vector<LayerParameters> x;
  for (int k = 0; k < kBatch; ++k) x.push_back(random_parameters(rng));
  QpBatch batch(kBatch, kN, kM, kP, gradcheck_settings(), 2);
  std::vector<LayerParameters> grad = layer_gradients(batch, x);

  double worst = 0.0;
  for (int k = 0; k < kBatch; ++k) {
    for (int which = 0; which < kNumBlocks; ++which) {
      CAPTURE(k);
      CAPTURE(kBlockNames[which]);
      const ScalarFunction f = [&](const Eigen::VectorXd& values, double& loss) {
        return layer_loss(x[k], which, values, loss);
      };
      const Eigen::VectorXd at = block(x[k], which), gradient = block(grad[k], which);
      const FunctionCheck check = check_gradient(f, at, gradient);  // every entry
      CHECK(check.checks == at.size());
      CHECK(check.failed_evaluations == 0);
      CHECK(check.max_error < 1e-6);
      worst = std::max(worst, check.max_error);
    }
    // The same data through the QP-level checker (gradients w.r.t. P itself, and forward mode).
    const QpData d = x[k].qp();
    const GradcheckReport report =
        gradcheck(d.P, d.q, d.G, d.h, d.A, d.b, GradcheckLoss{Eigen::VectorXd::Ones(kN), {}, {}});
    INFO(report.summary());
    CHECK(report.passed());
    worst = std::max({worst, report.max_backward_error(), report.max_forward_error()});
  }
  MESSAGE("chapter layer: largest finite-difference error " << worst);
}

TEST_CASE("chapter QP layer: an infeasible parameter set gives a clear status and no gradient") {
  // The chapter's unmodified random data are always feasible for m = 4 < n - p = 5: four
  // halfspaces with independent normals always intersect inside the 5-dimensional affine set
  // Az = b. So build an infeasible one: h_1 + h_2 < 0 with row 2 = -row 1.
  Random rng(99);
  std::vector<LayerParameters> x{random_parameters(rng), random_parameters(rng)};
  x[1].G.row(1) = -x[1].G.row(0);
  x[1].h(0) = -1.0;
  x[1].h(1) = -1.0;
  std::vector<QpData> problems{x[0].qp(), x[1].qp()};
  QpBatch batch(kBatch, kN, kM, kP);
  CHECK(batch.solve(problems) == 1u);
  CHECK(batch.result(0).status == Status::solved);
  CHECK(batch.result(1).status == Status::primal_infeasible);
  CHECK(std::string(to_string(batch.result(1).status)) == "primal_infeasible");
  CHECK_FALSE(batch.result(1).message.empty());
  // A Farkas certificate: lambda >= 0, G'lambda + A'nu ~ 0, h'lambda + b'nu < 0.
  const QpResult& r = batch.result(1);
  CHECK(r.certificate_lambda.minCoeff() >= 0.0);
  CHECK((x[1].G.transpose() * r.certificate_lambda + x[1].A.transpose() * r.certificate_nu).cwiseAbs().maxCoeff() <
        1e-6);
  CHECK(x[1].h.dot(r.certificate_lambda) + x[1].b.dot(r.certificate_nu) < 0.0);

  std::vector<QpGradient> g;
  CHECK_FALSE(batch.backward(std::vector<Eigen::VectorXd>(kBatch, Eigen::VectorXd::Ones(kN)), g));
  CHECK(batch.succeeded(0));
  CHECK_FALSE(batch.succeeded(1));
  CHECK(g[1].P.size() == 0);  // no gradient pretending to be valid

  // The single-problem API says the same.
  QpSolver solver(kN, kM, kP);
  CHECK(solver.solve(problems[1].P, problems[1].q, problems[1].G, problems[1].h, problems[1].A, problems[1].b) ==
        Status::primal_infeasible);
  QpGradient single;
  CHECK_FALSE(solver.backward(Eigen::VectorXd::Ones(kN), single));
  QpTangent tangent;
  CHECK_FALSE(solver.forward(QpPerturbation{}, tangent));
  QpJacobians jacobians;
  CHECK_FALSE(solver.jacobians(jacobians));
  const GradcheckReport report = gradcheck(problems[1].P, problems[1].q, problems[1].G, problems[1].h, problems[1].A,
                                           problems[1].b, GradcheckLoss{Eigen::VectorXd::Ones(kN), {}, {}});
  CHECK(report.status == Status::primal_infeasible);
  CHECK_FALSE(report.passed());
}
