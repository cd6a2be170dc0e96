// Whether the canvas shows blocks' internal ids (t1, a1): hidden by default, since a person
// names blocks by their titles; shown on request for test cases and the API. Kept in
// localStorage so the choice survives a reload.
import { useSyncExternalStore } from "react";

const KEY = "keepflow.showIds";
const listeners = new Set<() => void>();

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

export function showIdsSet(show: boolean): void {
  try {
    localStorage.setItem(KEY, show ? "1" : "0");
  } catch {
    // private mode: the choice lasts until the page is left
  }
  current = show;
  listeners.forEach((listener) => listener());
}

let current: boolean | null = null;

export function useShowIds(): boolean {
  return useSyncExternalStore(
    (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    () => (current ??= read()),
    () => false,
  );
}
