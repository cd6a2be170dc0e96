import { describe, expect, it } from "vitest";
import type { ApiGraph, CatalogEntry } from "../api/types";
import {
  canvasToGraph,
  catalogIndex,
  duplicate,
  edgesWithoutPort,
  entryFor,
  graphToCanvas,
  isOlderVersion,
  issuesByNode,
  issuesToFormErrors,
  nodeFromEntry,
  nodeIdNew,
  portsFor,
  upgradable,
  upgradeChanges,
} from "./graph";
import { autoLayout } from "./layout";
import { createEditorStore } from "./store";

function entry(partial: Partial<CatalogEntry> & { key: string; category: CatalogEntry["category"] }): CatalogEntry {
  return {
    source: "core",
    package: null,
    trigger: null,
    summary: [],
    channel: "",
    awaits: "",
    changes: "",
    type: partial.key,
    version: 1,
    latest_version: partial.version ?? 1,
    group: "",
    label: partial.key,
    description: "",
    icon: "",
    config_schema: {},
    ui_schema: {},
    ports: ["out"],
    dynamic_ports: null,
    example_ports: [],
    template_fields: [],
    example_config: {},
    template: null,
    ...partial,
  };
}

const ENTRIES: CatalogEntry[] = [
  entry({ key: "trigger.event", category: "trigger", example_config: { event_type: "feedback.submitted" } }),
  entry({ key: "flow.filter", category: "flow", ports: ["yes", "no"] }),
  entry({
    key: "flow.branch",
    category: "flow",
    ports: [],
    dynamic_ports: { list_field: "branches", name_key: "name", always: ["else"], when_positive: [], when_equals: [] },
  }),
  entry({
    key: "flow.split",
    category: "flow",
    ports: [],
    dynamic_ports: { list_field: "branches", name_key: "name", always: [], when_positive: [{ port: "holdout", field: "holdout_percent" }], when_equals: [] },
  }),
  entry({
    key: "action.http_request",
    category: "action",
    ports: [],
    dynamic_ports: { list_field: "", name_key: "name", always: ["out"], when_positive: [], when_equals: [{ port: "failed", field: "on_error", value: "route" }] },
  }),
  entry({ key: "action.send_sms", category: "action", example_config: { body: "Hi" } }),
  // A block after a breaking change: the newest version under its type, the older one
  // under type@version (listed after the core blocks, as GET /blocks does).
  entry({ key: "action.offer", category: "action", version: 2, latest_version: 2, changes: "Hours too.", config_schema: { properties: { valid_for: {} } } }),
  entry({ key: "action.offer@1", type: "action.offer", category: "action", version: 1, latest_version: 2, config_schema: { properties: { expires_in_days: {} } } }),
  entry({
    key: "template:7@2",
    type: "flow.branch",
    source: "template",
    category: "flow",
    label: "VIP check",
    ports: [],
    dynamic_ports: { list_field: "branches", name_key: "name", always: ["else"], when_positive: [], when_equals: [] },
    template: { id: 7, version: 2, preset: { branches: [{ name: "vip", condition: {} }] }, locked_fields: ["branches"], exposed_fields: [] },
  }),
];
const CATALOG = catalogIndex(ENTRIES);

const GRAPH: ApiGraph = {
  schema_version: 1,
  nodes: [
    { id: "t1", type: "trigger.event", config: { event_type: "feedback.submitted" }, position: { x: 0, y: 0 }, label: "Bad feedback" },
    { id: "f1", type: "flow.filter", config: { condition: { all: [] } }, position: { x: 10.4, y: 140.6 } },
    { id: "a1", type: "action.send_sms", config: { body: "Sorry" }, position: { x: 0, y: 300 } },
  ],
  edges: [
    { source: "t1", source_port: "out", target: "f1" },
    { source: "f1", source_port: "yes", target: "a1" },
  ],
};

