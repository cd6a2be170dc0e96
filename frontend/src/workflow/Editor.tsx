// The workflow editor: palette, canvas, side panel, toolbar (save / validate / publish /
// pause / archive, undo / redo, auto-layout), version history, dry run and runs.
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type IsValidConnection,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import "./editor.css";
import { Redo2, Undo2 } from "lucide-react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { Link, useBlocker, useParams } from "react-router";
import { useStore } from "zustand";
import { ApiError, api, optional } from "../api/client";
import type {
  ApiFieldError,
  CatalogEntry,
  ValidationIssue,
  WorkflowCounts,
  WorkflowDetail,
  WorkflowSaved,
  WorkflowUpgraded,
} from "../api/types";
import { useConfirm } from "../components/ConfirmDialog";
import { ErrorMessage, Loading } from "../components/States";
import { formatDateTime } from "./dates";
import { CatalogContext, NODE_TYPES } from "./BlockNode";
import { entryFor, nodeVersion, upgradable, upgradeChanges } from "./graph";
import { t } from "../i18n";
import { DrawerDock } from "./DrawerDock";
import { flowAriaLabels } from "./flowLabels";
import { describeIssue, fieldLabel, problemWords } from "../lib/problems";
import { showIdsSet, useShowIds } from "./showIds";
import { HistoryPanel } from "./HistoryPanel";
import { editorDataTake, type EditorData } from "./load";
import { saveErrorsToIssues } from "./issues";
import { DRAG_TYPE, Palette } from "./Palette";
import { ReportPanel } from "./ReportPanel";
import { RunsPanel } from "./RunsPanel";
import { saveErrorsSplit, SettingsPanel, type WorkflowSettings } from "./SettingsPanel";
import { TestCasesPanel } from "./TestCasesPanel";
import { VersionView, type VersionDetail } from "./VersionView";
import { createEditorStore, type EditorStore } from "./store";
import { can, useMe } from "./useMe";

type Loaded = EditorData;

// The settings form (@rjsf, ajv) is its own chunk, fetched as soon as the canvas is drawn.
// Not React.lazy + Suspense: a suspended boundary is revealed no sooner than 300 ms after
// its fallback (React 19's throttle), which alone made "click a block → its form" miss the
// 1.5 s target. The module, once loaded, is used synchronously; before that the panel
// shows "Loading the form…" and re-renders when it arrives.
type NodePanelModule = typeof import("./NodePanel");
let nodePanelModule: NodePanelModule | null = null;
let nodePanelLoading: Promise<NodePanelModule> | null = null;
function loadNodePanel(): Promise<NodePanelModule> {
  nodePanelLoading ??= import("./NodePanel").then((m) => (nodePanelModule = m), (e: unknown) => {
    nodePanelLoading = null;
    throw e;
  });
  return nodePanelLoading;
}

/** The settings form's module: null until loaded (starting the load when `wanted`). */
function useNodePanelModule(wanted: boolean): { module: NodePanelModule | null; error: Error | null; retry: () => void } {
  const [loadedHere, setLoadedHere] = useState(nodePanelModule);
  const [error, setError] = useState<Error | null>(null);
  // Loaded meanwhile by the idle prefetch: use it in this very render.
  const module = loadedHere ?? nodePanelModule;
  useEffect(() => {
    if (module || !wanted || error) return;
    let live = true;
    loadNodePanel().then((m) => { if (live) setLoadedHere(m); }, (e: Error) => { if (live) setError(e); });
    return () => { live = false; };
  }, [module, wanted, error]);
  return { module, error, retry: () => setError(null) };
}

/** The catalog entries of the block types in a loaded workflow (their forms are compiled
 * ahead). */
function initialTypes(data: EditorData): CatalogEntry[] {
  const types = new Set((data.workflow.graph?.nodes ?? []).map((n) => n.type));
  return data.entries.filter((e) => types.has(e.type));
}

/** Run `work` when the browser is idle after the next paint (soon, at the latest). */
function afterPaint(work: () => void, timeout = 150): () => void {
  let idle = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => {
    if (typeof requestIdleCallback === "function") idle = requestIdleCallback(work, { timeout });
    else timer = setTimeout(work, 1);
  });
  return () => {
    cancelAnimationFrame(frame);
    if (idle) cancelIdleCallback(idle);
    clearTimeout(timer);
  };
}

// Small enough to leave the blocks in view on a laptop screen.
const MINIMAP_SIZE = { width: 140, height: 90 };

