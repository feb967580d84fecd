/** Messages of the resident screens (homes, notices, ballots, appeals, alarms, contacts). */
export default {
  "zh-CN": { resident: {} },
  en: { resident: {} },
};
