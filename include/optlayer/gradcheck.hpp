#pragma once
// Finite-difference checks of derivatives (in the spirit of torch.autograd.gradcheck).
//
// gradcheck() solves a QP, runs QpSolver::backward for the scalar loss
//     L = <w_z, z> + <w_lambda, lambda> + <w_nu, nu>,
// and compares, for each input theta in (P, q, G, h, A, b) and each direction v
// (every entry, or K random directions), three numbers:
//     fd       = (L(theta + eps v) - L(theta - eps v)) / (2 eps)   central difference, taken at
//                the steps eps, 10 eps, eps / 10, 100 eps, ... (options.steps of them)
//     backward = <dL/dtheta, v>                                     from backward()
//     forward  = <w, forward(v)>                                    from forward()
// Relative error (robust when a gradient is near zero):
//     err = |a - b| / (||v||_2 * max(||dL/dtheta||_2, floor_fraction * ||dL/d(all inputs)||_2))
// i.e. the error as a fraction of the gradient norm of that input, where an input whose
// gradient is (nearly) zero is measured against a fixed fraction of the whole gradient
// instead, so round-off noise on an exactly-zero gradient does not read as a 100% error.
// Each comparison keeps the smallest error over the steps (further steps are skipped once both
// errors are below tolerance / 100): small steps suffer from the noise of the perturbed
// solves (they stop after different iteration counts, which moves L by up to ~1e-10 at
// eps_abs = 1e-12), large steps from curvature (an ill-conditioned P, kinks near degenerate
// points); a wrong derivative disagrees at every step.
// For P the directions are symmetric (entry mode perturbs P(i,j) and P(j,i) together),
// because the solver only sees the symmetric part of P.

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "optlayer/settings.hpp"
#include "optlayer/status.hpp"

namespace optlayer {

/// The six QP inputs, in the order of QpSolver::solve.
enum class QpInput { P = 0, q = 1, G = 2, h = 3, A = 4, b = 5 };
/// Number of QP inputs (the size of arrays indexed by QpInput).
constexpr int kNumQpInputs = 6;

/// Name of an input: "P", "q", "G", "h", "A" or "b".
const char* to_string(QpInput input);

/// Weights of the scalar loss L = <z, w.z> + <lambda, w.lambda> + <nu, w.nu>; empty duals mean zero.
struct GradcheckLoss {
  Eigen::VectorXd z;       ///< weights of z (n)
  Eigen::VectorXd lambda;  ///< weights of lambda (m, or empty)
  Eigen::VectorXd nu;      ///< weights of nu (p, or empty)
};

/// Settings for tight solves (what finite differences need): eps_abs = 1e-12, eps_rel = 0.
Settings gradcheck_settings();

/// How the finite differences are taken and judged.
struct GradcheckOptions {
  /// Relative step: an entry x moves by step * max(1, |x|); a unit direction v of input X by
  /// step * max(1, max|X|).
  double step = 1e-6;
  /// Number of step sizes tried per direction: step, 10 step, step / 10, 100 step, ... (at least 1).
  int steps = 4;
  /// 0: every entry of every input (symmetric pairs for P). K > 0: K random unit directions per input.
  int directions = 0;
  /// Seed of the random directions (std::mt19937_64).
  std::uint64_t seed = 0;
  /// See the error definition at the top of this header.
  double floor_fraction = 1e-2;
  /// Inputs to check, indexed by QpInput (e.g. skip P for an LP, where P - eps E is not convex).
  std::array<bool, kNumQpInputs> check = {true, true, true, true, true, true};
  /// Error above which passed() is false.
  double tolerance = 1e-6;
  /// Settings of the unperturbed and perturbed solves.
  Settings settings = gradcheck_settings();
  /// A solve that does not end solved at `settings` is repeated once with eps_rel raised to this
  /// (0: never). A purely absolute 1e-12 gap test is below the round-off of z'Pz once |z| is in
  /// the hundreds; relaxing only those solves keeps the others as accurate as possible.
  double fallback_eps_rel = 1e-12;
};

/// Largest errors found for one input.
struct GradcheckInputError {
  double backward = 0.0;  ///< backward vs central differences
  double forward = 0.0;   ///< forward mode vs central differences
  double adjoint = 0.0;   ///< backward vs forward mode (no finite-difference noise in it)
  double gradient_norm = 0.0;  ///< ||dL/dinput||_2
  int checks = 0;         ///< directions compared (0 when the input is empty or skipped)
};

/// Outcome of gradcheck().
struct GradcheckReport {
  Status status = Status::unsolved;  ///< status of the unperturbed solve; nothing is checked unless solved
  std::string message;               ///< why the check could not run, or the last failed perturbed solve
  std::array<GradcheckInputError, kNumQpInputs> inputs{};  ///< largest errors per input, indexed by QpInput
  int failed_directions = 0;         ///< directions where no step gave two solved perturbed problems
  int fallback_solves = 0;           ///< solves repeated with options.fallback_eps_rel
  double tolerance = 1e-6;           ///< copied from the options

  /// The errors of one input.
  const GradcheckInputError& operator[](QpInput input) const { return inputs[static_cast<int>(input)]; }
  /// Largest backward / forward-mode error over all inputs (infinity when a direction failed).
  ///@{
  double max_backward_error() const;
  double max_forward_error() const;
  ///@}
  /// Solved, no perturbed solve failed, and every error is <= tolerance.
  bool passed() const;
  /// One line per input with its errors, for logs and the CLI.
  std::string summary() const;
};

/// Checks QpSolver::backward and QpSolver::forward on the QP (P, q, G, h, A, b) against central
/// differences of the loss `loss`. Never throws for bad problem data (see report.status).
GradcheckReport gradcheck(const Eigen::Ref<const Eigen::MatrixXd>& P, const Eigen::Ref<const Eigen::VectorXd>& q,
                          const Eigen::Ref<const Eigen::MatrixXd>& G, const Eigen::Ref<const Eigen::VectorXd>& h,
                          const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
                          const GradcheckLoss& loss, const GradcheckOptions& options = GradcheckOptions());

/// A scalar function of a flat parameter vector; returns false when it cannot be evaluated there.
using ScalarFunction = std::function<bool(const Eigen::VectorXd& x, double& value)>;

/// Result of check_gradient().
struct FunctionCheck {
  double max_error = 0.0;  ///< largest |fd - <gradient, v>| / (||v||_2 ||gradient||_2) (absolute if gradient = 0)
  int checks = 0;          ///< directions compared
  int failed_evaluations = 0;  ///< directions where f failed at every step (the error is then infinity)
};

/// Checks a gradient of any scalar function f at x by central differences (every entry when
/// options.directions == 0, else K random directions), e.g. a QP layer behind a reparameterization.
/// Uses options.step, steps, directions and seed; the step is scaled like gradcheck()'s.
FunctionCheck check_gradient(const ScalarFunction& f, const Eigen::VectorXd& x, const Eigen::VectorXd& gradient,
                             const GradcheckOptions& options = GradcheckOptions());

}  // namespace optlayer
