// Primal-dual interior-point method for smooth convex programs
//
//   minimize f(z)  s.t.  g(z) + s = 0, s >= 0,  h(z) = 0,  lo <= z <= hi
//
// (parameters x fixed). Newton steps on the perturbed KKT conditions
//   grad f + Jg'lambda + Jh'nu - zl + zu = 0,  s o lambda = t,  (z - lo) o zl = t,  (hi - z) o zu = t
// with Mehrotra's predictor-corrector choice of the target t. Eliminating ds and the bound
// multipliers leaves the QP solver's KKT system with P = Hessian of the Lagrangian + the bound
// barrier diagonal zl/(z - lo) + zu/(hi - z), G = Jg, A = Jh and W = s / lambda, factored by the
// same DenseKkt. Iterates stay strictly inside the bounds (fraction to the boundary); a
// backtracking line search (a barrier merit function or the norm of the perturbed KKT residual
// must decrease) globalizes the method and rejects points where f, g, h or their derivatives are
// not finite.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>

#include "solver/convex/convex_workspace.hpp"

namespace optlayer {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kArmijo = 1e-4;              // sufficient decrease of either merit function
constexpr int kMaxBacktracks = 60;            // step halvings before the line search gives up
constexpr double kCurvatureTolerance = 1e-8;  // relative shift of the Hessian in the convexity test
constexpr double kResolution = 1e-14;         // relative Newton step below which an iterate cannot improve
constexpr double kInfeasibleRadius = 1e4;     // relative radius free of feasible points in a certificate
constexpr double kMaxFraction = 1.0 - 1e-10;  // largest fraction of the step to the boundary
constexpr double kNoProgress = 1e-16;         // relative change below which a trial point equals the iterate
constexpr int kMaxStalledIterations = 10;     // consecutive steps shorter than kStalledStep end the solve
constexpr double kStalledStep = 1e-8;         // step length alpha that counts as stalled

// Takes expressions unevaluated: the residual measures must not allocate temporaries.
template <typename Derived>
double inf_norm(const Eigen::MatrixBase<Derived>& v) {
  return v.size() > 0 ? v.cwiseAbs().maxCoeff() : 0.0;
}

// Largest alpha with v + alpha dv >= 0 (infinity when dv >= 0).
double boundary_step(const Eigen::VectorXd& v, const Eigen::VectorXd& dv) {
  double alpha = kInfinity;
  for (Eigen::Index i = 0; i < v.size(); ++i)
    if (dv(i) < 0.0) alpha = std::min(alpha, -v(i) / dv(i));
  return alpha;
}

bool derivatives_finite(const SmoothDerivatives& d) {
  return d.values_finite() && d.gradient.allFinite() && d.g_jacobian.allFinite() && d.h_jacobian.allFinite() &&
         d.hessian.allFinite();
}

}  // namespace

void ConvexResiduals::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p, Eigen::Index num_lower,
                             Eigen::Index num_upper) {
  dual.setZero(n);
  ineq.setZero(m);
  eq.setZero(p);
  dist_lo.setOnes(num_lower);
  dist_hi.setOnes(num_upper);
  Jtl.setZero(n);
  Jtn.setZero(n);
  Jz.setZero(std::max(m, p));
}

bool ConvexResiduals::all_finite() const {
  return dual.allFinite() && ineq.allFinite() && eq.allFinite() && std::isfinite(mu + primal + dual_norm + gap);
}

