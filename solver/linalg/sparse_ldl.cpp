#include "solver/linalg/sparse_ldl.hpp"

#include <Eigen/OrderingMethods>

#include <algorithm>
#include <cmath>

namespace optlayer {

void SparseLdl::analyze(const SparseMatrix& upper) {
  size_ = static_cast<int>(upper.cols());
  std::vector<int> parent(static_cast<std::size_t>(size_), -1), tags(static_cast<std::size_t>(size_), -1);
  count_column_entries(upper, parent, tags);
  record_row_updates(upper, parent, tags);
  values_.assign(row_index_.size(), 0.0);
  d_.setZero(size_);
  work_.setZero(size_);
}

// Elimination tree and the number of entries of each column of L: row k of L reaches, from each
// entry A(i, k), i < k, up the tree until a node already visited for this row.
void SparseLdl::count_column_entries(const SparseMatrix& upper, std::vector<int>& parent, std::vector<int>& tags) {
  std::vector<int> count(static_cast<std::size_t>(size_), 0);
  for (int k = 0; k < size_; ++k) {
    tags[k] = k;
    for (SparseMatrix::InnerIterator it(upper, k); it; ++it) {
      for (int i = static_cast<int>(it.index()); i < k && tags[i] != k; i = parent[i]) {
        if (parent[i] == -1) parent[i] = k;
        ++count[i];
        tags[i] = k;
      }
    }
  }
  column_start_.assign(static_cast<std::size_t>(size_) + 1, 0);
  for (int j = 0; j < size_; ++j) column_start_[j + 1] = column_start_[j] + count[j];
}

// For each row k, the columns i with L(k, i) != 0 in topological order (a column is applied only
// after every column that updates it): the tree paths from the entries of A(:, k), each path
// pushed as a block in front of the earlier ones.
void SparseLdl::record_row_updates(const SparseMatrix& upper, const std::vector<int>& parent, std::vector<int>& tags) {
  const auto nonzeros = static_cast<std::size_t>(column_start_[size_]);
  row_index_.assign(nonzeros, 0);
  update_column_.assign(nonzeros, 0);
  update_position_.assign(nonzeros, 0);
  row_start_.assign(static_cast<std::size_t>(size_) + 1, 0);
  std::vector<int> filled(column_start_.begin(), column_start_.end() - 1);  // next free entry of each column
  std::vector<int> stack(static_cast<std::size_t>(size_)), path(static_cast<std::size_t>(size_));
  std::fill(tags.begin(), tags.end(), -1);
  int next = 0;
  for (int k = 0; k < size_; ++k) {
    int top = size_;
    tags[k] = k;
    for (SparseMatrix::InnerIterator it(upper, k); it; ++it) {
      int length = 0;
      for (int i = static_cast<int>(it.index()); i < k && tags[i] != k; i = parent[i]) {
        path[length++] = i;
        tags[i] = k;
      }
      while (length > 0) stack[--top] = path[--length];
    }
    row_start_[k] = next;
    for (; top < size_; ++top) {
      const int i = stack[top];
      const int position = filled[i]++;
      row_index_[position] = k;
      update_column_[next] = i;
      update_position_[next] = position;
      ++next;
    }
  }
  row_start_[size_] = next;
}

bool SparseLdl::factorize(const SparseMatrix& upper) {
  double* y = work_.data();
  for (int k = 0; k < size_; ++k) {
    for (SparseMatrix::InnerIterator it(upper, k); it; ++it)
      if (it.index() <= k) y[it.index()] += it.value();
    double d = y[k];
    y[k] = 0.0;
    for (int t = row_start_[k]; t < row_start_[k + 1]; ++t) {
      const int i = update_column_[t];
      const int position = update_position_[t];
      const double yi = y[i];
      y[i] = 0.0;
      const double l_ki = yi / d_[i];
      // Column i of L holds its entries of rows < k in [column_start_[i], position).
      for (int p = column_start_[i]; p < position; ++p) y[row_index_[p]] -= values_[p] * yi;
      d -= l_ki * yi;
      values_[position] = l_ki;
    }
    d_[k] = d;
    if (d == 0.0 || !std::isfinite(d)) {
      work_.setZero();  // leave the work row clean for the next factorization
      return false;
    }
  }
  return true;
}

void SparseLdl::solve_in_place(Eigen::Ref<Eigen::VectorXd> x) const {
  // L y = x, column by column.
  for (int j = 0; j < size_; ++j) {
    const double xj = x[j];
    if (xj != 0.0)
      for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) x[row_index_[p]] -= values_[p] * xj;
  }
  // D; multiplied by the inverse, as Eigen does, to keep its round-off.
  for (int j = 0; j < size_; ++j) x[j] *= 1.0 / d_[j];
  // L' x = y, row by row from the bottom.
  for (int j = size_ - 1; j >= 0; --j) {
    double xj = x[j];
    for (int p = column_start_[j]; p < column_start_[j + 1]; ++p) xj -= values_[p] * x[row_index_[p]];
    x[j] = xj;
  }
}

Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> amd_permutation(const SparseLdl::SparseMatrix& lower) {
  const SparseLdl::SparseMatrix symmetric = lower.selfadjointView<Eigen::Lower>();
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> amd;
  Eigen::AMDOrdering<int>()(symmetric, amd);
  return amd.inverse();
}

void permuted_upper_pattern(const SparseLdl::SparseMatrix& lower, const int* perm, SparseLdl::SparseMatrix& upper,
                            std::vector<int>& position) {
  using SparseMatrix = SparseLdl::SparseMatrix;
  const Eigen::Index size = lower.rows();
  std::vector<int> start(static_cast<std::size_t>(size) + 1, 0);
  for (Eigen::Index j = 0; j < size; ++j)
    for (SparseMatrix::InnerIterator it(lower, j); it; ++it) ++start[std::max(perm[it.row()], perm[j]) + 1];
  for (Eigen::Index j = 0; j < size; ++j) start[j + 1] += start[j];
  upper.resize(size, size);
  upper.resizeNonZeros(lower.nonZeros());
  std::copy(start.begin(), start.end(), upper.outerIndexPtr());
  position.assign(static_cast<std::size_t>(lower.nonZeros()), 0);
  for (Eigen::Index j = 0; j < size; ++j) {
    for (SparseMatrix::InnerIterator it(lower, j); it; ++it) {
      const int row = perm[it.row()], column = perm[j];
      const int slot = start[std::max(row, column)]++;
      upper.innerIndexPtr()[slot] = std::min(row, column);
      position[static_cast<std::size_t>(&it.value() - lower.valuePtr())] = slot;
    }
  }
}

}  // namespace optlayer
