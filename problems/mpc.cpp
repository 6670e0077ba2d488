// Linear MPC: the condensed and stage-wise QP forms, their parameter updates, and the
// chain rule from the QP gradient back to the model, the weights, x_0 and the reference.

#include "optlayer/problems/mpc.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace optlayer {
namespace {

std::string check_shape(const char* name, const Eigen::MatrixXd& M, Eigen::Index rows, Eigen::Index cols,
                        bool symmetric) {
  std::ostringstream out;
  if (M.rows() != rows || M.cols() != cols)
    out << name << " is " << M.rows() << " x " << M.cols() << " but must be " << rows << " x " << cols;
  else if (!M.allFinite())
    out << name << " has a non-finite entry";
  else if (symmetric && !M.isApprox(M.transpose(), 1e-9))
    out << name << " is not symmetric";
  return out.str();
}

// Bounds may be empty (unbounded) or of the given size, with no NaN.
std::string check_bounds(const char* name, const Eigen::VectorXd& v, Eigen::Index size) {
  std::ostringstream out;
  if (v.size() != 0 && v.size() != size) out << name << " has length " << v.size() << " but must be 0 or " << size;
  else if (v.array().isNaN().any()) out << name << " has a NaN entry";
  return out.str();
}

std::string check_order(const char* lower, const Eigen::VectorXd& lo, const char* upper, const Eigen::VectorXd& hi) {
  if (lo.size() == 0 || hi.size() == 0) return {};
  for (Eigen::Index i = 0; i < lo.size(); ++i)
    if (lo(i) > hi(i)) return std::string(lower) + "(" + std::to_string(i) + ") > " + upper + "(" + std::to_string(i) + ")";
  return {};
}

// Indices of the finite entries of v, which must be below +inf (upper) or above -inf (lower).
std::vector<Eigen::Index> finite_entries(const Eigen::VectorXd& v) {
  std::vector<Eigen::Index> idx;
  for (Eigen::Index i = 0; i < v.size(); ++i)
    if (std::isfinite(v(i))) idx.push_back(i);
  return idx;
}

// Makes M exactly symmetric in place (no temporary).
void symmetrize(Eigen::MatrixXd& M) {
  for (Eigen::Index j = 0; j < M.cols(); ++j)
    for (Eigen::Index i = j + 1; i < M.rows(); ++i) M(i, j) = M(j, i) = 0.5 * (M(i, j) + M(j, i));
}

// out.segment(offset + k block) = in.segment(offset + (k + 1) block), the last block repeated.
void shift_blocks(const Eigen::Ref<const Eigen::VectorXd>& in, Eigen::VectorXd& out, Eigen::Index offset,
                  Eigen::Index block, int count) {
  for (int k = 0; k < count; ++k) {
    const int source = std::min(k + 1, count - 1);
    out.segment(offset + k * block, block) = in.segment(offset + source * block, block);
  }
}

}  // namespace

std::string LinearMpc::validation_error() const {
  const Eigen::Index nx = A.rows(), nu = B.cols();
  if (nx == 0) return "A is empty";
  if (nu == 0) return "B has no columns";
  if (horizon < 1) return "horizon must be at least 1";
  std::string error = check_shape("A", A, nx, nx, false);
  if (error.empty()) error = check_shape("B", B, nx, nu, false);
  if (error.empty()) error = check_shape("Q", Q, nx, nx, true);
  if (error.empty()) error = check_shape("R", R, nu, nu, true);
  if (error.empty()) error = check_shape("Qf", Qf, nx, nx, true);
  if (error.empty()) error = check_bounds("x_min", x_min, nx);
  if (error.empty()) error = check_bounds("x_max", x_max, nx);
  if (error.empty()) error = check_bounds("u_min", u_min, nu);
  if (error.empty()) error = check_bounds("u_max", u_max, nu);
  if (error.empty()) error = check_order("x_min", x_min, "x_max", x_max);
  if (error.empty()) error = check_order("u_min", u_min, "u_max", u_max);
  const double inf = std::numeric_limits<double>::infinity();
  if (error.empty() && ((x_min.array() == inf).any() || (u_min.array() == inf).any()))
    error = "a lower bound is +inf";
  if (error.empty() && ((x_max.array() == -inf).any() || (u_max.array() == -inf).any()))
    error = "an upper bound is -inf";
  return error;
}

