#pragma once
// Sparse KKT backend: one LDL' of the whole quasi-definite matrix
//     [ P + rho I     G'              A'      ]
//     [ G            -(W + delta I)   0       ]
//     [ A             0              -delta I ]
// with a fill-reducing (AMD) ordering and a symbolic analysis computed once per sparsity
// pattern, and a numeric refactorization (SparseLdl) each iteration, when only the diagonal
// changes. prepare() copies the values into the permuted matrix through a map kept with the
// analysis, and the iterations only rewrite its diagonal. Once a pattern is analyzed, prepare(),
// factor() and solve() allocate nothing. Solves refine against the exact K (rho = delta = 0),
// like the dense backend.

#include <Eigen/Core>
#include <Eigen/OrderingMethods>
#include <Eigen/SparseCore>
#include <vector>

#include "optlayer/settings.hpp"
#include "solver/linalg/kkt_refinement.hpp"
#include "solver/linalg/matrix_ops.hpp"
#include "solver/linalg/sparse_ldl.hpp"

namespace optlayer {

class SparseKkt {
 public:
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// Points the backend at the (scaled) data and builds the KKT pattern; the symbolic
  /// analysis is redone only when the pattern differs from the previous one.
  void prepare(const SparseMatrix& P, const SparseMatrix& G, const SparseMatrix& A,
               KktMethod method = KktMethod::automatic);
  /// Sets the diagonal for weights w and refactors (inequality block: delta_inequality, or delta
  /// when negative). False when the factorization fails.
  bool factor(const Eigen::VectorXd& w, double rho, double delta, double delta_inequality = -1.0);
  /// Solves K x = rhs by refinement until the block-relative residual is below `tolerance`;
  /// returns it. With max_refinement_steps = 0, one solve with the regularized factorization,
  /// not measured (returns NaN).
  double solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps,
               bool allow_refactor = true, double tolerance = KktRefinement::kRefinedEnough);
  /// out = K x (exact, with the weights of the last factor()).
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const;
  /// x = K_reg^-1 rhs with the current factorization (no refinement).
  void solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const;
  long factorizations() const { return factorizations_; }
  /// Symbolic analyses performed (one per distinct sparsity pattern).
  long analyses() const { return analyses_; }

 private:
  void build_pattern();
  void analyze();
  void build_permuted_pattern();
  void permute_values();

  Eigen::Index n_ = 0, m_ = 0, p_ = 0;
  const SparseMatrix* P_ = nullptr;
  const SparseMatrix* G_ = nullptr;
  const SparseMatrix* A_ = nullptr;
  SparseMatrix K_;                     // lower triangle of the regularized KKT matrix
  std::vector<int> diagonal_position_;  // index into K_'s values of each diagonal entry
  Eigen::VectorXd P_diagonal_;
  SparseMatrix analyzed_pattern_;  // K_ at the last analysis (its pattern is what counts)
  // The fill-reducing permutation (K_permuted_ = perm_ K perm_'), the upper triangle of the
  // permuted matrix that is factored, the index into its values of each of K's values, and of
  // each of K's diagonal entries.
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> perm_;
  SparseMatrix K_permuted_;
  std::vector<int> permuted_position_;
  std::vector<int> permuted_diagonal_position_;
  mutable Eigen::VectorXd permuted_x_;
  SparseLdl ldl_;
  bool analyzed_ = false;
  KktRefinement refinement_;
  Eigen::VectorXd w_;
  long factorizations_ = 0;
  long analyses_ = 0;
};

}  // namespace optlayer
