#pragma once
// Minimal JSON object writer for the CLI's --json output (one object per run).

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <string>

namespace optlayer::cli {

class JsonWriter {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) { std::fputc('{', out_); }
  void field(const char* key, const std::string& value) {
    key_(key);
    std::fputc('"', out_);
    for (char c : value) {
      if (c == '"' || c == '\\') std::fputc('\\', out_);
      if (static_cast<unsigned char>(c) < 0x20) {
        std::fprintf(out_, "\\u%04x", c);
        continue;
      }
      std::fputc(c, out_);
    }
    std::fputc('"', out_);
  }
  void field(const char* key, const char* value) { field(key, std::string(value)); }
  void field(const char* key, double value) {
    key_(key);
    number(value);
  }
  void field(const char* key, long value) {
    key_(key);
    std::fprintf(out_, "%ld", value);
  }
  void field(const char* key, bool value) {
    key_(key);
    std::fputs(value ? "true" : "false", out_);
  }
  void field(const char* key, const Eigen::VectorXd& values) {
    key_(key);
    std::fputc('[', out_);
    for (Eigen::Index i = 0; i < values.size(); ++i) {
      if (i > 0) std::fputc(',', out_);
      number(values(i));
    }
    std::fputc(']', out_);
  }
  void close() { std::fputs("}\n", out_); }

 private:
  void key_(const char* key) {
    if (!first_) std::fputc(',', out_);
    first_ = false;
    std::fprintf(out_, "\"%s\":", key);
  }
  // JSON has no inf or nan: they are written as null.
  void number(double v) {
    if (std::isfinite(v)) std::fprintf(out_, "%.17g", v);
    else std::fputs("null", out_);
  }
  std::FILE* out_;
  bool first_ = true;
};

}  // namespace optlayer::cli
