#pragma once
// Linear model predictive control (MPC) as a differentiable QP layer.
//
//   minimize    sum_{k=1}^{N-1} (x_k - r_k)'Q(x_k - r_k) + (x_N - r_N)'Qf(x_N - r_N) + sum_{k=0}^{N-1} u_k'R u_k
//   subject to  x_{k+1} = A x_k + B u_k             (k = 0..N-1, x_0 given)
//               x_min <= x_k <= x_max (k = 1..N),    u_min <= u_k <= u_max (k = 0..N-1)
//
// Two QP forms of the same problem:
//  - condensed: variables U = (u_0, ..., u_{N-1}); the states are eliminated,
//    X = Sx x_0 + Su U, so P is dense (N nu x N nu) and there are no equalities;
//  - stage-wise: variables (x_1, ..., x_N, u_0, ..., u_{N-1}) with the dynamics as
//    N nx equalities; P, G and A are block sparse (built dense here; the sparse
//    matrices are available through the *_sparse() accessors for a sparse backend).
// Constraint rows are ordered stage by stage, [u_k <= u_max, -u_k <= -u_min,
// x_{k+1} <= x_max, -x_{k+1} <= -x_min], with a row only for each finite bound, so a
// solution shifts by one stage with a block shift (receding-horizon warm starts).
// Gradients with respect to (A, B, Q, R, Qf, x_0, r) follow from the QP gradient by
// the chain rule (MpcQp::backward, MpcLayer::backward).

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <string>
#include <vector>

#include "optlayer/qp_solver.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// Model, weights, limits and horizon of a linear MPC (see the file comment for the problem).
struct LinearMpc {
  Eigen::MatrixXd A;   ///< dynamics, nx x nx
  Eigen::MatrixXd B;   ///< input matrix, nx x nu
  Eigen::MatrixXd Q;   ///< stage state weight (symmetric positive semidefinite), nx x nx
  Eigen::MatrixXd R;   ///< input weight (symmetric positive semidefinite), nu x nu
  Eigen::MatrixXd Qf;  ///< terminal state weight, nx x nx
  /// Box limits; an infinite entry adds no constraint row. Empty means unbounded.
  ///@{
  Eigen::VectorXd x_min, x_max, u_min, u_max;
  ///@}
  int horizon = 10;  ///< N >= 1

  /// nx and nu.
  ///@{
  Eigen::Index num_states() const { return A.rows(); }
  Eigen::Index num_inputs() const { return B.cols(); }
  ///@}
  /// Empty when the data are consistent, otherwise a message naming the bad field.
  std::string validation_error() const;
};

/// Which QP form an MPC is written in.
enum class MpcForm { condensed, stagewise };

/// Gradient of a loss with respect to the MPC data and parameters (shapes as in LinearMpc;
/// x_ref is nx x N, column k - 1 for x_k). The Q, R and Qf gradients are symmetric: the
/// gradient along symmetric perturbations.
struct MpcGradient {
  /// dL/dA, dL/dB, dL/dQ, dL/dR, dL/dQf.
  ///@{
  Eigen::MatrixXd A, B, Q, R, Qf;
  ///@}
  Eigen::VectorXd x0;     ///< dL/dx_0
  Eigen::MatrixXd x_ref;  ///< dL/d(reference), nx x N
};

/// The QP data of one MPC in one form, with in-place (allocation-free) updates of the
/// initial state and the reference, solution views, and the chain rule back to the MPC data.
class MpcQp {
 public:
  using VectorRef = Eigen::Ref<const Eigen::VectorXd>;  ///< vector input, taken without a copy
  using MatrixRef = Eigen::Ref<const Eigen::MatrixXd>;  ///< matrix input, taken without a copy

  /// Builds the QP for x_0 = 0 and reference 0. Throws std::invalid_argument when
  /// mpc.validation_error() is not empty.
  MpcQp(const LinearMpc& mpc, MpcForm form);

  /// Replaces model, weights and limits with data of the same dimensions and the same finite
  /// bounds pattern (keeps x_0 and the reference). Throws std::invalid_argument otherwise.
  void set_mpc(const LinearMpc& mpc);
  /// Sets x_0; updates q, h (condensed) or b (stage-wise) in place. Returns false on a wrong size.
  bool set_initial_state(const VectorRef& x0);
  /// Sets the reference: nx x 1 (a set point for every stage) or nx x N. Returns false on a wrong size.
  bool set_reference(const MatrixRef& x_ref);

  /// The MPC data, the form, and nx, nu, N.
  ///@{
  const LinearMpc& mpc() const { return mpc_; }
  MpcForm form() const { return form_; }
  Eigen::Index num_states() const { return nx_; }
  Eigen::Index num_inputs() const { return nu_; }
  int horizon() const { return N_; }
  ///@}
  /// QP dimensions: variables, inequalities, equalities.
  ///@{
  Eigen::Index n() const { return P_.rows(); }
  Eigen::Index m() const { return G_.rows(); }
  Eigen::Index p() const { return A_.rows(); }
  ///@}
  /// Constraint rows per stage (the block a receding-horizon shift moves by).
  Eigen::Index rows_per_stage() const { return rows_per_stage_; }

