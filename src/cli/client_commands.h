// The CLI as an API client: `fluxo login`, `fluxo flows list|show|enable|disable`,
// `fluxo runs create|list|show|errors|cancel|retrigger`, `fluxo datasets preview`.
// Everything goes through the public HTTP API (api_client.h); nothing opens the store.
//
// Exit status: 0 success; 1 the run failed or was cancelled (`runs create --wait`), the server
// could not be reached or answered 5xx; 2 usage errors: bad flags, or the API refused the
// request (4xx), with the API's message printed on stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace fluxo {

class ClientCommands {
 public:
  // Adds the commands to `app`; they share the connection flags (--server, --client-id,
  // --client-secret, --org, --sandbox, --credentials, --data) and --output table|json.
  explicit ClientCommands(CLI::App& app);
  ~ClientCommands();

  // True when one of these commands was given (after app.parse()).
  bool parsed() const;
  // Runs the given command; returns the exit status.
  int Run();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace fluxo
