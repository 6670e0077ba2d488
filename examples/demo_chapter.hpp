#pragma once
// The chapter's experiments (../shared/seed/000_eb4458d475f655e6.txt, "Differentiable
// optimization"), each a function that runs the layers and returns what the demo prints.
// Shared by examples/optlayer_demo.cpp and tests/test_demo.cpp, so the test checks exactly the
// numbers the demo shows. Every random draw comes from a seeded std::mt19937_64.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <optlayer/gradcheck.hpp>
#include <optlayer/problems/adam.hpp>
#include <optlayer/problems/ball_projection.hpp>
#include <optlayer/problems/nnls_l1.hpp>
#include <optlayer/problems/optnet_layer.hpp>
#include <optlayer/problems/polytope_projection.hpp>
#include <optlayer/problems/sigmoid.hpp>
#include <optlayer/problems/softmax.hpp>
#include <optlayer/problems/sparsemax.hpp>

namespace optlayer_demo {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using optlayer::Status;

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- What the chapter printed (cvxpy / PyTorch, on its own unseeded random data) ----------------

/// np.round(x.value, 5) and np.round(cons[0].dual_value, 5) of the chapter's NNLS example.
inline VectorXd chapter_nnls_solution() {
  return (VectorXd(10) << -0.0, 0.0294, 0.0, 0.06528, -0.0, 0.23629, -0.0, -0.0, -0.0, -0.0).finished();
}
inline VectorXd chapter_nnls_duals() {
  return (VectorXd(10) << 3.18426, 0.0, 10.78774, 0.0, 3.6743, 0.0, 0.93088, 21.02245, 5.42407, 14.82586).finished();
}
/// The chapter's softmax layer: mean absolute error of the forward and backward passes.
constexpr double kChapterSoftmaxForward = 3.955818829126656e-05;
constexpr double kChapterSoftmaxBackward = 4.4939119106857106e-05;
/// The chapter's gradcheck of the QP layer: eps 1e-4, atol 1e-3.
constexpr double kChapterGradcheckAtol = 1e-3;
/// The chapter's sparsemax output (rounded to 4 digits) for its own torch.randn(3, 10).
inline MatrixXd chapter_sparsemax_output() {
  MatrixXd Y = MatrixXd::Zero(3, 10);
  Y(0, 7) = 1.0;
  Y(1, 0) = 0.7871;
  Y(1, 4) = 0.2129;
  Y(2, 7) = 0.9695;
  Y(2, 8) = 0.0305;
  return Y;
}

// ---- Helpers ---------------------------------------------------------------------------------------

/// Standard-normal matrix, filled column by column.
inline MatrixXd random_normal(std::mt19937_64& rng, Index rows, Index cols) {
  std::normal_distribution<double> normal;
  MatrixXd M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) M(i, j) = normal(rng);
  return M;
}

/// Mean and largest absolute difference of two equally shaped matrices.
struct ErrorStats {
  double mean = kInf;
  double max = kInf;
};

inline ErrorStats error_stats(const MatrixXd& a, const MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols() || a.size() == 0) return ErrorStats{};
  const MatrixXd d = (a - b).cwiseAbs();
  return ErrorStats{d.mean(), d.maxCoeff()};
}

// ---- 1. Non-negative least squares with an l1 term -----------------------------------------------

struct NnlsReport {
  Status status = Status::unsolved;
  int iterations = 0;
  VectorXd z, duals;                  ///< solution and multipliers of z >= 0
  optlayer::QpKktResidual kkt;        ///< from the data, independent of the solver
  double objective = 0.0;             ///< ||Az - b||^2 + lambda ||z||_1
};

