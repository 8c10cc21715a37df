// spanline-collector: OTLP pipelines configured with OpenTelemetry Collector
// YAML.
//
//   spanline-collector --config FILE [--config FILE...] [--shutdown-timeout SECONDS]
//   spanline-collector validate --config FILE [--config FILE...] [--lenient]
//
// Exit codes: 0 ok (and after SIGTERM/SIGINT: drained), 1 the config is
// invalid or a component failed to start, 2 bad command line.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/service.h"
#include "spanline/net/log.h"

namespace {

using namespace spanline::collector;
namespace net = spanline::net;

constexpr const char* kUsage =
    "usage: spanline-collector [validate] --config FILE [--config FILE...] [options]\n"
    "\n"
    "  --config FILE            OpenTelemetry Collector YAML; several are merged in order\n"
    "  validate                 check the configuration and exit (0: valid)\n"
    "  --lenient                validate only: unknown components and keys are warnings\n"
    "  --shutdown-timeout SECS  how long SIGTERM waits for queues to drain (default 10)\n"
    "  --help, --version\n";

struct Args {
  bool validate = false;
  bool lenient = false;
  std::vector<std::string> configs;
  int shutdown_timeout_s = 10;
};

// nullopt after printing the problem (exit 2) or help/version (exit 0).
std::optional<Args> parse_args(int argc, char** argv, int& exit_code) {
  Args args;
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      if (i + 1 < argc) return std::string(argv[++i]);
      std::fprintf(stderr, "spanline-collector: %s needs a value\n%s", flag.c_str(), kUsage);
      return std::nullopt;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (a == "--version") {
      std::puts("spanline-collector 0.1.0");
      exit_code = 0;
      return std::nullopt;
    } else if (a == "validate" && i == 1) {
      args.validate = true;
    } else if (a == "--lenient") {
      args.lenient = true;
    } else if (a == "--config" || a.rfind("--config=", 0) == 0) {
      auto v = value("--config");
      if (!v) return std::nullopt;
      args.configs.push_back(*v);
    } else if (a == "--shutdown-timeout" || a.rfind("--shutdown-timeout=", 0) == 0) {
      auto v = value("--shutdown-timeout");
      if (!v) return std::nullopt;
      char* end = nullptr;
      const long s = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || s < 0 || s > 3600) {
        std::fprintf(stderr, "spanline-collector: --shutdown-timeout must be 0..3600 seconds\n");
        return std::nullopt;
      }
      args.shutdown_timeout_s = static_cast<int>(s);
    } else {
      std::fprintf(stderr, "spanline-collector: unknown argument \"%s\"\n%s", a.c_str(), kUsage);
      return std::nullopt;
    }
  }
  if (args.configs.empty()) {
    std::fprintf(stderr, "spanline-collector: at least one --config FILE is needed\n%s", kUsage);
    return std::nullopt;
  }
  if (args.lenient && !args.validate) {
    std::fprintf(stderr, "spanline-collector: --lenient is for validate only\n");
    return std::nullopt;
  }
  return args;
}

std::optional<Config> load(const Args& args) {
  LoadOptions options;
  options.lenient = args.lenient;
  LoadResult result = load_config(args.configs, options);
  for (const auto& w : result.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const auto& e : result.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
  if (!result.config && result.errors.empty())
    std::fprintf(stderr, "error: the configuration is invalid\n");
  return std::move(result.config);
}

int run(const Args& args, const Config& config, const sigset_t& signals) {
  Service service(config);
  service.start();
  net::log_info("collector started",
                {{"pipelines", config.pipelines.size()}, {"metrics.port", service.metrics_port()}});
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  net::log_info("shutting down", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  service.shutdown(Clock::now() + std::chrono::seconds(args.shutdown_timeout_s));
  net::log_info("collector stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  const auto args = parse_args(argc, argv, code);
  if (!args) return code;
  // Blocked before any thread exists, so every thread inherits the mask and
  // the signals wait for sigwait().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto config = load(*args);
  if (!config) return 1;
  if (args->validate) {
    std::printf("configuration is valid (%zu pipeline%s)\n", config->pipelines.size(),
                config->pipelines.size() == 1 ? "" : "s");
    return 0;
  }
  try {
    return run(*args, *config, signals);
  } catch (const std::exception& e) {
    net::log_error("collector failed to start", {{"error.message", e.what()}});
    return 1;
  }
}