describe("portsFor", () => {
  it("uses the fixed ports of a block", () => {
    expect(portsFor(CATALOG.get("flow.filter"), {})).toEqual(["yes", "no"]);
  });
  it("derives list ports plus the always ones", () => {
    const config = { branches: [{ name: "vip" }, { name: "at_risk" }, { name: "" }] };
    expect(portsFor(CATALOG.get("flow.branch"), config)).toEqual(["vip", "at_risk", "else"]);
  });
  it("adds a port while a number is positive", () => {
    const split = CATALOG.get("flow.split");
    expect(portsFor(split, { branches: [{ name: "a" }, { name: "b" }], holdout_percent: 10 })).toEqual(["a", "b", "holdout"]);
    expect(portsFor(split, { branches: [{ name: "a" }], holdout_percent: 0 })).toEqual(["a"]);
  });
  it("adds a port while a field has a value", () => {
    const http = CATALOG.get("action.http_request");
    expect(portsFor(http, { on_error: "route" })).toEqual(["out", "failed"]);
    expect(portsFor(http, { on_error: "fail" })).toEqual(["out"]);
  });
  it("reads a team block's preset", () => {
    expect(portsFor(CATALOG.get("template:7@2"), {})).toEqual(["vip", "else"]);
  });
  it("falls back on out for an unknown block", () => {
    expect(portsFor(undefined, {})).toEqual(["out"]);
  });
});

describe("graph <-> canvas", () => {
  it("round-trips a graph (positions rounded, edges with ports)", () => {
    const { nodes, edges } = graphToCanvas(GRAPH, CATALOG);
    expect(nodes.map((n) => n.id)).toEqual(["t1", "f1", "a1"]);
    expect(nodes[1].data.ports).toEqual(["yes", "no"]);
    expect(edges[1]).toEqual({ id: "f1:yes->a1", source: "f1", sourceHandle: "yes", target: "a1" });
    const back = canvasToGraph(nodes, edges);
    expect(back.schema_version).toBe(1);
    expect(back.nodes[1].position).toEqual({ x: 10, y: 141 });
    expect(back.nodes[0].label).toBe("Bad feedback");
    expect(back.edges).toEqual(GRAPH.edges);
  });

  it("keeps team block references and leaves overlays out", () => {
    const graph: ApiGraph = {
      schema_version: 1,
      nodes: [{ id: "f1", type: "flow.branch", template: { id: 7, version: 2 }, config: {} }],
      edges: [],
    };
    const { nodes } = graphToCanvas(graph, CATALOG);
    expect(nodes[0].data.ports).toEqual(["vip", "else"]);
    nodes[0].data.issues = [{ node: "f1", field: "config", code: "x", message: "m", path: "" }];
    nodes[0].data.highlight = "path";
    const back = canvasToGraph(nodes, []);
    expect(back.nodes[0]).toEqual({ id: "f1", type: "flow.branch", version: 1, template: { id: 7, version: 2 }, config: {}, position: { x: 0, y: 0 } });
  });

  it("places nodes without a position apart", () => {
    const graph: ApiGraph = { schema_version: 1, nodes: [{ id: "a", type: "x" }, { id: "b", type: "x" }] };
    const { nodes, edges } = graphToCanvas(graph, CATALOG);
    expect(nodes[0].position).not.toEqual(nodes[1].position);
    expect(edges).toEqual([]);
  });

  it("drops dangling and duplicate edges when saving", () => {
    const { nodes, edges } = graphToCanvas(GRAPH, CATALOG);
    const extra = [...edges, { ...edges[0], id: "dup" }, { id: "x", source: "f1", sourceHandle: "no", target: "gone" }];
    expect(canvasToGraph(nodes, extra).edges).toHaveLength(2);
  });

  it("an empty or missing graph is an empty canvas", () => {
    expect(graphToCanvas(undefined, CATALOG)).toEqual({ nodes: [], edges: [] });
    expect(canvasToGraph([], [])).toEqual({ schema_version: 1, nodes: [], edges: [] });
  });

  it("finds edges whose port went away", () => {
    const { nodes, edges } = graphToCanvas(GRAPH, CATALOG);
    nodes[1] = { ...nodes[1], data: { ...nodes[1].data, ports: ["no"] } };
    expect(edgesWithoutPort(nodes, edges).map((e) => e.sourceHandle)).toEqual(["yes"]);
  });
});