// ---------------------------------------------------------------------------------------------
// MpcQp: construction

MpcQp::MpcQp(const LinearMpc& mpc, MpcForm form) : form_(form) {
  const std::string error = mpc.validation_error();
  if (!error.empty()) throw std::invalid_argument("optlayer::MpcQp: " + error);
  mpc_ = mpc;
  nx_ = mpc.num_states();
  nu_ = mpc.num_inputs();
  N_ = mpc.horizon;
  plan_rows();
  x0_.setZero(nx_);
  ref_.setZero(nx_, N_);
  build();
}

void MpcQp::set_mpc(const LinearMpc& mpc) {
  const std::string error = mpc.validation_error();
  if (!error.empty()) throw std::invalid_argument("optlayer::MpcQp::set_mpc: " + error);
  const bool same_rows = finite_entries(mpc.x_max) == x_upper_ && finite_entries(mpc.x_min) == x_lower_ &&
                         finite_entries(mpc.u_max) == u_upper_ && finite_entries(mpc.u_min) == u_lower_;
  if (mpc.num_states() != nx_ || mpc.num_inputs() != nu_ || mpc.horizon != N_ || !same_rows)
    throw std::invalid_argument("optlayer::MpcQp::set_mpc: dimensions or bounds pattern changed");
  mpc_ = mpc;
  build();
}

void MpcQp::plan_rows() {
  x_upper_ = finite_entries(mpc_.x_max);
  x_lower_ = finite_entries(mpc_.x_min);
  u_upper_ = finite_entries(mpc_.u_max);
  u_lower_ = finite_entries(mpc_.u_min);
  rows_per_stage_ = static_cast<Eigen::Index>(x_upper_.size() + x_lower_.size() + u_upper_.size() + u_lower_.size());
}

void MpcQp::build() {
  const Eigen::Index N = N_;
  const Eigen::Index n = form_ == MpcForm::condensed ? N * nu_ : N * (nx_ + nu_);
  const Eigen::Index p = form_ == MpcForm::condensed ? 0 : N * nx_;
  P_.setZero(n, n);
  q_.setZero(n);
  G_.setZero(N * rows_per_stage_, n);
  h_.setZero(N * rows_per_stage_);
  A_.setZero(p, n);
  b_.setZero(p);
  free_states_.setZero(N * nx_);
  state_error_.setZero(N * nx_);
  weighted_error_.setZero(N * nx_);
  grad_y_.setZero(N * nx_);
  scratch_y_.setZero(N * nx_);
  if (form_ == MpcForm::condensed) build_condensed();
  else build_stagewise();
  build_constraint_rows();
  update_parameters();
}

// Powers A^0..A^N, Sx = [A; ..; A^N], Su(k, j) = A^(k-j) B, P = 2 (Su' Qbar Su + Rbar).
void MpcQp::build_condensed() {
  const Eigen::Index N = N_;
  powers_.setZero((N + 1) * nx_, nx_);
  powers_.topRows(nx_).setIdentity();
  for (Eigen::Index k = 1; k <= N; ++k)
    powers_.middleRows(k * nx_, nx_).noalias() = mpc_.A * powers_.middleRows((k - 1) * nx_, nx_);
  Sx_ = powers_.bottomRows(N * nx_);
  Su_.setZero(N * nx_, N * nu_);
  for (Eigen::Index k = 0; k < N; ++k)
    for (Eigen::Index j = 0; j <= k; ++j)
      Su_.block(k * nx_, j * nu_, nx_, nu_).noalias() = powers_.middleRows((k - j) * nx_, nx_) * mpc_.B;
  scratch_Su_.resize(N * nx_, N * nu_);
  for (int k = 0; k < N_; ++k)
    scratch_Su_.middleRows(k * nx_, nx_).noalias() = stage_weight(k) * Su_.middleRows(k * nx_, nx_);
  P_.noalias() = 2.0 * Su_.transpose() * scratch_Su_;
  for (Eigen::Index k = 0; k < N; ++k) P_.block(k * nu_, k * nu_, nu_, nu_) += 2.0 * mpc_.R;
  symmetrize(P_);
  grad_Su_.setZero(N * nx_, N * nu_);
  grad_powers_.setZero((N + 1) * nx_, nx_);
}

