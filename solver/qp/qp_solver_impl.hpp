#pragma once
// QpSolver's private state: the settings, and a dense and/or a sparse engine
// (created on first use); the one that ran last is the active one.

#include <algorithm>
#include <memory>
#include <string>

#include "solver/qp/qp_engine.hpp"

namespace optlayer {

/// Replaces a held matrix by a new value of the same shape (dense or sparse storage).
inline bool update_matrix(Eigen::MatrixXd& held, const Eigen::Ref<const Eigen::MatrixXd>& value) {
  if (value.rows() != held.rows() || value.cols() != held.cols()) return false;
  held = value;
  return true;
}
inline bool update_matrix(SparseMatrix& held, const Eigen::Ref<const Eigen::MatrixXd>& value) {
  if (value.rows() != held.rows() || value.cols() != held.cols()) return false;
  held = value.sparseView();
  return true;
}

inline bool update_matrix(Eigen::MatrixXd& held, const SparseMatrix& value) {
  if (value.rows() != held.rows() || value.cols() != held.cols()) return false;
  held = value;
  return true;
}
// Same pattern: the values are copied in place (no allocation); otherwise the new matrix is taken.
inline bool update_matrix(SparseMatrix& held, const SparseMatrix& value) {
  if (value.rows() != held.rows() || value.cols() != held.cols()) return false;
  if (held.isCompressed() && value.isCompressed() && same_pattern(held, value))
    std::copy(value.valuePtr(), value.valuePtr() + value.nonZeros(), held.valuePtr());
  else
    held = value;
  return true;
}

/// update_matrix on one of engine e's held matrices; the next solve equilibrates them again.
template <class Engine, class Matrix, class Value>
bool update_held_matrix(Engine& e, Matrix& held, const Value& value) {
  if (!update_matrix(held, value)) return false;
  e.equilibrated_passes = -1;
  return true;
}

struct QpSolver::Impl {
  Settings settings;
  Eigen::Index n = 0, m = 0, p = 0;
  std::unique_ptr<DenseEngine> dense;
  std::unique_ptr<SparseEngine> sparse;
  Backend active = Backend::automatic;  // automatic: nothing solved yet
  long factorizations_before = 0;
  QpResult empty_result;  // what result() shows before any engine ran

  DenseEngine& dense_engine() {
    if (!dense) {
      dense = std::make_unique<DenseEngine>();
      dense->resize(n, m, p);
    }
    dense->settings = settings;
    return *dense;
  }
  SparseEngine& sparse_engine() {
    if (!sparse) {
      sparse = std::make_unique<SparseEngine>();
      sparse->resize(n, m, p);
    }
    sparse->settings = settings;
    return *sparse;
  }

  /// Runs f on the active engine; false-like default when nothing is active.
  template <class F>
  auto with_active(F&& f) -> decltype(f(*dense)) {
    if (active == Backend::sparse) return f(*sparse);
    if (active == Backend::dense) return f(*dense);
    if (dense) return f(*dense);  // data may be updated before the first solve
    return decltype(f(*dense))();
  }

  const QpResult& result() const {
    if (active == Backend::sparse) return sparse->result;
    if (active == Backend::dense) return dense->result;
    return empty_result;
  }

  /// Records an input error as the result of this solve.
  Status reject(const std::string& message) {
    QpResult& r = active == Backend::automatic ? empty_result : (active == Backend::sparse ? sparse->result : dense->result);
    r.status = Status::invalid_input;
    r.message = message;
    r.solve_time = 0.0;
    r.iterations = 0;
    r.factorizations = 0;
    return r.status;
  }

  template <class Engine>
  Status store_vectors_and_solve(Engine& e, const QpSolver::VectorRef& q, const QpSolver::VectorRef& h,
                                 const QpSolver::VectorRef& b) {
    e.user_q = q;
    e.user_h = h;
    e.user_b = b;
    e.has_data = true;
    e.equilibrated_passes = -1;  // the caller stored new matrices too
    active = std::is_same<Engine, SparseEngine>::value ? Backend::sparse : Backend::dense;
    return e.solve_held();
  }
};

}  // namespace optlayer