void ConvexSolver::Impl::resize() {
  n = problem.num_variables();
  nx = problem.num_parameters();
  m = problem.num_inequalities();
  p = problem.num_equalities();
  bounds.assign(problem.lower_bounds(), problem.upper_bounds());
  const Eigen::Index nl = bounds.num_lower(), nu = bounds.num_upper();
  x.setZero(nx);
  derivs.resize(n, m, p);
  trial_derivs.resize(n, m, p);
  res.resize(n, m, p, nl, nu);
  trial_res.resize(n, m, p, nl, nu);
  for (ConvexIterate* v : {&it, &trial, &step, &affine}) v->resize(n, m, p, nl, nu);
  kkt.resize(n, m, p);
  diagonal_kkt.resize(n, p);
  diagonal_active = false;
  P.setZero(n, n);
  barrier_diagonal.setZero(n);
  p_diagonal.setZero(n);
  prepared_h_jacobian.setZero(p, n);
  weights.setOnes(m);
  rhs.setZero(n + m + p);
  sol.setZero(n + m + p);
  target_s.setZero(m);
  target_lo.setZero(nl);
  target_hi.setZero(nu);
  direction_n.setZero(n);
  curvature_check.resize(n);
  jvp_z.setZero(n);
  jvp_g.setZero(m);
  jvp_h.setZero(p);
  vjp_x.setZero(nx);
  result = ConvexResult();
  result.z.setZero(n);
  result.s.setZero(m);
  result.lambda.setZero(m);
  result.nu.setZero(p);
  result.bound_lower.setZero(n);
  result.bound_upper.setZero(n);
  result.certificate_lambda.setZero(m);
  result.certificate_nu.setZero(p);
  result.certificate_z.setZero(n);
  result.message.reserve(256);
}

double ConvexSolver::Impl::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
}

// Middle of a short finite interval, else one unit inside the finite bound, else 0.
void ConvexSolver::Impl::default_start(Eigen::VectorXd& z) const {
  const Eigen::VectorXd& lo = problem.lower_bounds();
  const Eigen::VectorXd& hi = problem.upper_bounds();
  for (Eigen::Index i = 0; i < n; ++i) {
    const bool has_lo = std::isfinite(lo(i)), has_hi = std::isfinite(hi(i));
    if (has_lo && has_hi)
      z(i) = hi(i) - lo(i) <= 2.0 ? 0.5 * (lo(i) + hi(i)) : lo(i) + 1.0;
    else if (has_lo)
      z(i) = lo(i) + 1.0;
    else if (has_hi)
      z(i) = hi(i) - 1.0;
    else
      z(i) = 0.0;
  }
}

// z0 (or the default start), slacks s = max(-g, 1), unit multipliers for inequalities and bounds.
Status ConvexSolver::Impl::initialize(const Eigen::VectorXd* z0) {
  if (z0 != nullptr) {
    it.z = *z0;
    bounds.distances(it.z, res.dist_lo, res.dist_hi);
    if ((res.dist_lo.size() > 0 && !(res.dist_lo.minCoeff() > 0.0)) ||
        (res.dist_hi.size() > 0 && !(res.dist_hi.minCoeff() > 0.0)))
      return finish(Status::invalid_input, 0, "the initial point z0 is not strictly inside the bounds lo < z < hi");
  } else {
    default_start(it.z);
  }
  const double f0 = problem.functions().values(it.z, x, derivs.g, derivs.h);
  if (!std::isfinite(f0) || !derivs.g.allFinite() || !derivs.h.allFinite())
    return finish(Status::invalid_input, 0,
                  "f, g or h is not finite at the initial point: it lies outside the domain of the functions "
                  "(give bounds that keep z inside the domain, or an initial point inside it)");
  it.s = (-derivs.g).cwiseMax(1.0);
  it.lambda.setOnes();
  it.nu.setZero();
  it.zl.setOnes();
  it.zu.setOnes();
  penalty = 0.0;
  kkt_prepared = false;
  if (!evaluate(it, derivs, res))
    return finish(Status::invalid_input, 0, "the derivatives of f, g or h are not finite at the initial point");
  return Status::unsolved;
}

bool ConvexSolver::Impl::evaluate(const ConvexIterate& point, SmoothDerivatives& d, ConvexResiduals& r) {
  problem.functions().derivatives(point.z, x, point.lambda, point.nu, d);
  if (!derivatives_finite(d)) return false;
  compute_residuals(point, d, r);
  return r.all_finite();
}

