#pragma once
// A tiny self-contained SVG line-plot writer for the examples (not part of the library).
//
//   svgplot::Figure figure(2, 1);                       // 2 rows, 1 column of panels
//   auto& ax = figure.axes(0, 0).title("height").xlabel("t [s]").ylabel("z [m]");
//   ax.line(t, z, svgplot::Style::color(0), "z");       // polyline with a legend entry
//   ax.hline(1.0, svgplot::Style::dashed("#888"), "set point");
//   figure.save("build/demo/plot.svg");
//
// Each panel has axes with "nice" ticks, labels, a legend, and clipped content:
// polylines, filled polygons and markers. Non-finite points break a polyline.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace svgplot {

/// Stroke and fill of one element.
struct Style {
  std::string stroke = "#1f77b4";
  double stroke_width = 1.5;
  std::string fill = "none";
  double fill_opacity = 1.0;
  std::string dash;  ///< SVG dash array, e.g. "5 3"; empty for solid

  /// A solid line in the i-th colour of the palette.
  static Style color(int i, double width = 1.5);
  /// A dashed line of the given colour.
  static Style dashed(const std::string& stroke, double width = 1.0);
  /// A filled area (for polygons) with the given colour and opacity.
  static Style filled(const std::string& fill, double opacity = 0.25);
};

/// The i-th colour of a ten-colour palette (wraps around).
inline const char* palette(int i) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors[((i % 10) + 10) % 10];
}

inline Style Style::color(int i, double width) {
  Style s;
  s.stroke = palette(i);
  s.stroke_width = width;
  return s;
}

inline Style Style::dashed(const std::string& stroke, double width) {
  Style s;
  s.stroke = stroke;
  s.stroke_width = width;
  s.dash = "5 3";
  return s;
}

inline Style Style::filled(const std::string& fill, double opacity) {
  Style s;
  s.stroke = "none";
  s.fill = fill;
  s.fill_opacity = opacity;
  return s;
}

enum class Marker { circle, square, cross };

/// Text with &, <, >, " escaped for XML.
inline std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// A number formatted compactly (%.4g) for tick labels.
inline std::string format_number(double v) {
  if (std::abs(v) < 1e-12) v = 0.0;  // no "-0" or "1e-17" ticks
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

/// About `target` evenly spaced round tick values (steps 1, 2, 5 times a power of ten) covering [lo, hi].
inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  const double raw = (hi - lo) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  // Of the round steps near the raw one, take the one whose tick count is closest to the target.
  double step = magnitude;
  double best = std::numeric_limits<double>::infinity();
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    const double candidate = factor * magnitude;
    const double ticks = std::floor(hi / candidate + 1e-9) - std::ceil(lo / candidate - 1e-9) + 1.0;
    if (std::abs(ticks - target) < best) {
      best = std::abs(ticks - target);
      step = candidate;
    }
  }
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double t = first; t <= hi + 1e-9 * step; t += step) ticks.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  return ticks;
}

/// One panel: axes, labels, legend and the plotted elements.
class Axes {
 public:
  Axes& title(const std::string& text) { title_ = text; return *this; }
  Axes& xlabel(const std::string& text) { xlabel_ = text; return *this; }
  Axes& ylabel(const std::string& text) { ylabel_ = text; return *this; }
  /// Fixes the x or y range (otherwise it covers the data with 5% padding).
  Axes& xlim(double lo, double hi) { xlim_ = {lo, hi}; fixed_x_ = true; return *this; }
  Axes& ylim(double lo, double hi) { ylim_ = {lo, hi}; fixed_y_ = true; return *this; }
  Axes& legend(bool show) { show_legend_ = show; return *this; }
  /// One data unit as long on both axes (circles stay round): the shorter range is widened about its centre.
  Axes& equal_aspect(bool on = true) { equal_aspect_ = on; return *this; }

  /// A polyline through (x[i], y[i]); an empty label adds no legend entry.
  Axes& line(const std::vector<double>& x, const std::vector<double>& y, const Style& style = Style(),
             const std::string& label = "") {
    return add(Kind::line, x, y, style, label);
  }
  /// A closed polygon (filled with style.fill).
  Axes& polygon(const std::vector<double>& x, const std::vector<double>& y, const Style& style = Style::filled("#1f77b4"),
                const std::string& label = "") {
    return add(Kind::polygon, x, y, style, label);
  }
  /// A marker of the given size (pixels) at each point.
  Axes& markers(const std::vector<double>& x, const std::vector<double>& y, Marker shape = Marker::circle,
                double size = 4.0, const Style& style = Style(), const std::string& label = "") {
    add(Kind::markers, x, y, style, label);
    series_.back().marker = shape;
    series_.back().marker_size = size;
    return *this;
  }
  /// A horizontal line across the panel at height y (e.g. a limit).
  Axes& hline(double y, const Style& style = Style::dashed("#888888"), const std::string& label = "") {
    add(Kind::hline, {}, {y}, style, label);
    return *this;
  }

