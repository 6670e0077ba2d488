// Finite-difference gradient checker (see include/optlayer/gradcheck.hpp for the definitions).

#include "optlayer/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>

#include "optlayer/qp_solver.hpp"

namespace optlayer {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// max() that lets a NaN win, so a broken comparison is never hidden behind an earlier value.
double worse(double current, double candidate) { return candidate <= current ? current : candidate; }

using FlatMap = Eigen::Map<Eigen::VectorXd>;
using ConstFlatMap = Eigen::Map<const Eigen::VectorXd>;

// An owned copy of the QP data, so single inputs can be perturbed and restored.
struct QpCopy {
  Eigen::MatrixXd P, G, A;
  Eigen::VectorXd q, h, b;

  // Column-major storage makes every input a flat vector.
  FlatMap flat(QpInput input) {
    switch (input) {
      case QpInput::P: return FlatMap(P.data(), P.size());
      case QpInput::q: return FlatMap(q.data(), q.size());
      case QpInput::G: return FlatMap(G.data(), G.size());
      case QpInput::h: return FlatMap(h.data(), h.size());
      case QpInput::A: return FlatMap(A.data(), A.size());
      case QpInput::b: break;
    }
    return FlatMap(b.data(), b.size());
  }
  Status solve(QpSolver& solver) const { return solver.solve(P, q, G, h, A, b); }
};

ConstFlatMap flat_gradient(const QpGradient& g, QpInput input) {
  switch (input) {
    case QpInput::P: return ConstFlatMap(g.P.data(), g.P.size());
    case QpInput::q: return ConstFlatMap(g.q.data(), g.q.size());
    case QpInput::G: return ConstFlatMap(g.G.data(), g.G.size());
    case QpInput::h: return ConstFlatMap(g.h.data(), g.h.size());
    case QpInput::A: return ConstFlatMap(g.A.data(), g.A.size());
    case QpInput::b: break;
  }
  return ConstFlatMap(g.b.data(), g.b.size());
}

// Places the flat direction v into the member of `d` that belongs to `input` (others stay empty).
void set_perturbation(QpPerturbation& d, QpInput input, const Eigen::VectorXd& v, const QpCopy& shape) {
  d = QpPerturbation();
  switch (input) {
    case QpInput::P: d.P = Eigen::Map<const Eigen::MatrixXd>(v.data(), shape.P.rows(), shape.P.cols()); break;
    case QpInput::q: d.q = v; break;
    case QpInput::G: d.G = Eigen::Map<const Eigen::MatrixXd>(v.data(), shape.G.rows(), shape.G.cols()); break;
    case QpInput::h: d.h = v; break;
    case QpInput::A: d.A = Eigen::Map<const Eigen::MatrixXd>(v.data(), shape.A.rows(), shape.A.cols()); break;
    case QpInput::b: d.b = v; break;
  }
}

double optional_dot(const Eigen::VectorXd& w, const Eigen::VectorXd& x) { return w.size() > 0 ? w.dot(x) : 0.0; }

double loss_value(const GradcheckLoss& loss, const Eigen::VectorXd& z, const Eigen::VectorXd& lambda,
                  const Eigen::VectorXd& nu) {
  return loss.z.dot(z) + optional_dot(loss.lambda, lambda) + optional_dot(loss.nu, nu);
}

// The directions of one input: unit vectors (symmetric pairs for the n x n P), or K random
// unit vectors (symmetrized for P so the perturbed P stays symmetric).
class DirectionSource {
 public:
  DirectionSource(Eigen::Index size, Eigen::Index square_side, int random_count, std::mt19937_64& rng)
      : size_(size), side_(square_side), random_(random_count), rng_(rng) {}

  /// Next direction into v and the entry whose magnitude sets the step (-1: use the max entry).
  bool next(Eigen::VectorXd& v, Eigen::Index& entry) {
    return random_ > 0 ? next_random(v, entry) : next_entry(v, entry);
  }

