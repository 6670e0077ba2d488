#pragma once
// The primal-dual interior-point loop (Mehrotra predictor-corrector) for
//   minimize 1/2 z'Pz + q'z  s.t.  Gz + s = h, s >= 0, Az = b
// on equilibrated data. Each step of the loop is a small named function.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "solver/qp/certificate_search.hpp"
#include "solver/linalg/dense_kkt.hpp"
#include "solver/qp/input_validation.hpp"
#include "solver/qp/qp_engine.hpp"

namespace optlayer {
namespace engine_detail {

inline void resize_matrix(Eigen::MatrixXd& M, Eigen::Index rows, Eigen::Index cols) { M.setZero(rows, cols); }
inline void resize_matrix(SparseMatrix& M, Eigen::Index rows, Eigen::Index cols) {
  M.resize(rows, cols);
  M.data().squeeze();
}

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Largest alpha with v + alpha dv >= 0 (infinity when dv >= 0).
inline double boundary_step(const Eigen::VectorXd& v, const Eigen::VectorXd& dv) {
  double alpha = engine_detail::kInfinity;
  for (Eigen::Index i = 0; i < v.size(); ++i)
    if (dv(i) < 0.0) alpha = std::min(alpha, -v(i) / dv(i));
  return alpha;
}


// Best values so far of the measures a solve drives to zero.
struct ProgressTracker {
  double primal = kInfinity, dual = kInfinity, gap = kInfinity;
  // True when any measure fell below 90% of its best (and records the new bests).
  bool improved(const Residuals& r) {
    bool any = false;
    auto track = [&any](double value, double& best) {
      if (value < 0.9 * best) {
        best = value;
        any = true;
      }
    };
    track(r.primal, primal);
    track(r.dual_norm, dual);
    track(r.gap, gap);
    return any;
  }
};

// Clears the per-solve fields of a result before a new solve.
inline void reset_result(QpResult& r) {
  r.status = Status::unsolved;
  r.message.clear();
  r.factorizations = 0;
  r.polished = false;
  r.iterations = 0;
  r.certificate_z.setZero();
  r.certificate_lambda.setZero();
  r.certificate_nu.setZero();
}

// How far measures are from the tolerances: the largest of primal residual, dual residual and
// gap, each over its threshold eps_abs + eps_rel * scale (below 1 means converged).
inline double distance_to_tolerances(const Settings& s, double primal, double primal_scale, double dual,
                                     double dual_scale, double gap, double gap_scale) {
  auto over = [&](double value, double scale) { return value / std::max(s.eps_abs + s.eps_rel * scale, 1e-300); };
  return std::max({over(primal, primal_scale), over(dual, dual_scale), over(gap, gap_scale)});
}
inline double distance_to_tolerances(const Settings& s, const QpResult& r) {
  return distance_to_tolerances(s, r.primal_residual, r.primal_scale, r.dual_residual, r.dual_scale, r.duality_gap,
                                r.gap_scale);
}

// The statuses of a solve that stopped short of the tolerances (its point is a best effort).
inline bool stopped_short(Status status) {
  return status == Status::numerical_error || status == Status::max_iterations || status == Status::time_limit;
}

// A warm start that fails is retried cold unless the failure is about the data itself.
inline bool worth_cold_retry(Status status) {
  return status != Status::solved && status != Status::invalid_input && status != Status::non_convex &&
         status != Status::time_limit;
}

// The last retry of a numerical_error: Mehrotra's multipliers times 1e6, with the inequality
// block regularized 1e6 times less (1e-15 in scaled units by default). It is for problems whose
// optimal multipliers are many orders of magnitude above the starting ones, such as LISWET8-12
// of Maros-Meszaros (multipliers near 1e6 in scaled units). From the usual start a Newton step
// can only double a multiplier (ds = -s dlambda / lambda blocks the step at alpha ~
// lambda / dlambda), the complementarity falls faster than the primal residual, and the
// iterates creep along the boundary at primal residual 1e-7 with steps of 1e-3. Started at the
// multipliers' scale they converge in 19-23 iterations, provided the Newton directions are
// exact: the active rows of these problems are nearly dependent (second differences,
// cond(G G') ~ 1e16), and with a regularization of 1e-9 on their block the directions ignore the
// primal residual, which then stays at 1e-7. Measured: multiplier scales 1e5 to 1e8 all solve
// LISWET1, 7, 8 and 12; 1e4 takes 66-120 iterations; the default regularization fails.
inline constexpr ColdStart kLargeMultiplierStart{1e6, 1e-6, 1.0};

// A retry with the equality block regularized 100 times more (1e-7 in scaled units by default),
// for problems with equality constraints whose factorization breaks down late. QFFFFF80 (a
// degenerate LP, 350 equality rows) reaches primal 3e-11 and dual 2e-4 and stalls there, or
// breaks down, with the default regularization, scaled or not; with this one it solves in 36
// iterations. As the default, 1e-7 solves it too but makes active-set polishing from early
// iterates fail (its regularization is a fraction of the default), so it is only a retry.
inline constexpr ColdStart kRegularizedEqualityStart{1.0, 1.0, 100.0};

}  // namespace engine_detail

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::resize(Eigen::Index n_, Eigen::Index m_, Eigen::Index p_) {
  n = n_;
  m = m_;
  p = p_;
  engine_detail::resize_matrix(P, n, n);
  engine_detail::resize_matrix(P_unit, n, n);
  equilibrated_passes = -1;
  P_convex.reset();
  engine_detail::resize_matrix(G, m, n);
  engine_detail::resize_matrix(A, p, n);
  q.setZero(n);
  h.setZero(m);
  b.setZero(p);
  engine_detail::resize_matrix(user_P, n, n);
  engine_detail::resize_matrix(user_G, m, n);
  engine_detail::resize_matrix(user_A, p, n);
  user_q.setZero(n);
  user_h.setZero(m);
  user_b.setZero(p);
  has_data = false;
  warm.resize(n, m, p);
  warm_pending = false;
  scaling.resize(n, m, p);
  kkt.resize(n, m, p);
  x.resize(n, m, p);
  best.resize(n, m, p);
  step.resize(n, m, p);
  affine.resize(n, m, p);
  res.resize(n, m, p);
  weights.setOnes(m);
  rhs.setZero(n + m + p);
  sol.setZero(n + m + p);
  complementarity.setZero(m);
  convexity_check.resize(n);
  extended.resize(n, m, p);
  opposite_rows.resize(n, m);
  scratch_m.setZero(m);
  result = QpResult();
  result.z.setZero(n);
  result.s.setZero(m);
  result.lambda.setZero(m);
  result.nu.setZero(p);
  result.certificate_z.setZero(n);
  result.certificate_lambda.setZero(m);
  result.certificate_nu.setZero(p);
  result.message.reserve(512);
  previous_result = result;  // sized once, like result
  previous_result.message.reserve(512);
  factorization_at_solution = false;
}

template <class Matrix, class Kkt>
double QpEngine<Matrix, Kkt>::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
}