/// The chapter's cvxpy example: m = 50, n = 10, lambda = 0.1, A and b standard normal.
inline NnlsReport run_nnls(std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  const MatrixXd A = random_normal(rng, 50, 10);
  const MatrixXd b = random_normal(rng, 1, 50);  // one row: a batch of one problem
  const double lambda = 0.1;
  optlayer::NnlsL1Layer layer(A, lambda);
  NnlsReport out;
  MatrixXd Z;
  out.status = layer.forward(b, Z);
  out.iterations = layer.batch().result(0).iterations;
  out.z = Z.row(0).transpose();
  out.duals = layer.duals().row(0).transpose();
  out.kkt = layer.batch().kkt_residual(0);
  out.objective = (A * out.z - b.row(0).transpose()).squaredNorm() + lambda * out.z.cwiseAbs().sum();
  return out;
}

// ---- 2. The OptNet QP layer and its gradient check -----------------------------------------------

/// Largest finite-difference error of one parameter over the batch.
struct ParameterCheck {
  const char* name = "";
  double max_error = kInf;
  int checks = 0;
  int failed = 0;  ///< directions where a perturbed problem could not be solved
};

struct QpLayerReport {
  Status status = Status::unsolved;
  std::vector<ParameterCheck> parameters;  ///< Psqrt, q, G, h, A, b
  /// Per problem, min_i max(s_i, lambda_i): near 0 a constraint is almost weakly active and
  /// central differences straddle a kink, so they lose accuracy there.
  std::vector<double> margins;

  double max_error() const {
    double worst = parameters.empty() ? kInf : 0.0;
    for (const ParameterCheck& p : parameters) worst = std::max(worst, p.failed > 0 ? kInf : p.max_error);
    return worst;
  }
};

constexpr int kNumOptNetBlocks = 6;
inline const char* optnet_block_name(int which) {
  static const char* const names[kNumOptNetBlocks] = {"Psqrt", "q", "G", "h", "A", "b"};
  return names[which];
}

/// Parameter block `which` (Psqrt, q, G, h, A, b) of x as a flat column-major vector.
inline Eigen::Map<VectorXd> optnet_block(optlayer::OptNetParameters& x, int which) {
  switch (which) {
    case 0: return {x.Psqrt.data(), x.Psqrt.size()};
    case 1: return {x.q.data(), x.q.size()};
    case 2: return {x.G.data(), x.G.size()};
    case 3: return {x.h.data(), x.h.size()};
    case 4: return {x.A.data(), x.A.size()};
    default: return {x.b.data(), x.b.size()};
  }
}

/// The chapter's random parameters, made feasible by construction: h = G z0 + s0 (s0 > 0), b = A z0.
inline optlayer::OptNetParameters random_optnet_parameters(std::mt19937_64& rng, Index n, Index m, Index p) {
  optlayer::OptNetParameters x;
  x.Psqrt = random_normal(rng, n, n);
  x.q = random_normal(rng, n, 1);
  x.G = random_normal(rng, m, n);
  x.A = random_normal(rng, p, n);
  const VectorXd z0 = random_normal(rng, n, 1);
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  x.h = x.G * z0 + VectorXd::NullaryExpr(m, [&](Index) { return uniform(rng); });
  x.b = x.A * z0;
  return x;
}

/// Tight solves for finite differences (eps_abs 1e-12, eps_rel 0), two threads per batch.
inline optlayer::QpLayerOptions gradcheck_layer_options() {
  return optlayer::QpLayerOptions{optlayer::gradcheck_settings(), 2};
}

/// Finite-difference check of dL/d(block) for problem x, L = sum(z), through a layer of its own.
inline ParameterCheck check_optnet_block(const optlayer::OptNetParameters& x, optlayer::OptNetParameters gradient,
                                         int which) {
  optlayer::OptNetLayer probe(x.Psqrt.rows(), x.G.rows(), x.A.rows(), gradcheck_layer_options());
  const optlayer::ScalarFunction loss = [&](const VectorXd& values, double& value) {
    std::vector<optlayer::OptNetParameters> moved{x};
    optnet_block(moved[0], which) = values;
    MatrixXd Z;
    if (probe.forward(moved, Z) != Status::solved) return false;
    value = Z.sum();
    return true;
  };
  optlayer::OptNetParameters at = x;
  const optlayer::FunctionCheck check = optlayer::check_gradient(loss, optnet_block(at, which), optnet_block(gradient, which));
  return ParameterCheck{optnet_block_name(which), check.max_error, check.checks, check.failed_evaluations};
}