// Variables (x_1..x_N, u_0..u_{N-1}); dynamics rows x_{k+1} - A x_k - B u_k = (k == 0 ? A x_0 : 0).
void MpcQp::build_stagewise() {
  const Eigen::Index N = N_, Nx = N * nx_;
  for (Eigen::Index k = 0; k < N; ++k) {
    P_.block(k * nx_, k * nx_, nx_, nx_) = 2.0 * stage_weight(static_cast<int>(k));
    P_.block(Nx + k * nu_, Nx + k * nu_, nu_, nu_) = 2.0 * mpc_.R;
    A_.block(k * nx_, k * nx_, nx_, nx_).setIdentity();
    if (k > 0) A_.block(k * nx_, (k - 1) * nx_, nx_, nx_) = -mpc_.A;
    A_.block(k * nx_, Nx + k * nu_, nx_, nu_) = -mpc_.B;
  }
  symmetrize(P_);
}

// Stage k rows: [u_k <= u_max, -u_k <= -u_min, x_{k+1} <= x_max, -x_{k+1} <= -x_min].
// Input rows (and, stage-wise, state rows) have constant h; condensed state rows get theirs in update_parameters().
void MpcQp::build_constraint_rows() {
  const bool condensed = form_ == MpcForm::condensed;
  for (Eigen::Index k = 0; k < N_; ++k) {
    Eigen::Index row = k * rows_per_stage_;
    const Eigen::Index ucol = condensed ? k * nu_ : N_ * nx_ + k * nu_;
    for (Eigen::Index i : u_upper_) {
      G_(row, ucol + i) = 1.0;
      h_(row++) = mpc_.u_max(i);
    }
    for (Eigen::Index i : u_lower_) {
      G_(row, ucol + i) = -1.0;
      h_(row++) = -mpc_.u_min(i);
    }
    for (Eigen::Index i : x_upper_) {
      if (condensed) G_.row(row) = Su_.row(k * nx_ + i);
      else G_(row, k * nx_ + i) = 1.0;
      h_(row++) = mpc_.x_max(i);
    }
    for (Eigen::Index i : x_lower_) {
      if (condensed) G_.row(row) = -Su_.row(k * nx_ + i);
      else G_(row, k * nx_ + i) = -1.0;
      h_(row++) = -mpc_.x_min(i);
    }
  }
}

// out = Qbar v, stage by stage (Q for x_1..x_{N-1}, Qf for x_N).
void MpcQp::stage_weight_product(const VectorRef& v, Eigen::VectorXd& out) const {
  for (int k = 0; k < N_; ++k)
    out.segment(k * nx_, nx_).noalias() = stage_weight(k) * v.segment(k * nx_, nx_);
}

// The parts of the QP that depend on x_0 and the reference; allocation-free.
void MpcQp::update_parameters() {
  const Eigen::Map<const Eigen::VectorXd> r(ref_.data(), N_ * nx_);
  if (form_ == MpcForm::stagewise) {
    stage_weight_product(r, scratch_y_);
    q_.head(N_ * nx_) = -2.0 * scratch_y_;
    b_.head(nx_).noalias() = mpc_.A * x0_;
    return;
  }
  free_states_.noalias() = Sx_ * x0_;
  state_error_ = free_states_ - r;
  stage_weight_product(state_error_, weighted_error_);
  q_.noalias() = 2.0 * Su_.transpose() * weighted_error_;
  const Eigen::Index u_rows = static_cast<Eigen::Index>(u_upper_.size() + u_lower_.size());
  for (Eigen::Index k = 0; k < N_; ++k) {
    Eigen::Index row = k * rows_per_stage_ + u_rows;
    for (Eigen::Index i : x_upper_) h_(row++) = mpc_.x_max(i) - free_states_(k * nx_ + i);
    for (Eigen::Index i : x_lower_) h_(row++) = -mpc_.x_min(i) + free_states_(k * nx_ + i);
  }
}

bool MpcQp::set_initial_state(const VectorRef& x0) {
  if (x0.size() != nx_) return false;
  x0_ = x0;
  update_parameters();
  return true;
}

bool MpcQp::set_reference(const MatrixRef& x_ref) {
  if (x_ref.rows() != nx_ || (x_ref.cols() != 1 && x_ref.cols() != N_)) return false;
  if (x_ref.cols() == 1) ref_.colwise() = x_ref.col(0);
  else ref_ = x_ref;
  update_parameters();
  return true;
}

// ---------------------------------------------------------------------------------------------
// MpcQp: solution views and warm-start shift

