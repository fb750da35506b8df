// The Data Prep expression language (mapping-set sources posted to the API): any bytes are
// parsed and typed against a fixed schema; what compiles is evaluated over a small batch with
// nulls, so every kernel sees edge values. Nothing may crash, whatever the text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataprep/expr.h"

namespace {

fluxo::RecordBatch MakeBatch() {
  using namespace fluxo;
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::String()},
                                                            {"n", DataType::Int64()},
                                                            {"f", DataType::Float64()},
                                                            {"b", DataType::Boolean()},
                                                            {"d", DataType::Date()},
                                                            {"t", DataType::Timestamp()},
                                                            {"i", DataType::Int32()},
                                                            {"m", DataType::Decimal(20, 4)}});
  RecordBatchBuilder bb(schema);
  const char* strs[] = {"", "42", "2024-01-31", nullptr, "\xc3\xa9t\xc3\xa9 , x"};
  int64_t ints[] = {0, INT64_MAX, INT64_MIN, -1, 7};
  double floats[] = {0.0, -0.5, 1e308, 3.0, -1e-308};
  for (int r = 0; r < 5; ++r) {
    strs[r] ? bb.column(0).AppendString(strs[r]) : bb.column(0).AppendNull();
    r == 3 ? bb.column(1).AppendNull() : bb.column(1).AppendInt64(ints[r]);
    bb.column(2).AppendDouble(floats[r]);
    r == 2 ? bb.column(3).AppendNull() : bb.column(3).AppendBool(r % 2);
    bb.column(4).AppendDate(r * 10000 - 20000);
    bb.column(5).AppendTimestamp(ints[r] / 4);
    bb.column(6).AppendInt32(static_cast<int32_t>(ints[r]));
    bb.column(7).AppendDecimal(ints[r] / 3);
  }
  return std::move(bb.Finish()).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fluxo::RecordBatch batch = MakeBatch();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fluxo::dataprep::ExprError err;
  auto e = fluxo::dataprep::Expression::Compile(text, *batch.schema(), &err);
  if (!e.ok()) return 0;
  fluxo::dataprep::EvalContext ctx;
  ctx.Reset(batch.num_rows(), 1700000000000000);
  fluxo::Column c = (*e)->Evaluate(batch, ctx);
  if (c.length() != batch.num_rows()) __builtin_trap();
  return 0;
}