/// The chapter's QP layer: n = 10, m = 4, p = 5, a batch of 2, loss sum(z) over the batch; every
/// entry of every parameter checked against central differences (the chapter's gradcheck).
inline QpLayerReport run_qp_layer(std::uint64_t seed = 2) {
  const Index n = 10, m = 4, p = 5;
  std::mt19937_64 rng(seed);
  std::vector<optlayer::OptNetParameters> x;
  for (int k = 0; k < 2; ++k) x.push_back(random_optnet_parameters(rng, n, m, p));
  optlayer::OptNetLayer layer(n, m, p, gradcheck_layer_options());
  QpLayerReport out;
  MatrixXd Z;
  out.status = layer.forward(x, Z);
  std::vector<optlayer::OptNetParameters> gradients;
  if (out.status != Status::solved || !layer.backward(MatrixXd::Ones(Z.rows(), Z.cols()), gradients)) return out;
  for (Index k = 0; k < layer.batch().rows(); ++k) {
    const optlayer::QpResult& r = layer.batch().result(k);
    out.margins.push_back(r.s.cwiseMax(r.lambda).minCoeff());
  }
  for (int which = 0; which < kNumOptNetBlocks; ++which) {
    ParameterCheck worst{optnet_block_name(which), 0.0, 0, 0};
    for (std::size_t k = 0; k < x.size(); ++k) {
      const ParameterCheck c = check_optnet_block(x[k], gradients[k], which);
      worst.max_error = std::max(worst.max_error, c.max_error);
      worst.checks += c.checks;
      worst.failed += c.failed;
    }
    out.parameters.push_back(worst);
  }
  return out;
}

// ---- 3. Sigmoid ----------------------------------------------------------------------------------

struct SigmoidReport {
  Status status = Status::unsolved;
  VectorXd x, y, gradient;  ///< the layer on 100 points in [-5, 5]; gradient = d sum(y) / dx
  VectorXd y_reference, gradient_reference;
  double value_error = kInf, gradient_error = kInf;  ///< largest absolute errors
};

/// The chapter's sigmoid layer on torch.linspace(-5, 5, 100), against the analytic sigmoid.
inline SigmoidReport run_sigmoid() {
  SigmoidReport out;
  out.x = VectorXd::LinSpaced(100, -5.0, 5.0);
  optlayer::SigmoidLayer layer;
  MatrixXd Y, dX;
  out.status = layer.forward(out.x, Y);
  out.y_reference = optlayer::sigmoid(out.x);
  out.gradient_reference = optlayer::sigmoid_backward(out.x, VectorXd::Ones(100));
  if (out.status != Status::solved || !layer.backward(MatrixXd::Ones(100, 1), dX)) return out;
  out.y = Y.col(0);
  out.gradient = dX.col(0);
  out.value_error = error_stats(out.y, out.y_reference).max;
  out.gradient_error = error_stats(out.gradient, out.gradient_reference).max;
  return out;
}

// ---- 4. Softmax ----------------------------------------------------------------------------------

struct SoftmaxReport {
  Status status = Status::unsolved;
  ErrorStats forward, backward;  ///< against the analytic softmax and its vector-Jacobian product
};

/// The chapter's softmax layer on a 20 x 10 standard-normal batch, backward with a random cotangent r.
inline SoftmaxReport run_softmax(std::uint64_t seed = 4) {
  std::mt19937_64 rng(seed);
  const MatrixXd X = random_normal(rng, 20, 10), R = random_normal(rng, 20, 10);
  optlayer::SoftmaxLayer layer(10);
  SoftmaxReport out;
  MatrixXd Y, dX;
  out.status = layer.forward(X, Y);
  if (out.status != Status::solved || !layer.backward(R, dX)) return out;
  out.forward = error_stats(Y, optlayer::softmax(X));
  out.backward = error_stats(dX, optlayer::softmax_backward(X, R));
  return out;
}