void ConvexSolver::Impl::compute_residuals(const ConvexIterate& point, const SmoothDerivatives& d,
                                           ConvexResiduals& r) const {
  bounds.distances(point.z, r.dist_lo, r.dist_hi);
  r.Jtl.noalias() = d.g_jacobian.transpose() * point.lambda;
  r.Jtn.noalias() = d.h_jacobian.transpose() * point.nu;
  r.dual = d.gradient + r.Jtl + r.Jtn;
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k) r.dual(bounds.lower_index[k]) -= point.zl(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k) r.dual(bounds.upper_index[k]) += point.zu(k);
  r.ineq = d.g + point.s;
  r.eq = d.h;

  const double bound_complementarity = r.dist_lo.dot(point.zl) + r.dist_hi.dot(point.zu);
  const Eigen::Index count = m + bounds.num_lower() + bounds.num_upper();
  r.mu = count > 0 ? (point.s.dot(point.lambda) + bound_complementarity) / static_cast<double>(count) : 0.0;

  r.primal = std::max(inf_norm(d.h), m > 0 ? std::max(d.g.maxCoeff(), 0.0) : 0.0);
  r.dual_norm = inf_norm(r.dual);
  r.gap = point.lambda.dot(d.g.cwiseAbs()) + bound_complementarity;

  // Scales: the terms each measure sums (for affine g, h exactly the QP solver's terms).
  auto& Jz = r.Jz;
  double primal_scale = 0.0;
  if (p > 0) {
    Jz.head(p).noalias() = d.h_jacobian * point.z;
    primal_scale = std::max(inf_norm(Jz.head(p)), inf_norm(d.h - Jz.head(p)));
  }
  if (m > 0) {
    Jz.head(m).noalias() = d.g_jacobian * point.z;
    primal_scale = std::max({primal_scale, inf_norm(Jz.head(m)), inf_norm(d.g - Jz.head(m))});
  }
  r.primal_scale = primal_scale;
  r.dual_scale = std::max({inf_norm(d.gradient), inf_norm(r.Jtl), inf_norm(r.Jtn), inf_norm(point.zl),
                           inf_norm(point.zu)});
  const double lagrangian = d.f + point.lambda.dot(d.g) + point.nu.dot(d.h) - bound_complementarity;
  r.gap_scale = std::max(std::abs(d.f), std::abs(lagrangian));
}

// Squared norm of the KKT residual with every complementarity product measured against `target`.
double ConvexSolver::Impl::merit(const ConvexIterate& point, const ConvexResiduals& r, double target) const {
  double value = r.dual.squaredNorm() + r.ineq.squaredNorm() + r.eq.squaredNorm();
  value += ((point.s.array() * point.lambda.array()) - target).square().sum();
  value += ((r.dist_lo.array() * point.zl.array()) - target).square().sum();
  value += ((r.dist_hi.array() * point.zu.array()) - target).square().sum();
  return value;
}

bool ConvexSolver::Impl::converged() const {
  return primal_and_gap_converged() && res.dual_norm <= settings.eps_abs + settings.eps_rel * res.dual_scale;
}

bool ConvexSolver::Impl::primal_and_gap_converged() const {
  const double ea = settings.eps_abs, er = settings.eps_rel;
  return res.primal <= ea + er * res.primal_scale && res.gap <= ea + er * res.gap_scale;
}

// The Newton correction of z, lambda and nu is below the floating-point resolution of the
// iterate: the remaining dual residual is rounding in the gradient (e.g. log(1 - z) for z
// within 1e-11 of 1), and no representable point is closer to the solution.
bool ConvexSolver::Impl::step_below_resolution() const {
  auto negligible = [](const Eigen::VectorXd& d, const Eigen::VectorXd& v) {
    return inf_norm(d) <= kResolution * (1.0 + inf_norm(v));
  };
  return negligible(step.z, it.z) && negligible(step.lambda, it.lambda) && negligible(step.nu, it.nu);
}

