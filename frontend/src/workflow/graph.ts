// The one place where the canvas's state (React Flow nodes and edges) and the API's graph
// (WorkflowVersion.graph, schema_version 1) are converted into each other. Pure functions:
// unit-tested in graph.test.ts.
import type { MessageOutcome } from "./outcomes";
import { problemWords } from "../lib/problems";
import type { Edge, Node } from "@xyflow/react";
import type { ApiEdge, ApiGraph, ApiNode, CatalogEntry, ValidationIssue } from "../api/types";

export type Config = Record<string, unknown>;

/** What a canvas node carries: the block, its settings and what the canvas shows on it. */
export type BlockData = {
  type: string;
  /** The block version the node uses (its config follows that version's form). A node
   * without one is version 1, as on the server (blocks.registry.node_version). */
  version?: number;
  config: Config;
  label?: string;
  template?: { id: number; version: number };
  /** Output ports, derived from the block (and its config, for dynamic ports). */
  ports: string[];
  /** Server validation issues that name this node. */
  issues?: ValidationIssue[];
  /** Dry-run / live-count overlays. */
  highlight?: "path" | "error" | "not-sent" | null;
  counts?: { entered: number; waiting: number; failed?: number; ports: Record<string, number>; messages?: MessageOutcome[] } | null;
};

export type BlockNode = Node<BlockData, "block">;
export type CanvasEdge = Edge;
export type Catalog = Map<string, CatalogEntry>;

export const SCHEMA_VERSION = 1;

export function catalogIndex(entries: CatalogEntry[]): Catalog {
  return new Map(entries.map((entry) => [entry.key, entry]));
}

/** The block version of a node (1 when it does not say, like the server). */
export function nodeVersion(node: { version?: number }): number {
  return typeof node.version === "number" && node.version >= 1 ? node.version : 1;
}

/** A core entry for an older version of a block ("type@version"): the canvas draws nodes
 * with it, the palette does not offer it. */
export function isOlderVersion(entry: CatalogEntry): boolean {
  return entry.source === "core" && entry.version < entry.latest_version;
}

/** A core node on an older version of its block than the newest: a draft can upgrade it
 * (team-block nodes move on with their template instead). */
export function upgradable(catalog: Catalog, node: { type: string; version?: number; template?: unknown }): boolean {
  const latest = catalog.get(node.type);
  return !node.template && !!latest && nodeVersion(node) < latest.latest_version;
}

/** What upgrading a node brings: the "what's new" line of each version after the node's,
 * up to the newest, oldest first (versions that say nothing are left out). */
export function upgradeChanges(catalog: Catalog, node: { type: string; version?: number }): string[] {
  const latest = catalog.get(node.type);
  if (!latest) return [];
  const lines: string[] = [];
  for (let v = nodeVersion(node) + 1; v <= latest.latest_version; v++) {
    const entry = v === latest.version ? latest : catalog.get(`${node.type}@${v}`);
    if (entry?.changes) lines.push(entry.changes);
  }
  return lines;
}

/** The catalog entry behind a node: a team block (template id@version), or a core block at
 * the node's version. */
export function entryFor(catalog: Catalog, node: { type: string; version?: number; template?: { id: number; version: number } }): CatalogEntry | undefined {
  if (node.template) {
    const exact = catalog.get(`template:${node.template.id}@${node.template.version}`);
    if (exact) return exact;
    // An older version of the template: take any version of it, else the base block.
    for (const entry of catalog.values()) {
      const t = entry.template as { id?: number } | null;
      if (t && t.id === node.template.id) return entry;
    }
  }
  const latest = catalog.get(node.type);
  const version = nodeVersion(node);
  if (latest && version !== latest.version) return catalog.get(`${node.type}@${version}`) ?? latest;
  return latest;
}

/** The output ports of a block with this config (DynamicPorts rules mirrored from blocks/base.py). */
export function portsFor(entry: CatalogEntry | undefined, config: Config): string[] {
  if (!entry) return ["out"];
  const rules = entry.dynamic_ports;
  if (!rules) return [...entry.ports];
  const preset = ((entry.template as { preset?: Config } | null)?.preset ?? {}) as Config;
  const effective: Config = { ...preset, ...config };
  const names: string[] = [];
  if (rules.list_field) {
    const items = effective[rules.list_field];
    if (Array.isArray(items)) {
      for (const item of items) {
        const name = item && typeof item === "object" ? (item as Config)[rules.name_key] : undefined;
        if (typeof name === "string" && name) names.push(name);
      }
    }
  }
  names.push(...rules.always);
  for (const rule of rules.when_positive) {
    const value = Number(effective[rule.field] ?? 0);
    if (value > 0) names.push(rule.port);
  }
  for (const rule of rules.when_equals) {
    if (effective[rule.field] === rule.value) names.push(rule.port);
  }
  return [...new Set(names)];
}

export function edgeId(source: string, port: string, target: string): string {
  return `${source}:${port}->${target}`;
}

/** API graph -> canvas. Nodes without a position are stacked so none hides another. */
export function graphToCanvas(graph: ApiGraph | null | undefined, catalog: Catalog): { nodes: BlockNode[]; edges: CanvasEdge[] } {
  const apiNodes = graph?.nodes ?? [];
  const nodes: BlockNode[] = apiNodes.map((node, index) => {
    const config = { ...(node.config ?? {}) };
    const data: BlockData = { type: node.type, version: nodeVersion(node), config, ports: portsFor(entryFor(catalog, node), config) };
    if (node.label) data.label = node.label;
    if (node.template) data.template = { id: node.template.id, version: node.template.version };
    return {
      id: node.id,
      type: "block",
      position: node.position ? { x: node.position.x, y: node.position.y } : { x: 0, y: index * 140 },
      data,
    };
  });
  const edges: CanvasEdge[] = (graph?.edges ?? []).map((edge) => ({
    id: edge.id || edgeId(edge.source, edge.source_port, edge.target),
    source: edge.source,
    sourceHandle: edge.source_port,
    target: edge.target,
  }));
  return { nodes, edges };
}