// Factors the KKT system with the regularizations of the settings times `scale` (below 1 only
// while polishing); when the regularized matrix is not numerically positive definite the primal
// regularization is raised and the factorization retried.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::factor_kkt(const Eigen::VectorXd& w, double scale) {
  double rho = settings.reg_primal * scale;
  bool ok = false;
  const long before = kkt.factorizations();
  for (int attempt = 0; attempt < 8 && !ok; ++attempt, rho *= 100.0)
    ok = kkt.factor(w, rho, settings.reg_dual * cold_start.dual_regularization_scale * scale,
                    settings.reg_inequality * cold_start.inequality_regularization_scale * scale);
  count_factorizations(before);
  return ok;
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::count_factorizations(long before) {
  const long added = kkt.factorizations() - before;
  total_factorizations += added;
  result.factorizations += static_cast<int>(added);
}

// Starting point: the least-squares point of the equality-constrained problem
// with s = h - Gz (W = I), then s and lambda shifted into the interior
// (Mehrotra's heuristic).
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::initialize_iterate() {
  rhs.head(n) = -q;
  rhs.segment(n, m) = h;
  rhs.tail(p) = b;
  const long before = kkt.factorizations();
  kkt.solve(rhs, sol, settings.max_refinement_steps, /*allow_refactor=*/true, newton_tolerance());
  count_factorizations(before);
  x.z = sol.head(n);
  x.nu = sol.tail(p);
  if (m == 0) return;
  x.lambda = sol.segment(n, m);  // = Gz - h
  x.s = -x.lambda;
  x.s.array() += std::max(-1.5 * x.s.minCoeff(), 0.0);
  x.lambda.array() += std::max(-1.5 * x.lambda.minCoeff(), 0.0);
  const double sl = x.s.dot(x.lambda);
  const double sum_s = x.s.sum(), sum_l = x.lambda.sum();
  if (!(sl > 0.0) || !(sum_s > 0.0) || !(sum_l > 0.0) || !std::isfinite(sl)) {
    x.s.setOnes();
    x.lambda.setOnes();
    return;
  }
  x.s.array() += 0.5 * sl / sum_l;
  x.lambda.array() += 0.5 * sl / sum_s;
  x.lambda *= cold_start.multiplier_scale;
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::compute_residuals() {
  const auto& D = scaling.D;
  const auto& E = scaling.E;
  const auto& F = scaling.F;
  const double c = scaling.c;
  res.Pz.noalias() = P * x.z;
  res.Gtl.noalias() = G.transpose() * x.lambda;
  res.Atn.noalias() = A.transpose() * x.nu;
  res.Gz.noalias() = G * x.z;
  res.Az.noalias() = A * x.z;
  res.dual = res.Pz + q + res.Gtl + res.Atn;
  res.ineq = res.Gz + x.s - h;
  res.eq = res.Az - b;
  res.mu = m > 0 ? x.s.dot(x.lambda) / static_cast<double>(m) : 0.0;

  // Unscaled measures: dual terms are divided by c D, inequality rows by E, equality rows by F.
  auto unscaled_n = [&](const Eigen::VectorXd& v) {
    return n > 0 ? (v.array() / D.array()).abs().maxCoeff() / c : 0.0;
  };
  res.dual_norm = unscaled_n(res.dual);
  res.dual_scale = std::max({unscaled_n(res.Pz), unscaled_n(q), unscaled_n(res.Gtl), unscaled_n(res.Atn)});
  double primal = 0.0, primal_scale = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    primal = std::max(primal, (res.Gz(i) - h(i)) / E(i));
    primal_scale = std::max({primal_scale, std::abs(res.Gz(i) / E(i)), std::abs(h(i) / E(i))});
  }
  for (Eigen::Index i = 0; i < p; ++i) {
    primal = std::max(primal, std::abs(res.eq(i) / F(i)));
    primal_scale = std::max({primal_scale, std::abs(res.Az(i) / F(i)), std::abs(b(i) / F(i))});
  }
  res.primal = primal;
  res.primal_scale = primal_scale;
  const double zPz = x.z.dot(res.Pz), qz = q.dot(x.z), hl = h.dot(x.lambda), bn = b.dot(x.nu);
  res.gap = std::abs(zPz + qz + hl + bn) / c;
  res.gap_scale = std::max({std::abs(zPz), std::abs(qz), std::abs(hl), std::abs(bn)}) / c;
}

template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::converged() const {
  const double ea = settings.eps_abs, er = settings.eps_rel;
  return res.primal <= ea + er * res.primal_scale && res.dual_norm <= ea + er * res.dual_scale &&
         res.gap <= ea + er * res.gap_scale;
}

