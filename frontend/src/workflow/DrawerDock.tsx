// Where the editor's drawers (runs, test cases, report, settings, history) open: under the
// canvas, which keeps every block reachable (a sheet over it would hide the blocks a run
// highlights). Its top edge drags (or, focused, moves with the arrow keys) to the split the
// person wants; the height is remembered for the next drawer and the next visit.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from "react";
import { t } from "../i18n";

const STORAGE_KEY = "keepflow.drawerHeight";
const MIN_HEIGHT = 160;
const DEFAULT_SHARE = 0.42; // of the editor's height, as the drawers had before
const KEY_STEP = 40;

/** The height within bounds: at least MIN_HEIGHT, and room left above for the toolbar. */
export function clampHeight(height: number, editorHeight: number): number {
  const max = Math.max(MIN_HEIGHT, editorHeight - 120);
  return Math.round(Math.min(Math.max(height, MIN_HEIGHT), max));
}

function remembered(): number | null {
  try {
    const value = Number(localStorage.getItem(STORAGE_KEY));
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

export function DrawerDock({ children }: { children: ReactNode }) {
  const dock = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState<number | null>(remembered);
  const editorHeight = () => dock.current?.parentElement?.clientHeight ?? window.innerHeight;

  const resize = useCallback((next: number) => {
    const clamped = clampHeight(next, editorHeight());
    setHeight(clamped);
    try {
      localStorage.setItem(STORAGE_KEY, String(clamped));
    } catch {
      /* storage blocked: the height lasts for this page */
    }
  }, []);

  // A remembered height taller than this window allows shrinks to fit it.
  useEffect(() => {
    if (height !== null && height !== clampHeight(height, editorHeight())) setHeight(clampHeight(height, editorHeight()));
  }, [height]);

  const startDrag = (event: PointerEvent<HTMLDivElement>) => {
    event.preventDefault();
    const bottom = dock.current?.getBoundingClientRect().bottom ?? window.innerHeight;
    const move = (e: globalThis.PointerEvent) => resize(bottom - e.clientY);
    const stop = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", stop);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", stop);
  };

  const current = height ?? Math.round(editorHeight() * DEFAULT_SHARE);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "ArrowUp") resize(current + KEY_STEP);
    else if (event.key === "ArrowDown") resize(current - KEY_STEP);
    else return;
    event.preventDefault();
    event.stopPropagation(); // the canvas would move the selected block
  };

  return (
    <div className="drawer-dock" ref={dock} style={height === null ? undefined : { height }}>
      <div
        className="drawer-handle"
        role="separator"
        aria-orientation="horizontal"
        aria-label={t("editor.resizeDrawer")}
        aria-valuenow={current}
        aria-valuemin={MIN_HEIGHT}
        tabIndex={0}
        onPointerDown={startDrag}
        onKeyDown={onKeyDown}
      />
      {children}
    </div>
  );
}