// ---- 5. Sparsemax --------------------------------------------------------------------------------

struct SparsemaxReport {
  Status status = Status::unsolved;
  MatrixXd y;                    ///< the layer's output, 3 x 10
  ErrorStats forward, backward;  ///< against the sort-based sparsemax and its closed-form Jacobian
  double row_sum_error = kInf;   ///< max |1'y - 1| over the rows
};

/// The chapter's sparsemax layer on 3 standard-normal vectors of size 10.
inline SparsemaxReport run_sparsemax(std::uint64_t seed = 5) {
  std::mt19937_64 rng(seed);
  const MatrixXd X = random_normal(rng, 3, 10), R = random_normal(rng, 3, 10);
  optlayer::SparsemaxLayer layer(10);
  SparsemaxReport out;
  MatrixXd dX;
  out.status = layer.forward(X, out.y);
  if (out.status != Status::solved || !layer.backward(R, dX)) return out;
  out.forward = error_stats(out.y, optlayer::sparsemax(X));
  out.backward = error_stats(dX, optlayer::sparsemax_backward(X, R));
  out.row_sum_error = (out.y.rowwise().sum().array() - 1.0).abs().maxCoeff();
  return out;
}

// ---- 6. Learning a polytope ----------------------------------------------------------------------

struct PolytopeReport {
  Status status = Status::unsolved;  ///< solved when every forward of the training solved
  MatrixXd Y;                        ///< targets: the points projected onto the unit ball
  MatrixXd G0, G;                    ///< facets before and after training
  VectorXd h0, h;
  std::vector<double> losses;        ///< loss at each iteration, before its Adam step
  double initial_loss = kInf, final_loss = kInf;  ///< before training, after the last step
};

/// nn.MSELoss: the mean over all coordinates; its gradient is 2 (Z - Y) / size.
inline double mse(const MatrixXd& Z, const MatrixXd& Y) { return (Z - Y).squaredNorm() / static_cast<double>(Z.size()); }

/// The chapter's experiment: X ~ N(0, I) in 2-D (100 points), Y = projection onto the unit ball,
/// a polytope layer with 20 facets (G standard normal, h = 1), Adam at lr 0.1 dropped to 0.01
/// after 20 iterations, 40 iterations of full-batch MSE.
inline PolytopeReport run_polytope(std::uint64_t seed = 6, int iterations = 40) {
  std::mt19937_64 rng(seed);
  const MatrixXd X = random_normal(rng, 100, 2);
  PolytopeReport out;
  out.Y = optlayer::ball_projection(X);
  out.G0 = random_normal(rng, 20, 2);
  out.h0 = VectorXd::Ones(20);
  optlayer::PolytopeProjectionLayer layer(out.G0, out.h0, optlayer::QpLayerOptions{optlayer::layer_settings(), 2});
  optlayer::Adam adam_G(0.1), adam_h(0.1);
  MatrixXd G = out.G0, Z, dX, dG;
  VectorXd h = out.h0, dh;
  for (int i = 0; i <= iterations; ++i) {
    out.status = layer.forward(X, Z);
    if (out.status != Status::solved) return out;
    out.losses.push_back(mse(Z, out.Y));
    if (i == iterations) break;  // the last forward only measures the trained polytope
    if (i == 20) {
      adam_G.set_learning_rate(0.01);
      adam_h.set_learning_rate(0.01);
    }
    if (!layer.backward(2.0 * (Z - out.Y) / static_cast<double>(Z.size()), dX, dG, dh)) {
      out.status = Status::numerical_error;
      return out;
    }
    adam_G.step(Eigen::Map<VectorXd>(G.data(), G.size()), Eigen::Map<const VectorXd>(dG.data(), dG.size()));
    adam_h.step(h, dh);
    layer.set_parameters(G, h);
  }
  out.G = G;
  out.h = h;
  out.initial_loss = out.losses.front();
  out.final_loss = out.losses.back();
  out.losses.pop_back();  // keep one loss per training iteration
  return out;
}

}  // namespace optlayer_demo