// The Hessian of the Lagrangian of a convex program is positive semidefinite (lambda >= 0,
// h affine); a failed Cholesky of it plus a small relative shift is negative curvature.
bool ConvexSolver::Impl::hessian_has_negative_curvature() {
  const double scale = std::max(1.0, derivs.hessian.cwiseAbs().maxCoeff());
  // A diagonal Hessian needs no Cholesky (O(n^3)) to show its curvature.
  if (hessian_is_diagonal()) return !(derivs.hessian.diagonal().minCoeff() + kCurvatureTolerance * scale > 0.0);
  return !curvature_check.positive_semidefinite(derivs.hessian, kCurvatureTolerance * scale);
}

// Whether every off-diagonal entry of the Hessian of the Lagrangian is exactly zero (separable f, g).
bool ConvexSolver::Impl::hessian_is_diagonal() const {
  const Eigen::MatrixXd& H = derivs.hessian;
  // Column by column as vectorized reductions: this runs on every factorization.
  for (Eigen::Index j = 0; j < n; ++j) {
    if (j > 0 && H.col(j).head(j).cwiseAbs().maxCoeff() != 0.0) return false;
    if (j + 1 < n && H.col(j).tail(n - j - 1).cwiseAbs().maxCoeff() != 0.0) return false;
  }
  return true;
}

// The structured path for problems without inequalities g whose Lagrangian Hessian is diagonal:
// P (Hessian + bound barrier) is then diagonal and the KKT system has an O(n p) Schur complement.
// Tried first on every factorization; any failure falls back on DenseKkt.
bool ConvexSolver::Impl::factor_diagonal() {
  if (m > 0 || !hessian_is_diagonal()) return diagonal_active = false;
  p_diagonal = derivs.hessian.diagonal() + barrier_diagonal;
  diagonal_active = diagonal_kkt.factor(p_diagonal, derivs.h_jacobian);
  return diagonal_active;
}

void ConvexSolver::Impl::solve_kkt(int refinement_steps, bool allow_refactor) {
  if (diagonal_active) diagonal_kkt.solve(rhs, sol);
  else kkt.solve(rhs, sol, refinement_steps, allow_refactor);
}

bool ConvexSolver::Impl::factor_kkt(bool check_curvature, Status& failure, const char*& message) {
  barrier_diagonal.setZero();
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k)
    barrier_diagonal(bounds.lower_index[k]) += it.zl(k) / res.dist_lo(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k)
    barrier_diagonal(bounds.upper_index[k]) += it.zu(k) / res.dist_hi(k);
  weights = it.s.cwiseQuotient(it.lambda);
  const bool test_convexity = settings.check_convexity;
  if (check_curvature && test_convexity && hessian_has_negative_curvature()) {
    failure = Status::non_convex;
    message = "the Hessian of the Lagrangian has negative curvature: the problem is not convex";
    return false;
  }
  if (factor_diagonal()) return true;
  P = derivs.hessian;
  P.diagonal() += barrier_diagonal;
  // DenseKkt precomputes Jh'Jh and chooses its form once per solve; Jh is constant in z (h is
  // affine), so it is prepared again only if Jh changes (an h that is not affine after all).
  if (!kkt_prepared || derivs.h_jacobian != prepared_h_jacobian) {
    kkt.prepare(P, derivs.g_jacobian, derivs.h_jacobian, settings.kkt_method);
    prepared_h_jacobian = derivs.h_jacobian;
    kkt_prepared = true;
  }
  double rho = settings.reg_primal;
  for (int attempt = 0; attempt < 8; ++attempt, rho *= 100.0) {
    if (kkt.factor(weights, rho, settings.reg_dual)) return true;
    if (attempt == 0 && test_convexity && !check_curvature && hessian_has_negative_curvature()) {
      failure = Status::non_convex;
      message = "negative curvature found while factoring the KKT system: the problem is not convex";
      return false;
    }
  }
  failure = Status::numerical_error;
  message = "the KKT system could not be factored";
  return false;
}