/** Canvas -> API graph: what is saved. Positions are rounded; overlays are not saved. */
export function canvasToGraph(nodes: BlockNode[], edges: CanvasEdge[]): ApiGraph {
  const ids = new Set(nodes.map((n) => n.id));
  const apiNodes: ApiNode[] = nodes.map((node) => {
    const out: ApiNode = {
      id: node.id,
      type: node.data.type,
      version: nodeVersion(node.data),
      config: node.data.config,
      position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    };
    if (node.data.label) out.label = node.data.label;
    if (node.data.template) out.template = { id: node.data.template.id, version: node.data.template.version };
    return out;
  });
  const seen = new Set<string>();
  const apiEdges: ApiEdge[] = [];
  for (const edge of edges) {
    if (!ids.has(edge.source) || !ids.has(edge.target)) continue; // dangling after a delete
    const port = edge.sourceHandle || "out";
    const key = edgeId(edge.source, port, edge.target);
    if (seen.has(key)) continue;
    seen.add(key);
    apiEdges.push({ source: edge.source, source_port: port, target: edge.target });
  }
  return { schema_version: SCHEMA_VERSION, nodes: apiNodes, edges: apiEdges };
}

const PREFIX: Record<string, string> = { trigger: "t", flow: "f", action: "a" };

/** A short, readable id that is not taken: t1, f2, a3 (like the starters). */
export function nodeIdNew(category: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const prefix = PREFIX[category] ?? "n";
  for (let n = 1; ; n++) {
    const id = `${prefix}${n}`;
    if (!used.has(id)) return id;
  }
}

/** A new node from a palette entry starts empty: the card asks to set it up, rather than
 * running someone else's example (team blocks get their preset from the server). */
export function nodeFromEntry(entry: CatalogEntry, position: { x: number; y: number }, taken: Iterable<string>): BlockNode {
  const id = nodeIdNew(entry.category, taken);
  const config: Config = {};
  const data: BlockData = { type: entry.type, version: entry.version, config, ports: portsFor(entry, config) };
  const template = entry.template as { id?: number; version?: number } | null;
  if (template?.id !== undefined && template.version !== undefined) {
    data.template = { id: template.id, version: template.version };
    data.label = entry.label;
  }
  return { id, type: "block", position, data };
}

/** Copies of nodes (and the edges among them) with fresh ids, shifted by `offset`. */
export function duplicate(
  nodes: BlockNode[],
  edges: CanvasEdge[],
  taken: Iterable<string>,
  catalog: Catalog,
  offset = 40,
): { nodes: BlockNode[]; edges: CanvasEdge[] } {
  const used = new Set(taken);
  const ids = new Map<string, string>();
  const copies = nodes.map((node) => {
    const category = entryFor(catalog, node.data)?.category ?? "";
    const id = nodeIdNew(category, used);
    used.add(id);
    ids.set(node.id, id);
    return {
      ...node,
      id,
      selected: true,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: { ...structuredClone({ ...node.data, issues: undefined, counts: undefined, highlight: undefined }) },
    } as BlockNode;
  });
  const copiedEdges = edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => {
      const source = ids.get(e.source)!;
      const target = ids.get(e.target)!;
      return { ...e, id: edgeId(source, e.sourceHandle || "out", target), source, target, selected: false };
    });
  return { nodes: copies, edges: copiedEdges };
}

/** Validation issues by node id; graph-level ones (node null) under "". */
export function issuesByNode(issues: ValidationIssue[]): Map<string, ValidationIssue[]> {
  const out = new Map<string, ValidationIssue[]>();
  for (const issue of issues) {
    const key = issue.node ?? "";
    out.set(key, [...(out.get(key) ?? []), issue]);
  }
  return out;
}

type ErrorTree = { __errors?: string[]; [key: string]: ErrorTree | string[] | undefined };

/** Issues on "config.body" / "config.branches.0.name" as @rjsf extraErrors. Issues on
 * other fields of the node (its type, ports, edges) are returned as `other`. */
export function issuesToFormErrors(issues: ValidationIssue[]): { errors: ErrorTree; other: ValidationIssue[] } {
  const errors: ErrorTree = {};
  const other: ValidationIssue[] = [];
  for (const issue of issues) {
    const field = issue.field || "";
    if (!field.startsWith("config.") || field === "config.") {
      other.push(issue);
      continue;
    }
    let at: ErrorTree = errors;
    for (const part of field.slice("config.".length).split(".")) {
      at = (at[part] as ErrorTree | undefined) ?? (at[part] = {});
    }
    at.__errors = [...(at.__errors ?? []), problemWords(issue)];
  }
  return { errors, other };
}

/** Edges whose port no longer exists on their source (a branch renamed or removed). */
export function edgesWithoutPort(nodes: BlockNode[], edges: CanvasEdge[]): CanvasEdge[] {
  const ports = new Map(nodes.map((n) => [n.id, new Set(n.data.ports)]));
  return edges.filter((e) => !ports.get(e.source)?.has(e.sourceHandle || "out"));
}
