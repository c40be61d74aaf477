// Drive the Dapr JavaScript SDK's HTTP workflow client (DaprClient.workflow) through every
// workflow operation against a target and print one JSON line of what it observed.
//
// node js_client.mjs --sdk-dir DIR --url URL --token-url URL --token TOKEN
//   --sdk-dir    a directory whose node_modules holds @dapr/dapr
//   --url        a target without an API token
//   --token-url  a target that requires --token as its dapr-api-token
//
// The script records observations, never verdicts: tests/sdk/test_js_sdk.py asserts them.
import { createRequire } from "node:module";
import path from "node:path";

const EVENTUALLY_MS = 10000;
const STEP_MS = 15000;
const RUN_MS = 60000;
const runDeadline = Date.now() + RUN_MS;
const TERMINAL = ["COMPLETED", "FAILED", "TERMINATED"];

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    args[argv[i].replace(/^--/, "")] = argv[i + 1];
  }
  for (const name of ["sdk-dir", "url", "token-url", "token"]) {
    if (!args[name]) throw new Error(`missing --${name}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
// ESM ignores NODE_PATH, so the SDK is required from the directory that holds it.
const requireSdk = createRequire(path.join(path.resolve(args["sdk-dir"]), "package.json"));
const dapr = requireSdk("@dapr/dapr");
const { Settings } = requireSdk("@dapr/dapr/utils/Settings.util");
const { SDK_VERSION } = requireSdk("@dapr/dapr/version");

const silent = { error() {}, warn() {}, info() {}, verbose() {}, debug() {} };

function newClient(url, extra = {}) {
  const { hostname, port } = new URL(url);
  return new dapr.DaprClient({
    daprHost: hostname,
    daprPort: port,
    communicationProtocol: dapr.CommunicationProtocolEnum.HTTP,
    logger: { level: dapr.LogLevel.Error, service: silent },
    ...extra,
  });
}

// The SDK's HTTP errors are Error(JSON.stringify({error, error_msg, status})).
function describeError(e) {
  try {
    const parsed = JSON.parse(e.message);
    let body = parsed.error_msg;
    try {
      body = JSON.parse(body);
    } catch {
      // a non-JSON body (e.g. daprd's text/plain token refusal) stays text
    }
    return { status: parsed.status, body };
  } catch {
    return { message: e.message };
  }
}

// The SDK's fetch has no timeout: a target that never answers fails each step in bounded time.
async function observe(step) {
  const limit = Math.max(0, Math.min(STEP_MS, runDeadline - Date.now()));
  let timer;
  const hung = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
  });
  try {
    return await Promise.race([step(), hung]);
  } catch (e) {
    return { error: describeError(e) };
  } finally {
    clearTimeout(timer);
  }
}

async function stateOnceIn(client, id, statuses) {
  const deadline = Date.now() + EVENTUALLY_MS;
  for (;;) {
    const state = await client.workflow.get(id);
    const status = state.runtimeStatus;
    const settled = statuses.includes(status) || TERMINAL.includes(status);
    if (settled || Date.now() > deadline) {
      return {
        instanceID: state.instanceID,
        workflowName: state.workflowName,
        status: state.runtimeStatus,
        output: state.properties?.["dapr.workflow.output"] ?? null,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function lifecycle(client, tag) {
  const results = {};
  const eventId = `sdk-${tag}-event`;
  results.start_with_id = await observe(async () => ({
    requested: eventId,
    returned: await client.workflow.start("EventWorkflow", undefined, eventId),
  }));
  results.after_start = await observe(() => stateOnceIn(client, eventId, ["RUNNING"]));
  results.after_pause = await observe(async () => {
    await client.workflow.pause(eventId);
    return stateOnceIn(client, eventId, ["SUSPENDED"]);
  });
  results.after_resume = await observe(async () => {
    await client.workflow.resume(eventId);
    return stateOnceIn(client, eventId, ["RUNNING"]);
  });
  results.after_raise = await observe(async () => {
    await client.workflow.raise(eventId, "go", { answer: 42, from: "sdk" });
    return stateOnceIn(client, eventId, ["COMPLETED"]);
  });
  results.start_without_id = await observe(async () => {
    const returned = await client.workflow.start("EchoWorkflow", { hello: "sdk" });
    return { returned, state: await stateOnceIn(client, returned, ["COMPLETED"]) };
  });
  const doomedId = `sdk-${tag}-doomed`;
  results.after_terminate = await observe(async () => {
    await client.workflow.start("EventWorkflow", undefined, doomedId);
    await stateOnceIn(client, doomedId, ["RUNNING"]);
    await client.workflow.terminate(doomedId);
    return stateOnceIn(client, doomedId, ["TERMINATED"]);
  });
  results.get_after_purge = await observe(async () => {
    await client.workflow.purge(doomedId);
    const state = await client.workflow.get(doomedId);
    return { unexpectedly_found: state.runtimeStatus };
  });
  return results;
}

async function echoThrough(client, tag) {
  return observe(async () => {
    const id = await client.workflow.start("EchoWorkflow", { token: "accepted" }, `sdk-${tag}`);
    return stateOnceIn(client, id, ["COMPLETED"]);
  });
}

async function tokenCases(url, token, tag) {
  const results = {};
  const withToken = newClient(url, { daprApiToken: token });
  results.token_option = await echoThrough(withToken, `${tag}-token-option`);
  process.env.DAPR_API_TOKEN = token;
  results.token_env = await echoThrough(newClient(url), `${tag}-token-env`);
  delete process.env.DAPR_API_TOKEN;
  // The SDK first waits for the sidecar by polling GET /v1.0/metadata (60 tries); a wrong
  // token keeps that probe failing, so poll fast instead of waiting half a minute.
  Settings.daprSidecarPollingDelayMs = 1;
  results.wrong_token = await echoThrough(
    newClient(url, { daprApiToken: `${token}-wrong` }),
    `${tag}-token-wrong`,
  );
  // What a workflow call itself gets with a wrong token, past the SDK's startup probe.
  const past = newClient(url, { daprApiToken: `${token}-wrong` });
  past.daprClient.setIsInitialized(true);
  results.wrong_token_request = await echoThrough(past, `${tag}-token-wrong-request`);
  return results;
}

const tag = `${process.pid}-${Date.now()}`;
const client = newClient(args.url);
const results = {
  sdk_version: SDK_VERSION,
  ...(await lifecycle(client, tag)),
  ...(await tokenCases(args["token-url"], args.token, tag)),
};
await client.stop();
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
