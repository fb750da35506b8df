// The column tree of a Parquet file (internal to src/formats/parquet): one node writer per shape,
// in DuckDB's spirit, over the leaf ColumnWriters of column_writer.h.
//
//   PrimitiveNode  a primitive field (flat, or a struct member)
//   StructNode     an optional group of members: present in a row when any member is
//   ListNode       a list<T> field, written with the 3-level LIST structure:
//                    optional group <name> (LIST) { repeated group list { optional T element } }
//
// A flat schema is a list of top-level PrimitiveNodes whose pages are exactly those of the flat
// writer (ColumnWriter::Write). A nested schema (Schema::nested()) splits field names at '.' into
// groups; a group's members are contiguous in the file even when the batch interleaves them, so
// the leaves are in depth-first order (leaves()), not in batch order.
//
// Levels: a node at depth d (d optional ancestors) has definition level d + 1 when present; a null
// member of a present struct gets its deepest present ancestor's level. Lists add the repeated
// level (rep 1 for every element after the first) and the element's optional level: null list
// d, empty list d + 1, null element d + 2, element d + 3.
//
// Not thread-safe: owned by one ParquetFileWriter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/parquet/column_writer.h"
#include "formats/record_batch.h"

namespace fluxo::parquet_format {
class SchemaElement;
}  // namespace fluxo::parquet_format

namespace fluxo::parquet {

class NodeWriter {
 public:
  virtual ~NodeWriter() = default;
  // Sets present[i] = 1 for each row i of [offset, offset + n) where this node is not null.
  virtual void MarkPresent(const RecordBatch& batch, int64_t offset, int64_t n,
                           uint8_t* present) const = 0;
  // Writes rows [offset, offset + n). `parent_def[i]` is the definition level the ancestors reach
  // in row i (null for a top-level node: 0).
  virtual void Write(const RecordBatch& batch, int64_t offset, int64_t n,
                     const uint8_t* parent_def) = 0;
  // Appends this node's schema elements, depth first.
  virtual void AppendSchema(std::vector<parquet_format::SchemaElement>* out) const = 0;
  // Appends this node's leaf writers, depth first.
  virtual void AppendLeaves(std::vector<ColumnWriter*>* out) = 0;
};

// The top-level nodes of `schema` (which Validate() accepted), in first-appearance order.
std::vector<std::unique_ptr<NodeWriter>> MakeNodeWriters(const Schema& schema,
                                                         const ColumnWriterOptions& options,
                                                         Compressor* compressor);

}  // namespace fluxo::parquet
