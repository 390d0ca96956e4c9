/**
 * What the console keeps in the browser: the region it looks at, the access key that picks the
 * account (the server maps keys to accounts), and the admin token when the server has one.
 */
import { useSyncExternalStore } from "react";

export interface Settings {
  region: string;
  accessKeyId: string;
  adminToken: string;
}

const KEY = "liftlog.console.settings";
export const DEFAULT_SETTINGS: Settings = { region: "us-east-1", accessKeyId: "AKIDLIFTLOGCONSOLE", adminToken: "" };

function load(): Settings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Settings>;
    return { ...DEFAULT_SETTINGS, ...saved };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

let current = load();
const listeners = new Set<() => void>();

export const getSettings = () => current;

export function updateSettings(change: Partial<Settings>): void {
  current = { ...current, ...change };
  localStorage.setItem(KEY, JSON.stringify(current));
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const useSettings = () => useSyncExternalStore(subscribe, getSettings);