 private:
  bool next_random(Eigen::VectorXd& v, Eigen::Index& entry) {
    if (count_ >= random_ || size_ == 0) return false;
    ++count_;
    std::normal_distribution<double> normal;
    v.resize(size_);
    for (Eigen::Index k = 0; k < size_; ++k) v(k) = normal(rng_);
    if (side_ > 0) {
      Eigen::Map<Eigen::MatrixXd> V(v.data(), side_, side_);
      V = (0.5 * (V + V.transpose())).eval();
    }
    v /= v.norm();
    entry = -1;
    return true;
  }

  bool next_entry(Eigen::VectorXd& v, Eigen::Index& entry) {
    if (side_ > 0) {  // lower triangle of P: (i, j) with i >= j
      if (col_ >= side_) return false;
      const Eigen::Index i = row_, j = col_;
      v.setZero(size_);
      v(i + j * side_) = 1.0;
      v(j + i * side_) = 1.0;
      entry = i + j * side_;
      if (++row_ >= side_) row_ = ++col_;
      return true;
    }
    if (count_ >= size_) return false;
    v.setZero(size_);
    v(count_) = 1.0;
    entry = count_++;
    return true;
  }

  Eigen::Index size_, side_;
  int random_;
  std::mt19937_64& rng_;
  Eigen::Index count_ = 0, row_ = 0, col_ = 0;
};

// Solves at options.settings; a solve that does not end solved is repeated once with
// eps_rel = options.fallback_eps_rel (a purely absolute 1e-12 gap test can be below the
// round-off of problems with large entries).
Status solve_with_fallback(QpSolver& solver, const QpCopy& data, const GradcheckOptions& options,
                           GradcheckReport& report) {
  const Status status = data.solve(solver);
  if (status == Status::solved || status == Status::invalid_input || status == Status::non_convex ||
      !(options.fallback_eps_rel > 0.0))
    return status;
  Settings relaxed = options.settings;
  relaxed.eps_rel = std::max(relaxed.eps_rel, options.fallback_eps_rel);
  solver.set_settings(relaxed);
  const Status retried = data.solve(solver);
  solver.set_settings(options.settings);
  ++report.fallback_solves;
  return retried;
}

// Multiplier of the k-th step tried: 1, 10, 1/10, 100, 1/100, ... (solver noise, which
// larger steps beat, is the more common limit than curvature, which smaller steps beat).
double step_multiplier(int k) {
  if (k == 0) return 1.0;
  const double power = std::pow(10.0, (k + 1) / 2);
  return k % 2 == 1 ? power : 1.0 / power;
}

// Everything one gradcheck() call needs: the base solve's gradient, a second solver for the
// perturbed problems (so the base solver keeps its factorization for forward mode), the loss.
struct Checker {
  const GradcheckOptions& options;
  const GradcheckLoss& loss;
  QpCopy base, work;
  QpSolver& base_solver;
  QpSolver perturbed_solver;
  QpGradient gradient;
  QpPerturbation perturbation;
  QpTangent tangent;
  GradcheckReport& report;

  bool loss_at(double& value) {
    if (solve_with_fallback(perturbed_solver, work, options, report) != Status::solved) {
      report.message = std::string("a perturbed solve ended with status ") +
                       to_string(perturbed_solver.result().status) + ": " + perturbed_solver.result().message;
      return false;
    }
    const QpResult& r = perturbed_solver.result();
    value = loss_value(loss, r.z, r.lambda, r.nu);
    return true;
  }

  // Central difference of L along v with step eps; NaN when a perturbed solve fails.
  double central_difference(QpInput input, const Eigen::VectorXd& v, double eps) {
    FlatMap theta = work.flat(input);
    const FlatMap theta0 = base.flat(input);
    double plus = 0.0, minus = 0.0;
    theta = theta0 + eps * v;
    const bool ok_plus = loss_at(plus);
    theta = theta0 - eps * v;
    const bool ok_minus = loss_at(minus);
    theta = theta0;  // exact restore: no drift across directions
    return ok_plus && ok_minus ? (plus - minus) / (2.0 * eps) : kNaN;
  }