// Converged as far as double sums can tell: each measure meets its threshold, or is at the level
// where the double-precision round-off of its terms (about 1e-13 of their size) hides it. The
// exact measure runs only at such points. (It ran within 100x of the thresholds before: two or
// three more exact measures per solve, which cost a QP layer at eps 1e-12 a tenth of its solve
// time, and no Maros-Meszaros problem more.)
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::converged_up_to_round_off() const {
  const double ea = settings.eps_abs, er = settings.eps_rel;
  auto within = [&](double value, double scale) { return value <= std::max(ea + er * scale, 1e-13 * scale); };
  return within(res.primal, res.primal_scale) && within(res.dual_norm, res.dual_scale) &&
         within(res.gap, res.gap_scale);
}

// Whether the double measures can decide the tolerances. Their round-off is about 1e-16 of the
// terms they sum (more where those cancel); a threshold above 1e-10 of the scale leaves a margin
// of a million such units. Below it (eps_rel under 1e-10 and eps_abs under 1e-10 of the terms,
// as in qpbenchmark's absolute 1e-9 on terms of 10 and more) only the exact measure decides.
// With the default eps_rel = 1e-9 the exact measure never runs: it costs as much as several
// iterations of a small dense solve.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::double_measures_suffice() const {
  const double ea = settings.eps_abs, er = settings.eps_rel;
  auto resolved = [&](double scale) { return ea + er * scale >= 1e-10 * scale; };
  return resolved(res.primal_scale) && resolved(res.dual_scale) && resolved(res.gap_scale);
}

// Replaces the primal residual, dual residual and gap by their values for the point the user
// would receive (unscaled), on the user's data, exactly (see extended_residuals.hpp), at every
// point converged up to round-off where the double measures cannot decide (see
// double_measures_suffice()), also when those already meet them: their round-off cuts both
// ways. On QSEBA (objective terms 3e8, one ulp 6e-8) the double sum of the gap came out exactly 0
// at a point whose gap is 3.7e-8, and 13 Maros-Meszaros problems were reported solved at 1e-9
// that way; the user's own check of the returned point decides instead.
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::measure_exactly_where_double_cannot_decide() {
  if (!converged_up_to_round_off() || double_measures_suffice()) return;
  const double c = scaling.c;
  // result's vectors are scratch here: write_result overwrites them.
  result.z = x.z.cwiseProduct(scaling.D);
  result.lambda = x.lambda.cwiseProduct(scaling.E) / c;
  result.nu = x.nu.cwiseProduct(scaling.F) / c;
  if (!result.z.allFinite() || !result.lambda.allFinite() || !result.nu.allFinite()) return;
  const ExtendedResiduals::Measures measures =
      extended.evaluate(user_P, user_q, user_G, user_h, user_A, user_b, result.z, result.lambda, result.nu);
  res.primal = measures.primal;
  res.dual_norm = measures.dual;
  res.gap = measures.gap;
}

// Farkas test: lambda >= 0 and nu with G'lambda + A'nu ~ 0 and h'lambda + b'nu < 0, "~ 0" meaning
// eps relative to ||(lambda, nu)||. It must hold twice: in original units, where the user checks
// the certificate, and on the equilibrated problem, whose rows and columns have unit size. Either
// alone can be fooled by extreme scaling: in original units a row with 1e-12 coefficients passes
// any absolute test (10^6 scales faked unbounded directions in tests/test_status_sweep.cpp), and
// a certificate of the equilibrated problem can fail in original units when the scaling spans
// 1e300 (found by fuzz_solver).
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::detect_primal_infeasibility(const Eigen::VectorXd& lambda, const Eigen::VectorXd& nu) {
  if (m == 0 && p == 0) return false;
  if (m > 0 && lambda.minCoeff() < 0.0) return false;
  double norm = 0.0;
  if (m > 0) norm = lambda.cwiseAbs().maxCoeff();
  if (p > 0) norm = std::max(norm, nu.cwiseAbs().maxCoeff());
  if (!(norm > 0.0) || !std::isfinite(norm)) return false;
  const double eps = settings.eps_primal_infeasible * norm;
  const double support = h.dot(lambda) + b.dot(nu);
  if (!(support < -eps)) return false;
  auto& combo = res.Pz;  // scratch: reused after this iteration's measures are taken
  combo.noalias() = G.transpose() * lambda;
  combo.noalias() += A.transpose() * nu;
  const double combo_norm = n > 0 ? combo.cwiseAbs().maxCoeff() : 0.0;
  if (combo_norm > eps) return false;
  // Original units (both sides carry the cost scaling c, which cancels).
  double original_norm = 0.0;
  if (m > 0) original_norm = (lambda.array() * scaling.E.array()).abs().maxCoeff();
  if (p > 0) original_norm = std::max(original_norm, (nu.array() * scaling.F.array()).abs().maxCoeff());
  const double original_eps = settings.eps_primal_infeasible * original_norm;
  if (!(support < -original_eps)) return false;
  if (n > 0 && (combo.array() / scaling.D.array()).abs().maxCoeff() > original_eps) return false;
  // Soundness near feasible points: any z with Gz <= h, Az = b has h'l + b'n >= z'(G'l + A'n)
  // >= -||z||_1 ||G'l + A'n||_inf, so the certificate must beat that bound for the current
  // iterate's size, or a garbage Newton direction of a feasible problem can pass the tests above.
  if (!(support < -x.z.lpNorm<1>() * combo_norm)) return false;
  result.certificate_lambda = lambda.cwiseProduct(scaling.E) / original_norm;
  result.certificate_nu = nu.cwiseProduct(scaling.F) / original_norm;
  return true;
}

