#include "cli/client_commands.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/progress.h"

namespace fluxo {

namespace {

constexpr const char* kFlows = "/data/foundation/flowservice/flows";
constexpr const char* kRuns = "/data/foundation/flowservice/runs";
constexpr const char* kExport = "/data/foundation/export";

// Exit statuses (client_commands.h).
constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2;

// A failure: the exit status and the message for stderr.
struct Failure {
  int exit_code;
  std::string message;
};

// A value as a table cell: strings as they are, doubles in their shortest form ("2.5", not
// Boost's "2.5E0"), anything else as JSON.
std::string Str(const json::value& v, std::string_view path) {
  const json::value* x = FindPath(v, path);
  if (!x || x->is_null()) return "";
  if (x->is_string()) return std::string(x->as_string());
  if (x->is_double()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x->as_double());
    if (ec == std::errc()) return std::string(buf, end);
  }
  return json::serialize(*x);
}

// "2024-01-01", "2024-01-01T10:00[:00][Z]" (UTC) or epoch seconds -> epoch seconds.
Result<int64_t> ParseInstant(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<int64_t>(std::stoll(s));
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char tail[8] = {0};
  int n =
      std::sscanf(s.c_str(), "%4d-%2d-%2d%*[T ]%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &sec, tail);
  if (n < 3) n = std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &mo, &d);
  bool ok = n >= 3 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && sec < 61 &&
            (tail[0] == 0 || std::string(tail) == "Z");
  if (n == 3 && s.size() != 10) ok = false;
  if (!ok) {
    return Status::InvalidArgument("'" + s +
                                   "' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z], UTC) or "
                                   "epoch seconds");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

std::string IsoUtcAlways(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "" for 0 (a time not reached yet).
std::string IsoUtc(int64_t epoch_ms) {
  if (epoch_ms <= 0) return "";
  return IsoUtcAlways(epoch_ms);
}

int64_t IntAt(const json::value& v, std::string_view path) {
  const json::value* x = FindPath(v, path);
  if (x && x->is_int64()) return x->as_int64();
  if (x && x->is_uint64()) return static_cast<int64_t>(x->as_uint64());
  if (x && x->is_string()) {
    try {
      return std::stoll(std::string(x->as_string()));
    } catch (...) {
    }
  }
  return 0;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t i = 0; i < w.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      out += cell;
      if (i + 1 < w.size()) out += std::string(w[i] - cell.size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& [k, v] : fields) w = std::max(w, k.size());
  for (const auto& [k, v] : fields) {
    if (!v.empty()) std::cout << k << std::string(w - k.size() + 2, ' ') << v << "\n";
  }
}

}  // namespace

struct ClientCommands::State {
  LoginFlags flags;
  std::string output = "table";
  std::string id, flow, window, delta_column;
  bool wait = false;
  int poll_ms = 500;
  int limit = 100;
  // The command that was given and its implementation.
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  std::unique_ptr<ApiClient> client;

  bool Json() const { return output == "json"; }

  Result<ApiClient*> Client() {
    if (!client) {
      ASSIGN_OR_RETURN(fluxo::Login login, ResolveLogin(flags));
      client = std::make_unique<ApiClient>(std::move(login));
    }
    return client.get();
  }

  // Calls the API; a 2xx reply's body, or the Failure to report (4xx: usage, 5xx: failed).
  std::variant<json::value, Failure> Call(const std::string& method, const std::string& path,
                                          const json::value* body = nullptr) {
    auto c = Client();
    if (!c.ok()) return Failure{kExitUsage, c.status().message()};
    auto r = (*c)->Call(method, path, body);
    if (!r.ok()) {
      int code = r.status().code() == StatusCode::kUnauthenticated ? kExitUsage : kExitFailed;
      return Failure{code, r.status().message()};
    }
    if (r->status >= 200 && r->status < 300) return std::move(r->body);
    return Failure{r->status >= 500 ? kExitFailed : kExitUsage, ReplyMessage(*r)};
  }

  void Print(const json::value& v) { std::cout << json::serialize(v) << "\n"; }

  int Fail(const Failure& f) {
    std::cerr << "fluxo: " << f.message << "\n";
    return f.exit_code;
  }

  // Runs `fn` on the 2xx body of a call, or reports its failure.
  int With(const std::string& method, const std::string& path,
           const std::function<int(const json::value&)>& fn, const json::value* body = nullptr) {
    auto r = Call(method, path, body);
    if (auto* f = std::get_if<Failure>(&r)) return Fail(*f);
    return fn(std::get<json::value>(r));
  }

  // Every page of a list (follows _links.next).
  std::variant<json::array, Failure> ListAll(const std::string& base, const std::string& query) {
    json::array all;
    std::string path = base + "?" + query;
    for (int page = 0; page < 1000; ++page) {
      auto r = Call("GET", path);
      if (auto* f = std::get_if<Failure>(&r)) return *f;
      const json::value& body = std::get<json::value>(r);
      if (const json::value* items = FindPath(body, "items"); items && items->is_array()) {
        for (const auto& x : items->as_array()) all.push_back(x);
      }
      std::string next = Str(body, "_links.next.href");
      if (next.empty() || static_cast<int>(all.size()) >= limit) break;
      // The href is relative to the service root ("/runs?continuationToken=...").
      size_t q = next.find('?');
      path = base + (q == std::string::npos ? "" : next.substr(q));
    }
    return all;
  }

  int SignIn();
  int FlowsList();
  int FlowsShow();
  int FlowAction(const std::string& op);
  int RunsCreate();
  int RunsList();
  int RunsShow();
  int RunsErrors();
  int RunAction(const std::string& op);
  int DatasetsPreview();
  int Wait(const std::string& run_id);
};

namespace {

std::vector<std::string> FlowRow(const json::value& f) {
  return {Str(f, "id"),
          Str(f, "name"),
          Str(f, "state"),
          Str(f, "scheduleParams.frequency"),
          Str(f, "lastRunDetails.state"),
          IsoUtc(IntAt(f, "lastRunDetails.completedAtUTC"))};
}

std::vector<std::string> RunRow(const json::value& r) {
  RunProgress p = ProgressOf(r);
  return {Str(r, "id"), p.status,
          IsoUtcAlways(IntAt(r, "params.windowStartTime") * 1000) + ".." +
              IsoUtcAlways(IntAt(r, "params.windowEndTime") * 1000),
          Grouped(IntAt(r, "metrics.recordSummary.outputRecordCount")),
          IsoUtc(IntAt(r, "createdAt"))};
}

// The batch ids a run committed (promotionActivity.targetInfo[].reference.ids).
std::string BatchIds(const json::value& run) {
  std::string out;
  const json::value* acts = FindPath(run, "activities");
  if (!acts || !acts->is_array()) return out;
  for (const auto& a : acts->as_array()) {
    const json::value* ti = FindPath(a, "targetInfo");
    if (!ti || !ti->is_array()) continue;
    for (const auto& t : ti->as_array()) {
      const json::value* ids = FindPath(t, "reference.ids");
      if (!ids || !ids->is_array()) continue;
      for (const auto& id : ids->as_array()) {
        if (!id.is_string()) continue;
        if (!out.empty()) out += ",";
        out += std::string(id.as_string());
      }
    }
  }
  return out;
}

const json::value& FirstItem(const json::value& body) {
  static const json::value kNull;
  const json::value* items = FindPath(body, "items");
  if (items && items->is_array() && !items->as_array().empty()) return items->as_array()[0];
  return kNull;
}

}  // namespace

int ClientCommands::State::SignIn() {
  auto c = Client();
  if (!c.ok()) return Fail({kExitUsage, c.status().message()});
  Status s = (*c)->Authenticate();
  if (!s.ok())
    return Fail({s.code() == StatusCode::kUnauthenticated ? kExitUsage : kExitFailed, s.message()});
  Status saved = SaveLogin((*c)->login());
  if (!saved.ok()) return Fail({kExitFailed, saved.message()});
  const auto& l = (*c)->login();
  if (Json()) {
    Print(json::object{{"server", l.server},
                       {"client_id", l.client_id},
                       {"org_id", l.org},
                       {"sandbox_name", l.sandbox},
                       {"saved", LoginFilePath()}});
  } else {
    std::cout << "logged in to " << l.server << " as " << l.client_id << " (org " << l.org
              << ", sandbox " << l.sandbox << "); saved to " << LoginFilePath() << "\n";
  }
  return kExitOk;
}

int ClientCommands::State::FlowsList() {
  auto r = ListAll(kFlows, "limit=" + std::to_string(std::min(limit, 1000)));
  if (auto* f = std::get_if<Failure>(&r)) return Fail(*f);
  const json::array& flows = std::get<json::array>(r);
  if (Json()) {
    Print(flows);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : flows) rows.push_back(FlowRow(f));
  PrintTable({"ID", "NAME", "STATE", "FREQUENCY", "LAST RUN", "COMPLETED"}, rows);
  return kExitOk;
}

int ClientCommands::State::FlowsShow() {
  return With("GET", std::string(kFlows) + "/" + id, [&](const json::value& body) {
    const json::value& f = FirstItem(body);
    if (Json()) {
      Print(f);
      return kExitOk;
    }
    PrintFields({{"id", Str(f, "id")},
                 {"name", Str(f, "name")},
                 {"state", Str(f, "state")},
                 {"flowSpec", Str(f, "flowSpec.id")},
                 {"schedule", Str(f, "scheduleParams")},
                 {"sources", Str(f, "sourceConnectionIds")},
                 {"targets", Str(f, "targetConnectionIds")},
                 {"transformations", Str(f, "transformations")},
                 {"last run", Str(f, "lastRunDetails.id") + " " + Str(f, "lastRunDetails.state")},
                 {"etag", Str(f, "etag")}});
    return kExitOk;
  });
}

int ClientCommands::State::FlowAction(const std::string& op) {
  return With("POST", std::string(kFlows) + "/" + id + "/action?op=" + op,
              [&](const json::value& body) {
                if (Json()) {
                  Print(body);
                } else {
                  std::cout << "flow " << id << " " << op << "d\n";
                }
                return kExitOk;
              });
}

int ClientCommands::State::RunsCreate() {
  size_t dots = window.find("..");
  if (dots == std::string::npos) {
    return Fail({kExitUsage, "--window must be START..END (e.g. 2024-01-01..2024-02-01)"});
  }
  auto start = ParseInstant(window.substr(0, dots));
  auto end = ParseInstant(window.substr(dots + 2));
  if (!start.ok()) return Fail({kExitUsage, "--window start: " + start.status().message()});
  if (!end.ok()) return Fail({kExitUsage, "--window end: " + end.status().message()});
  json::object params{{"windowStartTime", *start}, {"windowEndTime", *end}};
  if (!delta_column.empty()) params["deltaColumn"] = json::object{{"name", delta_column}};
  json::value body = json::object{{"flowId", flow}, {"params", std::move(params)}};
  auto r = Call("POST", kRuns, &body);
  if (auto* f = std::get_if<Failure>(&r)) return Fail(*f);
  std::string run_id = Str(FirstItem(std::get<json::value>(r)), "id");
  if (run_id.empty()) return Fail({kExitFailed, "the server answered no run id"});
  if (wait) return Wait(run_id);
  if (Json()) {
    Print(json::object{{"id", run_id}});
  } else {
    std::cout << "run " << run_id << " created for flow " << flow << "\n";
  }
  return kExitOk;
}

// Polls the run until it finishes, drawing progress on `out` (stdout, or stderr with --output
// json so that stdout holds only the final JSON): a bar on a terminal, plain lines otherwise.
int ClientCommands::State::Wait(const std::string& run_id) {
  FILE* out = Json() ? stderr : stdout;
  bool tty = ::isatty(::fileno(out)) == 1;
  auto t0 = std::chrono::steady_clock::now();
  std::string last_line;
  json::value run;
  if (!Json()) std::fprintf(out, "run %s created; waiting for it to finish\n", run_id.c_str());
  while (true) {
    auto r = Call("GET", std::string(kRuns) + "/" + run_id);
    if (auto* f = std::get_if<Failure>(&r)) {
      if (tty) std::fputc('\n', out);
      return Fail(*f);
    }
    run = FirstItem(std::get<json::value>(r));
    RunProgress p = ProgressOf(run);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (tty) {
      std::fprintf(out, "\r%s\x1b[K", ProgressBar(p, elapsed, 100).c_str());
    } else {
      // A new line only when something but the clock changed.
      std::string key = p.status + " " + std::to_string(p.rows) + " " + std::to_string(p.bytes);
      if (key != last_line) std::fprintf(out, "%s\n", ProgressLine(p, elapsed).c_str());
      last_line = key;
    }
    std::fflush(out);
    if (p.Finished()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  if (tty) std::fputc('\n', out);
  RunProgress p = ProgressOf(run);
  if (Json()) {
    Print(run);
  } else {
    std::printf("run %s %s: %s rows read, %s written, %s failed, %s; batch %s\n", run_id.c_str(),
                p.status.c_str(), Grouped(p.rows).c_str(),
                Grouped(IntAt(run, "metrics.recordSummary.outputRecordCount")).c_str(),
                Grouped(IntAt(run, "metrics.recordSummary.failedRecordCount")).c_str(),
                HumanBytes(p.bytes).c_str(), BatchIds(run).empty() ? "-" : BatchIds(run).c_str());
  }
  if (p.status == "success") return kExitOk;
  const json::value* errors = FindPath(run, "metrics.statusSummary.errors");
  if (errors && errors->is_array()) {
    for (const auto& e : errors->as_array()) {
      std::cerr << "fluxo: run " << p.status << ": " << Str(e, "code") << " " << Str(e, "message")
                << "\n";
    }
  }
  return kExitFailed;
}

int ClientCommands::State::RunsList() {
  std::string q = "limit=" + std::to_string(std::min(limit, 1000));
  if (!flow.empty()) q += "&property=flowId%3D%3D" + flow;
  auto r = ListAll(kRuns, q);
  if (auto* f = std::get_if<Failure>(&r)) return Fail(*f);
  const json::array& runs = std::get<json::array>(r);
  if (Json()) {
    Print(runs);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : runs) rows.push_back(RunRow(x));
  PrintTable({"ID", "STATUS", "WINDOW", "RECORDS", "CREATED"}, rows);
  return kExitOk;
}

int ClientCommands::State::RunsShow() {
  return With("GET", std::string(kRuns) + "/" + id, [&](const json::value& body) {
    const json::value& r = FirstItem(body);
    if (Json()) {
      Print(r);
      return kExitOk;
    }
    RunProgress p = ProgressOf(r);
    PrintFields(
        {{"id", Str(r, "id")},
         {"flow", Str(r, "flowId")},
         {"status", p.status},
         {"window", IsoUtcAlways(IntAt(r, "params.windowStartTime") * 1000) + " .. " +
                        IsoUtcAlways(IntAt(r, "params.windowEndTime") * 1000)},
         {"started", IsoUtc(IntAt(r, "metrics.durationSummary.startedAtUTC"))},
         {"completed", IsoUtc(IntAt(r, "metrics.durationSummary.completedAtUTC"))},
         {"records", Grouped(p.rows) + " read, " +
                         Grouped(IntAt(r, "metrics.recordSummary.outputRecordCount")) +
                         " written, " +
                         Grouped(IntAt(r, "metrics.recordSummary.failedRecordCount")) + " failed"},
         {"bytes", HumanBytes(p.bytes) + " read, " +
                       HumanBytes(IntAt(r, "metrics.sizeSummary.outputBytes")) + " written"},
         {"files", Grouped(p.files) + " read, " +
                       Grouped(IntAt(r, "metrics.fileSummary.outputFileCount")) + " written"},
         {"batch", BatchIds(r)},
         {"errors", Str(r, "metrics.statusSummary.errors") == "[]"
                        ? ""
                        : Str(r, "metrics.statusSummary.errors")}});
    return kExitOk;
  });
}

int ClientCommands::State::RunsErrors() {
  return With("GET", std::string(kRuns) + "/" + id, [&](const json::value& body) {
    const json::value* errors = FindPath(FirstItem(body), "metrics.statusSummary.errors");
    json::array list = errors && errors->is_array() ? errors->as_array() : json::array{};
    if (Json()) {
      Print(list);
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : list) {
      rows.push_back({Str(e, "code"), Str(e, "recordCount"), Str(e, "message")});
    }
    if (rows.empty()) {
      std::cout << "run " << id << " has no errors\n";
    } else {
      PrintTable({"CODE", "RECORDS", "MESSAGE"}, rows);
    }
    return kExitOk;
  });
}

int ClientCommands::State::RunAction(const std::string& op) {
  return With(
      "POST", std::string(kRuns) + "/" + id + "/action?op=" + op, [&](const json::value& body) {
        if (Json()) {
          Print(body);
        } else if (op == "cancel") {
          std::cout << "run " << id << " cancelled\n";
        } else {
          std::cout << "run " << Str(body, "id") << " created by re-triggering " << id << "\n";
        }
        return kExitOk;
      });
}

int ClientCommands::State::DatasetsPreview() {
  return With("GET", std::string(kExport) + "/datasets/" + id + "/preview",
              [&](const json::value& body) {
                const json::value* data = FindPath(body, "data");
                json::array rows = data && data->is_array() ? data->as_array() : json::array{};
                if (static_cast<int>(rows.size()) > limit) rows.resize(limit);
                if (Json()) {
                  Print(rows);
                  return kExitOk;
                }
                std::vector<std::string> header;
                for (const auto& row : rows) {
                  if (!row.is_object()) continue;
                  for (const auto& kv : row.as_object()) {
                    std::string k(kv.key());
                    if (std::find(header.begin(), header.end(), k) == header.end())
                      header.push_back(k);
                  }
                }
                std::vector<std::vector<std::string>> cells;
                for (const auto& row : rows) {
                  std::vector<std::string> line;
                  for (const auto& k : header) line.push_back(Str(row, k));
                  cells.push_back(std::move(line));
                }
                if (header.empty()) {
                  std::cout << "dataset " << id << " has no rows yet\n";
                } else {
                  PrintTable(header, cells);
                }
                return kExitOk;
              });
}

namespace {

void AddConnectionFlags(CLI::App* cmd, ClientCommands::State* s) {
  cmd->add_option("--server", s->flags.server, "fluxo URL (default http://127.0.0.1:8080)")
      ->envname("FLUXO_SERVER");
  cmd->add_option("--client-id", s->flags.client_id, "API client id (FLUXO_CLIENT_ID)");
  cmd->add_option("--client-secret", s->flags.client_secret,
                  "API client secret (FLUXO_CLIENT_SECRET)");
  cmd->add_option("--org", s->flags.org, "IMS org id (FLUXO_ORG_ID)");
  cmd->add_option("--sandbox", s->flags.sandbox, "Sandbox name (FLUXO_SANDBOX, default prod)");
  cmd->add_option("--credentials", s->flags.credentials_file, "A credentials.json to sign in with")
      ->envname("FLUXO_CREDENTIALS");
  cmd->add_option("--data", s->flags.data_dir,
                  "Data dir whose credentials.json is used when nothing else is given")
      ->envname("FLUXO_DATA");
  cmd->add_option("--output,-o", s->output, "table|json")->check(CLI::IsMember({"table", "json"}));
}

}  // namespace

ClientCommands::ClientCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State* s = state_.get();
  auto add = [s](CLI::App* cmd, std::function<int()> fn) {
    AddConnectionFlags(cmd, s);
    s->commands.emplace_back(cmd, std::move(fn));
    return cmd;
  };
  add(app.add_subcommand("login", "Sign in to a fluxo server and remember it"),
      [s] { return s->SignIn(); });

  auto* flows = app.add_subcommand("flows", "Dataflows (through the API)");
  flows->require_subcommand(1);
  add(flows->add_subcommand("list", "List the dataflows"), [s] { return s->FlowsList(); });
  for (const char* verb : {"show", "enable", "disable"}) {
    std::string v = verb;
    auto* cmd = add(flows->add_subcommand(v, v == "show" ? "Show a dataflow"
                                                         : (v == "enable" ? "Enable a dataflow"
                                                                          : "Disable a dataflow")),
                    [s, v] { return v == "show" ? s->FlowsShow() : s->FlowAction(v); });
    cmd->add_option("id", s->id, "Flow id")->required();
  }

  auto* runs = app.add_subcommand("runs", "Flow runs (through the API)");
  runs->require_subcommand(1);
  auto* create = add(runs->add_subcommand("create", "Run a `once` flow over a window"),
                     [s] { return s->RunsCreate(); });
  create->add_option("--flow", s->flow, "Flow id")->required();
  create
      ->add_option("--window", s->window,
                   "START..END, half-open, UTC: dates (2024-01-01), times "
                   "(2024-01-01T10:00:00Z) or epoch seconds")
      ->required();
  create->add_option("--delta-column", s->delta_column,
                     "Delta column of a table-based flow's first run");
  create->add_flag("--wait", s->wait, "Wait for the run to finish, showing its progress");
  create->add_option("--poll-ms", s->poll_ms, "Milliseconds between two polls with --wait")
      ->check(CLI::Range(50, 60000));
  auto* list = add(runs->add_subcommand("list", "List runs"), [s] { return s->RunsList(); });
  list->add_option("--flow", s->flow, "Only the runs of this flow");
  list->add_option("--limit", s->limit, "At most this many runs")->check(CLI::Range(1, 100000));
  for (const char* verb : {"show", "errors", "cancel", "retrigger"}) {
    std::string v = verb;
    const char* help = v == "show"     ? "Show a run: status, window, metrics, batch"
                       : v == "errors" ? "List a run's errors with their codes"
                       : v == "cancel" ? "Cancel a scheduled or running run"
                                       : "Run a failed run's window again";
    auto* cmd = add(runs->add_subcommand(v, help), [s, v] {
      if (v == "show") return s->RunsShow();
      if (v == "errors") return s->RunsErrors();
      return s->RunAction(v == "cancel" ? "cancel" : "re-trigger");
    });
    cmd->add_option("id", s->id, "Run id")->required();
  }

  auto* datasets = app.add_subcommand("datasets", "Datasets (through the API)");
  datasets->require_subcommand(1);
  auto* preview = add(datasets->add_subcommand("preview", "Show the first rows of a dataset"),
                      [s] { return s->DatasetsPreview(); });
  preview->add_option("id", s->id, "Dataset id")->required();
  preview->add_option("--limit", s->limit, "At most this many rows")->check(CLI::Range(1, 100));
}

ClientCommands::~ClientCommands() = default;

bool ClientCommands::parsed() const {
  for (const auto& [cmd, fn] : state_->commands) {
    if (cmd->parsed()) return true;
  }
  return false;
}

int ClientCommands::Run() {
  for (const auto& [cmd, fn] : state_->commands) {
    if (cmd->parsed()) return fn();
  }
  return kExitUsage;
}

}  // namespace fluxo
