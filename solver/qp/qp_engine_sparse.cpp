// The sparse instantiation of the QP interior-point engine.
#include "solver/qp/qp_engine_impl.hpp"

namespace optlayer {
template struct QpEngine<SparseMatrix, SparseKkt>;
}  // namespace optlayer