export function WorkflowEditor() {
  const { id } = useParams();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [attempt, setAttempt] = useState(0);
  const store = useMemo(() => createEditorStore(), []);

  useEffect(() => {
    let cancelled = false;
    setError(null);
    editorDataTake(id ?? "").then(
      (data) => {
        if (cancelled) return;
        store.getState().load(data.workflow.graph, data.entries);
        setLoaded(data);
      },
      (e: Error) => { if (!cancelled) setError(e); },
    );
    return () => { cancelled = true; };
  }, [id, store, attempt]);

  if (error) return <ErrorMessage error={error} onRetry={() => setAttempt((n) => n + 1)} notFound={t("canvas.editor.notFound")} />;
  if (!loaded) return <Loading label={t("canvas.editor.loading")} />;
  return (
    <ReactFlowProvider>
      <EditorView key={loaded.workflow.id} initial={loaded} store={store} reload={() => { setLoaded(null); setAttempt((n) => n + 1); }} />
    </ReactFlowProvider>
  );
}

const FIT = { padding: 0.2, maxZoom: 1.2 };
const COUNTS_EVERY_MS = 10_000;

type Conflict = { detail: string; currentRevision: number | null };
type Drawer = "none" | "history" | "runs" | "settings" | "tests" | "report";

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

function EditorView({ initial, store, reload }: { initial: Loaded; store: EditorStore; reload: () => void }) {
  const me = useMe();
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [workflow, setWorkflow] = useState<WorkflowDetail>(initial.workflow);
  const [savedChanges, setSavedChanges] = useState(0);
  const [busy, setBusy] = useState<string>("");
  const [status, setStatus] = useState<string>("");
  const [problem, setProblem] = useState<Error | null>(null);
  const [problemRefused, setProblemRefused] = useState<"save" | "publish">("save");
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [warnings, setWarnings] = useState<ValidationIssue[]>([]);
  const [customerId, setCustomerId] = useState(initial.customerId);
  const [drawer, setDrawer] = useState<Drawer>("none");
  const moreMenu = useRef<HTMLDetailsElement>(null);
  const [publishing, setPublishing] = useState(false);
  const [note, setNote] = useState("");
  // Settings are edited with the draft and sent with every save.
  const [settings, setSettings] = useState<WorkflowSettings>(initial.workflow.settings);
  const [savedSettings, setSavedSettings] = useState<WorkflowSettings>(initial.workflow.settings);
  const [settingsErrors, setSettingsErrors] = useState<ApiFieldError[]>([]);
  const [viewing, setViewing] = useState<VersionDetail | null>(null);
  const settingsRef = useRef(settings);
  settingsRef.current = settings;

  const nodes = useStore(store, (s) => s.nodes);
  const edges = useStore(store, (s) => s.edges);
  const changes = useStore(store, (s) => s.changes);
  const catalog = useStore(store, (s) => s.catalog);
  const graphIssues = useStore(store, (s) => s.graphIssues);
  const canUndo = useStore(store, (s) => s.past.length > 0);
  // Names of all blocks as one string: stable while blocks are dragged around.
  const targetKey = useStore(store, (s) => s.nodes.map((n) => `${n.id}\t${n.data.label || n.data.type}`).join("\n"));
  const targets = useMemo(() => targetKey.split("\n").filter(Boolean).map((line) => {
    const [id, label] = line.split("\t");
    return { id, label };
  }), [targetKey]);
  const canRedo = useStore(store, (s) => s.future.length > 0);
  const actions = useMemo(() => store.getState(), [store]);
  const ariaLabels = useMemo(flowAriaLabels, []);

  const archived = workflow.state === "archived";
  const canWrite = can(me, "workflows.write") && !archived;
  const canPublish = can(me, "workflows.publish");
  const dirty = changes !== savedChanges || settings !== savedSettings;
  const selected = nodes.filter((n) => n.selected);
  const singleNode = selected.length === 1 ? selected[0] : null;
  const singleData = singleNode?.data;
  const singleId = singleNode?.id;
  const single = useMemo(() => (singleId && singleData ? { id: singleId, data: singleData } : null), [singleId, singleData]);

  useEffect(() => { actions.setReadOnly(!canWrite); }, [actions, canWrite]);

  // Live counts on every block and port of a published (or paused) workflow.
  const [counts, setCounts] = useState<WorkflowCounts | "missing" | null>(null);
  const live = workflow.state === "published" || workflow.state === "paused";
  useEffect(() => {
    if (!live) {
      actions.setCounts(null);
      return;
    }
    let stopped = false;
    const load = () =>
      optional(api.get<WorkflowCounts>(`workflows/${workflow.id}/counts`)).then(
        (data) => {
          if (stopped) return;
          setCounts(data ?? "missing");
          actions.setCounts(data?.nodes ?? null);
        },
        () => undefined, // a missed refresh: the next one may work
      );
    void load();
    const timer = setInterval(load, COUNTS_EVERY_MS);
    return () => { stopped = true; clearInterval(timer); };
  }, [actions, live, workflow.id]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => { if (dirty) event.preventDefault(); };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // Leaving for another page of the app with unsaved edits asks first (reloads and closing
  // the tab get the browser's own beforeunload prompt above).
  const [confirm, confirmDialog] = useConfirm();
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);

  // Once the canvas is painted, fetch the form's code (and compile its validator).
  // (Once every block is measured and drawn: not competing with drawing them.)
  const drawn = useNodesInitialized() || initial.workflow.graph?.nodes.length === 0;
  const [prefetch, setPrefetch] = useState(false);
  if (drawn && !prefetch) setPrefetch(true);
  useEffect(() => {
    if (!prefetch) return;
    let cancelPrepare = () => undefined as void;
    let live = true;
    const cancelPaint = afterPaint(() => {
      loadNodePanel().then((m) => { if (live) cancelPrepare = m.formPrepare(initialTypes(initial)); }, () => undefined);
    });
    return () => { live = false; cancelPaint(); cancelPrepare(); };
  }, [initial, prefetch]);
  const panel = useNodePanelModule(single !== null);
  const NodePanel = panel.module?.NodePanel;

  /** Show the server's workflow. `sentSettings`: the settings a save sent (kept if edited
   * since); null: leave the settings being edited alone (pause, resume, archive). */
  const applyWorkflow = useCallback((next: WorkflowDetail | WorkflowSaved, sentSettings?: WorkflowSettings | null) => {
    setWorkflow(next);
    if (sentSettings === null) {
      setSavedSettings((saved) => (JSON.stringify(saved) === JSON.stringify(next.settings) ? saved : next.settings));
    } else if (sentSettings === undefined || settingsRef.current === sentSettings) {
      // The server's settings (defaults filled in).
      setSettings(next.settings);
      setSavedSettings(next.settings);
    } else {
      setSavedSettings(sentSettings);
    }
    setSettingsErrors([]);
    if ("validation" in next) {
      actions.setIssues(next.validation.errors);
      setWarnings(next.validation.warnings);
    }
  }, [actions]);

  const save = useCallback(async (revision?: number): Promise<WorkflowSaved | null> => {
    setBusy("save");
    setProblem(null);
    const at = store.getState().changes;
    const sentSettings = settingsRef.current;
    try {
      const saved = await api.put<WorkflowSaved>(`workflows/${workflow.id}/`, {
        revision: revision ?? workflow.revision,
        graph: store.getState().graph(),
        settings: sentSettings,
      });
      applyWorkflow(saved, sentSettings);
      setSavedChanges(at);
      setConflict(null);
      const n = saved.validation.errors.length;
      setStatus(n ? t("canvas.status.savedProblems", { revision: saved.revision, count: n }) : t("canvas.status.saved", { revision: saved.revision }));
      return saved;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const current = typeof e.body.current_revision === "number" ? e.body.current_revision : null;
        setConflict({ detail: e.message, currentRevision: current });
        setStatus(t("canvas.status.conflict"));
      } else if (e instanceof ApiError && e.status === 400) {
        const { settings: inSettings, rest: elsewhere } = saveErrorsSplit(e.errors);
        setSettingsErrors(inSettings);
        setProblemRefused("save");
        if (elsewhere.length || !inSettings.length) actions.setIssues(saveErrorsToIssues(elsewhere, store.getState().nodes.map((n) => n.id)));
        setProblem(e);
        if (inSettings.length) setDrawer("settings");
        setStatus(inSettings.length && !elsewhere.length
          ? t("canvas.status.notSavedSettings")
          : t("canvas.status.notSavedGraph"));
      } else {
        setProblem(e as Error);
        setStatus(t("canvas.status.notSaved"));
      }
      return null;
    } finally {
      setBusy("");
    }
  }, [actions, applyWorkflow, store, workflow.id, workflow.revision]);

  const validate = useCallback(async () => {
    setBusy("validate");
    try {
      if (dirty && canWrite && !(await save())) return;
      const result = await api.post<{ valid: boolean; errors: ValidationIssue[]; warnings: ValidationIssue[] }>(`workflows/${workflow.id}/validate/`);
      actions.setIssues(result.errors);
      setWarnings(result.warnings);
      setStatus(result.valid ? t("canvas.status.valid") : t("canvas.status.problems", { count: result.errors.length }));
    } catch (e) {
      setProblem(e as Error);
    } finally {
      setBusy("");
    }
  }, [actions, canWrite, dirty, save, workflow.id]);

  const transition = useCallback(async (verb: "publish" | "pause" | "resume" | "archive", body?: unknown) => {
    setBusy(verb);
    setProblem(null);
    try {
      let revision = workflow.revision;
      if (verb === "publish" && dirty && canWrite) {
        const saved = await save();
        if (!saved) return;
        revision = saved.revision;
      }
      const next = await api.post<WorkflowDetail>(`workflows/${workflow.id}/${verb}/`, verb === "publish" ? { ...(body as object), revision } : undefined);
      applyWorkflow(next, verb === "publish" ? undefined : null);
      if (verb === "publish") actions.setIssues([]);
      setStatus({ publish: t("canvas.status.published", { version: next.version }), pause: t("canvas.status.paused"), resume: t("canvas.status.resumed"), archive: t("canvas.status.archived") }[verb]);
      setPublishing(false);
      setNote("");
    } catch (e) {
      setProblemRefused(verb === "publish" ? "publish" : "save");
      if (e instanceof ApiError && e.status === 400) {
        actions.setIssues(e.errors.map((err) => {
          const m = /^graph\.nodes\.(\d+)(?:\.(.*))?$/.exec(err.field);
          return m ? saveErrorsToIssues([err], store.getState().nodes.map((n) => n.id))[0] : { node: null, field: err.field, code: err.code, message: err.message, path: "" };
        }));
      }
      setProblem(e as Error);
    } finally {
      setBusy("");
    }
  }, [actions, applyWorkflow, canWrite, dirty, save, store, workflow.id, workflow.revision]);

  /** Bring blocks on older versions to their newest (all, or `ids`): the server converts
   * their settings (POST upgrade-blocks), after saving any edits first. */
  const upgrade = useCallback(async (ids?: string[]) => {
    setBusy("upgrade");
    setProblem(null);
    try {
      let revision = workflow.revision;
      if (dirty) {
        const saved = await save();
        if (!saved) return;
        revision = saved.revision;
      }
      const next = await api.post<WorkflowUpgraded>(`workflows/${workflow.id}/upgrade-blocks/`, { revision, ...(ids ? { nodes: ids } : {}) });
      store.getState().load(next.graph);
      setSavedChanges(0);
      applyWorkflow(next);
      if (ids?.length === 1) actions.selectOnly(ids[0]);
      setStatus(next.upgraded.length ? t("canvas.status.upgraded", { count: next.upgraded.length, revision: next.revision }) : t("canvas.status.upToDate"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const current = typeof e.body.current_revision === "number" ? e.body.current_revision : null;
        setConflict({ detail: e.message, currentRevision: current });
        setStatus(t("canvas.status.conflict"));
      } else {
        setProblem(e as Error);
      }
    } finally {
      setBusy("");
    }
  }, [actions, applyWorkflow, dirty, save, store, workflow.id, workflow.revision]);
  // Known from the catalog as soon as the draft opens (no need to validate first).
  const upgradableIds = useMemo(() => nodes.filter((n) => upgradable(catalog, n.data)).map((n) => n.id), [catalog, nodes]);
  const upgradeNews = useMemo(() => {
    const byType = new Map<string, UpgradeNews>();
    for (const n of nodes) {
      if (!upgradable(catalog, n.data)) continue;
      const changes = upgradeChanges(catalog, n.data);
      const known = byType.get(n.data.type);
      if (known) known.changes = [...new Set([...known.changes, ...changes])];
      else byType.set(n.data.type, { type: n.data.type, label: catalog.get(n.data.type)?.label ?? n.data.type, changes });
    }
    return [...byType.values()].filter((item) => item.changes.length);
  }, [catalog, nodes]);
  const singleUpgrade = useMemo(() => {
    if (!single || !upgradable(catalog, single.data)) return undefined;
    const latest = catalog.get(single.data.type)?.latest_version ?? nodeVersion(single.data);
    return { version: nodeVersion(single.data), latest, changes: upgradeChanges(catalog, single.data), busy: !!busy, onUpgrade: canWrite ? () => void upgrade([single.id]) : undefined };
  }, [busy, canWrite, catalog, single, upgrade]);

  const asking = useRef(false);
  useEffect(() => {
    if (blocker.state !== "blocked" || asking.current) return;
    asking.current = true;
    void confirm({
      title: t("confirm.leaveTitle"), body: t("confirm.leaveBody"), confirmLabel: t("confirm.leaveConfirm"),
      cancelLabel: t("confirm.stay"), otherLabel: canWrite ? t("confirm.leaveSave") : undefined, danger: true,
    }).then(async (answer) => {
      if (answer === "confirm") blocker.proceed();
      else if (answer === "other" && (await save())) blocker.proceed();
      else blocker.reset();
      asking.current = false;
    });
  }, [blocker, canWrite, confirm, save]);

  const addAtCentre = useCallback((entry: CatalogEntry) => {
    const rect = wrapper.current?.getBoundingClientRect();
    const anchor = store.getState().nodes.find((n) => n.selected);
    const position = anchor
      ? { x: anchor.position.x, y: anchor.position.y + 160 }
      : flow.screenToFlowPosition({ x: (rect?.left ?? 0) + (rect?.width ?? 600) / 2 - 110, y: (rect?.top ?? 0) + (rect?.height ?? 400) / 2 - 40 });
    const id = actions.addBlock(entry, position);
    const source = anchor?.data.ports[0];
    if (anchor && source && entry.category !== "trigger" && !store.getState().edges.some((e) => e.source === anchor.id && e.sourceHandle === source)) {
      actions.connectPort(anchor.id, source, id);
    }
    setStatus(t("canvas.status.added", { label: entry.label }));
  }, [actions, flow, store]);

  const onDrop = useCallback((event: DragEvent) => {
    event.preventDefault();
    const key = event.dataTransfer.getData(DRAG_TYPE);
    const entry = key ? catalog.get(key) : undefined;
    if (!entry || !canWrite) return;
    const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    actions.addBlock(entry, { x: position.x - 110, y: position.y - 30 });
    setStatus(t("canvas.status.added", { label: entry.label }));
  }, [actions, canWrite, catalog, flow]);

  const onKeyDown = useCallback((event: KeyboardEvent) => {
    if (isTyping(event.target)) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === "s") { event.preventDefault(); if (canWrite) void save(); }
    else if (mod && key === "z" && !event.shiftKey) { event.preventDefault(); actions.undo(); }
    else if (mod && (key === "y" || (key === "z" && event.shiftKey))) { event.preventDefault(); actions.redo(); }
    else if (mod && key === "c") { const n = actions.copy(); if (n) setStatus(t("canvas.status.copied", { count: n })); }
    else if (mod && key === "v") { const n = actions.paste(); if (n) setStatus(t("canvas.status.pasted", { count: n })); }
    else if (mod && key === "a") { event.preventDefault(); store.setState({ nodes: store.getState().nodes.map((n) => ({ ...n, selected: true })) }); }
    else if (!mod && key === "f") flow.fitView({ padding: 0.2, duration: 200 });
    else if (!mod && key === "l") { void actions.layout().then(() => setTimeout(() => flow.fitView({ padding: 0.2, duration: 200 }), 30)); }
  }, [actions, canWrite, flow, save, store]);

  const isValidConnection: IsValidConnection = useCallback((c: Connection | { source: string; target: string }) => c.source !== c.target, []);
  const liquid = useMemo(() => ({ customerId, variables: initial.variables }), [customerId, initial.variables]);
  const issueCount = nodes.reduce((n, node) => n + (node.data.issues?.length ?? 0), 0) + graphIssues.length;

  return (
    <CatalogContext.Provider value={catalog}>
      <div className="editor" onKeyDown={onKeyDown}>
        {confirmDialog}
        <div className="editor-toolbar" role="toolbar" aria-label={t("canvas.editor.toolbar")}>
          {/* One line at 1280 px that does not move: the left part shrinks (ellipsis), the
              right part keeps its buttons; rare actions live in "More". */}
          <div className="toolbar-identity">
            <Link to="/workflows" className="back">{t("canvas.editor.back")}</Link>
            <h1 title={workflow.description || workflow.name}>{workflow.name}</h1>
            <span className={`badge state-${workflow.state}`} data-testid="workflow-state"
              title={t("canvas.editor.stateTitle", { version: workflow.version ? t("canvas.versionShort", { number: workflow.version }) : t("canvas.editor.neverPublished"), revision: workflow.revision })}>
              {t(`canvas.state.${workflow.state}`, { defaultValue: workflow.state })}
            </span>
            <span className="muted toolbar-note">
              {dirty ? t("canvas.editor.unsaved") : workflow.has_unpublished_changes && workflow.version ? t("canvas.editor.differs") : workflow.version ? t("canvas.versionShort", { number: workflow.version }) : ""}
            </span>
          </div>
          <div className="toolbar-actions">
            <button type="button" className="button secondary icon-only" onClick={actions.undo} disabled={!canUndo || !canWrite} title={t("canvas.editor.undoTitle")} aria-label={t("canvas.editor.undo")}><Undo2 size={16} aria-hidden="true" /></button>
            <button type="button" className="button secondary icon-only" onClick={actions.redo} disabled={!canRedo || !canWrite} title={t("canvas.editor.redoTitle")} aria-label={t("canvas.editor.redo")}><Redo2 size={16} aria-hidden="true" /></button>
            <span className="toolbar-group">
              <button type="button" className="button secondary" onClick={() => setDrawer(drawer === "settings" ? "none" : "settings")} aria-pressed={drawer === "settings"}>
                {settingsErrors.length ? t("canvas.editor.settingsErrors", { count: settingsErrors.length }) : t("canvas.editor.settings")}
              </button>
              <button type="button" className="button secondary" onClick={() => setDrawer(drawer === "history" ? "none" : "history")} aria-pressed={drawer === "history"}>{t("canvas.editor.history")}</button>
              <button type="button" className="button secondary" onClick={() => setDrawer(drawer === "runs" ? "none" : "runs")} aria-pressed={drawer === "runs"}>{t("canvas.editor.runs")}</button>
              <button type="button" className="button secondary" onClick={() => setDrawer(drawer === "tests" ? "none" : "tests")} aria-pressed={drawer === "tests"}>{t("canvas.editor.tests")}</button>
              <button type="button" className="button secondary" onClick={() => setDrawer(drawer === "report" ? "none" : "report")} aria-pressed={drawer === "report"}>{t("report.button")}</button>
            </span>
            <details className="toolbar-more" ref={moreMenu}>
              <summary className="button secondary">{t("canvas.editor.more")}</summary>
              <div className="menu" role="group" aria-label={t("canvas.editor.moreActions")} onClick={() => { if (moreMenu.current) moreMenu.current.open = false; }}>
                <button type="button" className="link-button" onClick={() => void validate()} disabled={!!busy}>{t("canvas.editor.validate")}</button>
                <button type="button" className="link-button" onClick={() => { void actions.layout().then(() => setTimeout(() => flow.fitView({ padding: 0.2, duration: 200 }), 30)); }} disabled={!canWrite || nodes.length === 0} title={t("canvas.editor.layoutTitle")}>{t("canvas.editor.layout")}</button>
                {canPublish && workflow.state === "published" && (
                  <button type="button" className="link-button" onClick={() => void transition("pause")} disabled={!!busy}>{t("canvas.editor.pause")}</button>
                )}
                {canPublish && workflow.state === "paused" && (
                  <button type="button" className="link-button" onClick={() => void transition("resume")} disabled={!!busy}>{t("canvas.editor.resume")}</button>
                )}
                {canPublish && (workflow.state === "published" || workflow.state === "paused") && (
                  <button type="button" className="link-button danger" disabled={!!busy}
                    onClick={() => void confirm({ title: t("confirm.archiveTitle"), body: t("confirm.archiveBody"), confirmLabel: t("confirm.archiveConfirm"), danger: true })
                      .then((answer) => { if (answer === "confirm") void transition("archive"); })}>
                    {t("canvas.editor.archive")}
                  </button>
                )}
              </div>
            </details>
            {canWrite && (
              <button type="button" className="button save" onClick={() => void save()} disabled={!!busy || !dirty} title={t("canvas.editor.saveTitle")}>
                {busy === "save" ? t("canvas.saving") : dirty ? t("canvas.editor.saveDraft") : t("canvas.editor.saved")}
              </button>
            )}
            {canPublish && !archived && (
              <button type="button" className="button publish" onClick={() => setPublishing(true)} disabled={!!busy || (!dirty && !workflow.has_unpublished_changes)}>{t("canvas.editor.publish")}</button>
            )}
            {!canPublish && canWrite && !archived && (
              // Composers see why they cannot publish (focusable, so the reason can be read).
              <button type="button" className="button publish" aria-disabled="true" title={t("editor.publishNeedsRole")}
                onClick={() => setStatus(t("editor.publishNeedsRole"))}>{t("canvas.editor.publish")}</button>
            )}
          </div>
        </div>

        <p className="editor-status" role="status" aria-live="polite">{status}</p>
        {me && !canWrite && (
          <p className="notice">{archived ? t("canvas.editor.readOnlyArchived") : t("canvas.editor.readOnlyRole")}</p>
        )}
        {conflict && (
          <div className="state state-error conflict" role="alert">
            <p className="state-title">{conflict.currentRevision ? t("canvas.editor.conflictTitleRevision", { revision: conflict.currentRevision }) : t("canvas.editor.conflictTitle")}</p>
            <p>{t("canvas.editor.conflictBody", { detail: conflict.detail })}</p>
            <button type="button" className="button" onClick={reload}>{t("canvas.editor.loadTheirs")}</button>{" "}
            {conflict.currentRevision !== null && (
              <button type="button" className="button secondary" onClick={() => void save(conflict.currentRevision ?? undefined)}>{t("canvas.editor.saveOver")}</button>
            )}{" "}
            <button type="button" className="button secondary" onClick={() => {
              const blob = new Blob([JSON.stringify(store.getState().graph(), null, 2)], { type: "application/json" });
              const a = document.createElement("a");
              a.href = URL.createObjectURL(blob);
              a.download = `workflow-${workflow.id}-mine.json`;
              a.click();
            }}>{t("canvas.editor.download")}</button>
          </div>
        )}
        {problem && !conflict && (problem instanceof ApiError && problem.status === 400 && issueCount > 0 ? (
          <p className="state state-error" role="alert">{problemRefused === "publish" ? t("problem.notPublished", { count: issueCount }) : t("problem.notSaved")}</p>
        ) : <ErrorMessage error={problem} />)}
        {publishing && (
          <form className="publish-dialog" role="dialog" aria-label={t("canvas.editor.publishDialog")} onSubmit={(e) => { e.preventDefault(); void transition("publish", { note }); }}>
            <label htmlFor="publish-note">{t("canvas.editor.publishNote")}</label>
            <input id="publish-note" type="text" value={note} onChange={(e) => setNote(e.target.value)} autoFocus placeholder={t("canvas.editor.publishPlaceholder")} />
            <button type="submit" className="button publish" disabled={!!busy}>{busy === "publish" ? t("canvas.editor.publishing") : t("canvas.editor.publishNow")}</button>
            <button type="button" className="button secondary" onClick={() => setPublishing(false)}>{t("canvas.cancel")}</button>
            {dirty && <p className="muted">{t("canvas.editor.savedFirst")}</p>}
          </form>
        )}

        {viewing ? <VersionView version={viewing} catalog={catalog} onClose={() => setViewing(null)} /> : (
        <div className="editor-body">
          <Palette entries={initial.entries} disabled={!canWrite} onAdd={addAtCentre} />
          <div className="canvas" ref={wrapper} onDrop={onDrop} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }}
            aria-label={t("canvas.editor.canvas")}>
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={NODE_TYPES}
              onNodesChange={actions.onNodesChange}
              onEdgesChange={actions.onEdgesChange}
              onConnect={actions.onConnect}
              onNodeDragStart={actions.beginChange}
              isValidConnection={isValidConnection}
              nodesDraggable={canWrite}
              nodesConnectable={canWrite}
              deleteKeyCode={canWrite ? ["Backspace", "Delete"] : null}
              minZoom={0.1}
              fitView
              fitViewOptions={FIT}
              defaultEdgeOptions={{ type: "smoothstep" }}
              proOptions={{ hideAttribution: true }}
              ariaLabelConfig={ariaLabels}
            >
              <Background gap={20} />
              <MiniMap pannable zoomable ariaLabel={t("canvas.miniMap")} style={MINIMAP_SIZE} />
              <Controls showInteractive={false} />
            </ReactFlow>
            {nodes.length === 0 && (
              <div className="canvas-empty">
                <p className="state-title">{t("canvas.editor.emptyTitle")}</p>
                <p>{t("canvas.editor.emptyBody")}</p>
              </div>
            )}
          </div>
          <aside className="side-panel" aria-label={t("canvas.editor.sidePanel")}>
            <div className="form-row preview-customer">
              <label htmlFor="preview-customer">{t("canvas.editor.previewAs")}</label>
              <input id="preview-customer" type="text" value={customerId} placeholder={t("canvas.editor.customerPlaceholder")} onChange={(e) => setCustomerId(e.target.value.trim())} />
            </div>
            {single && !NodePanel ? (
              panel.error ? <ErrorMessage error={panel.error} onRetry={panel.retry} /> : <Loading label={t("canvas.editor.loadingForm")} />
            ) : single && NodePanel ? (
              <NodePanel
                node={single}
                entry={entryFor(catalog, single.data)}
                targets={targets}
                edges={edges}
                readOnly={!canWrite}
                liquid={liquid}
                onChange={actions.updateNode}
                onConnect={actions.connectPort}
                onDelete={actions.deleteSelected}
                upgrade={singleUpgrade}
              />
            ) : (
              <WorkflowSummary
                workflow={workflow}
                selected={selected.length}
                graphIssues={graphIssues}
                nodeIssues={nodes.filter((n) => n.data.issues?.length).map((n) => {
                  const entry = entryFor(catalog, n.data);
                  return { id: n.id, label: n.data.label || entry?.label || n.data.type, entry, issues: n.data.issues! };
                })}
                warnings={warnings}
                issueCount={issueCount}
                upgradable={canWrite ? upgradableIds : []}
                upgradeNews={upgradeNews}
                busy={!!busy}
                onUpgrade={(ids) => void upgrade(ids)}
                onSelect={(id) => { actions.selectOnly(id); const n = store.getState().nodes.find((x) => x.id === id); if (n) flow.setCenter(n.position.x + 110, n.position.y + 40, { zoom: 1, duration: 200 }); }}
              />
            )}
          </aside>
        </div>
        )}
        {drawer !== "none" && (
        <DrawerDock>
        {drawer === "history" && (
          <HistoryPanel workflowId={workflow.id} canPublish={canPublish && !archived} onClose={() => { setViewing(null); setDrawer("none"); }}
            viewing={viewing?.number ?? null} onView={(v) => { setViewing(v); setStatus(t("canvas.status.showingVersion", { number: v.number })); }}
            onRolledBack={(next) => { setViewing(null); applyWorkflow(next); store.getState().load(next.graph); setSavedChanges(0); setStatus(t("canvas.status.rolledBack", { version: next.version })); }} />
        )}
        {drawer === "settings" && (
          <SettingsPanel settings={settings} errors={settingsErrors} readOnly={!canWrite}
            onChange={setSettings} onClose={() => setDrawer("none")} />
        )}
        {drawer === "tests" && (
          <TestCasesPanel workflowId={workflow.id} canWrite={canWrite} defaultCustomer={customerId}
            beforeRun={async () => !(dirty && canWrite) || (await save()) !== null}
            onClose={() => setDrawer("none")} />
        )}
        {drawer === "report" && (
          <ReportPanel workflowId={workflow.id} onClose={() => setDrawer("none")} onOpenSettings={() => setDrawer("settings")} />
        )}
        {drawer === "runs" && (
          <RunsPanel workflow={workflow} store={store} defaultCustomer={customerId} counts={counts} onClose={() => { actions.setOverlay(null); setDrawer("none"); }} />
        )}
        </DrawerDock>
        )}
      </div>
    </CatalogContext.Provider>
  );
}

