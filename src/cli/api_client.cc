#include "cli/api_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace fluxo {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Or(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

Result<json::object> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " does not exist");
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(json::value v, ParseJson(ss.str()));
  if (!v.is_object()) return Status::InvalidArgument(path + " is not a JSON object");
  return std::move(v.as_object());
}

std::string Str(const json::object& o, const char* key) {
  auto s = GetString(o, key);
  return s ? *s : "";
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string FormEscape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

}  // namespace

std::string LoginFilePath() {
  if (std::string d = Env("FLUXO_CONFIG_DIR"); !d.empty()) return d + "/login.json";
  if (std::string x = Env("XDG_CONFIG_HOME"); !x.empty()) return x + "/fluxo/login.json";
  return Env("HOME") + "/.config/fluxo/login.json";
}

Result<Login> ResolveLogin(const LoginFlags& f) {
  Login l;
  l.client_id = Or(f.client_id, Env("FLUXO_CLIENT_ID"));
  l.client_secret = Or(f.client_secret, Env("FLUXO_CLIENT_SECRET"));
  l.org = Or(f.org, Env("FLUXO_ORG_ID"));
  l.sandbox = Or(f.sandbox, Env("FLUXO_SANDBOX"));
  l.source = "flags or environment";
  std::string saved_server;
  if (l.client_id.empty() || l.client_secret.empty()) {
    std::string file = Or(f.credentials_file, Env("FLUXO_CREDENTIALS"));
    std::vector<std::string> candidates;
    if (!file.empty()) {
      candidates = {file};
    } else {
      candidates = {LoginFilePath(), f.data_dir + "/credentials.json"};
    }
    for (const std::string& path : candidates) {
      auto o = ReadJsonFile(path);
      if (!o.ok()) {
        if (!file.empty()) return Status::InvalidArgument("--credentials: " + o.status().message());
        continue;
      }
      l.client_id = Or(l.client_id, Str(*o, "client_id"));
      l.client_secret = Or(l.client_secret, Str(*o, "client_secret"));
      l.org = Or(l.org, Str(*o, "org_id"));
      l.sandbox = Or(l.sandbox, Str(*o, "sandbox_name"));
      saved_server = Str(*o, "server");
      l.source = path;
      break;
    }
  }
  l.server = Or(Or(f.server, Env("FLUXO_SERVER")), Or(saved_server, "http://127.0.0.1:8080"));
  while (!l.server.empty() && l.server.back() == '/') l.server.pop_back();
  if (l.sandbox.empty()) l.sandbox = "prod";
  if (l.client_id.empty() || l.client_secret.empty() || l.org.empty()) {
    return Status::InvalidArgument(
        "no credentials: run `fluxo login`, pass --client-id, --client-secret and --org (or "
        "FLUXO_CLIENT_ID, FLUXO_CLIENT_SECRET, FLUXO_ORG_ID), or --credentials FILE (default " +
        f.data_dir + "/credentials.json)");
  }
  return l;
}

Status SaveLogin(const Login& l) {
  std::string path = LoginFilePath();
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  std::string text = json::serialize(json::object{{"server", l.server},
                                                  {"client_id", l.client_id},
                                                  {"client_secret", l.client_secret},
                                                  {"org_id", l.org},
                                                  {"sandbox_name", l.sandbox}}) +
                     "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Status::OK() : Status::Unavailable("cannot write " + path);
}

Result<ApiReply> ApiClient::Send(const std::string& method, const std::string& url,
                                 const std::vector<std::string>& headers, const std::string& body) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status::Internal("curl_easy_init failed");
  struct curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> hold(list, curl_slist_free_all);
  ApiReply reply;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.text);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (method != "GET" && method != "DELETE") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot reach " + login_.server + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  if (!reply.text.empty()) {
    auto parsed = ParseJson(reply.text);
    if (parsed.ok()) reply.body = std::move(parsed).value();
  }
  return reply;
}

Status ApiClient::Authenticate() {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string form =
      "grant_type=client_credentials&client_id=" + FormEscape(curl.get(), login_.client_id) +
      "&client_secret=" + FormEscape(curl.get(), login_.client_secret);
  ASSIGN_OR_RETURN(ApiReply r, Send("POST", login_.server + "/ims/token/v3",
                                    {"Content-Type: application/x-www-form-urlencoded"}, form));
  if (r.status != 200 || !r.body.is_object()) {
    return Status::Unauthenticated("sign-in refused (" + login_.source + "): " + ReplyMessage(r));
  }
  token_ = Str(r.body.as_object(), "access_token");
  if (token_.empty()) return Status::Unauthenticated("the token answer has no access_token");
  return Status::OK();
}

Result<ApiReply> ApiClient::Call(const std::string& method, const std::string& path,
                                 const json::value* body) {
  if (token_.empty()) RETURN_IF_ERROR(Authenticate());
  std::vector<std::string> headers = {
      "Authorization: Bearer " + token_, "x-api-key: " + login_.client_id,
      "x-gw-ims-org-id: " + login_.org, "x-sandbox-name: " + login_.sandbox,
      "Accept: application/json"};
  std::string text;
  if (body) {
    headers.push_back("Content-Type: application/json");
    text = json::serialize(*body);
  }
  return Send(method, login_.server + path, headers, text);
}

std::string ReplyMessage(const ApiReply& r) {
  std::string msg;
  if (r.body.is_object()) {
    const auto& o = r.body.as_object();
    msg = Or(Str(o, "errorMessage"), Or(Str(o, "message"), Str(o, "error_description")));
    if (auto t = GetString(o, "type"); t && !msg.empty()) {
      size_t slash = t->rfind('/');
      msg += " (" + t->substr(slash == std::string::npos ? 0 : slash + 1) + ")";
    } else if (auto code = GetString(o, "error_code"); code && !msg.empty()) {
      msg += " (" + *code + ")";
    }
  }
  if (msg.empty()) msg = r.text.empty() ? "(empty answer)" : r.text;
  return std::to_string(r.status) + ": " + msg;
}

}  // namespace fluxo
