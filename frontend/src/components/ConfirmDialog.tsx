// An in-app confirmation (a modal <dialog>: focus stays inside, Escape cancels) in place of
// the browser's window.confirm, which looks like an error and cannot say what each button
// does. `useConfirm` gives a promise-based `confirm` and the element to render.
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { t } from "../i18n";

export type ConfirmOptions = {
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  /** A third choice (e.g. "Save and leave"): resolves "other". */
  otherLabel?: string;
  danger?: boolean;
};
export type ConfirmAnswer = "confirm" | "cancel" | "other";

type Props = ConfirmOptions & { onAnswer: (answer: ConfirmAnswer) => void };

export function ConfirmDialog({ title, body, confirmLabel, cancelLabel, otherLabel, danger, onAnswer }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
    return () => dialog?.close?.();
  }, []);
  return (
    <dialog ref={ref} className="confirm-dialog" aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); onAnswer("cancel"); }}>
      <h2 id="confirm-title">{title}</h2>
      {body ? <div className="confirm-body">{body}</div> : null}
      <div className="confirm-actions">
        <button type="button" className="button secondary" onClick={() => onAnswer("cancel")} autoFocus>{cancelLabel ?? t("words.cancel")}</button>
        {otherLabel && <button type="button" className="button secondary" onClick={() => onAnswer("other")}>{otherLabel}</button>}
        <button type="button" className={danger ? "button secondary danger" : "button"} onClick={() => onAnswer("confirm")}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/** `const [confirm, dialog] = useConfirm()`; `if (await confirm({...}) === "confirm") …`. */
export function useConfirm(): [(options: ConfirmOptions) => Promise<ConfirmAnswer>, ReactNode] {
  const [pending, setPending] = useState<{ options: ConfirmOptions; resolve: (answer: ConfirmAnswer) => void } | null>(null);
  const confirm = useCallback((options: ConfirmOptions): Promise<ConfirmAnswer> => new Promise((resolve) => setPending({ options, resolve })), []);
  const dialog = pending ? (
    <ConfirmDialog {...pending.options} onAnswer={(answer) => { setPending(null); pending.resolve(answer); }} />
  ) : null;
  return [confirm, dialog];
}