  /// Writes the panel into the box (left, top, width, height) of the picture; `id` names its clip path.
  void render(std::ostream& out, double left, double top, double width, double height, int id) const;

 private:
  enum class Kind { line, polygon, markers, hline };
  struct Series {
    Kind kind;
    std::vector<double> x, y;
    Style style;
    std::string label;
    Marker marker = Marker::circle;
    double marker_size = 4.0;
  };
  struct Range {
    double lo = 0.0, hi = 1.0;
  };
  struct Frame {  // plot area in pixels and the data ranges mapped onto it
    double left, top, width, height;
    Range x, y;
    double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * width; }
    double py(double v) const { return top + height - (v - y.lo) / (y.hi - y.lo) * height; }
  };

  Axes& add(Kind kind, std::vector<double> x, std::vector<double> y, const Style& style, const std::string& label) {
    Series s{kind, std::move(x), std::move(y), style, label};
    const std::size_t count = std::min(s.x.size(), s.y.size());
    if (kind != Kind::hline) {
      s.x.resize(count);
      s.y.resize(count);
    }
    series_.push_back(std::move(s));
    return *this;
  }
  Range data_range(bool along_x) const;
  static std::string style_attributes(const Style& style);
  static std::string point_list(const Frame& f, const std::vector<double>& x, const std::vector<double>& y,
                                std::size_t begin, std::size_t end);
  void render_axes(std::ostream& out, const Frame& f) const;
  void render_series(std::ostream& out, const Frame& f, const Series& s) const;
  void render_marker(std::ostream& out, double x, double y, const Series& s) const;
  void render_legend(std::ostream& out, const Frame& f) const;

  std::string title_, xlabel_, ylabel_;
  Range xlim_, ylim_;
  bool fixed_x_ = false, fixed_y_ = false, show_legend_ = true, equal_aspect_ = false;
  std::vector<Series> series_;
};

/// A grid of panels written as one SVG picture.
class Figure {
 public:
  /// rows x cols panels of panel_width x panel_height pixels each.
  Figure(int rows, int cols, double panel_width = 440.0, double panel_height = 260.0)
      : rows_(std::max(rows, 1)), cols_(std::max(cols, 1)), panel_width_(panel_width), panel_height_(panel_height),
        axes_(static_cast<std::size_t>(rows_ * cols_)) {}

  /// The panel at (row, col); out-of-range indices are clamped.
  Axes& axes(int row, int col) {
    row = std::clamp(row, 0, rows_ - 1);
    col = std::clamp(col, 0, cols_ - 1);
    return axes_[static_cast<std::size_t>(row * cols_ + col)];
  }
  /// A title above all panels.
  Figure& title(const std::string& text) { title_ = text; return *this; }

  /// The whole picture as SVG text.
  std::string to_string() const;
  /// Writes to_string() to a file; false when the file cannot be written.
  bool save(const std::string& path) const {
    std::ofstream file(path);
    file << to_string();
    return static_cast<bool>(file);
  }

 private:
  int rows_, cols_;
  double panel_width_, panel_height_;
  std::vector<Axes> axes_;
  std::string title_;
};

// ---------------------------------------------------------------------------------------------

inline Axes::Range Axes::data_range(bool along_x) const {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series_) {
    if (s.kind == Kind::hline && along_x) continue;
    for (double v : along_x ? s.x : s.y)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  }
  if (!(lo <= hi)) return Range{0.0, 1.0};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {  // flat data: give it some room
    lo -= 0.5 * std::max(1.0, std::abs(lo));
    hi += 0.5 * std::max(1.0, std::abs(hi));
    return Range{lo, hi};
  }
  const double pad = 0.05 * (hi - lo);
  return along_x ? Range{lo, hi} : Range{lo - pad, hi + pad};
}

inline std::string Axes::style_attributes(const Style& style) {
  std::ostringstream out;
  out << "stroke=\"" << escape(style.stroke) << "\" stroke-width=\"" << style.stroke_width << "\" fill=\""
      << escape(style.fill) << "\"";
  if (style.fill != "none" && style.fill_opacity < 1.0) out << " fill-opacity=\"" << style.fill_opacity << "\"";
  if (!style.dash.empty()) out << " stroke-dasharray=\"" << escape(style.dash) << "\"";
  return out.str();
}

