// Boost.Beast WebSocket benchmark client: one connection, request/response.
//
//   ws_echo_client <is_async 1|0> <is_secure 1|0> <host> <port> <msg_size> <duration_sec>
//
// Sends a binary message of msg_size bytes, waits for its echo, checks the echo's size and
// type, and repeats for duration_sec seconds after 100 uncounted warm-up round trips.
// Output: a line `MEASURING` as the measured round trips begin; after them a line
// `latency_us p50=<µs> p90=<µs> p99=<µs> p999=<µs> max=<µs>` (every measured round trip timed with
// steady_clock, nearest-rank percentiles), a line `cpu_us=<µs>` (the process's CPU time, user +
// system, over the measured round trips, per round trip), then, the LAST line of stdout,
// `rps=<requests per second>` (e.g. `rps=12345.6`).
// Any failure prints `ws_echo_client: <what>: <why>` on stderr and exits 1 (2 for bad usage).
// TLS does not verify the certificate (self-signed loopback server) but sends SNI for names.

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it.

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <sys/resource.h>

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kWarmup = 100;

struct Options {
  bool async = false;
  bool secure = false;
  std::string host;
  std::string port;
  std::size_t size = 0;
  double seconds = 0;
};

// Names what failed; the error code says why.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Result {
  std::uint64_t count = 0;
  double seconds = 0;
  // The process's CPU time over the measured round trips, in seconds.
  double cpu_seconds = 0;
  // Every measured round trip, from its write to its echo's end.
  std::vector<Clock::duration> round_trips;
};

// User + system CPU time of the whole process so far, in seconds.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The measured round trips begin: says so on stdout (the server benchmark reads the server's CPU time
// then) and returns the process's CPU time so far.
double begin_measuring() {
  std::printf("MEASURING\n");
  std::fflush(stdout);
  return process_cpu_seconds();
}

// Room for the round trips of a run (loopback stays under 100k/s), so that growing the vector (a
// copy, which would show as one slow round trip) does not happen in runs of up to 2 minutes.
// Pages are touched only as they fill.
void reserve_round_trips(Result& result, const Options& opt) {
  const double seconds = std::min(opt.seconds, 120.0);
  result.round_trips.reserve(static_cast<std::size_t>(seconds * 100000) + 1024);
}

// Nearest rank: the smallest round trip that at least p% of them do not exceed.
double percentile_us(const std::vector<Clock::duration>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return std::chrono::duration<double, std::micro>(sorted[rank - 1]).count();
}

void check_echo(bool got_binary, std::size_t got, std::size_t expected) {
  if (!got_binary) throw Failure("echo mismatch: expected a binary message, got text");
  if (got != expected)
    throw Failure("echo mismatch: sent " + std::to_string(expected) + " bytes, got " +
                  std::to_string(got));
}

template <class WebSocket>
void configure(WebSocket& ws, const Options& opt) {
  ws.binary(true);
  ws.auto_fragment(false);
  ws.read_message_max(std::max<std::size_t>(opt.size + 1, 64 * 1024 * 1024));
  // A client masks into this buffer before writing: sized to the message it is one write
  // per frame, instead of one per 4 KiB (Beast's default).
  ws.write_buffer_bytes(std::max<std::size_t>(opt.size, 4096));
}

void set_sni(SSL* handle, const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  if (ec && !SSL_set_tlsext_host_name(handle, host.c_str()))  // SNI is for names, not IPs
    throw Failure("tls: cannot set SNI");
}

template <class WebSocket>
Result run_sync(WebSocket& ws, const Options& opt) {
  const std::vector<unsigned char> payload(opt.size, 0x5a);
  beast::flat_buffer buffer;
  buffer.reserve(opt.size + 1);
  const auto round_trip = [&] {
    ws.write(net::buffer(payload));
    ws.read(buffer);
    check_echo(ws.got_binary(), buffer.size(), opt.size);
    buffer.consume(buffer.size());
  };
  for (int i = 0; i < kWarmup; ++i) round_trip();
  Result result;
  reserve_round_trips(result, opt);
  const double cpu_at_start = begin_measuring();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(opt.seconds);
  // One clock read per round trip: it ends this one and starts the next.
  Clock::time_point sent = start, now;
  do {
    round_trip();
    ++result.count;
    now = Clock::now();
    result.round_trips.push_back(now - sent);
    sent = now;
  } while (now < end);
  result.seconds = std::chrono::duration<double>(now - start).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_at_start;
  ws.close(websocket::close_code::normal);
  return result;
}

template <class WebSocket>
net::awaitable<Result> run_async(WebSocket& ws, const Options& opt) {
  const std::vector<unsigned char> payload(opt.size, 0x5a);
  beast::flat_buffer buffer;
  buffer.reserve(opt.size + 1);
  const auto round_trip = [&]() -> net::awaitable<void> {
    co_await ws.async_write(net::buffer(payload), net::use_awaitable);
    co_await ws.async_read(buffer, net::use_awaitable);
    check_echo(ws.got_binary(), buffer.size(), opt.size);
    buffer.consume(buffer.size());
  };
  for (int i = 0; i < kWarmup; ++i) co_await round_trip();
  Result result;
  reserve_round_trips(result, opt);
  const double cpu_at_start = begin_measuring();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(opt.seconds);
  // One clock read per round trip: it ends this one and starts the next.
  Clock::time_point sent = start, now;
  do {
    co_await round_trip();
    ++result.count;
    now = Clock::now();
    result.round_trips.push_back(now - sent);
    sent = now;
  } while (now < end);
  result.seconds = std::chrono::duration<double>(now - start).count();
  result.cpu_seconds = process_cpu_seconds() - cpu_at_start;
  co_await ws.async_close(websocket::close_code::normal, net::use_awaitable);
  co_return result;
}