describe("new nodes", () => {
  it("get short free ids by category", () => {
    expect(nodeIdNew("trigger", [])).toBe("t1");
    expect(nodeIdNew("action", ["a1", "a2", "a4"])).toBe("a3");
    expect(nodeIdNew("other", ["n1"])).toBe("n2");
  });
  it("start empty, not with the block's example config", () => {
    const node = nodeFromEntry(CATALOG.get("action.send_sms")!, { x: 5, y: 6 }, ["a1"]);
    expect(node).toMatchObject({ id: "a2", type: "block", position: { x: 5, y: 6 }, data: { type: "action.send_sms", config: {}, ports: ["out"] } });
  });
  it("from a team block reference the template", () => {
    const node = nodeFromEntry(CATALOG.get("template:7@2")!, { x: 0, y: 0 }, []);
    expect(node.data).toMatchObject({ type: "flow.branch", template: { id: 7, version: 2 }, config: {}, label: "VIP check" });
  });
  it("duplicates keep inner edges with new ids", () => {
    const { nodes, edges } = graphToCanvas(GRAPH, CATALOG);
    const copy = duplicate(nodes.slice(1), edges, nodes.map((n) => n.id), CATALOG);
    expect(copy.nodes.map((n) => n.id)).toEqual(["f2", "a2"]);
    expect(copy.edges).toEqual([expect.objectContaining({ source: "f2", sourceHandle: "yes", target: "a2" })]);
    expect(copy.nodes[0].position).toEqual({ x: 50.4, y: 180.6 });
  });
});

describe("validation issues", () => {
  const issues = [
    { node: "a1", field: "config.body", code: "template_syntax", message: "Unclosed tag", path: "" },
    { node: "a1", field: "config.branches.0.name", code: "pattern", message: "bad name", path: "" },
    { node: "a1", field: "type", code: "unknown", message: "Unknown block", path: "" },
    { node: null, field: "graph", code: "no_trigger", message: "Add a trigger", path: "" },
  ];
  it("group by node, graph-level under the empty key", () => {
    const byNode = issuesByNode(issues);
    expect(byNode.get("a1")).toHaveLength(3);
    expect(byNode.get("")?.[0].code).toBe("no_trigger");
  });
  it("become form errors for config fields", () => {
    const { errors, other } = issuesToFormErrors(issues.slice(0, 3));
    expect(errors).toEqual({ body: { __errors: ["Unclosed tag."] }, branches: { 0: { name: { __errors: ["Bad name."] } } } });
    expect(other.map((i) => i.field)).toEqual(["type"]);
  });
});

describe("auto-layout", () => {
  it("puts each step below the one before", () => {
    const { nodes, edges } = graphToCanvas(GRAPH, CATALOG);
    const laid = autoLayout(nodes, edges);
    expect(laid[1].position.y).toBeGreaterThan(laid[0].position.y);
    expect(laid[2].position.y).toBeGreaterThan(laid[1].position.y);
  });
});

describe("editor store", () => {
  it("undoes and redoes adding, connecting and deleting", () => {
    const store = createEditorStore();
    store.getState().load(GRAPH, ENTRIES);
    const id = store.getState().addBlock(CATALOG.get("action.send_sms")!, { x: 0, y: 400 });
    expect(id).toBe("a2");
    store.getState().onConnect({ source: "f1", sourceHandle: "no", target: "a2", targetHandle: null });
    expect(store.getState().graph().edges).toHaveLength(3);
    store.getState().undo();
    expect(store.getState().graph().edges).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["t1", "f1", "a1"]);
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().graph().edges).toHaveLength(3);
    expect(store.getState().changes).toBeGreaterThan(0);
  });

  it("copies and pastes the selection", () => {
    const store = createEditorStore();
    store.getState().load(GRAPH, ENTRIES);
    store.getState().selectOnly("a1");
    expect(store.getState().copy()).toBe(1);
    expect(store.getState().paste()).toBe(1);
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["t1", "f1", "a1", "a2"]);
    store.getState().deleteSelected();
    expect(store.getState().nodes.map((n) => n.id)).toEqual(["t1", "f1", "a1"]);
  });

  it("recomputes ports on config changes and rewires a port", () => {
    const store = createEditorStore();
    store.getState().load({ schema_version: 1, nodes: [{ id: "f1", type: "flow.branch", config: { branches: [] } }, { id: "a1", type: "action.send_sms" }] }, ENTRIES);
    store.getState().updateNode("f1", { config: { branches: [{ name: "vip" }] } });
    expect(store.getState().nodes[0].data.ports).toEqual(["vip", "else"]);
    store.getState().connectPort("f1", "vip", "a1");
    store.getState().connectPort("f1", "vip", "a1");
    expect(store.getState().graph().edges).toEqual([{ source: "f1", source_port: "vip", target: "a1" }]);
    store.getState().connectPort("f1", "vip", null);
    expect(store.getState().graph().edges).toEqual([]);
  });

  it("marks nodes with their issues and refuses edits when read-only", () => {
    const store = createEditorStore();
    store.getState().load(GRAPH, ENTRIES);
    store.getState().setIssues([{ node: "a1", field: "config.body", code: "c", message: "m", path: "" }]);
    expect(store.getState().nodes[2].data.issues).toHaveLength(1);
    store.getState().setReadOnly(true);
    store.getState().selectOnly("a1");
    store.getState().deleteSelected();
    expect(store.getState().nodes).toHaveLength(3);
  });
});