// Unboundedness test on a candidate direction d: Pd ~ 0, Gd <= ~0, Ad ~ 0 and q'd < 0, "~ 0"
// meaning eps relative to ||d||, on the equilibrated problem and in original units, as the Farkas
// test. In original units d_o = D d, P d_o = P~ d / (c D), G d_o = G~ d / E, A d_o = A~ d / F,
// q'd_o = q~'d / c.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::detect_dual_infeasibility(const Eigen::VectorXd& d) {
  if (n == 0) return false;
  const double norm = d.cwiseAbs().maxCoeff();
  if (!(norm > 0.0) || !std::isfinite(norm)) return false;
  const double eps = settings.eps_dual_infeasible * norm;
  const double descent = q.dot(d);
  if (!(descent < -eps)) return false;
  auto& Pd = res.Pz;  // scratch
  Pd.noalias() = P * d;
  if (Pd.cwiseAbs().maxCoeff() > eps) return false;
  if (m > 0) {
    scratch_m.noalias() = G * d;
    if (scratch_m.maxCoeff() > eps) return false;
  }
  if (p > 0) {
    auto& Ad = res.Az;  // scratch, like Pd above
    Ad.noalias() = A * d;
    if (Ad.cwiseAbs().maxCoeff() > eps) return false;
  }
  const double c = scaling.c;
  const double original_norm = (d.array() * scaling.D.array()).abs().maxCoeff();
  const double original_eps = settings.eps_dual_infeasible * original_norm;
  if (!(descent / c < -original_eps)) return false;
  if ((Pd.array() / scaling.D.array()).abs().maxCoeff() / c > original_eps) return false;
  if (m > 0 && (scratch_m.array() / scaling.E.array()).maxCoeff() > original_eps) return false;
  if (p > 0 && (res.Az.array() / scaling.F.array()).abs().maxCoeff() > original_eps) return false;
  // Soundness (the twin of the primal test): if the current (z, lambda, nu) were optimal, then
  // q'd = -z'Pd - lambda'Gd - nu'Ad >= -(|z|'|Pd| + lambda'max(Gd, 0) + |nu|'|Ad|).
  double bound = x.z.cwiseAbs().dot(Pd.cwiseAbs());
  if (m > 0) bound += x.lambda.dot(scratch_m.cwiseMax(0.0));
  if (p > 0) bound += x.nu.cwiseAbs().dot(res.Az.cwiseAbs());
  if (!(descent < -bound)) return false;
  result.certificate_z = d.cwiseProduct(scaling.D) / original_norm;
  return true;
}

// Refinement of the Newton systems stops at a thousandth of eps_abs (block-relative, at most
// 1e-11): a direction's error enters the next residuals, which need only reach eps_abs. Refining
// on to round-off cost a seventh of the instructions of a quadrotor MPC solve, with the same
// iterations. A hundredth was enough for the iterations too, but left enough noise in the
// solution to spoil finite-difference checks of a layer's gradient (test_learn_mpc, eps_abs 1e-10).
// (The derivative solves still refine to round-off.)
template <class Matrix, class Kkt>
double QpEngine<Matrix, Kkt>::newton_tolerance() const {
  return std::clamp(1e-3 * settings.eps_abs, KktRefinement::kRefinedEnough, 1e-11);
}

// Newton direction for the complementarity target r_c (s o lambda + lambda o ds + s o dlambda = ... ):
//   [P G' A'; G -W 0; A 0 0] [dz; dl; dn] = [-r_d; -r_ineq - r_c / lambda; -r_eq],
//   ds = (r_c - s o dl) / lambda.
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::solve_newton(const Eigen::VectorXd& target, Variables& direction,
                                         bool with_residuals) {
  if (with_residuals) {
    rhs.head(n) = -res.dual;
    rhs.segment(n, m) = -res.ineq - target.cwiseQuotient(x.lambda);
    rhs.tail(p) = -res.eq;
  } else {
    rhs.head(n).setZero();
    rhs.segment(n, m) = -target.cwiseQuotient(x.lambda);
    rhs.tail(p).setZero();
  }
  const long before = kkt.factorizations();
  kkt.solve(rhs, sol, settings.max_refinement_steps, /*allow_refactor=*/true, newton_tolerance());
  count_factorizations(before);
  direction.z = sol.head(n);
  direction.lambda = sol.segment(n, m);
  direction.nu = sol.tail(p);
  direction.s = (target - x.s.cwiseProduct(direction.lambda)).cwiseQuotient(x.lambda);
}

template <class Matrix, class Kkt>
double QpEngine<Matrix, Kkt>::max_step(const Variables& d) const {
  return std::min(engine_detail::boundary_step(x.s, d.s), engine_detail::boundary_step(x.lambda, d.lambda));
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::predictor_corrector() {
  // Predictor: pure Newton (affine-scaling) direction towards s o lambda = 0.
  complementarity = -x.s.cwiseProduct(x.lambda);
  solve_newton(complementarity, affine);
  double sigma = 0.0;
  if (m > 0) {
    const double alpha_aff = std::min(1.0, max_step(affine));
    const double mu_aff = (x.s + alpha_aff * affine.s).dot(x.lambda + alpha_aff * affine.lambda) /
                          static_cast<double>(m);
    sigma = std::clamp(std::pow(mu_aff / res.mu, 3), 0.0, 1.0);
    if (!std::isfinite(sigma)) sigma = 1.0;
  }
  // Corrector: centering sigma mu plus Mehrotra's second-order term.
  complementarity.array() += sigma * res.mu - affine.s.array() * affine.lambda.array();
  solve_newton(complementarity, step);
  if (m > 0 && !reduces_complementarity(step)) {
    // Far from the central path the second-order term can be so large that the
    // combined step raises mu, and the iterates then cycle. Fall back on the
    // plain centering direction (no second-order term) when it does better.
    complementarity = -x.s.cwiseProduct(x.lambda);
    complementarity.array() += sigma * res.mu;
    solve_newton(complementarity, affine);
    const double a_mehrotra = settings.step_fraction * std::min(1.0, max_step(step));
    const double a_centering = settings.step_fraction * std::min(1.0, max_step(affine));
    if (complementarity_after(affine, a_centering) < complementarity_after(step, a_mehrotra)) std::swap(step, affine);
  }
  if (m > 0) centrality_correctors(sigma * res.mu);
}

// Complementarity s'lambda after the step alpha d (the duality measure the step leaves).
template <class Matrix, class Kkt>
double QpEngine<Matrix, Kkt>::complementarity_after(const Variables& d, double alpha) const {
  return (x.s + alpha * d.s).dot(x.lambda + alpha * d.lambda);
}

// True when the step (cut by the fraction to the boundary) leaves less
// complementarity than now: s'lambda must fall by at least 1% of the step length.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::reduces_complementarity(const Variables& d) const {
  const double alpha = settings.step_fraction * std::min(1.0, max_step(d));
  return complementarity_after(d, alpha) <= (1.0 - 0.01 * alpha) * x.s.dot(x.lambda);
}