// Newton direction for the complementarity changes target_* (s o lambda -> s o lambda + target_s, ...).
void ConvexSolver::Impl::solve_newton(ConvexIterate& d) {
  rhs.head(n) = -res.dual;
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k)
    rhs(bounds.lower_index[k]) += target_lo(k) / res.dist_lo(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k)
    rhs(bounds.upper_index[k]) -= target_hi(k) / res.dist_hi(k);
  rhs.segment(n, m) = -res.ineq - target_s.cwiseQuotient(it.lambda);
  rhs.tail(p) = -res.eq;
  solve_kkt(settings.max_refinement_steps, true);
  d.z = sol.head(n);
  d.lambda = sol.segment(n, m);
  d.nu = sol.tail(p);
  d.s = (target_s - it.s.cwiseProduct(d.lambda)).cwiseQuotient(it.lambda);
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k)
    d.zl(k) = (target_lo(k) - it.zl(k) * d.z(bounds.lower_index[k])) / res.dist_lo(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k)
    d.zu(k) = (target_hi(k) + it.zu(k) * d.z(bounds.upper_index[k])) / res.dist_hi(k);
}

double ConvexSolver::Impl::max_step(const ConvexIterate& d) const {
  return std::min({boundary_step(it.s, d.s), boundary_step(it.lambda, d.lambda), boundary_step(it.zl, d.zl),
                   boundary_step(it.zu, d.zu), bounds.max_step(res.dist_lo, res.dist_hi, d.z)});
}

// Mehrotra: an affine-scaling predictor sets the centering sigma = (mu_aff / mu)^3, the
// corrector adds the predictor's second-order complementarity terms. Returns the target sigma mu.
double ConvexSolver::Impl::predictor_corrector() {
  const Eigen::Index count = m + bounds.num_lower() + bounds.num_upper();
  target_s = -it.s.cwiseProduct(it.lambda);
  target_lo = -res.dist_lo.cwiseProduct(it.zl);
  target_hi = -res.dist_hi.cwiseProduct(it.zu);
  if (count == 0) {
    solve_newton(step);
    return 0.0;
  }
  solve_newton(affine);
  const double alpha = std::min(1.0, max_step(affine));
  double mu_affine = (it.s + alpha * affine.s).dot(it.lambda + alpha * affine.lambda);
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k)
    mu_affine += (res.dist_lo(k) + alpha * affine.z(bounds.lower_index[k])) * (it.zl(k) + alpha * affine.zl(k));
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k)
    mu_affine += (res.dist_hi(k) - alpha * affine.z(bounds.upper_index[k])) * (it.zu(k) + alpha * affine.zu(k));
  mu_affine /= static_cast<double>(count);
  double sigma = std::clamp(std::pow(mu_affine / res.mu, 3), 0.0, 1.0);
  if (!std::isfinite(sigma)) sigma = 1.0;
  const double target = sigma * res.mu;
  target_s.array() += target - affine.s.array() * affine.lambda.array();
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k)
    target_lo(k) += target - affine.z(bounds.lower_index[k]) * affine.zl(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k)
    target_hi(k) += target + affine.z(bounds.upper_index[k]) * affine.zu(k);
  solve_newton(step);
  return target;
}

// Pure Newton direction towards s o lambda = target (no second-order term): a descent direction
// of the merit function, used when the corrected direction does not decrease it.
void ConvexSolver::Impl::centered_newton(double target) {
  target_s = (-it.s.cwiseProduct(it.lambda)).array() + target;
  target_lo = (-res.dist_lo.cwiseProduct(it.zl)).array() + target;
  target_hi = (-res.dist_hi.cwiseProduct(it.zu)).array() + target;
  solve_newton(step);
}