describe("refused saves", () => {
  it("name the node by its index in the saved graph", async () => {
    const { saveErrorsToIssues } = await import("./issues");
    const issues = saveErrorsToIssues(
      [
        { field: "graph.nodes.1.config.body", code: "too_long", message: "Too long" },
        { field: "graph.edges", code: "x", message: "Bad edges" },
      ],
      ["t1", "a1"],
    );
    expect(issues[0]).toMatchObject({ node: "a1", field: "config.body", message: "Too long" });
    expect(issues[1]).toMatchObject({ node: null, field: "graph.edges" });
  });
});

describe("block versions", () => {
  const offer = (version?: number) => ({ schema_version: 1, nodes: [{ id: "o1", type: "action.offer", config: {}, ...(version ? { version } : {}) }], edges: [] }) as ApiGraph;

  it("new nodes from the palette take the entry's (newest) version", () => {
    const node = nodeFromEntry(CATALOG.get("action.offer")!, { x: 0, y: 0 }, []);
    expect(node.data.version).toBe(2);
    expect(canvasToGraph([node], []).nodes[0].version).toBe(2);
  });
  it("a node keeps its version through the canvas; none means 1, as on the server", () => {
    expect(canvasToGraph(graphToCanvas(offer(1), CATALOG).nodes, []).nodes[0].version).toBe(1);
    expect(canvasToGraph(graphToCanvas(offer(2), CATALOG).nodes, []).nodes[0].version).toBe(2);
    expect(graphToCanvas(offer(), CATALOG).nodes[0].data.version).toBe(1);
  });
  it("an old node gets the form of its own version, and is upgradable", () => {
    expect(entryFor(CATALOG, { type: "action.offer", version: 1 })?.key).toBe("action.offer@1");
    expect(entryFor(CATALOG, { type: "action.offer", version: 2 })?.key).toBe("action.offer");
    expect(entryFor(CATALOG, { type: "action.offer" })?.key).toBe("action.offer@1");
    expect(upgradable(CATALOG, { type: "action.offer", version: 1 })).toBe(true);
    expect(upgradable(CATALOG, { type: "action.offer", version: 2 })).toBe(false);
    expect(upgradable(CATALOG, { type: "flow.filter", version: 1 })).toBe(false);
    expect(upgradable(CATALOG, { type: "action.offer", version: 1, template: { id: 1, version: 1 } })).toBe(false);
  });
  it("an old node's upgrade says what the newer versions bring", () => {
    expect(upgradeChanges(CATALOG, { type: "action.offer", version: 1 })).toEqual(["Hours too."]);
    expect(upgradeChanges(CATALOG, { type: "action.offer", version: 2 })).toEqual([]);
    expect(upgradeChanges(CATALOG, { type: "flow.filter", version: 1 })).toEqual([]);
  });
  it("the palette leaves out older versions", () => {
    expect(ENTRIES.filter(isOlderVersion).map((e) => e.key)).toEqual(["action.offer@1"]);
  });
});