inline std::string Axes::point_list(const Frame& f, const std::vector<double>& x, const std::vector<double>& y,
                                    std::size_t begin, std::size_t end) {
  std::string points;
  char buf[64];
  for (std::size_t i = begin; i < end; ++i) {
    std::snprintf(buf, sizeof buf, "%s%.2f,%.2f", points.empty() ? "" : " ", f.px(x[i]), f.py(y[i]));
    points += buf;
  }
  return points;
}

inline void Axes::render_axes(std::ostream& out, const Frame& f) const {
  out << "<rect x=\"" << f.left << "\" y=\"" << f.top << "\" width=\"" << f.width << "\" height=\"" << f.height
      << "\" fill=\"white\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  for (double t : nice_ticks(f.x.lo, f.x.hi)) {
    const double x = f.px(t);
    out << "<line class=\"grid\" x1=\"" << x << "\" y1=\"" << f.top << "\" x2=\"" << x << "\" y2=\"" << f.top + f.height
        << "\" stroke=\"#e5e5e5\" stroke-width=\"1\"/>\n";
    out << "<text class=\"tick\" x=\"" << x << "\" y=\"" << f.top + f.height + 14
        << "\" font-size=\"10\" text-anchor=\"middle\">" << format_number(t) << "</text>\n";
  }
  for (double t : nice_ticks(f.y.lo, f.y.hi)) {
    const double y = f.py(t);
    out << "<line class=\"grid\" x1=\"" << f.left << "\" y1=\"" << y << "\" x2=\"" << f.left + f.width << "\" y2=\"" << y
        << "\" stroke=\"#e5e5e5\" stroke-width=\"1\"/>\n";
    out << "<text class=\"tick\" x=\"" << f.left - 5 << "\" y=\"" << y + 3.5
        << "\" font-size=\"10\" text-anchor=\"end\">" << format_number(t) << "</text>\n";
  }
  if (!title_.empty())
    out << "<text class=\"title\" x=\"" << f.left + f.width / 2 << "\" y=\"" << f.top - 8
        << "\" font-size=\"13\" text-anchor=\"middle\">" << escape(title_) << "</text>\n";
  if (!xlabel_.empty())
    out << "<text class=\"xlabel\" x=\"" << f.left + f.width / 2 << "\" y=\"" << f.top + f.height + 32
        << "\" font-size=\"11\" text-anchor=\"middle\">" << escape(xlabel_) << "</text>\n";
  if (!ylabel_.empty()) {
    const double x = f.left - 42, y = f.top + f.height / 2;
    out << "<text class=\"ylabel\" x=\"" << x << "\" y=\"" << y << "\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 "
        << x << " " << y << ")\">" << escape(ylabel_) << "</text>\n";
  }
}

inline void Axes::render_marker(std::ostream& out, double x, double y, const Series& s) const {
  const double r = s.marker_size;
  const std::string fill = s.style.fill == "none" ? s.style.stroke : s.style.fill;
  switch (s.marker) {
    case Marker::circle:
      out << "<circle class=\"marker\" cx=\"" << x << "\" cy=\"" << y << "\" r=\"" << r << "\" fill=\"" << escape(fill)
          << "\" stroke=\"" << escape(s.style.stroke) << "\"/>\n";
      break;
    case Marker::square:
      out << "<rect class=\"marker\" x=\"" << x - r << "\" y=\"" << y - r << "\" width=\"" << 2 * r << "\" height=\""
          << 2 * r << "\" fill=\"" << escape(fill) << "\" stroke=\"" << escape(s.style.stroke) << "\"/>\n";
      break;
    case Marker::cross:
      out << "<path class=\"marker\" d=\"M" << x - r << "," << y - r << " L" << x + r << "," << y + r << " M" << x - r
          << "," << y + r << " L" << x + r << "," << y - r << "\" stroke=\"" << escape(s.style.stroke)
          << "\" stroke-width=\"" << s.style.stroke_width << "\" fill=\"none\"/>\n";
      break;
  }
}