// Gondzio's multiple centrality correctors: aim for a longer step by pulling the
// complementarity products at a trial point back into [0.1, 10] x the target,
// and keep a corrected direction only when it allows a clearly longer step and
// leaves no more complementarity than the uncorrected step. (Without the second
// test the correctors can raise mu, and near the solution of an ill-conditioned
// problem the iterates then cycle without converging.)
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::centrality_correctors(double target_mu) {
  double alpha = std::min(1.0, max_step(step));
  double left = complementarity_after(step, settings.step_fraction * alpha);
  for (int k = 0; k < settings.max_centrality_correctors && alpha < 1.0; ++k) {
    const double trial = std::min(1.0, 1.5 * alpha + 0.1);
    complementarity = (x.s + trial * step.s).cwiseProduct(x.lambda + trial * step.lambda);
    const double low = 0.1 * target_mu, high = 10.0 * target_mu;
    for (Eigen::Index i = 0; i < m; ++i) {
      const double v = complementarity(i);
      complementarity(i) = v < low ? low - v : (v > high ? std::max(high - v, -high) : 0.0);
    }
    solve_newton(complementarity, affine, /*with_residuals=*/false);
    affine.z += step.z;
    affine.s += step.s;
    affine.lambda += step.lambda;
    affine.nu += step.nu;
    const double corrected = std::min(1.0, max_step(affine));
    if (!(corrected >= alpha + 0.1 * (trial - alpha))) break;
    const double corrected_left = complementarity_after(affine, settings.step_fraction * corrected);
    if (!(corrected_left <= left)) break;
    std::swap(step, affine);
    alpha = corrected;
    left = corrected_left;
  }
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::log_iteration(int iteration, double alpha) const {
  if (iteration == 0)
    std::printf("iter   objective        primal_res  dual_res    gap         mu          step\n");
  const double objective = (0.5 * x.z.dot(res.Pz) + q.dot(x.z)) / scaling.c;
  std::printf("%4d  %+.9e  %.3e  %.3e  %.3e  %.3e  %.3f\n", iteration, objective, res.primal, res.dual_norm,
              res.gap, res.mu, alpha);
}

// How far the iterate is from the tolerances: the largest of primal residual, dual residual and
// gap, each over its threshold (below 1 means converged).
template <class Matrix, class Kkt>
double QpEngine<Matrix, Kkt>::distance_to_tolerances() const {
  return engine_detail::distance_to_tolerances(settings, res.primal, res.primal_scale, res.dual_norm, res.dual_scale,
                                               res.gap, res.gap_scale);
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::remember_if_best() {
  const double distance = distance_to_tolerances();
  if (!(distance < best_distance)) return;
  best_distance = distance;
  best = x;  // same sizes: the vectors are copied in place
  best_measures = res.measures();
}

// Ends a solve whose point x meets the tolerances: writes the result and keeps the KKT
// factorization at the solution itself for the derivatives.
template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::finish_solved(int iterations) {
  write_result(Status::solved, iterations);
  if (result.status != Status::solved) return result.status;  // the solution overflows in the user's units
  weights = x.s.cwiseQuotient(x.lambda);
  factorization_at_solution = factor_kkt(weights);
  return Status::solved;
}

// Ends a solve that did not converge: returns the best iterate seen, with its measures, unless
// active-set polishing from it meets the tolerances.
template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::stop_unsolved(Status status, const char* message, int iterations) {
  if (status != Status::time_limit && best_distance < engine_detail::kInfinity && polish()) {
    const Status solved = finish_solved(iterations);
    result.polished = solved == Status::solved;
    return solved;
  }
  if (best_distance < engine_detail::kInfinity) {
    x = best;  // same sizes: the vectors are copied in place
    res.set_measures(best_measures);
  }
  result.message = message;
  write_result(status, iterations);
  return result.status;
}

namespace engine_detail {
// Polishing: the weight W_i of an inequality outside the guessed active set (its row of the KKT
// system then gives lambda_i = (G_i z - h_i) / W_i ~ 0); the regularizations tried, as fractions
// of the default (in scaled units): first 1e-16, with which refinement reaches round-off on LISWET
// (cond(GG') ~ 1e16; at 1e-12 its refined residual stalled near 1e-8), then 1e-12, for active
// sets with dependent rows, whose factorization breaks down at 1e-16; the floor of s and lambda
// at the polished point (the derivatives' weights s / lambda must stay finite).
inline constexpr double kPolishInactiveWeight = 1e20;
inline constexpr double kPolishRegularizationScales[] = {1e-7, 1e-3};
inline constexpr double kPolishFloor = 1e-150;
inline constexpr int kPolishRefinementSteps = 20;
// A round whose point is this many times farther from the tolerances than the best iterate ends
// the attempt: its active set was singular or far off (the degenerate LPs of Maros-Meszaros reach
// dual residuals of 1e4 to 1e24 that way), and no later round recovered on any problem measured.
inline constexpr double kPolishGiveUpFactor = 1e6;
}  // namespace engine_detail

// Active-set polishing of a solve that stopped short (the IPM can creep for hundreds of
// iterations when the optimal multipliers are 1e6 times the starting ones, as on LISWET, or break
// down late). A primal-dual active-set method (Hintermueller, Ito and Kunisch): guess the active
// set A from the best iterate (lambda_i > s_i), solve
//   min 1/2 z'Pz + q'z  s.t.  G_A z = h_A, Az = b,
// then drop the rows of A with negative multipliers and add the violated rows outside it
// (update_active_set), and repeat until A stays the same, when the point is primal feasible with
// lambda >= 0 up to the accuracy of the solve. Every round's point is measured like an iterate:
// the first that meets the tolerances ends the polishing (true), and one closer to them than the
// best iterate replaces it (stop_unsolved() then returns it). The rounds can cycle (LISWET8-12)
// or diverge (degenerate LPs, where a missed active row leaves an O(1) dual residual); they are
// bounded by max_polish_rounds.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::polish() {
  if (settings.max_polish_rounds == 0) return false;
  for (double scale : engine_detail::kPolishRegularizationScales)
    if (polish_from_best(scale)) return true;
  return false;
}

// One polishing attempt with the regularizations scaled by `scale`; see polish().
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::polish_from_best(double scale) {
  x = best;
  for (Eigen::Index i = 0; i < m; ++i)
    weights(i) = x.lambda(i) > x.s(i) ? 0.0 : engine_detail::kPolishInactiveWeight;
  for (int round = 0; round < settings.max_polish_rounds; ++round) {
    if (elapsed_seconds() > settings.time_limit || !solve_active_set(scale)) break;
    const bool changed = update_active_set();  // before compute_residuals() overwrites res.Gz
    compute_residuals();
    measure_exactly_where_double_cannot_decide();
    if (settings.verbose)
      std::printf("      polished: primal %.3e  dual %.3e  gap %.3e\n", res.primal, res.dual_norm, res.gap);
    if (!x.all_finite() || !std::isfinite(res.primal + res.dual_norm + res.gap)) break;
    if (converged()) return true;
    if (distance_to_tolerances() > engine_detail::kPolishGiveUpFactor * best_distance) break;
    remember_if_best();
    if (!changed) break;
  }
  return false;
}

// One round of polishing: solves the KKT system with W = 0 on the guessed active set (weights
// hold kPolishInactiveWeight elsewhere) and sets the point: lambda = 0 and s = h - Gz off the
// set, s = 0 on it (both floored at kPolishFloor).
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::solve_active_set(double scale) {
  if (!factor_kkt(weights, scale)) return false;
  rhs.head(n) = -q;
  rhs.segment(n, m) = h;
  rhs.tail(p) = b;
  const long before = kkt.factorizations();
  // Refined until it stagnates: the gap of the polished point is lambda'(Gz - h), and with
  // multipliers of 1e6 (LISWET) a residual of 1e-13 on the active rows still leaves a gap of 1e-4.
  kkt.solve(rhs, sol, engine_detail::kPolishRefinementSteps, /*allow_refactor=*/true, /*tolerance=*/0.0);
  count_factorizations(before);
  x.z = sol.head(n);
  x.nu = sol.tail(p);
  res.Gz.noalias() = G * x.z;
  for (Eigen::Index i = 0; i < m; ++i) {
    const bool active = weights(i) == 0.0;
    x.lambda(i) = std::max(active ? sol(n + i) : 0.0, engine_detail::kPolishFloor);
    x.s(i) = std::max(active ? 0.0 : h(i) - res.Gz(i), engine_detail::kPolishFloor);
  }
  return x.all_finite();
}

// The next active set from the multipliers and residuals of the current round: a constraint
// leaves the set when its multiplier is negative, and joins it when the point violates it, each by
// more than a tenth of eps_abs (so that the degenerate constraints of an LP, with multiplier and
// residual both at round-off, do not flip back and forth). True when the set changed.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::update_active_set() {
  const double margin = 0.1 * settings.eps_abs;
  int changes = 0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const bool was_active = weights(i) == 0.0;
    const bool flip = was_active ? sol(n + i) * scaling.E(i) / scaling.c < -margin
                                 : (res.Gz(i) - h(i)) / scaling.E(i) > margin;
    if (!flip) continue;
    weights(i) = was_active ? engine_detail::kPolishInactiveWeight : 0.0;
    ++changes;
  }
  if (settings.verbose) std::printf("      polishing: %d constraints changed sides\n", changes);
  return changes > 0;
}

