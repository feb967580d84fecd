/** One entry of a home-screen menu. */
export interface MenuEntry {
  /** The route's name. */
  name: string;
  /** The message key of the label. */
  label: string;
  /** A Vant icon name. */
  icon: string;
  /** Shown only when the street enables this plugin. */
  plugin?: string;
  /** Shown only to sessions holding this permission. */
  permission?: string;
}