// Barrier merit of the primal point: f - mu_b sum log(s, z - lo, hi - z) + penalty ||(g + s, h)||_1.
double ConvexSolver::Impl::barrier_merit(const ConvexIterate& point, const SmoothDerivatives& d,
                                         const ConvexResiduals& r, double mu_b) const {
  double value = d.f + penalty * ((d.g + point.s).lpNorm<1>() + d.h.lpNorm<1>());
  if (mu_b > 0.0)
    value -= mu_b * (point.s.array().log().sum() + r.dist_lo.array().log().sum() + r.dist_hi.array().log().sum());
  return value;
}

// Directional derivative of the barrier merit at the current iterate along `step` (whose
// linearized constraints are exact, so the violation decreases at rate ||(g + s, h)||_1).
double ConvexSolver::Impl::barrier_slope(double mu_b) const {
  double slope = derivs.gradient.dot(step.z) - penalty * (res.ineq.lpNorm<1>() + res.eq.lpNorm<1>());
  double barrier = step.s.cwiseQuotient(it.s).sum();
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k) barrier += step.z(bounds.lower_index[k]) / res.dist_lo(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k) barrier -= step.z(bounds.upper_index[k]) / res.dist_hi(k);
  return slope - mu_b * barrier;
}

// Backtracking from the fraction-to-the-boundary step (at most `attempts` trials). A trial point
// must have finite function values and derivatives, and decrease either the barrier merit
// (Armijo; it tolerates the overshoot of Newton steps on logarithms) or the norm of the perturbed
// KKT residual (immune to the Maratos effect of curved constraints).
bool ConvexSolver::Impl::line_search(double target, int attempts, double& alpha, const char*& failure) {
  // Fraction to the boundary max(step_fraction, 1 - mu): a fixed fraction would cap the local
  // convergence at a linear rate once variables approach their bounds. It stays below 1 so that
  // no multiplier or slack reaches exactly 0 (W = s / lambda must stay finite for the derivatives).
  const double fraction = std::min(std::max(settings.step_fraction, 1.0 - res.mu), kMaxFraction);
  alpha = std::min(1.0, fraction * max_step(step));
  const double merit0 = merit(it, res, target);
  const double multipliers =
      std::max(inf_norm(it.lambda + step.lambda), inf_norm(it.nu + step.nu));  // (lambda, nu) after a full step
  penalty = std::max(penalty, 2.0 * multipliers);
  const double barrier0 = barrier_merit(it, derivs, res, target);
  const double slope = barrier_slope(target);
  const double relative_step = relative_size(step);
  int outside_domain = 0, tried = 0;
  for (; tried < attempts && alpha * relative_step > kNoProgress; ++tried, alpha *= 0.5) {
    trial.set_step(it, alpha, step);
    // Derivatives right away (not values first): the first trial is usually accepted and needs them.
    if (!evaluate(trial, trial_derivs, trial_res)) {
      ++outside_domain;
      continue;
    }
    const bool barrier_decrease =
        slope < 0.0 && barrier_merit(trial, trial_derivs, trial_res, target) <= barrier0 + kArmijo * alpha * slope;
    if (barrier_decrease || merit(trial, trial_res, target) <= (1.0 - kArmijo * alpha) * merit0) {
      hit_domain_boundary = outside_domain > 0;
      std::swap(it, trial);
      std::swap(derivs, trial_derivs);
      std::swap(res, trial_res);
      return true;
    }
  }
  const bool feasible = res.primal <= settings.eps_abs + settings.eps_rel * res.primal_scale;
  if (tried > 0 && outside_domain == tried)
    failure = "f, g, h or their derivatives are not finite at every point tried along the Newton direction (the "
              "step leaves the domain of the functions: add bounds that keep z inside it)";
  else if (outside_domain > 0)
    failure = "the line search failed: the points tried along the Newton direction are outside the domain of f, g "
              "or h (non-finite values) or do not decrease the merit functions";
  else if (!feasible)
    failure = "the line search stalled at an infeasible point: the problem may be primal infeasible";
  else
    failure = "the line search found no decrease of the merit functions along the Newton direction";
  return false;
}