bool MpcQp::trajectories(const VectorRef& z, Eigen::MatrixXd& U, Eigen::MatrixXd& X) const {
  if (z.size() != n() || U.rows() != nu_ || U.cols() != N_ || X.rows() != nx_ || X.cols() != N_) return false;
  Eigen::Map<Eigen::VectorXd> u(U.data(), N_ * nu_), x(X.data(), N_ * nx_);
  if (form_ == MpcForm::condensed) {
    u = z;
    x.noalias() = Sx_ * x0_;
    x.noalias() += Su_ * z;
  } else {
    x = z.head(N_ * nx_);
    u = z.tail(N_ * nu_);
  }
  return true;
}

bool MpcQp::cotangent(const MatrixRef& dl_dU, const MatrixRef& dl_dX, Eigen::VectorXd& dl_dz) const {
  const bool has_u = dl_dU.size() > 0, has_x = dl_dX.size() > 0;
  if (has_u && (dl_dU.rows() != nu_ || dl_dU.cols() != N_)) return false;
  if (has_x && (dl_dX.rows() != nx_ || dl_dX.cols() != N_)) return false;
  if (dl_dz.size() != n()) return false;
  dl_dz.setZero();
  const Eigen::Index u_offset = form_ == MpcForm::condensed ? 0 : N_ * nx_;
  for (Eigen::Index k = 0; k < N_; ++k) {
    if (has_u) dl_dz.segment(u_offset + k * nu_, nu_) = dl_dU.col(k);
    if (!has_x) continue;
    // Condensed: X = Sx x0 + Su U, so dL/dU picks up Su' dL/dX.
    if (form_ == MpcForm::condensed) dl_dz.noalias() += Su_.middleRows(k * nx_, nx_).transpose() * dl_dX.col(k);
    else dl_dz.segment(k * nx_, nx_) = dl_dX.col(k);
  }
  return true;
}

void MpcQp::shift(const VectorRef& z, const VectorRef& s, const VectorRef& lambda, const VectorRef& nu,
                  Eigen::VectorXd& z_out, Eigen::VectorXd& s_out, Eigen::VectorXd& lambda_out,
                  Eigen::VectorXd& nu_out) const {
  if (form_ == MpcForm::condensed) {
    shift_blocks(z, z_out, 0, nu_, N_);
  } else {
    shift_blocks(z, z_out, 0, nx_, N_);
    shift_blocks(z, z_out, N_ * nx_, nu_, N_);
    shift_blocks(nu, nu_out, 0, nx_, N_);
  }
  shift_blocks(s, s_out, 0, rows_per_stage_, N_);
  shift_blocks(lambda, lambda_out, 0, rows_per_stage_, N_);
}

// ---------------------------------------------------------------------------------------------
// MpcQp: chain rule

void MpcQp::backward(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX, MpcGradient& out) {
  out.A.setZero(nx_, nx_);
  out.B.setZero(nx_, nu_);
  out.Q.setZero(nx_, nx_);
  out.R.setZero(nu_, nu_);
  out.Qf.setZero(nx_, nx_);
  out.x0.setZero(nx_);
  out.x_ref.setZero(nx_, N_);
  for (Eigen::Index k = 0; k < N_; ++k) {
    const Eigen::Index u = (form_ == MpcForm::condensed ? 0 : N_ * nx_) + k * nu_;
    out.R += g.P.block(u, u, nu_, nu_);  // P holds 2R on each input block
  }
  out.R *= 2.0;
  if (form_ == MpcForm::condensed) backward_condensed(g, z, dl_dX, out);
  else backward_stagewise(g, out);
  symmetrize(out.Q);
  symmetrize(out.R);
  symmetrize(out.Qf);
}

// Condensed: P = 2 (Su'Qbar Su + Rbar), q = 2 Su'Qbar (y - r) with y = Sx x0, state rows of G are
// +-Su and of h are +-(bound - y); X = y + Su U adds the loss's direct dependence dl_dX.
// Accumulates dL/dSu in grad_Su_ and dL/dy in grad_y_, then maps them to x0, A and B.
void MpcQp::backward_condensed(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX, MpcGradient& out) {
  condensed_cost_gradient(g, out);
  condensed_constraint_gradient(g, z, dl_dX);
  out.x0.noalias() = Sx_.transpose() * grad_y_;
  model_gradient_from_powers(out);
}

