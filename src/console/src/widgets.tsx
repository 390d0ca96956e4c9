/** Small pieces every view uses: the status pill, relative times, keyboard shortcuts. */
import { useEffect, useRef } from "react";
import { statusColorVar } from "./theme";

export function StatusPill({ status }: { status: string | undefined }) {
  return (
    <span className="pill" style={{ background: `var(${statusColorVar(status)})` }} data-status={status}>
      {status ?? "UNKNOWN"}
    </span>
  );
}

/** "3 min ago" from two epoch-ms times. */
export function ago(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * Page-wide shortcuts by `KeyboardEvent.key`. While a text field has focus only Escape is taken
 * (it leaves the field), so typing never triggers a shortcut.
 */
export function useKeys(bindings: Record<string, () => void>): void {
  const current = useRef(bindings);
  current.current = bindings;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      const target = e.target as HTMLElement;
      const typing = target.matches("input, select, textarea, [contenteditable]");
      if (typing && e.key !== "Escape") return;
      if (typing) target.blur();
      const action = Object.hasOwn(current.current, e.key) ? current.current[e.key] : undefined;
      if (!action || (typing && e.key === "Escape" && target.matches("input, select, textarea"))) return;
      if (target.matches("button, a") && e.key === "Enter") return;
      e.preventDefault();
      action();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
