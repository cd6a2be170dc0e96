// React Flow's own words on the canvas (its keyboard help for blocks and connections, the
// zoom controls, the announcement after a block moved) from the catalog, in the person's
// language; React Flow's defaults are English.
import type { AriaLabelConfig } from "@xyflow/react";
import { t } from "../i18n";

const DIRECTIONS = new Set(["up", "down", "left", "right"]);

/** React Flow's `ariaLabelConfig` in the current language. */
export function flowAriaLabels(): Partial<AriaLabelConfig> {
  return {
    "node.a11yDescription.default": t("canvas.flow.nodeHelp"),
    "node.a11yDescription.keyboardDisabled": t("canvas.flow.nodeHelpKeyboard"),
    "node.a11yDescription.ariaLiveMessage": ({ direction, x, y }) =>
      t("canvas.flow.moved", { direction: DIRECTIONS.has(direction) ? t(`canvas.flow.direction.${direction}`) : direction, x, y }),
    "edge.a11yDescription.default": t("canvas.flow.edgeHelp"),
    "controls.ariaLabel": t("canvas.flow.controls"),
    "controls.zoomIn.ariaLabel": t("canvas.flow.zoomIn"),
    "controls.zoomOut.ariaLabel": t("canvas.flow.zoomOut"),
    "controls.fitView.ariaLabel": t("canvas.flow.fitView"),
    "controls.interactive.ariaLabel": t("canvas.flow.interactive"),
    "minimap.ariaLabel": t("canvas.miniMap"),
    "handle.ariaLabel": t("canvas.flow.handle"),
  };
}
