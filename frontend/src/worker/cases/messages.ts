/** Messages of the worker console's cases screens (keys under "cases."). */
export default {
  "zh-CN": { cases: {} },
  en: { cases: {} },
};
