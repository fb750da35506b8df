#include "connectors/files/selection.h"

#include <fnmatch.h>

#include <algorithm>

namespace fluxo::connectors::files {

namespace {

std::vector<std::string_view> Segments(std::string_view p) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t e = p.find('/', start);
    if (e == std::string_view::npos) e = p.size();
    if (e > start) out.push_back(p.substr(start, e - start));
    start = e + 1;
  }
  return out;
}

bool MatchSegments(const std::vector<std::string_view>& pat, size_t pi,
                   const std::vector<std::string_view>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      // Collapse runs of "**".
      while (pi + 1 < pat.size() && pat[pi + 1] == "**") ++pi;
      if (pi + 1 == pat.size()) return true;
      for (size_t k = si; k <= path.size(); ++k) {
        if (MatchSegments(pat, pi + 1, path, k)) return true;
      }
      return false;
    }
    if (si >= path.size()) return false;
    std::string p(pat[pi]), s(path[si]);
    if (fnmatch(p.c_str(), s.c_str(), 0) != 0) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

bool Hidden(std::string_view rel) {
  for (std::string_view seg : Segments(rel)) {
    if (!seg.empty() && (seg[0] == '.' || seg[0] == '_')) return true;
  }
  return false;
}

}  // namespace

bool HasGlob(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return MatchSegments(Segments(pattern), 0, Segments(path), 0);
}

Result<std::vector<FileEntry>> SelectFiles(FileSystem* fs, const std::string& path, bool recursive,
                                           const SourceWindow& window) {
  ASSIGN_OR_RETURN(std::string rel, fs->Normalize(path));
  std::vector<FileEntry> candidates;
  if (HasGlob(rel)) {
    std::vector<std::string_view> segs = Segments(rel);
    size_t first_glob = 0;
    while (first_glob < segs.size() && !HasGlob(segs[first_glob])) ++first_glob;
    std::string base;
    for (size_t i = 0; i < first_glob; ++i) base += (i ? "/" : "") + std::string(segs[i]);
    std::vector<std::string_view> pat(segs.begin() + first_glob, segs.end());
    bool has_double_star = std::find(pat.begin(), pat.end(), "**") != pat.end();
    if (recursive && !has_double_star) {
      pat.insert(pat.end() - 1, "**");
      has_double_star = true;
    }
    bool deep = has_double_star || pat.size() > 1;
    Result<std::vector<FileEntry>> listed = fs->ListFiles(base, deep);
    if (!listed.ok()) {
      if (listed.status().code() == StatusCode::kNotFound) return std::vector<FileEntry>{};
      return listed.status();
    }
    std::vector<std::string_view> path_segs;
    for (FileEntry& f : *listed) {
      std::string_view sub = std::string_view(f.path).substr(base.empty() ? 0 : base.size() + 1);
      if (Hidden(sub)) continue;
      if (MatchSegments(pat, 0, Segments(sub), 0)) candidates.push_back(std::move(f));
    }
  } else {
    ASSIGN_OR_RETURN(std::optional<FileEntry> file, fs->Stat(rel));
    if (file.has_value()) {
      candidates.push_back(std::move(*file));
    } else {
      ASSIGN_OR_RETURN(std::vector<FileEntry> listed, fs->ListFiles(rel, recursive));
      for (FileEntry& f : listed) {
        std::string_view sub = std::string_view(f.path).substr(rel.empty() ? 0 : rel.size() + 1);
        if (!Hidden(sub)) candidates.push_back(std::move(f));
      }
    }
  }
  std::vector<FileEntry> out;
  const bool all = window.start_s == 0 && window.end_s == 0;
  for (FileEntry& f : candidates) {
    if (all || (f.mtime_ms >= window.start_s * 1000 && f.mtime_ms < window.end_s * 1000)) {
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

}  // namespace fluxo::connectors::files
