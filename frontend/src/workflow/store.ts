// The editor's state: nodes and edges on the canvas, undo/redo history, the clipboard and
// the catalog. One zustand store per editor (created by useEditorStore's provider).
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import { createStore } from "zustand/vanilla";
import type { ApiGraph, CatalogEntry, ValidationIssue } from "../api/types";
import {
  canvasToGraph,
  catalogIndex,
  duplicate,
  edgeId,
  entryFor,
  graphToCanvas,
  issuesByNode,
  nodeFromEntry,
  portsFor,
  type BlockNode,
  type CanvasEdge,
  type Catalog,
  type Config,
} from "./graph";

type Snapshot = { nodes: BlockNode[]; edges: CanvasEdge[] };

export type EditorState = {
  catalog: Catalog;
  nodes: BlockNode[];
  edges: CanvasEdge[];
  past: Snapshot[];
  future: Snapshot[];
  clipboard: Snapshot | null;
  /** Bumped on every change that should be saved; the page compares it with the saved one. */
  changes: number;
  graphIssues: ValidationIssue[];
  readOnly: boolean;

  load: (graph: ApiGraph | null | undefined, entries?: CatalogEntry[]) => void;
  setReadOnly: (readOnly: boolean) => void;
  onNodesChange: (changes: NodeChange<BlockNode>[]) => void;
  onEdgesChange: (changes: EdgeChange[]) => void;
  onConnect: (connection: Connection) => void;
  beginChange: () => void;
  addBlock: (entry: CatalogEntry, position: { x: number; y: number }) => string;
  updateNode: (id: string, patch: { config?: Config; label?: string }) => void;
  connectPort: (source: string, port: string, target: string | null) => void;
  deleteSelected: () => void;
  selectOnly: (id: string | null) => void;
  copy: () => number;
  paste: () => number;
  undo: () => void;
  redo: () => void;
  layout: () => Promise<void>;
  setIssues: (issues: ValidationIssue[]) => void;
  /** Light up a path; `failed` red, `notSent` (message blocks the guardrails stopped) amber. */
  setOverlay: (path: string[] | null, failed?: string | null, notSent?: string[]) => void;
  setCounts: (counts: Record<string, NonNullable<BlockNode["data"]["counts"]>> | null) => void;
  graph: () => ApiGraph;
};

const HISTORY = 100;

function snapshot(state: { nodes: BlockNode[]; edges: CanvasEdge[] }): Snapshot {
  return { nodes: state.nodes, edges: state.edges };
}