// The terms through P and q: dL/dQbar_k = 2 (Su gP Su')_kk + 2 (Su gq)_k (y - r)_k',
// dL/dSu = 4 Qbar Su gP + 2 Qbar (y - r) gq', dL/dy = -dL/dr = 2 Qbar Su gq.
void MpcQp::condensed_cost_gradient(const QpGradient& g, MpcGradient& out) {
  scratch_Su_.noalias() = Su_ * g.P;
  grad_y_.noalias() = Su_ * g.q;  // Su gq for now
  for (int k = 0; k < N_; ++k) {
    Eigen::MatrixXd& W = k + 1 < N_ ? out.Q : out.Qf;
    W.noalias() += 2.0 * scratch_Su_.middleRows(k * nx_, nx_) * Su_.middleRows(k * nx_, nx_).transpose();
    W.noalias() += 2.0 * grad_y_.segment(k * nx_, nx_) * state_error_.segment(k * nx_, nx_).transpose();
    grad_Su_.middleRows(k * nx_, nx_).noalias() = 4.0 * stage_weight(k) * scratch_Su_.middleRows(k * nx_, nx_);
  }
  grad_Su_.noalias() += 2.0 * weighted_error_ * g.q.transpose();
  stage_weight_product(grad_y_, scratch_y_);
  grad_y_ = 2.0 * scratch_y_;
  out.x_ref = -Eigen::Map<const Eigen::MatrixXd>(grad_y_.data(), nx_, N_);
}

// The terms through the state rows of G (+-Su) and h (+-(bound - y)), and through X = y + Su U.
void MpcQp::condensed_constraint_gradient(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX) {
  const Eigen::Index u_rows = static_cast<Eigen::Index>(u_upper_.size() + u_lower_.size());
  for (Eigen::Index k = 0; k < N_; ++k) {
    Eigen::Index row = k * rows_per_stage_ + u_rows;
    for (Eigen::Index i : x_upper_) {
      grad_Su_.row(k * nx_ + i) += g.G.row(row);
      grad_y_(k * nx_ + i) -= g.h(row++);
    }
    for (Eigen::Index i : x_lower_) {
      grad_Su_.row(k * nx_ + i) -= g.G.row(row);
      grad_y_(k * nx_ + i) += g.h(row++);
    }
    if (dl_dX.size() > 0) {
      grad_Su_.middleRows(k * nx_, nx_).noalias() += dl_dX.col(k) * z.transpose();
      grad_y_.segment(k * nx_, nx_) += dl_dX.col(k);
    }
  }
}

// Su(k, j) = A^(k-j) B and Sx_k = A^(k+1): collect the gradient with respect to each power
// A^p, then run reverse mode through A^p = A A^(p-1).
void MpcQp::model_gradient_from_powers(MpcGradient& out) {
  grad_powers_.setZero();
  for (Eigen::Index k = 0; k < N_; ++k) {
    for (Eigen::Index j = 0; j <= k; ++j) {
      const auto block = grad_Su_.block(k * nx_, j * nu_, nx_, nu_);
      grad_powers_.middleRows((k - j) * nx_, nx_).noalias() += block * mpc_.B.transpose();
      out.B.noalias() += powers_.middleRows((k - j) * nx_, nx_).transpose() * block;
    }
    grad_powers_.middleRows((k + 1) * nx_, nx_).noalias() += grad_y_.segment(k * nx_, nx_) * x0_.transpose();
  }
  for (Eigen::Index p = N_; p >= 1; --p) {
    out.A.noalias() += grad_powers_.middleRows(p * nx_, nx_) * powers_.middleRows((p - 1) * nx_, nx_).transpose();
    grad_powers_.middleRows((p - 1) * nx_, nx_).noalias() +=
        mpc_.A.transpose() * grad_powers_.middleRows(p * nx_, nx_);
  }
}

