/** Messages of the worker console's ops screens (keys under "ops."). */
export default {
  "zh-CN": { ops: {} },
  en: { ops: {} },
};
