#pragma once
// Dense KKT backend of the interior-point method.
//
// The Newton system at weights w = s ./ lambda is
//     [ P   G'  A' ] [x1]   [r1]
//     [ G  -W   0  ] [x2] = [r2]        (K, exact)
//     [ A   0   0  ] [x3]   [r3]
// It is factored with primal regularization rho and dual regularization delta
// (P + rho I, -W - delta I and -delta I on the diagonal blocks), in one of two ways:
//  - reduced: eliminate x2 and x3 and take one Cholesky of the n x n matrix
//        H = P + rho I + G' (W + delta I)^-1 G + A'A / delta.
//    Fast (n^3/3 after forming H), but H's conditioning grows like 1/delta and
//    like the spread of W, so late in a hard solve its solutions lose accuracy;
//  - full: a pivoted LDL' of the whole (n + m + p) quasi-definite matrix. Slower,
//    but it never forms the badly scaled products.
// In automatic mode the backend starts reduced and switches to full for the rest
// of the solve as soon as a refined solution misses the accuracy target.
// Every solve refines iteratively against the exact K, so the regularization costs
// no accuracy where K is nonsingular and keeps solutions bounded where it is not.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <optional>
#include <vector>

#include "optlayer/settings.hpp"
#include "solver/linalg/kkt_refinement.hpp"

namespace optlayer {

class DenseKkt {
 public:
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// Points the backend at the (scaled) data, precomputes A'A and resets the method
  /// to `method` (automatic starts reduced). The data must outlive the backend's use.
  /// `g_fixed`: G keeps its values until the next prepare (a QP), so its single-entry rows can
  /// be found once and added to the reduced matrix as a diagonal.
  void prepare(const Eigen::MatrixXd& P, const Eigen::MatrixXd& G, const Eigen::MatrixXd& A,
               KktMethod method = KktMethod::automatic, bool g_fixed = false);
  /// Largest refined residual of a reduced-form solve that automatic mode accepts before it
  /// switches to the full form (default 1e-11). Callers that need less accuracy (a QP solved
  /// to eps_abs) raise it: the full LDL' costs far more than the reduced Cholesky.
  void set_reduced_accuracy_target(double target) { reduced_accuracy_target_ = target; }
  /// Forms and factors the regularized system for weights w (> 0); the inequality block gets
  /// delta_inequality (negative: delta), the equality block delta. Returns false when
  /// the factorization failed (not quasi-definite to working precision).
  bool factor(const Eigen::VectorXd& w, double rho, double delta, double delta_inequality = -1.0);
  /// Solves K x = rhs (stacked n + m + p) by refinement on the factorization, until the residual,
  /// block by block relative to 1 + ||rhs block||, is below `tolerance`; returns it. In automatic mode
  /// a reduced solve that misses the target refactors in full form and solves again, unless
  /// `allow_refactor` is false (derivative solves must not add a factorization).
  double solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps,
               bool allow_refactor = true, double tolerance = KktRefinement::kRefinedEnough);
  /// out = K x with the weights of the last factor().
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const;
  /// Factorizations performed since resize().
  long factorizations() const { return factorizations_; }
  /// True once the backend uses the full LDL' form.
  bool using_full_form() const { return full_; }
  /// x = K_reg^-1 rhs with the current factorization (no refinement).
  void solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const;

 private:
  bool factor_reduced();
  bool factor_full();
  void classify_rows(bool g_fixed);
  void copy_general_rows_in_blocks();
  void add_general_rank_update();
  // out = G x and out += G' y, with bound rows as scalar products.
  void multiply_G(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> out) const;
  void add_G_transpose(const Eigen::Ref<const Eigen::VectorXd>& y, Eigen::Ref<Eigen::VectorXd> out) const;

  Eigen::Index n_ = 0, m_ = 0, p_ = 0;
  double reduced_accuracy_target_ = 1e-11;
  const Eigen::MatrixXd* P_ = nullptr;
  const Eigen::MatrixXd* G_ = nullptr;
  const Eigen::MatrixXd* A_ = nullptr;
  KktMethod method_ = KktMethod::automatic;
  bool full_ = false;
  long factorizations_ = 0;
  // Reduced form.
  Eigen::MatrixXd H_, AtA_, Gw_;  // H_'s lower triangle holds its Cholesky factor after factor()
  // Rows of G with one nonzero (row, column, value), found by prepare(): every product takes
  // them in O(1), and the reduced matrix as a diagonal.
  std::vector<Eigen::Index> bound_rows_, bound_columns_;
  Eigen::VectorXd bound_values_;
  Eigen::Index num_bounds_ = 0;
  // The other rows, general_rows_ of G, stored contiguously in general_ (a copy of them when G is
  // fixed, G itself otherwise) so that products with them are plain matrix-vector products.
  std::vector<Eigen::Index> general_rows_;
  Eigen::Index num_general_ = 0;
  Eigen::MatrixXd G_general_;
  const Eigen::MatrixXd* general_ = nullptr;
  mutable Eigen::VectorXd tmp_general_;
  // The copy is sorted by last nonzero column and cut into blocks of rows that are zero past
  // the block's `cols` columns: products and the rank update skip those zeros. (In a condensed
  // MPC the state at stage k depends on the first k inputs only: 2.7x fewer multiplications.)
  struct RowBlock {
    Eigen::Index begin, rows, cols;
  };
  std::vector<RowBlock> blocks_;
  Eigen::Index num_blocks_ = 0;
  std::vector<Eigen::Index> last_column_, column_count_, sorted_rows_;  // counting-sort scratch
  // Full form.
  Eigen::MatrixXd K_;
  std::optional<Eigen::LDLT<Eigen::MatrixXd>> ldlt_;  // sized in resize()
  Eigen::VectorXd w_, inv_w_reg_, sqrt_inv_w_reg_;
  KktRefinement refinement_;
  mutable Eigen::VectorXd tmp_m_, tmp_p_;
  double rho_ = 0.0, delta_ = 0.0, di_ = 0.0;
};

}  // namespace optlayer
