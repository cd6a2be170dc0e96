// A port's name as people read it: the blocks' fixed outputs ("yes", "timeout", …) in the
// UI language from the canvas catalog; a branch's own name (the composer's) as written.
import { i18n, t } from "../i18n";

export function portLabel(port: string): string {
  const key = `canvas.port.${port}`;
  return i18n.exists(key) ? t(key) : port.replace(/_/g, " ");
}