  double forward_derivative(QpInput input, const Eigen::VectorXd& v) {
    set_perturbation(perturbation, input, v, base);
    if (!base_solver.forward(perturbation, tangent)) return kInfinity;
    return loss_value(loss, tangent.z, tangent.lambda, tangent.nu);
  }

  double step_for(QpInput input, Eigen::Index entry) {
    const FlatMap theta0 = base.flat(input);
    const double size = entry >= 0 ? std::abs(theta0(entry)) : theta0.cwiseAbs().maxCoeff();
    return options.step * std::max(1.0, size);
  }

  // Smallest |fd - backward| and |fd - forward| over the steps eps, 10 eps, eps / 10, ...; stops early
  // once both are below `good_enough`. Returns false when no step could be evaluated.
  bool best_errors(QpInput input, const Eigen::VectorXd& v, double eps, double backward, double forward,
                   double good_enough, double& error_backward, double& error_forward) {
    error_backward = error_forward = kInfinity;
    bool evaluated = false;
    for (int k = 0; k < std::max(1, options.steps); ++k) {
      const double fd = central_difference(input, v, eps * step_multiplier(k));
      if (std::isnan(fd)) continue;
      evaluated = true;
      error_backward = std::min(error_backward, std::abs(fd - backward));
      error_forward = std::min(error_forward, std::abs(fd - forward));
      if (error_backward <= good_enough && error_forward <= good_enough) break;
    }
    return evaluated;
  }

  void check_input(QpInput input, double scale, std::mt19937_64& rng) {
    GradcheckInputError& e = report.inputs[static_cast<int>(input)];
    const ConstFlatMap g = flat_gradient(gradient, input);
    e.gradient_norm = g.norm();
    const Eigen::Index side = input == QpInput::P ? base.P.rows() : 0;
    DirectionSource directions(g.size(), side, options.directions, rng);
    Eigen::VectorXd v;
    Eigen::Index entry = -1;
    while (directions.next(v, entry)) {
      const double backward = g.dot(v);
      const double forward = forward_derivative(input, v);
      const double denominator = v.norm() * scale;
      double error_backward = kInfinity, error_forward = kInfinity;
      const double good_enough = 1e-2 * options.tolerance * denominator;  // other steps cannot matter
      if (!best_errors(input, v, step_for(input, entry), backward, forward, good_enough, error_backward,
                       error_forward))
        ++report.failed_directions;
      e.backward = worse(e.backward, error_backward / denominator);
      e.forward = worse(e.forward, error_forward / denominator);
      e.adjoint = worse(e.adjoint, std::abs(backward - forward) / denominator);
      ++e.checks;
    }
  }

  // Per-input scale max(||g_input||, floor_fraction ||g||); 1 when the whole gradient is 0.
  double scale_for(QpInput input, double total_norm) const {
    const double s = std::max(flat_gradient(gradient, input).norm(), options.floor_fraction * total_norm);
    return s > 0.0 ? s : 1.0;
  }

  void run() {
    double total = 0.0;
    for (int i = 0; i < kNumQpInputs; ++i) total += flat_gradient(gradient, static_cast<QpInput>(i)).squaredNorm();
    total = std::sqrt(total);
    std::mt19937_64 rng(options.seed);
    for (int i = 0; i < kNumQpInputs; ++i) {
      const auto input = static_cast<QpInput>(i);
      if (options.check[i]) check_input(input, scale_for(input, total), rng);
    }
  }
};

bool loss_sizes_ok(const GradcheckLoss& loss, Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  return loss.z.size() == n && (loss.lambda.size() == 0 || loss.lambda.size() == m) &&
         (loss.nu.size() == 0 || loss.nu.size() == p);
}

}  // namespace

const char* to_string(QpInput input) {
  static const char* const names[kNumQpInputs] = {"P", "q", "G", "h", "A", "b"};
  return names[static_cast<int>(input)];
}

Settings gradcheck_settings() {
  Settings s;
  s.eps_abs = 1e-12;
  s.eps_rel = 0.0;
  return s;
}

