/** Messages of the worker console (work items, alarms, votes on paper, mediation, task forces). */
export default {
  "zh-CN": { worker: {} },
  en: { worker: {} },
};
