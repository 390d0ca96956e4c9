/** The console: header (region, account key), the routes, and the admin-token prompt. */
import { useCallback, useState } from "react";
import { createRoot } from "react-dom/client";
import { SUPPORTED_REGIONS } from "../../operations/regions.js";
import { needsToken } from "./api";
import { FleetView } from "./fleet-view";
import { FleetsView } from "./fleets-view";
import { Launcher } from "./launcher";
import { Link, useLocation } from "./router";
import { updateSettings, useSettings } from "./settings";
import "./styles.css";

const REGIONS = [...SUPPORTED_REGIONS];

function App() {
  const { path, query } = useLocation();
  const settings = useSettings();
  const [askToken, setAskToken] = useState(false);
  const [generation, setGeneration] = useState(0);
  const onError = useCallback((err: unknown) => {
    if (needsToken(err)) setAskToken(true);
  }, []);

  // A deep link may name its region; it becomes the console's region.
  const linkRegion = query.get("region");
  if (linkRegion && REGIONS.includes(linkRegion) && linkRegion !== settings.region) updateSettings({ region: linkRegion });

  const fleet = /^\/fleets\/([^/]+)$/.exec(path);
  const view = fleet ? (
    <FleetView key={`${fleet[1]}-${generation}`} fleetId={decodeURIComponent(fleet[1]!)} query={query} onError={onError} />
  ) : path === "/scenarios" ? (
    <Launcher key={generation} onError={onError} />
  ) : (
    <FleetsView key={generation} onError={onError} />
  );

  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          liftlog
        </Link>
        <nav>
          <Link to="/" className={fleet || path === "/" ? "current" : ""}>
            Fleets
          </Link>
          <Link to="/scenarios" className={path === "/scenarios" ? "current" : ""}>
            Scenarios
          </Link>
        </nav>
        <span className="spacer" />
        <label>
          Region{" "}
          <select aria-label="Region" value={settings.region} onChange={(e) => updateSettings({ region: e.target.value })}>
            {(REGIONS.includes(settings.region) ? REGIONS : [settings.region, ...REGIONS]).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label title="The access key the console signs with; the server maps access keys to accounts (--accounts).">
          Access key{" "}
          <input
            className="mono key-input"
            aria-label="Access key"
            defaultValue={settings.accessKeyId}
            onBlur={(e) => e.target.value.trim() && updateSettings({ accessKeyId: e.target.value.trim() })}
          />
        </label>
      </header>
      {askToken && (
        <TokenDialog
          onSave={(token) => {
            updateSettings({ adminToken: token });
            setAskToken(false);
            setGeneration((g) => g + 1);
          }}
        />
      )}
      {view}
    </>
  );
}

function TokenDialog({ onSave }: { onSave: (token: string) => void }) {
  const [token, setToken] = useState("");
  return (
    <div className="dialog-backdrop">
      <form
        className="dialog"
        role="dialog"
        aria-label="Admin token"
        onSubmit={(e) => {
          e.preventDefault();
          onSave(token.trim());
        }}
      >
        <h2>Admin token</h2>
        <p>
          This server requires its admin token (liftlog serve --admin-token) for scenarios and live updates. It is kept in this browser.
        </p>
        <input autoFocus type="password" aria-label="Admin token" value={token} onChange={(e) => setToken(e.target.value)} />
        <button type="submit" disabled={!token.trim()}>
          Save
        </button>
      </form>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
