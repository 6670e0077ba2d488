#pragma once
// Vertices of a 2-D polytope {z : Gz <= h} for drawing: start from a large box and clip it by
// one half-plane after another (each clip of a convex polygon is one pass over its edges).

#include <Eigen/Core>
#include <cmath>
#include <vector>

namespace optlayer_demo {

/// A polygon as its vertices in order (the order of the box it was cut from: counter-clockwise).
using Polygon2 = std::vector<Eigen::Vector2d>;

/// The part of the convex polygon `polygon` where g'z <= h: keeps the vertices inside and adds the
/// crossing point of every edge that changes sides.
inline Polygon2 clip_halfplane(const Polygon2& polygon, const Eigen::Vector2d& g, double h) {
  Polygon2 out;
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    const Eigen::Vector2d& a = polygon[i];
    const Eigen::Vector2d& b = polygon[(i + 1) % polygon.size()];
    const double da = g.dot(a) - h, db = g.dot(b) - h;  // signed violations
    if (da <= 0.0) out.push_back(a);
    if ((da < 0.0 && db > 0.0) || (da > 0.0 && db < 0.0)) out.push_back(a + (b - a) * (da / (da - db)));
  }
  return out;
}

/// Vertices of {z : Gz <= h} within the box [-half_width, half_width]^2 (an unbounded polytope is
/// cut by the box); empty when the intersection is empty. G has two columns.
inline Polygon2 polytope_vertices(const Eigen::MatrixXd& G, const Eigen::VectorXd& h, double half_width) {
  const double w = half_width;
  Polygon2 polygon{{-w, -w}, {w, -w}, {w, w}, {-w, w}};
  for (Eigen::Index i = 0; i < G.rows() && !polygon.empty(); ++i)
    polygon = clip_halfplane(polygon, G.row(i).transpose(), h(i));
  return polygon;
}

}  // namespace optlayer_demo
