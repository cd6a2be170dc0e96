import { createContext, useContext } from "react";
import type { Me } from "../api/types";

/** Who is signed in and what they may do (GET /api/v1/me), loaded once by the layout. */
export const MeContext = createContext<Me | null>(null);

export function useMe(): Me | null {
  return useContext(MeContext);
}

export function can(me: Me | null, capability: string): boolean {
  return !!me?.capabilities.includes(capability);
}