double GradcheckReport::max_backward_error() const {
  if (failed_directions > 0) return kInfinity;
  double e = 0.0;
  for (const auto& input : inputs) e = worse(e, input.backward);
  return e;
}

double GradcheckReport::max_forward_error() const {
  if (failed_directions > 0) return kInfinity;
  double e = 0.0;
  for (const auto& input : inputs) e = worse(e, input.forward);
  return e;
}

bool GradcheckReport::passed() const {
  // A NaN error fails: NaN <= tolerance is false.
  return status == Status::solved && failed_directions == 0 && max_backward_error() <= tolerance &&
         max_forward_error() <= tolerance;
}

std::string GradcheckReport::summary() const {
  std::string out;
  char line[200];
  for (int i = 0; i < kNumQpInputs; ++i) {
    const GradcheckInputError& e = inputs[i];
    std::snprintf(line, sizeof line, "%s: backward %.2e  forward %.2e  adjoint %.2e  |grad| %.2e  (%d checks)\n",
                  to_string(static_cast<QpInput>(i)), e.backward, e.forward, e.adjoint, e.gradient_norm, e.checks);
    out += line;
  }
  if (!message.empty()) out += message + "\n";
  return out;
}

GradcheckReport gradcheck(const Eigen::Ref<const Eigen::MatrixXd>& P, const Eigen::Ref<const Eigen::VectorXd>& q,
                          const Eigen::Ref<const Eigen::MatrixXd>& G, const Eigen::Ref<const Eigen::VectorXd>& h,
                          const Eigen::Ref<const Eigen::MatrixXd>& A, const Eigen::Ref<const Eigen::VectorXd>& b,
                          const GradcheckLoss& loss, const GradcheckOptions& options) {
  GradcheckReport report;
  report.tolerance = options.tolerance;
  const Eigen::Index n = P.rows(), m = G.rows(), p = A.rows();
  QpSolver solver;
  try {
    solver.setup(n, m, p, options.settings);
  } catch (const std::exception& error) {
    report.status = Status::invalid_input;
    report.message = error.what();
    return report;
  }
  QpCopy data{P, G, A, q, h, b};
  report.status = solve_with_fallback(solver, data, options, report);
  if (report.status != Status::solved) {
    report.message = "the unperturbed problem is not solved: " + solver.result().message;
    return report;
  }
  if (!loss_sizes_ok(loss, n, m, p)) {
    report.status = Status::invalid_input;
    report.message = "the loss weights do not match the problem dimensions";
    return report;
  }
  Checker checker{options, loss, data, data, solver, QpSolver(n, m, p, options.settings), {}, {}, {}, report};
  solver.backward(loss.z, loss.lambda, loss.nu, checker.gradient);
  checker.run();
  return report;
}

FunctionCheck check_gradient(const ScalarFunction& f, const Eigen::VectorXd& x, const Eigen::VectorXd& gradient,
                             const GradcheckOptions& options) {
  FunctionCheck out;
  const double scale = gradient.norm() > 0.0 ? gradient.norm() : 1.0;
  std::mt19937_64 rng(options.seed);
  DirectionSource directions(x.size(), 0, options.directions, rng);
  Eigen::VectorXd v, point;
  Eigen::Index entry = -1;
  while (directions.next(v, entry)) {
    const double base_eps =
        options.step * std::max(1.0, entry >= 0 ? std::abs(x(entry)) : x.cwiseAbs().maxCoeff());
    const double analytic = gradient.dot(v);
    double error = kInfinity;
    for (int k = 0; k < std::max(1, options.steps); ++k) {
      const double eps = base_eps * step_multiplier(k);
      double plus = 0.0, minus = 0.0;
      point = x + eps * v;
      const bool ok_plus = f(point, plus);
      point = x - eps * v;
      if (!ok_plus || !f(point, minus)) continue;
      error = std::min(error, std::abs((plus - minus) / (2.0 * eps) - analytic));
    }
    ++out.checks;
    if (error == kInfinity) ++out.failed_evaluations;
    out.max_error = worse(out.max_error, error / (v.norm() * scale));
  }
  return out;
}

}  // namespace optlayer
