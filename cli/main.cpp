// optlayer command-line tool: solve QPS files and check derivatives.

#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/cli_args.hpp"
#include "cli/cli_commands.hpp"
#include "optlayer/qps_reader.hpp"

namespace {

void print_usage(std::FILE* out) {
  std::fputs(
      "usage: optlayer solve FILE.qps [--eps-abs E] [--eps-rel E] [--max-iter N] [--time-limit S]\n"
      "                               [--kkt dense|sparse] [--set NAME=VALUE] [--verbose] [--json]\n"
      "       optlayer check-grad FILE.qps [--seed S] [--directions K] [--json]\n"
      "exit status: 0 solved (check-grad: all errors <= 1e-5), 1 otherwise, 2 unreadable input or bad arguments\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace optlayer::cli;
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const char* command = argv[1];
  try {
    if (std::strcmp(command, "solve") == 0) return run_solve(argc, argv);
    if (std::strcmp(command, "check-grad") == 0) return run_check_grad(argc, argv);
    if (std::strcmp(command, "--help") == 0 || std::strcmp(command, "-h") == 0) {
      print_usage(stdout);
      return 0;
    }
    std::fprintf(stderr, "optlayer: unknown command '%s'\n", command);
    print_usage(stderr);
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "optlayer: %s\n", e.what());
    print_usage(stderr);
    return 2;
  } catch (const optlayer::QpsError& e) {
    std::fprintf(stderr, "optlayer: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optlayer: %s\n", e.what());
    return 2;
  }
}
