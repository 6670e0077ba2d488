#include "solver/qp/input_validation.hpp"

#include <cmath>
#include <sstream>

namespace optlayer {
namespace {

std::string describe_value(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

}  // namespace

std::string check_matrix(const char* name, const Eigen::Ref<const Eigen::MatrixXd>& matrix, Eigen::Index rows,
                         Eigen::Index cols) {
  std::ostringstream out;
  if (matrix.rows() != rows || matrix.cols() != cols) {
    out << name << " is " << matrix.rows() << " x " << matrix.cols() << " but must be " << rows << " x " << cols;
    return out.str();
  }
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i)
      if (!std::isfinite(matrix(i, j))) {
        out << name << "(" << i << ", " << j << ") is " << describe_value(matrix(i, j));
        return out.str();
      }
  return {};
}

std::string check_matrix(const char* name, const Eigen::SparseMatrix<double>& matrix, Eigen::Index rows,
                         Eigen::Index cols) {
  std::ostringstream out;
  if (matrix.rows() != rows || matrix.cols() != cols) {
    out << name << " is " << matrix.rows() << " x " << matrix.cols() << " but must be " << rows << " x " << cols;
    return out.str();
  }
  for (Eigen::Index j = 0; j < matrix.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(matrix, j); it; ++it)
      if (!std::isfinite(it.value())) {
        out << name << "(" << it.row() << ", " << it.col() << ") is " << describe_value(it.value());
        return out.str();
      }
  return {};
}

std::string check_vector(const char* name, const Eigen::Ref<const Eigen::VectorXd>& vector, Eigen::Index size) {
  std::ostringstream out;
  if (vector.size() != size) {
    out << name << " has length " << vector.size() << " but must have length " << size;
    return out.str();
  }
  for (Eigen::Index i = 0; i < size; ++i)
    if (!std::isfinite(vector(i))) {
      out << name << "(" << i << ") is " << describe_value(vector(i));
      return out.str();
    }
  return {};
}

std::string check_symmetric(const Eigen::Ref<const Eigen::MatrixXd>& P) {
  const Eigen::Index n = P.rows();
  if (n == 0) return {};
  const double tolerance = 1e-9 * std::max(1.0, P.cwiseAbs().maxCoeff());
  double worst = 0.0;
  Eigen::Index wi = 0, wj = 0;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const double diff = std::abs(P(i, j) - P(j, i));
      if (diff > worst) {
        worst = diff;
        wi = i;
        wj = j;
      }
    }
  if (worst <= tolerance) return {};
  std::ostringstream out;
  out << "P is not symmetric: P(" << wi << ", " << wj << ") = " << P(wi, wj) << " but P(" << wj << ", " << wi
      << ") = " << P(wj, wi);
  return out.str();
}

// Entry by entry against its mirror (a binary search in the sorted column): no temporaries, so
// that a control loop replacing P allocates nothing.
std::string check_symmetric(const Eigen::SparseMatrix<double>& P) {
  if (P.rows() == 0) return {};
  double scale = 0.0;
  for (Eigen::Index j = 0; j < P.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(P, j); it; ++it) scale = std::max(scale, std::abs(it.value()));
  const double tolerance = 1e-9 * std::max(1.0, scale);
  for (Eigen::Index j = 0; j < P.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(P, j); it; ++it) {
      const double mirror = P.coeff(it.col(), it.row());
      if (std::abs(it.value() - mirror) > tolerance) {
        std::ostringstream out;
        out << "P is not symmetric: P(" << it.row() << ", " << it.col() << ") = " << it.value() << " but P("
            << it.col() << ", " << it.row() << ") = " << mirror;
        return out.str();
      }
    }
  return {};
}

}  // namespace optlayer