inline void Axes::render_series(std::ostream& out, const Frame& f, const Series& s) const {
  const std::string attributes = style_attributes(s.style);
  if (s.kind == Kind::hline) {
    const double y = f.py(s.y.front());
    out << "<line class=\"hline\" x1=\"" << f.left << "\" y1=\"" << y << "\" x2=\"" << f.left + f.width << "\" y2=\""
        << y << "\" " << attributes << "/>\n";
    return;
  }
  if (s.kind == Kind::markers) {
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) render_marker(out, f.px(s.x[i]), f.py(s.y[i]), s);
    return;
  }
  if (s.kind == Kind::polygon) {
    out << "<polygon points=\"" << point_list(f, s.x, s.y, 0, s.x.size()) << "\" " << attributes << "/>\n";
    return;
  }
  // Lines: one polyline per run of finite points.
  std::size_t begin = 0;
  while (begin < s.x.size()) {
    while (begin < s.x.size() && !(std::isfinite(s.x[begin]) && std::isfinite(s.y[begin]))) ++begin;
    std::size_t end = begin;
    while (end < s.x.size() && std::isfinite(s.x[end]) && std::isfinite(s.y[end])) ++end;
    if (end > begin)
      out << "<polyline points=\"" << point_list(f, s.x, s.y, begin, end) << "\" " << attributes
          << " stroke-linejoin=\"round\"/>\n";
    begin = end;
  }
}

inline void Axes::render_legend(std::ostream& out, const Frame& f) const {
  std::vector<const Series*> entries;
  std::size_t longest = 0;
  for (const Series& s : series_)
    if (!s.label.empty()) {
      entries.push_back(&s);
      longest = std::max(longest, s.label.size());
    }
  if (!show_legend_ || entries.empty()) return;
  const double row = 15.0, width = 34.0 + 6.0 * static_cast<double>(longest);
  const double left = f.left + f.width - width - 6, top = f.top + 6;
  out << "<g class=\"legend\">\n<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << width << "\" height=\""
      << row * static_cast<double>(entries.size()) + 6
      << "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\" stroke-width=\"0.5\"/>\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Series& s = *entries[i];
    const double y = top + 3 + row * (static_cast<double>(i) + 0.5);
    if (s.kind == Kind::markers) render_marker(out, left + 14, y, s);
    else if (s.kind == Kind::polygon)
      out << "<rect x=\"" << left + 6 << "\" y=\"" << y - 5 << "\" width=\"16\" height=\"10\" "
          << style_attributes(s.style) << "/>\n";
    else
      out << "<line x1=\"" << left + 6 << "\" y1=\"" << y << "\" x2=\"" << left + 22 << "\" y2=\"" << y << "\" "
          << style_attributes(s.style) << "/>\n";
    out << "<text x=\"" << left + 28 << "\" y=\"" << y + 3.5 << "\" font-size=\"10\">" << escape(s.label) << "</text>\n";
  }
  out << "</g>\n";
}

inline void Axes::render(std::ostream& out, double left, double top, double width, double height, int id) const {
  // Room for tick labels and axis labels around the plot area.
  Frame f{left + 58, top + 26, width - 58 - 12, height - 26 - 42, fixed_x_ ? xlim_ : data_range(true),
          fixed_y_ ? ylim_ : data_range(false)};
  if (!(f.x.hi > f.x.lo)) f.x = Range{f.x.lo - 1.0, f.x.lo + 1.0};
  if (!(f.y.hi > f.y.lo)) f.y = Range{f.y.lo - 1.0, f.y.lo + 1.0};
  if (equal_aspect_) {
    const double per_pixel = std::max((f.x.hi - f.x.lo) / f.width, (f.y.hi - f.y.lo) / f.height);
    const double cx = (f.x.lo + f.x.hi) / 2, cy = (f.y.lo + f.y.hi) / 2;
    f.x = Range{cx - per_pixel * f.width / 2, cx + per_pixel * f.width / 2};
    f.y = Range{cy - per_pixel * f.height / 2, cy + per_pixel * f.height / 2};
  }
  out << "<g class=\"axes\">\n";
  render_axes(out, f);
  out << "<clipPath id=\"clip" << id << "\"><rect x=\"" << f.left << "\" y=\"" << f.top << "\" width=\"" << f.width
      << "\" height=\"" << f.height << "\"/></clipPath>\n<g clip-path=\"url(#clip" << id << ")\">\n";
  for (const Series& s : series_) render_series(out, f, s);
  out << "</g>\n";
  render_legend(out, f);
  out << "</g>\n";
}

inline std::string Figure::to_string() const {
  const double title_height = title_.empty() ? 0.0 : 28.0;
  const double width = panel_width_ * cols_, height = panel_height_ * rows_ + title_height;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\">\n";
  out << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!title_.empty())
    out << "<text class=\"figure-title\" x=\"" << width / 2 << "\" y=\"20\" font-size=\"15\" text-anchor=\"middle\">"
        << escape(title_) << "</text>\n";
  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < cols_; ++c)
      axes_[static_cast<std::size_t>(r * cols_ + c)].render(out, c * panel_width_, title_height + r * panel_height_,
                                                            panel_width_, panel_height_, r * cols_ + c);
  out << "</svg>\n";
  return out.str();
}

}  // namespace svgplot