// Largest change the full step makes to a block of the iterate, relative to the block's size.
double ConvexSolver::Impl::relative_size(const ConvexIterate& d) const {
  auto relative = [](const Eigen::VectorXd& dv, const Eigen::VectorXd& v) {
    return inf_norm(dv) / (1.0 + inf_norm(v));
  };
  return std::max({relative(d.z, it.z), relative(d.s, it.s), relative(d.lambda, it.lambda),
                   relative(d.nu, it.nu), relative(d.zl, it.zl), relative(d.zu, it.zu)});
}

// Approximate Farkas test for a convex problem. With y = (lambda, nu, zl, zu) / ||y||, the function
// phi(z') = y'(g(z'), h(z'), lo - z', z' - hi) is convex and <= 0 at every feasible z', while
// phi(z') >= phi(z) - ||grad phi(z)||_1 ||z' - z||. So phi(z) > 0 with a tiny gradient (diverging
// multipliers make grad f negligible in it) rules out every feasible point within a radius
// kInfeasibleRadius (1 + ||z||) of z.
bool ConvexSolver::Impl::detect_primal_infeasibility() {
  const double norm = std::max({inf_norm(it.lambda), inf_norm(it.nu), inf_norm(it.zl), inf_norm(it.zu)});
  if (!(norm > 0.0) || !std::isfinite(norm)) return false;
  const double phi =
      (it.lambda.dot(derivs.g) + it.nu.dot(derivs.h) - res.dist_lo.dot(it.zl) - res.dist_hi.dot(it.zu)) / norm;
  if (!(phi > settings.eps_primal_infeasible)) return false;
  direction_n = (res.dual - derivs.gradient) / norm;  // grad phi
  if (!(direction_n.lpNorm<1>() * kInfeasibleRadius * (1.0 + inf_norm(it.z)) < phi)) return false;
  result.certificate_lambda = it.lambda / norm;
  result.certificate_nu = it.nu / norm;
  return true;
}

// A huge Newton step along which f decreases linearly, with no curvature, inside the constraints
// and bounds, is a direction of unbounded descent.
bool ConvexSolver::Impl::detect_dual_infeasibility() {
  const double norm = inf_norm(step.z);
  if (!(norm > 1e6 * (1.0 + inf_norm(it.z))) || !std::isfinite(norm)) return false;
  const double eps = settings.eps_dual_infeasible;
  direction_n = step.z / norm;
  if (!(derivs.gradient.dot(direction_n) < -eps)) return false;
  if (inf_norm(derivs.hessian * direction_n) > eps) return false;
  if (m > 0 && (derivs.g_jacobian * direction_n).maxCoeff() > eps) return false;
  if (p > 0 && inf_norm(derivs.h_jacobian * direction_n) > eps) return false;
  for (Eigen::Index i : bounds.lower_index)
    if (direction_n(i) < -eps) return false;
  for (Eigen::Index i : bounds.upper_index)
    if (direction_n(i) > eps) return false;
  result.certificate_z = direction_n;
  return true;
}

void ConvexSolver::Impl::log_iteration(int iteration, double alpha) const {
  if (iteration == 0)
    std::printf("iter   objective        primal_res  dual_res    gap         mu          step\n");
  std::printf("%4d  %+.9e  %.3e  %.3e  %.3e  %.3e  %.3f\n", iteration, derivs.f, res.primal, res.dual_norm, res.gap,
              res.mu, alpha);
}

Status ConvexSolver::Impl::finish(Status status, int iterations, const char* message) {
  result.message = message;
  write_result(status, iterations);
  return status;
}

