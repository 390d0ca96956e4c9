/** Light or dark, as the system says; charts re-read the page's colours when it changes. */
import { useSyncExternalStore } from "react";

const query = window.matchMedia("(prefers-color-scheme: dark)");

export const useColorScheme = () =>
  useSyncExternalStore(
    (listener) => {
      query.addEventListener("change", listener);
      return () => query.removeEventListener("change", listener);
    },
    () => (query.matches ? "dark" : "light"),
  );

/** Creation stages each get their own shade, so neighbouring bands on the timeline stay apart. */
const STAGE_COLORS = new Map([
  ["NEW", "--stage-1"],
  ["PENDING", "--stage-1"],
  ["DOWNLOADING", "--stage-2"],
  ["CREATING", "--stage-2"],
  ["VALIDATING", "--stage-3"],
  ["CREATED", "--stage-3"],
  ["BUILDING", "--stage-4"],
  ["UPDATING", "--stage-4"],
  ["ACTIVATING", "--stage-5"],
]);

/** The theme colour (a CSS custom property) for a fleet or location status. */
export function statusColorVar(status: string | undefined): string {
  if (status === "ACTIVE") return "--ok";
  if (status === "ERROR") return "--error";
  if (status === "DELETING" || status === "TERMINATED" || status === "DELETED") return "--muted";
  return (status && STAGE_COLORS.get(status)) ?? "--progress";
}