template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::write_result(Status status, int iterations) {
  const double c = scaling.c;
  result.status = status;
  result.iterations = iterations;
  bool finite = x.all_finite();
  if (finite) {
    result.z = x.z.cwiseProduct(scaling.D);
    result.s = x.s.cwiseQuotient(scaling.E);
    result.lambda = x.lambda.cwiseProduct(scaling.E) / c;
    result.nu = x.nu.cwiseProduct(scaling.F) / c;
    res.Pz.noalias() = P * x.z;
    result.objective = (0.5 * x.z.dot(res.Pz) + q.dot(x.z)) / c;
    // Undoing the scaling can overflow a finite scaled iterate (data near 1e300).
    finite = result.z.allFinite() && result.s.allFinite() && result.lambda.allFinite() && result.nu.allFinite();
  }
  if (!finite) {
    if (status == Status::solved) {
      result.status = Status::numerical_error;
      result.message = "the solution overflows double precision in the units of the data";
    }
    result.z.setZero();
    result.s.setZero();
    result.lambda.setZero();
    result.nu.setZero();
    result.objective = std::numeric_limits<double>::quiet_NaN();
  }
  result.primal_residual = res.primal;
  result.dual_residual = res.dual_norm;
  result.duality_gap = res.gap;
  result.primal_scale = res.primal_scale;
  result.dual_scale = res.dual_scale;
  result.gap_scale = res.gap_scale;
  result.mu = res.mu;
}

// Warm start: the given point in scaled units, with s and lambda raised to the
// margin so that the first Newton steps are not blocked by the boundary.
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::initialize_from_warm_start() {
  const double c = scaling.c;
  const double margin = settings.warm_start_margin;
  x.z = warm.z.cwiseQuotient(scaling.D);
  x.nu = c * warm.nu.cwiseQuotient(scaling.F);
  x.s = warm.s.cwiseProduct(scaling.E).cwiseMax(margin);
  x.lambda = (c * warm.lambda.cwiseQuotient(scaling.E)).cwiseMax(margin);
}