void ConvexSolver::Impl::write_result(Status status, int iterations) {
  result.status = status;
  result.iterations = iterations;
  result.z = it.z;
  result.s = -derivs.g;
  result.lambda = it.lambda;
  result.nu = it.nu;
  result.bound_lower.setZero();
  result.bound_upper.setZero();
  for (Eigen::Index k = 0; k < bounds.num_lower(); ++k) result.bound_lower(bounds.lower_index[k]) = it.zl(k);
  for (Eigen::Index k = 0; k < bounds.num_upper(); ++k) result.bound_upper(bounds.upper_index[k]) = it.zu(k);
  result.objective = derivs.f;
  result.primal_residual = res.primal;
  result.dual_residual = res.dual_norm;
  result.duality_gap = res.gap;
  result.primal_scale = res.primal_scale;
  result.dual_scale = res.dual_scale;
  result.gap_scale = res.gap_scale;
  result.mu = res.mu;
}

// A solved status with the factorization of the KKT system at the returned point kept for the
// derivatives (`refactor`: the current factorization is of an earlier iterate), after a last
// test that the Hessian of the Lagrangian has no negative curvature there.
Status ConvexSolver::Impl::finish_solved(int iteration, bool refactor, const char* note) {
  Status failure = Status::numerical_error;
  const char* message = "";
  if (refactor) {
    factorization_at_solution = factor_kkt(true, failure, message);
  } else if (settings.check_convexity && hessian_has_negative_curvature()) {
    failure = Status::non_convex;
  } else {
    factorization_at_solution = true;
  }
  if (!factorization_at_solution && failure == Status::non_convex)
    return finish(Status::non_convex, iteration,
                  "the Hessian of the Lagrangian has negative curvature at the returned point: the problem is "
                  "not convex");
  return finish(Status::solved, iteration, note);
}

Status ConvexSolver::Impl::run(const Eigen::VectorXd* z0) {
  const Status start = initialize(z0);
  if (start != Status::unsolved) return start;
  double alpha = 0.0;
  int stalled = 0;
  Status failure = Status::numerical_error;
  const char* message = "";
  for (int iteration = 0;; ++iteration) {
    if (!it.all_finite() || !res.all_finite())
      return finish(Status::numerical_error, iteration, "the iterates lost finiteness");
    if (settings.verbose) log_iteration(iteration, alpha);
    // Keep the factorization at the solution itself for the derivatives; a last convexity test.
    if (converged()) return finish_solved(iteration, true, "");
    if (iteration > 0 && detect_primal_infeasibility())
      return finish(Status::primal_infeasible, iteration,
                    "primal infeasible: the multipliers diverge with a positive weighted constraint violation "
                    "(certificate_lambda, certificate_nu)");
    if (iteration >= settings.max_iter) return finish(Status::max_iterations, iteration, "iteration limit reached");
    if (elapsed_seconds() > settings.time_limit) return finish(Status::time_limit, iteration, "time limit reached");
    if (!factor_kkt(iteration == 0, failure, message)) return finish(failure, iteration, message);
    const double target = predictor_corrector();
    if (primal_and_gap_converged() && step_below_resolution())
      return finish_solved(iteration, false,
                           "solved to the floating-point resolution of the iterate: the dual residual above eps_abs "
                           "is rounding in the gradient");
    if (detect_dual_infeasibility())
      return finish(Status::dual_infeasible, iteration,
                    "dual infeasible: certificate_z is a direction of unbounded descent");
    // Mehrotra's direction is taken when its longest step decreases the merit; otherwise the
    // pure Newton direction to the same target, with backtracking.
    if (!line_search(target, 1, alpha, message)) {
      centered_newton(target);
      if (!line_search(target, kMaxBacktracks, alpha, message))
        return finish(Status::numerical_error, iteration + 1, message);
    }
    stalled = alpha < kStalledStep ? stalled + 1 : 0;
    if (stalled >= kMaxStalledIterations)
      return finish(Status::numerical_error, iteration + 1,
                    hit_domain_boundary
                        ? "the step length stalled at the boundary of the domain of f, g or h (longer steps give "
                          "non-finite values): add bounds that keep z inside the domain"
                        : "the step length stalled (the iterates no longer move; an infeasible or badly scaled "
                          "problem?)");
  }
}

}  // namespace optlayer