  /// QP data: minimize 1/2 z'Pz + q'z s.t. Gz <= h, Az = b.
  ///@{
  const Eigen::MatrixXd& P() const { return P_; }
  const Eigen::VectorXd& q() const { return q_; }
  const Eigen::MatrixXd& G() const { return G_; }
  const Eigen::VectorXd& h() const { return h_; }
  const Eigen::MatrixXd& A() const { return A_; }
  const Eigen::VectorXd& b() const { return b_; }
  ///@}
  /// Sparse copies of P, G, A (allocate; meant for a sparse backend's setup, not for the loop).
  ///@{
  Eigen::SparseMatrix<double> P_sparse() const { return P_.sparseView(); }
  Eigen::SparseMatrix<double> G_sparse() const { return G_.sparseView(); }
  Eigen::SparseMatrix<double> A_sparse() const { return A_.sparseView(); }
  ///@}

  /// Inputs U (nu x N, column k = u_k) and states X (nx x N, column k = x_{k+1}) of a QP point z.
  /// The outputs must already have those shapes (no allocation); returns false otherwise.
  bool trajectories(const VectorRef& z, Eigen::MatrixXd& U, Eigen::MatrixXd& X) const;
  /// QP cotangent dL/dz from dL/dU and dL/dX (either may be empty for zero), into dl_dz (size n).
  bool cotangent(const MatrixRef& dl_dU, const MatrixRef& dl_dX, Eigen::VectorXd& dl_dz) const;
  /// Shifts a QP primal-dual point by one stage (stage k takes stage k + 1; the last stage is
  /// repeated): a receding-horizon warm start. Outputs must be sized like the inputs.
  void shift(const VectorRef& z, const VectorRef& s, const VectorRef& lambda, const VectorRef& nu,
             Eigen::VectorXd& z_out, Eigen::VectorXd& s_out, Eigen::VectorXd& lambda_out,
             Eigen::VectorXd& nu_out) const;

  /// Chain rule: the gradient with respect to the MPC data from the gradient `g` of the QP this
  /// object holds, at the QP solution z, plus the loss's direct dependence dl_dX on the predicted
  /// states (condensed form only; empty for none; the stage-wise form carries it in dL/dz).
  void backward(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX, MpcGradient& out);

 private:
  void plan_rows();
  void build();
  void build_condensed();
  void build_stagewise();
  void build_constraint_rows();
  void update_parameters();
  void stage_weight_product(const VectorRef& v, Eigen::VectorXd& out) const;
  const Eigen::MatrixXd& stage_weight(int k) const { return k + 1 < N_ ? mpc_.Q : mpc_.Qf; }
  void backward_condensed(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX, MpcGradient& out);
  void condensed_cost_gradient(const QpGradient& g, MpcGradient& out);
  void condensed_constraint_gradient(const QpGradient& g, const VectorRef& z, const MatrixRef& dl_dX);
  void backward_stagewise(const QpGradient& g, MpcGradient& out);
  void model_gradient_from_powers(MpcGradient& out);

  LinearMpc mpc_;
  MpcForm form_;
  Eigen::Index nx_ = 0, nu_ = 0;
  int N_ = 0;
  // Indices of finite bounds and the constraint rows of one stage.
  std::vector<Eigen::Index> x_upper_, x_lower_, u_upper_, u_lower_;
  Eigen::Index rows_per_stage_ = 0;

  Eigen::MatrixXd P_, G_, A_;
  Eigen::VectorXd q_, h_, b_;
  Eigen::VectorXd x0_;
  Eigen::MatrixXd ref_;  // nx x N

  // Condensed form: X = Sx x0 + Su U; powers_ stacks A^0 .. A^N.
  Eigen::MatrixXd Sx_, Su_, powers_;
  Eigen::VectorXd free_states_, state_error_, weighted_error_;  // y = Sx x0, y - r, Qbar (y - r)
  // Backward scratch.
  Eigen::MatrixXd grad_Su_, grad_powers_, scratch_Su_;
  Eigen::VectorXd grad_y_, scratch_y_;
};

