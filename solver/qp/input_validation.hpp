#pragma once
// Checks of user data before a solve: dimensions, finiteness, symmetry of P.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <string>

namespace optlayer {

/// Empty when `matrix` is rows x cols and finite, else a message naming `name` and the first bad entry.
std::string check_matrix(const char* name, const Eigen::Ref<const Eigen::MatrixXd>& matrix, Eigen::Index rows,
                         Eigen::Index cols);
/// Sparse overload of check_matrix (checks the stored entries).
std::string check_matrix(const char* name, const Eigen::SparseMatrix<double>& matrix, Eigen::Index rows,
                         Eigen::Index cols);
/// Empty when `vector` has `size` finite entries, else a message naming `name`.
std::string check_vector(const char* name, const Eigen::Ref<const Eigen::VectorXd>& vector, Eigen::Index size);
/// Empty when P is symmetric to within 1e-9 of its largest entry, else a message naming the worst pair.
std::string check_symmetric(const Eigen::Ref<const Eigen::MatrixXd>& P);
/// Sparse overload of check_symmetric.
std::string check_symmetric(const Eigen::SparseMatrix<double>& P);

}  // namespace optlayer
