// A value tier's name as people read it: the default tiers (KEEPFLOW_CLV_TIERS) in the UI
// language, a tier the operator named otherwise as named.
import { i18n, t } from "../i18n";

export function tierLabel(tier: string): string {
  const key = `customers.tierNames.${tier}`;
  return i18n.exists(key) ? t(key) : tier;
}