/// Settings for MPC QPs: the defaults without Gondzio centrality correctors. On the quadrotor
/// MPC two correctors per iteration saved 0.3% of the iterations and cost 13% (condensed) to 18%
/// (stage-wise) more time, because one factorization of these small, well-conditioned systems
/// costs only about eight solves. (On the Maros-Meszaros set they save 9% of the iterations
/// and keep a few degenerate problems converging, so the general default keeps them.)
///
/// For the stage-wise form also no iterative refinement of the Newton directions
/// (max_refinement_steps = 0): on the quadrotor MPC the refinement step each direction took cost
/// 20% of the instructions and changed no iteration count (6.60 against 6.59 per solve over a
/// 100-step flight). Accuracy does not depend on it: a solve still ends only when the residuals
/// of the iterate itself meet eps_abs / eps_rel, and the backward pass still refines to round-off.
/// The condensed form keeps refinement: its dense backend measures the error of its reduced
/// (Cholesky) solves to decide when to switch to the full LDL'.
/// Both forms turn active-set polishing off (max_polish_rounds = 0): a controller budgets a solve
/// by max_iter, and polishing after the limit could add 20 factorizations to the worst case. They
/// turn the certificate search off too (search_certificates = false): its two LPs allocate and
/// would add their own iterations to a failed step.
Settings mpc_settings(MpcForm form = MpcForm::condensed);

/// An MPC in one form with its own QpSolver: solve for (x_0, reference) in a control loop
/// (allocation-free after the first solve), optionally warm-started from the previous solution
/// shifted by one stage, and differentiate the plan with respect to the MPC data.
class MpcLayer {
 public:
  using VectorRef = MpcQp::VectorRef;  ///< vector input, taken without a copy
  using MatrixRef = MpcQp::MatrixRef;  ///< matrix input, taken without a copy

  /// Throws std::invalid_argument for invalid MPC data or settings. With Backend::automatic the
  /// stage-wise form runs on the sparse backend (it is block sparse by construction), the condensed on the dense one.
  MpcLayer(const LinearMpc& mpc, MpcForm form, const Settings& settings);
  /// The same with mpc_settings(form).
  MpcLayer(const LinearMpc& mpc, MpcForm form) : MpcLayer(mpc, form, mpc_settings(form)) {}

  /// Replaces model, weights and limits (same dimensions and bounds pattern); the next solve uses them.
  void set_mpc(const LinearMpc& mpc);
  /// Warm-start each solve from the previous solved plan shifted by one stage (off by default).
  void set_warm_start(bool enabled) { warm_start_ = enabled; }
  /// Whether solves are warm-started.
  bool warm_start() const { return warm_start_; }

  /// Plans from x_0 towards the reference (nx x 1 set point or nx x N). Never throws; wrong
  /// sizes give Status::invalid_input.
  Status solve(const VectorRef& x0, const MatrixRef& x_ref);

  /// Planned inputs (nu x N, column k = u_k) and states (nx x N, column k = x_{k+1}) of the last solve.
  ///@{
  const Eigen::MatrixXd& inputs() const { return U_; }
  const Eigen::MatrixXd& states() const { return X_; }
  ///@}

  /// Gradient of a loss L(U, X) with respect to the MPC data, given dL/dU and dL/dX (same shapes as
  /// inputs() and states(); either may be empty for zero). Requires the last solve to be solved;
  /// returns false otherwise or on wrong sizes. Reuses the solver's kept factorization.
  bool backward(const MatrixRef& dl_dU, const MatrixRef& dl_dX, MpcGradient& out);

  /// The QP data and the solver (its result(), settings and statistics).
  ///@{
  const MpcQp& qp() const { return qp_; }
  const QpSolver& solver() const { return solver_; }
  QpSolver& solver() { return solver_; }
  ///@}

 private:
  void push_data_to_solver();
  void prepare_warm_start();

  MpcQp qp_;
  QpSolver solver_;
  bool warm_start_ = false;
  bool data_given_ = false;  // the solver holds P, G, A (only q, h, b change per step)
  bool model_changed_ = false;
  bool have_plan_ = false;   // the last solve was solved: a shift of it is a usable warm start
  Eigen::MatrixXd U_, X_;
  Eigen::VectorXd dl_dz_, z_shift_, s_shift_, lambda_shift_, nu_shift_;
  QpGradient qp_gradient_;
};

/// Solution of the discrete algebraic Riccati equation (the infinite-horizon LQR cost-to-go),
/// by fixed-point iteration: a terminal weight Qf that makes a short horizon act like an infinite one.
/// Throws std::invalid_argument when the iteration does not converge (e.g. (A, B) not stabilizable).
Eigen::MatrixXd discrete_riccati(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                 const Eigen::MatrixXd& R);

/// A 12-state quadrotor linearized at hover (states: position, roll/pitch/yaw, velocity, body rates;
/// inputs: thrust and three torques relative to hover), discretized exactly (zero-order hold) with
/// step dt, with limits on roll and pitch, velocities and inputs, and the Riccati terminal weight.
/// The reference problem of examples/quadrotor_mpc.cpp, bench/bench_mpc.cpp and the tests.
LinearMpc quadrotor_mpc(double dt = 0.1, int horizon = 10);

}  // namespace optlayer