template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::run(bool use_warm_start, int max_iter) {
  if (settings.check_convexity && n > 0 && !P_is_convex()) {
    result.message = p == 0 ? "P is not positive semidefinite (Cholesky of P + 1e-9 ||P|| I failed)"
                            : "P is not positive semidefinite on the null space of A (nor is P + 1e-9 ||P|| I "
                              "+ A'A / delta for delta = 1e-6 ||A||^2 / ||P||)";
    write_result(Status::non_convex, 0);
    return Status::non_convex;
  }
  if constexpr (std::is_same_v<Kkt, DenseKkt>) {
    kkt.prepare(P, G, A, settings.kkt_method, /*g_fixed=*/true);
    // Newton directions a tenth of eps_abs accurate are enough to reach eps_abs; demanding more
    // sent 3 in 4 cold quadrotor MPC solves to the (5x slower) full LDL' for nothing.
    kkt.set_reduced_accuracy_target(std::clamp(0.1 * settings.eps_abs, 1e-11, 1e-9));
  } else {
    kkt.prepare(P, G, A, settings.kkt_method);
  }
  weights.setOnes();
  best_distance = engine_detail::kInfinity;
  if (!factor_kkt(weights)) {
    result.message = "the initial KKT system could not be factored";
    write_result(Status::numerical_error, 0);
    return Status::numerical_error;
  }
  if (use_warm_start) initialize_from_warm_start();
  else initialize_iterate();

  double alpha = 0.0;
  int stalled = 0;
  engine_detail::ProgressTracker progress;
  int since_progress = 0;
  for (int iteration = 0;; ++iteration) {
    compute_residuals();
    measure_exactly_where_double_cannot_decide();
    if (!x.all_finite() || !std::isfinite(res.primal + res.dual_norm + res.gap))
      return stop_unsolved(Status::numerical_error, "the iterates lost finiteness", iteration);
    remember_if_best();
    if (settings.verbose) log_iteration(iteration, alpha);
    if (converged()) return finish_solved(iteration);
    if (iteration > 0) {
      const bool primal_converged = res.primal <= settings.eps_abs + settings.eps_rel * res.primal_scale;
      const bool dual_converged = res.dual_norm <= settings.eps_abs + settings.eps_rel * res.dual_scale;
      if (!primal_converged && (detect_primal_infeasibility(x.lambda, x.nu) ||
                                detect_primal_infeasibility(step.lambda, step.nu))) {
        result.message = "primal infeasible: certificate_lambda, certificate_nu satisfy G'l + A'n = 0, h'l + b'n < 0";
        write_result(Status::primal_infeasible, iteration);
        return Status::primal_infeasible;
      }
      if (!dual_converged && (detect_dual_infeasibility(x.z) || detect_dual_infeasibility(step.z))) {
        result.message = "dual infeasible: certificate_z is a direction of unbounded descent";
        write_result(Status::dual_infeasible, iteration);
        return Status::dual_infeasible;
      }
    }
    // Stagnation: none of primal residual, dual residual and gap has improved
    // by 10% on its best in 20 iterations; more iterations only drive mu to
    // underflow. Report the point reached instead of spinning to max_iter.
    if (progress.improved(res)) {
      since_progress = 0;
    } else if (++since_progress >= 20) {
      return stop_unsolved(Status::numerical_error,
                           "no progress in 20 iterations: the residuals stalled at the precision the data allows",
                           iteration);
    }
    if (iteration >= max_iter) return stop_unsolved(Status::max_iterations, "iteration limit reached", iteration);
    if (elapsed_seconds() > settings.time_limit)
      return stop_unsolved(Status::time_limit, "time limit reached", iteration);
    weights = x.s.cwiseQuotient(x.lambda);
    if (!factor_kkt(weights))
      return stop_unsolved(Status::numerical_error, "the KKT system could not be factored", iteration);
    predictor_corrector();
    alpha = m > 0 ? std::min(1.0, settings.step_fraction * max_step(step)) : 1.0;
    x.axpy(alpha, step);
    // The common part of a narrow range's two multipliers, invisible to the residuals.
    if (!opposite_rows.pairs().empty())
      opposite_rows.cancel_common_part(h, x.s, x.lambda, x.s.dot(x.lambda) / static_cast<double>(m));
    stalled = alpha < 1e-10 ? stalled + 1 : 0;
    if (stalled >= 20) return stop_unsolved(Status::numerical_error, "the step length stalled", iteration + 1);
  }
}

template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::solve_held() {
  start_time = std::chrono::steady_clock::now();
  factorization_at_solution = false;
  engine_detail::reset_result(result);
  const bool use_warm_start = warm_pending;
  warm_pending = false;
  cold_start = ColdStart();

  std::string error;
  if (!has_data) error = "no problem data: call solve(P, q, G, h, A, b) first";
  else if (n == 0) error = "the problem has no variables (n = 0)";
  // Matrices equilibrated by an earlier solve passed these checks then and have not changed.
  const bool check_matrices = equilibrated_passes < 0;
  if (error.empty() && check_matrices) error = check_matrix("P", user_P, n, n);
  if (error.empty()) error = check_vector("q", user_q, n);
  if (error.empty() && check_matrices) error = check_matrix("G", user_G, m, n);
  if (error.empty()) error = check_vector("h", user_h, m);
  if (error.empty() && check_matrices) error = check_matrix("A", user_A, p, n);
  if (error.empty()) error = check_vector("b", user_b, p);
  if (error.empty() && check_matrices) error = check_symmetric(user_P);
  if (error.empty()) error = settings.validation_error();
  if (!error.empty()) {
    result.status = Status::invalid_input;
    result.message = error;
    result.solve_time = 0.0;
    return result.status;
  }
  Status status = solve_copy(use_warm_start, settings.max_iter, settings.scaling_iterations);
  // A failed warm start is retried cold within what is left of max_iter (and time_limit):
  // the limits bound the whole solve, as a control loop budgets for it.
  if (use_warm_start && engine_detail::worth_cold_retry(status))
    status = retry_cold(settings.scaling_iterations);
  // Ruiz equilibration can hurt: on degenerate LPs such as QSHIP04S (Maros-Meszaros) the
  // multipliers of the scaled problem grow until the dual residual stalls near 1e-8, while the
  // unscaled problem solves in 15 iterations. A numerical failure gets one unscaled retry.
  if (status == Status::numerical_error && settings.scaling_iterations > 0) status = retry_cold(0);
  if (status == Status::numerical_error && p > 0)
    status = retry_cold(settings.scaling_iterations, engine_detail::kRegularizedEqualityStart);
  // Last: a start at a far larger multiplier scale, for the creeping solves of problems whose
  // multipliers are huge (see kLargeMultiplierStart).
  if (status == Status::numerical_error && m > 0)
    status = retry_cold(settings.scaling_iterations, engine_detail::kLargeMultiplierStart);
  status = search_certificates(status);
  result.solve_time = elapsed_seconds();
  return status;
}

