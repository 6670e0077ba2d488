// The sparse convexity test of ConvexityCheck (solver/linalg/matrix_ops.hpp).

#include "solver/linalg/matrix_ops.hpp"

namespace optlayer {

// Once per pattern of P: the lower triangle with all diagonal entries (tau needs a slot on
// each), the AMD ordering of its symmetric pattern, the permuted upper triangle and its analysis.
void ConvexityCheck::analyze_sparse(const SparseMatrix& P) {
  const Eigen::Index n = P.rows();
  lower_.resize(n, n);
  lower_.reserve(P.nonZeros() + n);
  lower_position_.assign(static_cast<std::size_t>(P.nonZeros()), -1);
  diagonal_position_.assign(static_cast<std::size_t>(n), -1);
  for (Eigen::Index j = 0; j < n; ++j) {
    lower_.startVec(j);
    diagonal_position_[static_cast<std::size_t>(j)] = static_cast<int>(lower_.data().size());
    lower_.insertBack(j, j) = 0.0;
    for (SparseMatrix::InnerIterator it(P, j); it; ++it) {
      const auto t = static_cast<std::size_t>(&it.value() - P.valuePtr());
      if (it.row() == j) {
        lower_position_[t] = diagonal_position_[static_cast<std::size_t>(j)];
      } else if (it.row() > j) {
        lower_position_[t] = static_cast<int>(lower_.data().size());
        lower_.insertBack(it.row(), j) = 0.0;
      }
    }
  }
  lower_.finalize();
  permuted_upper_pattern(lower_, amd_permutation(lower_).indices().data(), permuted_, permuted_position_);
  ldl_.analyze(permuted_);
  analyzed_pattern_ = P;
}

bool ConvexityCheck::positive_semidefinite(const SparseMatrix& P, double tau) {
  if (!(P.isCompressed() && analyzed_pattern_.isCompressed() && same_pattern(P, analyzed_pattern_))) {
    SparseMatrix compressed = P;
    compressed.makeCompressed();
    analyze_sparse(compressed);
    return positive_semidefinite(compressed, tau);
  }
  double* lower = lower_.valuePtr();
  std::fill(lower, lower + lower_.nonZeros(), 0.0);
  for (std::size_t t = 0; t < lower_position_.size(); ++t)
    if (lower_position_[t] >= 0) lower[lower_position_[t]] += P.valuePtr()[t];
  for (const int d : diagonal_position_) lower[d] += tau;
  double* permuted = permuted_.valuePtr();
  for (std::size_t t = 0; t < permuted_position_.size(); ++t) permuted[permuted_position_[t]] = lower[t];
  return ldl_.factorize(permuted_) && (ldl_.diagonal().array() > 0.0).all();
}

bool ConvexityCheck::positive_semidefinite_on_null_space(const SparseMatrix& P, const SparseMatrix& A, double tau,
                                                         double delta) {
  const Eigen::Index n = P.rows(), p = A.rows();
  std::vector<Eigen::Triplet<double, int>> entries;
  entries.reserve(static_cast<std::size_t>(P.nonZeros() + A.nonZeros() + n + p));
  for (Eigen::Index j = 0; j < n; ++j) {
    entries.emplace_back(static_cast<int>(j), static_cast<int>(j), tau);
    for (SparseMatrix::InnerIterator it(P, j); it; ++it)
      if (it.row() >= j) entries.emplace_back(static_cast<int>(it.row()), static_cast<int>(j), it.value());
  }
  for (Eigen::Index j = 0; j < A.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(A, j); it; ++it)
      entries.emplace_back(static_cast<int>(n + it.row()), static_cast<int>(j), it.value());
  for (Eigen::Index i = 0; i < p; ++i) entries.emplace_back(static_cast<int>(n + i), static_cast<int>(n + i), -delta);
  SparseMatrix lower(n + p, n + p);
  lower.setFromTriplets(entries.begin(), entries.end());
  SparseMatrix upper;
  std::vector<int> position;
  permuted_upper_pattern(lower, amd_permutation(lower).indices().data(), upper, position);
  for (std::size_t t = 0; t < position.size(); ++t) upper.valuePtr()[position[t]] = lower.valuePtr()[t];
  SparseLdl ldl;
  ldl.analyze(upper);
  if (!ldl.factorize(upper)) return false;
  const Eigen::Index positive = (ldl.diagonal().array() > 0.0).count();
  const Eigen::Index negative = (ldl.diagonal().array() < 0.0).count();
  return positive == n && negative == p;
}

}  // namespace optlayer
