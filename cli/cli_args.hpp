#pragma once
// Small command-line argument helpers shared by the optlayer subcommands.

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace optlayer::cli {

/// Thrown for bad command-line arguments; main() prints it and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Walks argv, handing out flags and their values with clear errors.
class ArgReader {
 public:
  ArgReader(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) args_.emplace_back(argv[i]);
  }
  bool done() const { return index_ >= args_.size(); }
  const std::string& next() { return args_[index_++]; }
  /// The value after flag `flag`.
  std::string value(const std::string& flag) {
    if (done()) throw UsageError(flag + " needs a value");
    return next();
  }
  double number(const std::string& flag) {
    const std::string text = value(flag);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0') throw UsageError(flag + ": '" + text + "' is not a number");
    return v;
  }
  long integer(const std::string& flag) {
    const std::string text = value(flag);
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0') throw UsageError(flag + ": '" + text + "' is not an integer");
    return v;
  }

 private:
  std::vector<std::string> args_;
  std::size_t index_ = 0;
};

/// File name without directory and extension, e.g. "AFIRO" for "data/AFIRO.QPS".
inline std::string problem_name(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.find_last_of('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

}  // namespace optlayer::cli
