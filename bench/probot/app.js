// The Probot comparison in Baton's webhook ingest benchmark (issue 27):
// a minimal Probot app that, on `pull_request.opened`, picks the next
// reviewer from a fixed list, round-robin per repository, never the pull
// request's author, and keeps the pick in memory. No GitHub API call, no
// logging per delivery. Started by bench/probot.sh (or bench/ingest.sh with
// WITH_PROBOT=1); not used by Baton's tests or CI.
//
// This file is Baton's own code, MIT like the rest of the repository.
// Probot itself (https://github.com/probot/probot, installed from npm at the
// exact version in package.json / package-lock.json) is ISC-licensed.
//
// Runs the app on Probot's own server, as `probot run` does and as Probot's
// docs show for running an app programmatically (`new Server({ Probot:
// Probot.defaults(...) })`): Express, Probot's request-logging middleware,
// and the webhook route at /api/github/webhooks.
//
// With PROBOT_SERVER=middleware the app runs instead behind Probot's
// `createNodeMiddleware` on a plain Node http server, as Probot's docs show for
// serverless or custom servers: no Express, no request logging. That is
// Probot's best case here; the route is the same.
//
// Environment: PORT (required), APP_ID, PRIVATE_KEY_PATH (a throwaway RSA key
// made at run time; never commit one), WEBHOOK_SECRET, LOG_LEVEL (default warn).
// GET /bench/count answers the handler's counters as JSON, and they are printed
// to stderr on SIGTERM, so the benchmark can check the handler really ran.

const { readFileSync } = require("node:fs");
const { createServer } = require("node:http");
const { Probot, Server, createNodeMiddleware, createProbot } = require("probot");

const REVIEWERS = ["hubot", "monalisa", "defunkt"];

const nextIndex = new Map(); // repository full name -> index of the next reviewer to try
const picks = new Map(); // "owner/repo#number" -> login picked
const counters = { opened: 0, picked: 0 };

function pickReviewer(repository, author) {
  let index = nextIndex.get(repository) ?? 0;
  for (let tried = 0; tried < REVIEWERS.length; tried++) {
    const login = REVIEWERS[index];
    index = (index + 1) % REVIEWERS.length;
    if (login.toLowerCase() !== author.toLowerCase()) {
      nextIndex.set(repository, index);
      return login;
    }
  }
  return null; // every reviewer on the list is the author
}

/** @param {import("probot").Probot} app */
function roundRobinApp(app, { getRouter } = {}) {
  app.on("pull_request.opened", async (context) => {
    counters.opened++;
    const { repository, pull_request: pr } = context.payload;
    const login = pickReviewer(repository.full_name, pr.user.login);
    if (login !== null) {
      counters.picked++;
      picks.set(`${repository.full_name}#${pr.number}`, login);
    }
  });
  if (getRouter) {
    getRouter("/bench").get("/count", (_req, res) => {
      res.json({ ...counters, pull_requests: picks.size, repositories: nextIndex.size });
    });
  }
}

async function main() {
  const port = Number(process.env.PORT || process.argv[2]);
  if (!port) throw new Error("set PORT (or pass the port as the first argument)");
  for (const name of ["APP_ID", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"]) {
    if (!process.env[name]) throw new Error(`set ${name}`);
  }
  const options = {
    appId: process.env.APP_ID,
    privateKey: readFileSync(process.env.PRIVATE_KEY_PATH, "utf8"),
    secret: process.env.WEBHOOK_SECRET,
    logLevel: process.env.LOG_LEVEL || "warn",
  };
  if (process.env.PROBOT_SERVER === "middleware") {
    const middleware = createNodeMiddleware(roundRobinApp, {
      probot: createProbot({ overrides: options }),
    });
    const server = createServer(async (req, res) => {
      if (req.method === "GET" && (req.url === "/ping" || req.url === "/bench/count")) {
        const answer = req.url === "/ping" ? "PONG" : JSON.stringify({ ...counters, pull_requests: picks.size, repositories: nextIndex.size });
        res.writeHead(200, { "content-type": req.url === "/ping" ? "text/plain" : "application/json" });
        res.end(answer);
        return;
      }
      if (!(await middleware(req, res))) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  } else {
    const server = new Server({ host: "127.0.0.1", port, Probot: Probot.defaults(options) });
    await server.load(roundRobinApp);
    await server.start();
  }
  process.on("SIGTERM", () => {
    process.stderr.write(`probot app: ${JSON.stringify({ ...counters, pull_requests: picks.size })}\n`);
    process.exit(0);
  });
}

module.exports = roundRobinApp;

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
