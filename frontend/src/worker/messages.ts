/** Messages of the worker console: each area's own catalogue, merged. */
import cases from "@/worker/cases/messages";
import ops from "@/worker/ops/messages";

export default {
  "zh-CN": { ...ops["zh-CN"], ...cases["zh-CN"] },
  en: { ...ops.en, ...cases.en },
};
