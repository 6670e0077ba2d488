#pragma once
// Small QPS models written inline in the reader tests: parse one from a string, or get the
// QpsError message it raises.

#include <sstream>
#include <string>

#include "optlayer/qps_reader.hpp"

namespace qps_text {

inline optlayer::QpsModel parse_text(const std::string& text) {
  std::istringstream in(text);
  return optlayer::parse_qps(in, "t.qps");
}

// The QpsError message for `text`, or "no error".
inline std::string error_of(const std::string& text) {
  try {
    parse_text(text);
  } catch (const optlayer::QpsError& e) {
    return e.what();
  }
  return "no error";
}

// ROWS and COLUMNS shared by the small inline models.
inline const std::string kHead =
    "NAME          T\n"
    "ROWS\n"
    " N  COST\n"
    " L  R1\n"
    "COLUMNS\n"
    "    X1        COST              1.   R1                1.\n"
    "    X2        R1                2.\n";

}  // namespace qps_text
