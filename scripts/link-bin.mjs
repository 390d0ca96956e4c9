// Links node_modules/.bin/liftlog to this checkout's CLI, so that right after `npm ci`,
// `npx liftlog ...` runs the checkout itself: npm exec looks in node_modules/.bin first, and
// would otherwise copy the project into its own cache and build it again.
import { mkdirSync, rmSync, symlinkSync, chmodSync } from "node:fs";

mkdirSync("node_modules/.bin", { recursive: true });
rmSync("node_modules/.bin/liftlog", { force: true });
symlinkSync("../../bin/liftlog.js", "node_modules/.bin/liftlog");
chmodSync("bin/liftlog.js", 0o755);
