// Softmax as the minimizer of a linear term plus the negative entropy on the simplex.

#include "optlayer/problems/softmax.hpp"

#include "optlayer/autodiff_functions.hpp"

namespace optlayer {
namespace {

// f(z; x) = -z'x + sum_i z_i log z_i.
struct NegativeEntropy {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    return (z.array() * z.array().log()).sum() - z.dot(x);
  }
};

// h(z) = 1'z - 1.
struct SumToOne {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X&, Out& h) const {
    h(0) = z.sum() - 1.0;
  }
};

using SoftmaxAutoDiff = AutoDiffFunctions<NegativeEntropy, NoConstraints, SumToOne>;

// The fast path smooth_functions.hpp describes: every derivative the solver asks for is one
// line by hand (the Hessian is diagonal, x enters linearly), so the solver never records a tape.
// AutoDiffFunctions still provides values() from the same functors.
class SoftmaxFunctions : public SoftmaxAutoDiff {
 public:
  explicit SoftmaxFunctions(Eigen::Index n)
      : SoftmaxAutoDiff(n, n, NegativeEntropy{}, Inequalities<NoConstraints>{0, {}}, equalities(1, SumToOne{})),
        log_z_(n) {}

  // f = sum z log z - x'z, grad f = log z + 1 - x, Hessian diag(1 / z); h = 1'z - 1, Jh = 1'.
  void derivatives(const Vector& z, const Vector& x, const Vector&, const Vector&, SmoothDerivatives& out) override {
    log_z_.array() = z.array().log();  // once: the logarithms are most of the cost at small n
    out.f = z.dot(log_z_) - z.dot(x);
    out.gradient = (log_z_.array() + 1.0).matrix() - x;
    out.h(0) = z.sum() - 1.0;
    out.h_jacobian.setOnes();
    out.hessian.setZero();
    out.hessian.diagonal() = z.cwiseInverse();
  }

  // grad_z L depends on x only through -x, and h not at all: L_xz w = -w, h_x = 0.
  void parameter_vjp(const Vector&, const Vector&, const Vector&, const Vector&, const Vector& w_z, const Vector&,
                     const Vector&, Vector& out) override {
    out = -w_z;
  }

  void parameter_jvp(const Vector&, const Vector&, const Vector&, const Vector&, const Vector& dx, Vector& out_z,
                     Vector& out_g, Vector& out_h) override {
    out_z = -dx;
    out_g.setZero();
    out_h.setZero();
  }

  std::unique_ptr<SmoothFunctions> clone() const override { return std::make_unique<SoftmaxFunctions>(*this); }

 private:
  Eigen::VectorXd log_z_;
};

}  // namespace

ConvexProblem make_softmax_problem(Eigen::Index n) {
  ConvexProblem problem(std::make_unique<SoftmaxFunctions>(n));
  problem.set_lower_bounds(Eigen::VectorXd::Zero(n));
  return problem;
}

// Every row starts at the centre of the simplex: it satisfies the equality, and it is the
// softmax of a constant row. From the default start (z = 1, sum n) the solver needs about two
// iterations more.
SoftmaxLayer::SoftmaxLayer(Eigen::Index n, const Settings& settings, unsigned threads)
    : layer_(make_softmax_problem(n), settings, threads) {
  layer_.set_initial_point(Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n)));
}

Eigen::MatrixXd softmax(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd Y(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    Y.row(i) = (X.row(i).array() - X.row(i).maxCoeff()).exp().matrix();
    Y.row(i) /= Y.row(i).sum();
  }
  return Y;
}

Eigen::MatrixXd softmax_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  const Eigen::MatrixXd Y = softmax(X);
  Eigen::MatrixXd dX(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    dX.row(i) = (Y.row(i).array() * (dY.row(i).array() - Y.row(i).dot(dY.row(i)))).matrix();
  return dX;
}

}  // namespace optlayer