// Stage-wise: P = 2 blkdiag(Qbar, Rbar), q_x = -2 Qbar r, dynamics blocks -A, -B and b_0 = A x0.
void MpcQp::backward_stagewise(const QpGradient& g, MpcGradient& out) {
  const Eigen::Index Nx = N_ * nx_;
  for (int k = 0; k < N_; ++k) {
    Eigen::MatrixXd& W = k + 1 < N_ ? out.Q : out.Qf;
    const auto gq_k = g.q.segment(k * nx_, nx_);
    W += 2.0 * g.P.block(k * nx_, k * nx_, nx_, nx_);
    W.noalias() -= 2.0 * gq_k * ref_.col(k).transpose();
    out.x_ref.col(k).noalias() = -2.0 * stage_weight(k) * gq_k;
    if (k > 0) out.A -= g.A.block(k * nx_, (k - 1) * nx_, nx_, nx_);
    out.B -= g.A.block(k * nx_, Nx + k * nu_, nx_, nu_);
  }
  const auto gb0 = g.b.head(nx_);
  out.A.noalias() += gb0 * x0_.transpose();
  out.x0.noalias() = mpc_.A.transpose() * gb0;
}

// ---------------------------------------------------------------------------------------------
// MpcLayer

namespace {

// The stage-wise form exists for a sparse factorization: automatic means sparse there
// (the solver's own size rule would pick the dense backend for short horizons, ~30x slower).
Settings layer_backend(const Settings& settings, MpcForm form) {
  Settings s = settings;
  if (form == MpcForm::stagewise && s.backend == Backend::automatic) s.backend = Backend::sparse;
  return s;
}

}  // namespace

Settings mpc_settings(MpcForm form) {
  Settings settings;
  settings.max_centrality_correctors = 0;
  settings.max_polish_rounds = 0;
  settings.search_certificates = false;  // auxiliary LPs allocate, and an MPC problem is feasible by design
  if (form == MpcForm::stagewise) settings.max_refinement_steps = 0;
  return settings;
}

MpcLayer::MpcLayer(const LinearMpc& mpc, MpcForm form, const Settings& settings)
    : qp_(mpc, form), solver_(qp_.n(), qp_.m(), qp_.p(), layer_backend(settings, form)) {
  const Eigen::Index n = qp_.n(), m = qp_.m(), p = qp_.p();
  U_.setZero(qp_.num_inputs(), qp_.horizon());
  X_.setZero(qp_.num_states(), qp_.horizon());
  dl_dz_.setZero(n);
  z_shift_.setZero(n);
  s_shift_.setZero(m);
  lambda_shift_.setZero(m);
  nu_shift_.setZero(p);
  // Sized up front so that the first backward allocates nothing either.
  qp_gradient_.resize(n, m, p);
}

void MpcLayer::set_mpc(const LinearMpc& mpc) {
  qp_.set_mpc(mpc);
  model_changed_ = true;
}

void MpcLayer::push_data_to_solver() {
  if (!data_given_ || model_changed_) {
    solver_.update_P(qp_.P());
    solver_.update_G(qp_.G());
    solver_.update_A(qp_.A());
    data_given_ = true;
    model_changed_ = false;
  }
  solver_.update_q(qp_.q());
  solver_.update_h(qp_.h());
  solver_.update_b(qp_.b());
}

void MpcLayer::prepare_warm_start() {
  const QpResult& r = solver_.result();
  qp_.shift(r.z, r.s, r.lambda, r.nu, z_shift_, s_shift_, lambda_shift_, nu_shift_);
  solver_.warm_start(z_shift_, s_shift_, lambda_shift_, nu_shift_);
}

Status MpcLayer::solve(const VectorRef& x0, const MatrixRef& x_ref) {
  if (x0.size() != qp_.num_states() || x_ref.rows() != qp_.num_states() ||
      (x_ref.cols() != 1 && x_ref.cols() != qp_.horizon())) {
    have_plan_ = false;
    return Status::invalid_input;
  }
  const bool warm = warm_start_ && have_plan_;
  if (warm) prepare_warm_start();
  qp_.set_initial_state(x0);
  qp_.set_reference(x_ref);
  if (!data_given_) {
    // The first solve hands the solver the whole problem (its data checks name the bad entry);
    // the stage-wise form goes as sparse matrices.
    if (qp_.form() == MpcForm::stagewise)
      solver_.solve(qp_.P_sparse(), qp_.q(), qp_.G_sparse(), qp_.h(), qp_.A_sparse(), qp_.b());
    else
      solver_.solve(qp_.P(), qp_.q(), qp_.G(), qp_.h(), qp_.A(), qp_.b());
    data_given_ = true;
    model_changed_ = false;
  } else {
    push_data_to_solver();
    solver_.solve();
  }
  const QpResult& r = solver_.result();
  have_plan_ = r.status == Status::solved;
  qp_.trajectories(r.z, U_, X_);
  return r.status;
}