// The certificate search of a solve that stopped short (see solver/qp/certificate_search.hpp): the
// points of the auxiliary LPs, on the data of the last attempt, must pass the tests an iterate's
// certificate passes, soundness bound included; otherwise the status stays.
template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::search_certificates(Status status) {
  if (!settings.search_certificates || (status != Status::numerical_error && status != Status::max_iterations))
    return status;
  const double seconds_left = settings.time_limit - elapsed_seconds();
  if (!(seconds_left > 0.0)) return status;
  const Settings aux = certificate_search_settings(settings, seconds_left);
  Eigen::VectorXd lambda, nu;
  if (m + p > 0 && search_farkas_certificate(G, h, A, b, aux, lambda, nu) && detect_primal_infeasibility(lambda, nu)) {
    result.status = Status::primal_infeasible;
    result.message = "primal infeasible (certificate found by the Farkas LP after the iterations stalled): "
                     "certificate_lambda, certificate_nu satisfy G'l + A'n = 0, h'l + b'n < 0";
    return result.status;
  }
  const double seconds_after_farkas = settings.time_limit - elapsed_seconds();
  if (!(seconds_after_farkas > 0.0)) return status;
  const Eigen::VectorXd ray =
      search_unbounded_ray(P, q, G, A, certificate_search_settings(settings, seconds_after_farkas));
  if (ray.size() == n && detect_dual_infeasibility(ray)) {
    result.status = Status::dual_infeasible;
    result.message = "dual infeasible (ray found by the ray LP after the iterations stalled): certificate_z is a "
                     "direction of unbounded descent";
    return result.status;
  }
  return status;
}

// Solves again from the cold start with what is left of max_iter; the iterations and
// factorizations of the failed attempts are added to the new result. When both attempts stop
// short of the tolerances, the result is the point of the one that came closer (an unscaled
// retry can end further away than the scaled attempt did). previous_result is sized with the
// workspace, so keeping it allocates nothing.
template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::retry_cold(int scaling_iterations, ColdStart start) {
  const int used_iterations = result.iterations;
  if (used_iterations >= settings.max_iter || elapsed_seconds() > settings.time_limit) return result.status;
  cold_start = start;
  const int used_factorizations = result.factorizations;
  const bool previous_short = engine_detail::stopped_short(result.status);
  if (previous_short) previous_result = result;
  engine_detail::reset_result(result);
  Status status = solve_copy(false, settings.max_iter - used_iterations, scaling_iterations);
  const int retry_iterations = result.iterations, retry_factorizations = result.factorizations;
  if (previous_short && engine_detail::stopped_short(status) &&
      engine_detail::distance_to_tolerances(settings, previous_result) <
          engine_detail::distance_to_tolerances(settings, result)) {
    result = previous_result;
    status = result.status;
  }
  result.iterations = used_iterations + retry_iterations;
  result.factorizations = used_factorizations + retry_factorizations;
  return status;
}

// Copies the held data into the working arrays, which are scaled in place. The matrices are
// equilibrated only when they (or the number of passes) changed since the last solve: in a
// control loop only q, h and b change, and the Ruiz passes cost more than an iteration.
template <class Matrix, class Kkt>
Status QpEngine<Matrix, Kkt>::solve_copy(bool use_warm_start, int max_iter, int scaling_iterations) {
  if (equilibrated_passes != scaling_iterations) equilibrate_held_matrices(scaling_iterations);
  q = user_q;
  h = user_h;
  b = user_b;
  scaling.scale_vectors(q, h, b);
  scaled_copy(P_unit, scaling.c, P);
  return run(use_warm_start, max_iter);
}

// Copies P (symmetrized), G and A and equilibrates them; D, E and F follow.
template <class Matrix, class Kkt>
void QpEngine<Matrix, Kkt>::equilibrate_held_matrices(int scaling_iterations) {
  symmetric_part(user_P, P_unit);
  G = user_G;
  A = user_A;
  scaling.equilibrate_matrices(P_unit, G, A, scaling_iterations);
  opposite_rows.detect(G);
  equilibrated_passes = scaling_iterations;
  P_convex.reset();
}

// Convexity of the objective on the equality-constrained subspace, tested once per equilibration
// on the equilibrated data (the cost scaling c scales P and the shift alike): P + 1e-9 ||P|| I
// must be positive definite, or failing that positive definite on the null space of A (a
// curvature of -1 along a coordinate that an equality row fixes leaves the problem convex). The
// null-space test adds A'A / delta with delta = 1e-6 ||A||^2 / ||P||, so that the round-off of
// that term (1e-16 / delta ||A||^2 = 1e-10 ||P||) stays below the shift.
template <class Matrix, class Kkt>
bool QpEngine<Matrix, Kkt>::P_is_convex() {
  if (!P_convex) {
    const double size = max_abs(P), tau = 1e-9 * size;
    P_convex = !(size > 0.0) || convexity_check.positive_semidefinite(P, tau);
    const double a_size = max_abs(A);
    if (!*P_convex && p > 0 && a_size > 0.0)
      P_convex = ConvexityCheck::positive_semidefinite_on_null_space(P, A, tau, 1e-6 * a_size * a_size / size);
  }
  return *P_convex;
}

}  // namespace optlayer
