// ApiError: an HTTP-facing error with the Flow Service envelope (see CONTRACT.md "Errors").
//
// Only src/api chooses HTTP statuses. Handlers return ApiError for anything not 2xx.
#pragma once

#include <string>

#include "base/status.h"

namespace fluxo {

struct ApiError {
  int http_status = 500;
  // Flow Service code, e.g. 1101 -> type ".../FLOW-1101-404". 0 for gateway errors.
  int code = 0;
  std::string message;           // errorMessage and report.detailed-message; names the field
  std::string resource_type;     // report.type ("flows", "connections"); may be empty
  std::string resource_id;       // report.id; may be empty
  // Gateway errors (auth) use {"error_code","message"} instead of the envelope.
  std::string gateway_error_code;  // e.g. "401013"; non-empty selects the gateway shape

  static ApiError Flow(int http, int code, std::string message, std::string type = "",
                       std::string id = "") {
    ApiError e;
    e.http_status = http;
    e.code = code;
    e.message = std::move(message);
    e.resource_type = std::move(type);
    e.resource_id = std::move(id);
    return e;
  }
  static ApiError Gateway(int http, std::string error_code, std::string message) {
    ApiError e;
    e.http_status = http;
    e.gateway_error_code = std::move(error_code);
    e.message = std::move(message);
    return e;
  }
  static ApiError BadRequest(int code, std::string message) {
    return Flow(400, code, std::move(message));
  }
  static ApiError NotFound(std::string type, std::string id) {
    return Flow(404, 1101, "Resource not found with id " + id + " of type " + type, type, id);
  }
};

// Maps a Status from a lower layer onto an ApiError (NotFound -> 404/1101, InvalidArgument ->
// 400/1380-style generic code `bad_request_code`, FailedPrecondition -> 412/1404, others -> 500).
ApiError FromStatus(const Status& s, int bad_request_code = 1410);

}  // namespace fluxo
