// OutputStream: where a file writer's bytes go (a local file, an ObjectWriter, memory).
//
// A stream is append-only. Close() makes the bytes durable and visible and must be called once;
// Abort() discards them (idempotent). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "objstore/object_store.h"

namespace fluxo {

class OutputStream {
 public:
  // Destroying an open stream aborts it.
  virtual ~OutputStream() = default;
  virtual Status Append(std::string_view data) = 0;
  // Errors: whatever the destination reports (Unavailable for I/O failures, retryable).
  virtual Status Close() = 0;
  virtual void Abort() = 0;
  // Bytes appended so far.
  virtual int64_t Tell() const = 0;
  // The file name or object key reported to callers.
  virtual const std::string& name() const = 0;
};

// A local file written in place; Close() fsyncs it, Abort() removes it. Errors: Unavailable.
Result<std::unique_ptr<OutputStream>> OpenLocalFile(const std::string& path);

// Writes through an object-store writer: Close() is Commit(), Abort() is Abort().
std::unique_ptr<OutputStream> WrapObjectWriter(std::unique_ptr<ObjectWriter> writer);

// Collects the bytes in memory (tests). `sink` must outlive the stream; it receives the bytes
// as they are appended.
std::unique_ptr<OutputStream> NewStringOutputStream(std::string* sink, std::string name = "mem");

}  // namespace fluxo
