// Solve a small QP and differentiate its solution with an installed optlayer.
#include <cstdio>
#include <optlayer/optlayer.hpp>

int main() {
  // minimize 1/2 ||z||^2 - [1 2]'z  subject to  z1 + z2 <= 1
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(2, 2);
  Eigen::VectorXd q(2);
  q << -1.0, -2.0;
  Eigen::MatrixXd G(1, 2);
  G << 1.0, 1.0;
  Eigen::VectorXd h(1);
  h << 1.0;
  Eigen::MatrixXd A(0, 2);
  Eigen::VectorXd b(0);

  optlayer::QpSolver solver(2, 1, 0);
  const optlayer::Status status = solver.solve(P, q, G, h, A, b);
  const optlayer::QpResult& result = solver.result();
  std::printf("status %s, z = (%.6f, %.6f), lambda = %.6f\n", optlayer::to_string(status), result.z(0),
              result.z(1), result.lambda(0));
  if (status != optlayer::Status::solved) return 1;

  // Gradient of L = z1 with respect to h: dz1/dh = 1/2.
  optlayer::QpGradient gradient;
  Eigen::VectorXd dl_dz(2);
  dl_dz << 1.0, 0.0;
  if (!solver.backward(dl_dz, gradient)) return 1;
  std::printf("dL/dh = %.6f\n", gradient.h(0));
  const bool ok = std::abs(result.z(0) - 0.0) < 1e-6 && std::abs(result.z(1) - 1.0) < 1e-6 &&
                  std::abs(gradient.h(0) - 0.5) < 1e-6;
  return ok ? 0 : 1;
}