export function createEditorStore() {
  let lastCoalesce = { key: "", at: 0 };
  return createStore<EditorState>()((set, get) => {
    /** Remember the current state for undo, then apply `next`. */
    const commit = (next: Partial<EditorState>) => {
      const state = get();
      set({
        past: [...state.past.slice(-HISTORY + 1), snapshot(state)],
        future: [],
        changes: state.changes + 1,
        ...next,
      });
    };

    return {
      catalog: new Map(),
      nodes: [],
      edges: [],
      past: [],
      future: [],
      clipboard: null,
      changes: 0,
      graphIssues: [],
      readOnly: false,

      load: (graph, entries) => {
        const catalog = entries ? catalogIndex(entries) : get().catalog;
        const { nodes, edges } = graphToCanvas(graph, catalog);
        set({ catalog, nodes, edges, past: [], future: [], changes: 0, graphIssues: [] });
      },

      setReadOnly: (readOnly) => set({ readOnly }),

      onNodesChange: (changes) => {
        const state = get();
        const structural = changes.some((c) => c.type === "remove" || c.type === "add");
        if (state.readOnly && structural) return;
        const nodes = applyNodeChanges(changes, state.nodes);
        if (structural) {
          const ids = new Set(nodes.map((n) => n.id));
          commit({ nodes, edges: state.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) });
          return;
        }
        // Moves count as changes (positions are saved) but are put into history once, when
        // the drag starts (beginChange), not on every mouse move.
        const moved = changes.some((c) => c.type === "position" && !c.dragging && c.position);
        set({ nodes, changes: moved || changes.some((c) => c.type === "position") ? state.changes + 1 : state.changes });
      },

      onEdgesChange: (changes) => {
        const state = get();
        const structural = changes.some((c) => c.type === "remove" || c.type === "add");
        if (state.readOnly && structural) return;
        const edges = applyEdgeChanges(changes, state.edges);
        if (structural) commit({ edges });
        else set({ edges });
      },

      onConnect: (connection) => {
        const state = get();
        if (state.readOnly || !connection.source || !connection.target || connection.source === connection.target) return;
        const port = connection.sourceHandle || "out";
        const id = edgeId(connection.source, port, connection.target);
        if (state.edges.some((e) => e.id === id)) return;
        commit({
          edges: addEdge(
            { ...connection, id, sourceHandle: port },
            state.edges,
          ),
        });
      },

      beginChange: () => {
        const state = get();
        set({ past: [...state.past.slice(-HISTORY + 1), snapshot(state)], future: [] });
      },

      addBlock: (entry, position) => {
        const state = get();
        const node = nodeFromEntry(entry, position, state.nodes.map((n) => n.id));
        commit({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...node, selected: true }],
        });
        return node.id;
      },

      updateNode: (id, patch) => {
        const state = get();
        if (state.readOnly) return;
        const nodes = state.nodes.map((node) => {
          if (node.id !== id) return node;
          const config = patch.config ?? node.data.config;
          const data = { ...node.data, config };
          if (patch.label !== undefined) data.label = patch.label || undefined;
          if (patch.config) data.ports = portsFor(entryFor(state.catalog, node.data), config);
          return { ...node, data };
        });
        // Typing in a form field is one undo step per pause, not one per keystroke.
        const key = `${id}:${Object.keys(patch).join()}`;
        const now = Date.now();
        if (lastCoalesce.key === key && now - lastCoalesce.at < 1000) {
          set({ nodes, changes: state.changes + 1 });
        } else {
          commit({ nodes });
        }
        lastCoalesce = { key, at: now };
      },

      connectPort: (source, port, target) => {
        const state = get();
        if (state.readOnly) return;
        const kept = state.edges.filter((e) => !(e.source === source && (e.sourceHandle || "out") === port));
        const edges = target
          ? [...kept, { id: edgeId(source, port, target), source, sourceHandle: port, target }]
          : kept;
        commit({ edges });
      },

      deleteSelected: () => {
        const state = get();
        if (state.readOnly) return;
        const gone = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
        const edges = state.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
        if (gone.size === 0 && edges.length === state.edges.length) return;
        commit({ nodes: state.nodes.filter((n) => !gone.has(n.id)), edges });
      },

      selectOnly: (id) =>
        set({
          nodes: get().nodes.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id })),
          edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        }),

      copy: () => {
        const state = get();
        const nodes = state.nodes.filter((n) => n.selected);
        const ids = new Set(nodes.map((n) => n.id));
        const edges = state.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
        if (nodes.length) set({ clipboard: { nodes, edges } });
        return nodes.length;
      },

      paste: () => {
        const state = get();
        if (state.readOnly || !state.clipboard?.nodes.length) return 0;
        const copies = duplicate(state.clipboard.nodes, state.clipboard.edges, state.nodes.map((n) => n.id), state.catalog);
        commit({
          nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...copies.nodes],
          edges: [...state.edges, ...copies.edges],
          // the next paste lands a step further
          clipboard: { nodes: copies.nodes, edges: copies.edges },
        });
        return copies.nodes.length;
      },

      undo: () => {
        const state = get();
        const previous = state.past[state.past.length - 1];
        if (!previous || state.readOnly) return;
        set({
          ...previous,
          past: state.past.slice(0, -1),
          future: [snapshot(state), ...state.future],
          changes: state.changes + 1,
        });
        lastCoalesce = { key: "", at: 0 };
      },

      redo: () => {
        const state = get();
        const next = state.future[0];
        if (!next || state.readOnly) return;
        set({ ...next, past: [...state.past, snapshot(state)], future: state.future.slice(1), changes: state.changes + 1 });
      },

      layout: async () => {
        if (get().readOnly || get().nodes.length === 0) return;
        const { autoLayout } = await import("./layout"); // dagre: loaded when first used
        const state = get();
        commit({ nodes: autoLayout(state.nodes, state.edges) });
      },

      setIssues: (issues) => {
        const byNode = issuesByNode(issues);
        set({
          graphIssues: byNode.get("") ?? [],
          nodes: get().nodes.map((n) => {
            const mine = byNode.get(n.id);
            if (!mine && !n.data.issues) return n;
            return { ...n, data: { ...n.data, issues: mine } };
          }),
        });
      },

      setOverlay: (path, failed = null, notSent = []) => {
        const onPath = new Set(path ?? []);
        const stopped = new Set(notSent);
        set({
          nodes: get().nodes.map((n) => {
            const highlight = n.id === failed ? "error" : stopped.has(n.id) ? "not-sent" : onPath.has(n.id) ? "path" : null;
            return (n.data.highlight ?? null) === highlight ? n : { ...n, data: { ...n.data, highlight } };
          }),
          edges: get().edges.map((e) => {
            const animated = onPath.has(e.source) && onPath.has(e.target);
            return !!e.animated === animated ? e : { ...e, animated };
          }),
        });
      },

      setCounts: (counts) =>
        set({
          nodes: get().nodes.map((n) => {
            const count = counts?.[n.id] ?? null;
            if (count === null && !n.data.counts) return n;
            if (count && n.data.counts && JSON.stringify(count) === JSON.stringify(n.data.counts)) return n;
            return { ...n, data: { ...n.data, counts: count } };
          }),
        }),

      graph: () => canvasToGraph(get().nodes, get().edges),
    };
  });
}

export type EditorStore = ReturnType<typeof createEditorStore>;
