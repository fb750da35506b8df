#include "connectors/files/explore.h"

#include <memory>

#include "connectors/files/file_source.h"

namespace fluxo::connectors::files {

Result<json::value> ExploreFiles(FileSystem* fs, const std::string& object_type,
                                 const std::string& object) {
  if (object_type == "root" || object_type == "folder") {
    std::string dir = object_type == "root" ? "" : object;
    ASSIGN_OR_RETURN(std::string rel, fs->Normalize(dir));
    ASSIGN_OR_RETURN(std::vector<std::string> folders, fs->ListFolders(rel));
    ASSIGN_OR_RETURN(std::vector<FileEntry> files, fs->ListFiles(rel, false));
    json::array out;
    for (const std::string& f : folders) {
      out.push_back(
          json::object{{"type", "folder"}, {"name", f}, {"path", rel.empty() ? f : rel + "/" + f}});
    }
    for (const FileEntry& f : files) {
      if (!f.refused.empty()) continue;  // never read, so not offered
      std::string name = f.path.substr(f.path.rfind('/') + 1);
      out.push_back(json::object{{"type", "file"},
                                 {"name", name},
                                 {"path", f.path},
                                 {"size", f.size},
                                 {"lastModified", f.mtime_ms},
                                 {"canPreview", true}});
    }
    return json::value(std::move(out));
  }
  if (object_type == "file") {
    ASSIGN_OR_RETURN(std::string rel, fs->Normalize(object));
    ASSIGN_OR_RETURN(std::optional<FileEntry> f, fs->Stat(rel));
    if (!f) return Status::InvalidArgument("object " + Quote(object) + " is a folder");
    // Preview: the inferred columns of the file (format from its name).
    SourceConfig cfg;
    cfg.params = json::object{{"path", rel}};
    bool is_json =
        rel.find(".json") != std::string::npos || rel.find(".ndjson") != std::string::npos;
    bool is_parquet = rel.size() >= 8 && rel.compare(rel.size() - 8, 8, ".parquet") == 0;
    const char* format = is_parquet ? "parquet" : is_json ? "json" : "delimited";
    cfg.data = json::object{{"format", format}};
    // Share the tree without taking ownership.
    std::shared_ptr<FileSystem> borrowed(fs, [](FileSystem*) {});
    FileSource src(borrowed, std::move(cfg));
    RETURN_IF_ERROR(src.Open());
    json::array cols;
    for (const Field& fld : src.schema()->fields()) {
      cols.push_back(json::object{{"name", fld.name}, {"type", fld.type.ToString()}});
    }
    return json::value(json::object{{"path", f->path},
                                    {"size", f->size},
                                    {"lastModified", f->mtime_ms},
                                    {"format", format},
                                    {"columns", std::move(cols)}});
  }
  return Status::InvalidArgument("objectType " + Quote(object_type) +
                                 " is not one of root, folder, file");
}

}  // namespace fluxo::connectors::files
