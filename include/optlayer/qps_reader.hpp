#pragma once
// Reader for QPS files (MPS with a QUADOBJ or QMATRIX section) and the map
// from the file's row/bound form onto optlayer's G/h, A/b form.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace optlayer {

/// Thrown for unreadable or malformed QPS input; what() names the source and line.
class QpsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A QPS problem as the file states it:
///   minimize c0 + q'x + 1/2 x'Px  s.t.  row_lower <= C x <= row_upper,  var_lower <= x <= var_upper.
/// Infinite bounds are +-std::numeric_limits<double>::infinity().
struct QpsModel {
  std::string name;                       ///< problem name (the NAME line; callers may override with the file name)
  std::vector<std::string> column_names;  ///< one per variable, in COLUMNS order
  std::vector<std::string> row_names;     ///< constraint rows (objective row excluded), in ROWS order
  Eigen::SparseMatrix<double> P;          ///< n x n, full symmetric (both triangles stored)
  Eigen::VectorXd q;                      ///< linear objective, length n
  double c0 = 0.0;                        ///< objective constant (QPS stores it negated on the objective RHS)
  Eigen::SparseMatrix<double> C;          ///< constraint rows, rows x n
  Eigen::VectorXd row_lower;              ///< lower row bounds
  Eigen::VectorXd row_upper;              ///< upper row bounds
  Eigen::VectorXd var_lower;              ///< lower variable bounds
  Eigen::VectorXd var_upper;              ///< upper variable bounds
  bool maximize = false;                  ///< OBJSENSE MAX was given; q, P, c0 are already negated to a minimization

  /// Number of variables (columns).
  Eigen::Index num_variables() const { return static_cast<Eigen::Index>(column_names.size()); }
  /// Number of constraint rows.
  Eigen::Index num_rows() const { return static_cast<Eigen::Index>(row_names.size()); }
};

/// Parses QPS text (free or fixed format) from a stream. `source` names the input in error messages.
QpsModel parse_qps(std::istream& in, const std::string& source);

/// Reads a QPS file. Throws QpsError when the file cannot be opened or is malformed.
QpsModel read_qps(const std::string& path);

/// A QP in optlayer's form with sparse data:
///   minimize c0 + q'z + 1/2 z'Pz  s.t.  Gz <= h,  Az = b.
struct SparseQp {
  Eigen::SparseMatrix<double> P;  ///< n x n, both triangles stored
  Eigen::SparseMatrix<double> G;  ///< m x n
  Eigen::SparseMatrix<double> A;  ///< p x n
  Eigen::VectorXd q;              ///< n
  Eigen::VectorXd h;              ///< m
  Eigen::VectorXd b;              ///< p
  double c0 = 0.0;                ///< objective constant
};

/// Maps a QpsModel onto the G/h, A/b form: rows with equal finite bounds and
/// fixed variables become equalities, every finite side of the other rows and
/// bounds becomes one inequality row. Throws QpsError when a lower bound exceeds its upper bound.
SparseQp to_standard_form(const QpsModel& model);

}  // namespace optlayer