type SummaryProps = {
  workflow: WorkflowDetail;
  selected: number;
  graphIssues: ValidationIssue[];
  nodeIssues: { id: string; label: string; entry?: CatalogEntry; issues: ValidationIssue[] }[];
  warnings: ValidationIssue[];
  issueCount: number;
  /** Nodes on an older version of their block that this person may upgrade. */
  upgradable: string[];
  /** What upgrading brings, per block type among those nodes. */
  upgradeNews: UpgradeNews[];
  busy: boolean;
  onUpgrade: (ids?: string[]) => void;
  onSelect: (id: string) => void;
};

/** A block type some nodes could be upgraded from, and its newer versions' "what's new". */
type UpgradeNews = { type: string; label: string; changes: string[] };

/** A warning that a node's block has a newer version (apps/workflows/validation.py). */
const UPGRADE_CODE = "block_upgrade_available";

function WorkflowSummary({ workflow, selected, graphIssues, nodeIssues, warnings, issueCount, upgradable: upgradableIds, upgradeNews, busy, onUpgrade, onSelect }: SummaryProps) {
  const showIds = useShowIds();
  // Formatting a date builds an Intl formatter (20-30 ms the first time, locale data):
  // not on every canvas change, and not before the canvas is drawn.
  const [changed, setChanged] = useState("");
  useEffect(() => afterPaint(() => setChanged(formatDateTime(workflow.updated_at)), 500), [workflow.updated_at]);
  return (
    <div className="workflow-summary">
      <h2>{selected > 1 ? t("canvas.overview.selected", { count: selected }) : t("canvas.overview.title")}</h2>
      <p className="muted">{workflow.description || t("canvas.overview.noDescription")}</p>
      <p className="muted">{workflow.updated_by ? t("canvas.overview.lastChangeBy", { when: changed || "…", who: workflow.updated_by }) : t("canvas.overview.lastChange", { when: changed || "…" })}</p>
      <p>{t("canvas.overview.selectHint")}</p>
      <label className="checkbox-row">
        <input type="checkbox" checked={showIds} onChange={(e) => showIdsSet(e.target.checked)} />
        {" "}{t("editor.showIds")}
      </label>
      {upgradableIds.length > 0 && (
        <div className="upgrade-notice" data-testid="upgrade-all">
          <p>{t("canvas.overview.upgradeHint")}</p>
          {upgradeNews.length > 0 && (
            <ul className="upgrade-news" data-testid="upgrade-news">
              {upgradeNews.map((item) => <li key={item.type}>{t("canvas.overview.upgradeNews", { label: item.label, changes: item.changes.join(" ") })}</li>)}
            </ul>
          )}
          <button type="button" className="button secondary" disabled={busy} onClick={() => onUpgrade()}>
            {t("canvas.overview.upgradeAll", { count: upgradableIds.length })}
          </button>
        </div>
      )}
      <h3>{issueCount ? t("canvas.overview.problemsCount", { count: issueCount }) : t("canvas.overview.problems")}</h3>
      {issueCount === 0 ? (
        <p className="muted">{t("canvas.overview.noProblems")}</p>
      ) : (
        <ul className="issues" data-testid="issues">
          {graphIssues.map((i, n) => <li key={`g${n}`}>{describeIssue(i)}</li>)}
          {nodeIssues.flatMap((node) => node.issues.map((i, n) => (
            <li key={`${node.id}-${n}`}>
              <button type="button" className="link-button" onClick={() => onSelect(node.id)}>{node.label}</button>
              {i.field && fieldLabel(i.field, node.entry) ? ` · ${fieldLabel(i.field, node.entry)}` : ""}: {problemWords(i)}
            </li>
          )))}
        </ul>
      )}
      {warnings.length > 0 && (
        <>
          <h3>{t("canvas.overview.warnings")}</h3>
          <ul className="issues warnings">
            {warnings.map((w, n) => (
              <li key={n}>
                {w.node ? <button type="button" className="link-button" onClick={() => onSelect(w.node!)}>{showIds ? w.node : t("editor.showBlock")}</button> : null} {problemWords(w)}
                {w.code === UPGRADE_CODE && w.node && upgradableIds.includes(w.node) && (
                  <> <button type="button" className="link-button" disabled={busy} onClick={() => onUpgrade([w.node!])}>{t("canvas.node.upgrade")}</button></>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