// Runs a step and turns its error into a Failure that names the step.
template <class F>
auto step(const char* what, F&& f) {
  try {
    return f();
  } catch (const boost::system::system_error& e) {
    throw Failure(std::string(what) + ": " + e.code().message());
  }
}

template <class F>
net::awaitable<void> step_async(const char* what, F f) {
  try {
    co_await f();
  } catch (const boost::system::system_error& e) {
    throw Failure(std::string(what) + ": " + e.code().message());
  }
}

Result sync_client(const Options& opt) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto endpoints = step("resolve", [&] { return resolver.resolve(opt.host, opt.port); });
  const std::string host_header = opt.host + ":" + opt.port;
  if (!opt.secure) {
    websocket::stream<tcp::socket> ws(ioc);
    configure(ws, opt);
    step("connect", [&] { net::connect(ws.next_layer(), endpoints); });
    ws.next_layer().set_option(tcp::no_delay(true));
    step("websocket handshake", [&] { ws.handshake(host_header, "/"); });
    return step("echo", [&] { return run_sync(ws, opt); });
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, ctx);
  configure(ws, opt);
  set_sni(ws.next_layer().native_handle(), opt.host);
  step("connect", [&] { net::connect(beast::get_lowest_layer(ws), endpoints); });
  beast::get_lowest_layer(ws).set_option(tcp::no_delay(true));
  step("tls handshake", [&] { ws.next_layer().handshake(ssl::stream_base::client); });
  step("websocket handshake", [&] { ws.handshake(host_header, "/"); });
  return step("echo", [&] { return run_sync(ws, opt); });
}

template <class WebSocket>
net::awaitable<void> async_session(WebSocket& ws, const Options& opt, Result& out) {
  tcp::resolver resolver(co_await net::this_coro::executor);
  tcp::resolver::results_type endpoints;
  co_await step_async("resolve", [&]() -> net::awaitable<void> {
    endpoints = co_await resolver.async_resolve(opt.host, opt.port, net::use_awaitable);
  });
  co_await step_async("connect", [&]() -> net::awaitable<void> {
    co_await net::async_connect(beast::get_lowest_layer(ws), endpoints, net::use_awaitable);
  });
  beast::get_lowest_layer(ws).set_option(tcp::no_delay(true));
  if constexpr (!std::is_same_v<typename WebSocket::next_layer_type, tcp::socket>) {
    co_await step_async("tls handshake", [&]() -> net::awaitable<void> {
      co_await ws.next_layer().async_handshake(ssl::stream_base::client, net::use_awaitable);
    });
  }
  co_await step_async("websocket handshake", [&]() -> net::awaitable<void> {
    co_await ws.async_handshake(opt.host + ":" + opt.port, "/", net::use_awaitable);
  });
  co_await step_async("echo", [&]() -> net::awaitable<void> { out = co_await run_async(ws, opt); });
}

template <class WebSocket>
void run_on(net::io_context& ioc, WebSocket& ws, const Options& opt, Result& result) {
  std::exception_ptr error;
  net::co_spawn(ioc, async_session(ws, opt, result), [&](std::exception_ptr e) { error = e; });
  ioc.run();
  if (error) std::rethrow_exception(error);
}

Result async_client(const Options& opt) {
  net::io_context ioc(1);
  Result result;
  if (!opt.secure) {
    websocket::stream<tcp::socket> ws(ioc);
    configure(ws, opt);
    run_on(ioc, ws, opt, result);
    return result;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, ctx);
  configure(ws, opt);
  set_sni(ws.next_layer().native_handle(), opt.host);
  run_on(ioc, ws, opt, result);
  return result;
}

bool parse_flag(const std::string& text, const char* name) {
  if (text == "1") return true;
  if (text == "0") return false;
  throw std::invalid_argument(std::string(name) + " must be 1 or 0, got '" + text + "'");
}

Options parse(int argc, char** argv) {
  if (argc != 7)
    throw std::invalid_argument(
        "usage: ws_echo_client <is_async 1|0> <is_secure 1|0> <host> <port> <msg_size> <duration_sec>");
  Options opt;
  opt.async = parse_flag(argv[1], "is_async");
  opt.secure = parse_flag(argv[2], "is_secure");
  opt.host = argv[3];
  opt.port = argv[4];
  std::size_t used = 0;
  const std::string size = argv[5], seconds = argv[6];
  if (size.empty() || size[0] == '-') throw std::invalid_argument("bad msg_size: " + size);
  opt.size = std::stoull(size, &used);
  if (used != size.size()) throw std::invalid_argument("bad msg_size: " + size);
  opt.seconds = std::stod(seconds, &used);
  if (used != seconds.size() || !(opt.seconds > 0))
    throw std::invalid_argument("bad duration_sec: " + seconds);
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ws_echo_client: " << e.what() << '\n';
    return 2;
  }
  try {
    Result result = opt.async ? async_client(opt) : sync_client(opt);
    std::printf("requests=%llu seconds=%.3f\n", static_cast<unsigned long long>(result.count),
                result.seconds);
    auto& sorted = result.round_trips;
    std::sort(sorted.begin(), sorted.end());
    std::printf("latency_us p50=%.1f p90=%.1f p99=%.1f p999=%.1f max=%.1f\n",
                percentile_us(sorted, 50), percentile_us(sorted, 90), percentile_us(sorted, 99),
                percentile_us(sorted, 99.9), percentile_us(sorted, 100));
    std::printf("cpu_us=%.1f\n", result.cpu_seconds * 1e6 / static_cast<double>(result.count));
    std::printf("rps=%.1f\n", static_cast<double>(result.count) / result.seconds);
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ws_echo_client: " << e.what() << '\n';
    return 1;
  }
}