bool MpcLayer::backward(const MatrixRef& dl_dU, const MatrixRef& dl_dX, MpcGradient& out) {
  if (solver_.result().status != Status::solved) return false;
  if (!qp_.cotangent(dl_dU, dl_dX, dl_dz_)) return false;
  if (!solver_.backward(dl_dz_, qp_gradient_)) return false;
  qp_.backward(qp_gradient_, solver_.result().z, dl_dX, out);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reference data

Eigen::MatrixXd discrete_riccati(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                 const Eigen::MatrixXd& R) {
  Eigen::MatrixXd X = Q;
  for (int iteration = 0; iteration < 100000; ++iteration) {
    const Eigen::MatrixXd BtX = B.transpose() * X;
    const Eigen::MatrixXd gain = (R + BtX * B).ldlt().solve(BtX * A);
    Eigen::MatrixXd next = Q + A.transpose() * X * A - (BtX * A).transpose() * gain;
    next = 0.5 * (next + next.transpose()).eval();
    const double change = (next - X).cwiseAbs().maxCoeff();
    X = next;
    if (!X.allFinite()) break;
    if (change <= 1e-12 * std::max(1.0, X.cwiseAbs().maxCoeff())) return X;
  }
  throw std::invalid_argument("optlayer::discrete_riccati: the iteration did not converge");
}

namespace {

// exp(M) by its Taylor series: exact here, since the hover model's augmented matrix is nilpotent.
Eigen::MatrixXd exp_series(const Eigen::MatrixXd& M) {
  Eigen::MatrixXd result = Eigen::MatrixXd::Identity(M.rows(), M.cols());
  Eigen::MatrixXd term = result;
  for (int k = 1; k <= 12; ++k) {
    term = (term * M / static_cast<double>(k)).eval();
    result += term;
  }
  return result;
}

}  // namespace

LinearMpc quadrotor_mpc(double dt, int horizon) {
  constexpr double mass = 1.0, gravity = 9.81;
  const Eigen::Vector3d inertia(0.02, 0.02, 0.04);
  // States: position 0-2, roll/pitch/yaw 3-5, velocity 6-8, body rates 9-11.
  // Small angles at hover: a pitch tilts thrust forward (+x), a roll sideways (-y).
  Eigen::MatrixXd Ac = Eigen::MatrixXd::Zero(12, 12), Bc = Eigen::MatrixXd::Zero(12, 4);
  Ac.block(0, 6, 3, 3).setIdentity();
  Ac.block(3, 9, 3, 3).setIdentity();
  Ac(6, 4) = gravity;
  Ac(7, 3) = -gravity;
  Bc(8, 0) = 1.0 / mass;
  for (int i = 0; i < 3; ++i) Bc(9 + i, 1 + i) = 1.0 / inertia(i);
  // Zero-order hold: exp([Ac Bc; 0 0] dt) = [Ad Bd; 0 I].
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(16, 16);
  M.topLeftCorner(12, 12) = Ac * dt;
  M.topRightCorner(12, 4) = Bc * dt;
  const Eigen::MatrixXd E = exp_series(M);

  LinearMpc mpc;
  mpc.A = E.topLeftCorner(12, 12);
  mpc.B = E.topRightCorner(12, 4);
  Eigen::VectorXd q(12), r(4);
  q << 10, 10, 10, 1, 1, 1, 1, 1, 1, 0.1, 0.1, 0.1;
  r << 0.1, 10, 10, 10;
  mpc.Q = q.asDiagonal();
  mpc.R = r.asDiagonal();
  mpc.Qf = discrete_riccati(mpc.A, mpc.B, mpc.Q, mpc.R);
  const double inf = std::numeric_limits<double>::infinity();
  mpc.x_max = Eigen::VectorXd::Constant(12, inf);
  mpc.x_max.segment(3, 2).setConstant(0.3);  // roll and pitch, rad
  mpc.x_max.segment(6, 3).setConstant(1.0);  // velocity, m/s
  mpc.x_min = -mpc.x_max;
  mpc.u_max = Eigen::Vector4d(0.5 * mass * gravity, 0.1, 0.1, 0.05);  // thrust N, torques N m
  mpc.u_min = -mpc.u_max;
  mpc.horizon = horizon;
  return mpc;
}

}  // namespace optlayer
