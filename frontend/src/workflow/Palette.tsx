// The block palette: every catalog entry, grouped (Triggers, Flow, Messages, ..., Team
// blocks), with a search box. Drag an entry onto the canvas, or press Enter on it to add
// it below the selection (the keyboard way). Older versions of blocks are in the catalog
// for the nodes that still use them, never in the palette: new nodes get the newest.
import { memo, useMemo, useState } from "react";
import type { CatalogEntry } from "../api/types";
import { t } from "../i18n";
import { isOlderVersion } from "./graph";
import { BlockIcon } from "./icons";

export const DRAG_TYPE = "application/x-keepflow-block";

type Props = { entries: CatalogEntry[]; disabled: boolean; onAdd: (entry: CatalogEntry) => void };

/** The palette's groups in order: the team's own blocks (templates) first, which the ops
 * team prepared for this company; then core blocks and block packages in catalog order.
 * Older block versions never show: new nodes get the newest. */
export function paletteGroups(entries: CatalogEntry[], search: string): [string, CatalogEntry[]][] {
  const needle = search.trim().toLowerCase();
  const out = new Map<string, CatalogEntry[]>();
  for (const entry of entries) {
    if (isOlderVersion(entry)) continue;
    const text = `${entry.label} ${entry.type} ${entry.description} ${entry.group}`.toLowerCase();
    if (needle && !text.includes(needle)) continue;
    out.set(entry.group, [...(out.get(entry.group) ?? []), entry]);
  }
  const team = (items: CatalogEntry[]) => items.some((entry) => entry.source === "template");
  return [...out.entries()].sort(([, a], [, b]) => Number(team(b)) - Number(team(a)));
}

function PaletteView({ entries, disabled, onAdd }: Props) {
  const [search, setSearch] = useState("");
  const groups = useMemo(() => paletteGroups(entries, search), [entries, search]);

  return (
    <aside className="palette" aria-label={t("canvas.palette.label")}>
      <label className="visually-hidden" htmlFor="palette-search">{t("canvas.palette.search")}</label>
      <input
        id="palette-search"
        type="search"
        placeholder={t("canvas.palette.searchPlaceholder")}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {groups.length === 0 && <p className="muted">{t("canvas.palette.noMatch", { search })}</p>}
      {groups.map(([group, items]) => (
        <section key={group} className="palette-group">
          <h3>{group}</h3>
          <ul>
            {items.map((entry) => (
              <li key={entry.key}>
                <button
                  type="button"
                  className={`palette-item block-${entry.category}`}
                  draggable={!disabled}
                  disabled={disabled}
                  data-block-key={entry.key}
                  title={t("canvas.palette.hint", { description: entry.description })}
                  onDragStart={(event) => {
                    event.dataTransfer.setData(DRAG_TYPE, entry.key);
                    event.dataTransfer.effectAllowed = "move";
                  }}
                  onClick={() => onAdd(entry)}
                >
                  <BlockIcon icon={entry.icon} category={entry.category} />
                  <span className="palette-label">{entry.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

export const Palette = memo(PaletteView);
