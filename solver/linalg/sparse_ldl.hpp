#pragma once
// Sparse LDL' factorization of a symmetric matrix given by its upper triangle, in the order given
// (the caller applies the fill-reducing permutation). Up-looking: row k of L solves
// L(0:k, 0:k) D l = A(0:k, k). The symbolic analysis (elimination tree, pattern of L, and for
// every row the columns that update it, in the order they are applied) is done once per pattern;
// the numeric factorization then only replays that list: no tree walks, no allocation.
//
// The update order is the topological order Davis' LDL (and Eigen's SimplicialLDLT) derive from
// the elimination tree each time, so the round-off is the same as theirs.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <vector>

namespace optlayer {

class SparseLdl {
 public:
  using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

  /// Symbolic analysis of the square matrix whose upper triangle is `upper` (column-compressed;
  /// entries below the diagonal are ignored). Allocates L.
  void analyze(const SparseMatrix& upper);
  /// Numeric factorization of a matrix with the analyzed pattern. False on a zero or non-finite
  /// pivot (the factor is then unusable). No allocation.
  bool factorize(const SparseMatrix& upper);
  /// x = (L D L')^-1 x. No allocation.
  void solve_in_place(Eigen::Ref<Eigen::VectorXd> x) const;

  const Eigen::VectorXd& diagonal() const { return d_; }
  /// Stored entries of the strictly lower triangle of L.
  Eigen::Index factor_nonzeros() const { return static_cast<Eigen::Index>(row_index_.size()); }

 private:
  void count_column_entries(const SparseMatrix& upper, std::vector<int>& parent, std::vector<int>& tags);
  void record_row_updates(const SparseMatrix& upper, const std::vector<int>& parent, std::vector<int>& tags);

  int size_ = 0;
  std::vector<int> column_start_;  // L's columns: entries [column_start_[j], column_start_[j + 1])
  std::vector<int> row_index_;     // row of each entry of L (filled by analyze)
  std::vector<double> values_;     // value of each entry of L (filled by factorize)
  // Row k of L: entries [row_start_[k], row_start_[k + 1]) of update_column_ (the column i with
  // L(k, i) != 0, in update order) and update_position_ (where L(k, i) is stored).
  std::vector<int> row_start_, update_column_, update_position_;
  Eigen::VectorXd d_;
  Eigen::VectorXd work_;  // the dense row being eliminated; all zero between rows
};

/// The fill-reducing (AMD, Eigen's) ordering of the symmetric matrix whose lower triangle is
/// `lower`, as the permutation taking row and column k to perm.indices()[k] (the form
/// permuted_upper_pattern takes). Allocates.
Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> amd_permutation(const SparseLdl::SparseMatrix& lower);

/// The pattern of the upper triangle of perm M perm' (values not set), for the lower triangle
/// `lower` of a symmetric M and a permutation taking row and column k of M to perm[k]; and, for
/// each stored entry t of `lower`, the index position[t] of its value in `upper`. Column by column
/// of `lower`, each entry is appended to its permuted column (a counting sort), so the entries of
/// a column of `upper` are not sorted; SparseLdl does not need them sorted.
void permuted_upper_pattern(const SparseLdl::SparseMatrix& lower, const int* perm, SparseLdl::SparseMatrix& upper,
                            std::vector<int>& position);

}  // namespace optlayer
