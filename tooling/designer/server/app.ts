import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ActionContext } from '../../../contract/host.js';
import { displayPath } from '../../host/display.js';
import { FileProblemError, UsageError } from '../../host/errors.js';
import { FileLockError } from '../../host/file-lock.js';
import type { Pack } from '../../host/pack-loader.js';
import { labelWordsFor, reworded } from '../../host/words.js';
import { HOST_ROOT } from '../../host/paths.js';
import type { Redactor } from '../../host/redact.js';
import { isPlainObject, type JsonObject } from '../../host/schema-tools.js';
import { SecretStore } from '../../host/secret-store.js';
import { FlowFiles, flowsReferring } from './flows.js';
import { RunRegistry, runWithEvents, type RunEvent } from './runs.js';
import { registerAssistRoutes } from './assist.js';
import type { CheckpointMode } from '../../host/run-checkpoints.js';
import { installSecurity, newAccessToken, servePublicFiles, TOKEN_HEADER } from './security.js';
import { BadRequestError, WorkspaceObjects, type SubmittedObject } from './workspace-objects.js';

// The designer's web server: the page (built by `npm run build` into dist/tooling/designer/page) and
// a small JSON API over the same pack loader, workspace loader, flow parser and flow runner as
// the CLI. Request bodies are checked twice: their envelope by the route's schema, their
// content by the pack's and the host's own schemas, with the same wording as everywhere else.

export const PAGE_DIR = join(HOST_ROOT, 'dist', 'tooling', 'designer', 'page');

export interface EnvironmentInfo {
  production: string;
  test: string;
}

export interface DesignerServerOptions {
  pack: Pack;
  workspaceFile: string;
  flowsDir?: string;
  /** Where a flow's writeRowsTo/appendTo files go. */
  outDir: string;
  /** For $env references and the secrets file's location (XDG_CONFIG_HOME). */
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  environments: EnvironmentInfo;
  /** Shown on the page when the designer runs against its own simulator. */
  simulator?: { tokens: unknown; note: string };
  port?: number;
  pageDir?: string;
}

export interface DesignerServer {
  app: FastifyInstance;
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const submittedObjectBody = {
  type: 'object',
  required: ['type', 'properties'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 },
    originalName: { type: 'string', minLength: 1 },
    name: { type: 'string' },
    properties: { type: 'object' },
  },
} as const;

const runBody = {
  type: 'object',
  required: ['flowId', 'document'],
  additionalProperties: false,
  properties: { flowId: { type: 'string', minLength: 1 }, document: { type: 'object' }, mode: { enum: ['fresh', 'resume', 'overwrite'] } },
} as const;

/** Outputs of an action that carry a workspace object of some type (the reference schema's `type` const). */
function objectOutputs(manifestPath: string, pack: Pack): Record<string, { output: string; type: string }[]> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { actions: { id: string; outputSchema: string }[] };
  const out: Record<string, { output: string; type: string }[]> = {};
  for (const action of manifest.actions) {
    const file = resolve(dirname(manifestPath), action.outputSchema);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
    const found: { output: string; type: string }[] = [];
    for (const [name, property] of Object.entries(isPlainObject(schema.properties) ? schema.properties : {})) {
      let target: unknown = property;
      if (isPlainObject(property) && typeof property.$ref === 'string' && !property.$ref.startsWith('#')) {
        const refFile = resolve(dirname(file), property.$ref.split('#')[0]!);
        if (existsSync(refFile)) target = JSON.parse(readFileSync(refFile, 'utf8'));
      }
      const typeConst = isPlainObject(target) && isPlainObject(target.properties) && isPlainObject(target.properties.type) ? target.properties.type.const : undefined;
      if (typeof typeConst === 'string' && pack.objectTypes.has(typeConst)) found.push({ output: name, type: typeConst });
    }
    if (found.length > 0) out[action.id] = found;
  }
  return out;
}

/** An action's output schema (titles and units for the run panel's summary), or null. */
function outputSchemaOf(manifestPath: string, file: string | undefined): JsonObject | null {
  if (!file) return null;
  try {
    const schema = JSON.parse(readFileSync(resolve(dirname(manifestPath), file), 'utf8')) as unknown;
    return isPlainObject(schema) ? schema : null;
  } catch {
    return null;
  }
}

function describeManifest(pack: Pack) {
  const manifest = JSON.parse(readFileSync(pack.manifestPath, 'utf8')) as { description?: string; actions: { id: string; category?: string; docs?: string; outputSchema?: string }[]; workspaceObjects: { type: string; docs?: string }[] };
  return {
    id: pack.id,
    name: pack.name,
    version: pack.version,
    description: manifest.description ?? '',
    manifest: displayPath(pack.manifestPath),
    objectTypes: [...pack.objectTypes.values()].map((t) => ({
      type: t.type,
      title: t.title,
      schema: t.schema,
      labelProperty: t.labelProperty ?? null,
      secretProperties: [...t.secretProperties],
      docs: manifest.workspaceObjects.find((o) => o.type === t.type)?.docs ?? null,
    })),
    actions: [...pack.actions.values()].map((a) => ({
      id: a.id,
      title: a.title,
      category: manifest.actions.find((m) => m.id === a.id)?.category ?? null,
      docs: manifest.actions.find((m) => m.id === a.id)?.docs ?? null,
      inputSchema: a.inputSchema,
      outputSchema: outputSchemaOf(pack.manifestPath, manifest.actions.find((m) => m.id === a.id)?.outputSchema),
      ports: a.ports.map((p) => ({ id: p.id, title: p.title, kind: p.kind })),
      workspaceObjectInputs: Object.fromEntries(a.workspaceObjectInputs),
      secretInputs: [...a.secretInputs],
      testable: a.testable,
    })),
    objectOutputs: objectOutputs(pack.manifestPath, pack),
  };
}

export async function startDesignerServer(options: DesignerServerOptions): Promise<DesignerServer> {
  const { pack, redactor, env } = options;
  const pageDir = options.pageDir ?? PAGE_DIR;
  if (!existsSync(join(pageDir, 'index.html'))) throw new UsageError(`The designer page is not built (${displayPath(pageDir)} has no index.html): run "npm run build" first`);
  const token = newAccessToken();
  const secrets = SecretStore.forEnv(env);
  const objects = new WorkspaceObjects(options.workspaceFile, pack, secrets, redactor, env);
  const flows = new FlowFiles(options.flowsDir, pack, redactor, { privateFiles: [secrets.file] });
  const runs = new RunRegistry();
  const manifestInfo = describeManifest(pack);
  let port = 0;

  // No request logging: bodies carry tokens, and the page shows what matters.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true });
  installSecurity(app, { token, port: () => port });

  app.setErrorHandler((error: FastifyError | Error, _request, reply) => {
    const send = (status: number, body: unknown) => reply.code(status).type('application/json').send(redactor.redactDeep(body));
    if (error instanceof BadRequestError) return send(error.status, { error: { message: error.message, problems: error.problems } });
    if (error instanceof FileLockError) return send(409, { error: { message: error.message } });
    if (error instanceof FileProblemError) return send(400, { error: { message: error.message, problems: error.problems } });
    if (error instanceof UsageError) return send(400, { error: { message: error.message } });
    const validation = (error as FastifyError).validation;
    if (validation) {
      return send(400, { error: { message: 'The request body is not in the expected form', problems: validation.map((v) => ({ field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(body)', message: v.message ?? 'is invalid' })) } });
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return send(status, { error: { message: error.message } });
    return send(500, { error: { message: `The designer failed: ${error.message}` } });
  });

  // The page's own files are the only routes that answer without the access token.
  await servePublicFiles(app, async (scope) => {
    await scope.register(fastifyStatic, { root: pageDir, index: ['index.html'], wildcard: false, cacheControl: false, etag: true, lastModified: false, serveDotFiles: false });
  });

  app.get('/api/designer', async () => ({
    pack: manifestInfo,
    workspace: displayPath(options.workspaceFile),
    flowsDir: options.flowsDir ? displayPath(options.flowsDir) : null,
    outDir: displayPath(options.outDir),
    secretsFile: secrets.file,
    environments: options.environments,
    simulator: options.simulator ?? null,
    tokenHeader: TOKEN_HEADER,
  }));

  app.get('/api/objects', async () => {
    const list = await objects.list();
    const flowList = await flows.list();
    return { objects: list.map((o) => ({ ...o, usedBy: flowsReferring(flowList, o.name) })) };
  });

  app.post('/api/objects/test', { schema: { body: submittedObjectBody } }, async (request) => {
    const submitted = request.body as SubmittedObject;
    const { objectType, properties } = await objects.forTest(submitted);
    const module = await objectType.load();
    const controller = new AbortController();
    request.raw.once('close', () => {
      if (!request.raw.complete) controller.abort();
    });
    const lines: { level: string; message: string }[] = [];
    const log = (level: string) => (message: string) => lines.push({ level, message });
    const ctx: ActionContext = {
      signal: controller.signal,
      log: { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') },
      emit: async () => undefined,
    };
    let result: { ok: boolean; message: string; [key: string]: unknown };
    try {
      result = await module.test(properties, ctx);
    } catch (error) {
      // The contract says a test never throws; if one does, it is a failed test all the same.
      result = { ok: false, message: `The test could not run: ${(error as Error)?.message ?? String(error)}` };
    }
    // Advice names the panel's fields by the labels the page shows.
    const message = reworded(String(result.message), result, labelWordsFor(pack));
    return redactor.redactDeep({ result: { ...result, message }, log: lines });
  });

  app.post('/api/objects/validate', { schema: { body: submittedObjectBody } }, async (request) => ({ problems: await objects.validate(request.body as SubmittedObject) }));

  app.post('/api/objects', { schema: { body: submittedObjectBody } }, async (request) => {
    const saved = await objects.save(request.body as SubmittedObject);
    const updatedFlows = saved.previousName ? await flows.renameWorkspaceReferences(saved.previousName, saved.name) : [];
    return { saved: saved.name, ...(saved.previousName ? { renamedFrom: saved.previousName } : {}), updatedFlows };
  });

  registerAssistRoutes(app, { pack, objects, env, redactor });

  app.get('/api/flows', async () => flows.listAll());

  app.post('/api/flows/validate', { schema: { body: runBody } }, async (request) => {
    const { flowId, document } = request.body as { flowId: string; document: unknown };
    try {
      flows.parse(document, flowId);
      return { problems: [] };
    } catch (error) {
      if (error instanceof BadRequestError) return { problems: error.problems };
      throw error;
    }
  });

  app.put('/api/flows/:id', { schema: { body: { type: 'object' }, params: { type: 'object', properties: { id: { type: 'string' } } } } }, async (request) => {
    const { id } = request.params as { id: string };
    await flows.save(id, request.body);
    return { saved: id };
  });

  app.post('/api/runs', { schema: { body: runBody } }, async (request, reply) => {
    const { flowId, document, mode = 'fresh' } = request.body as { flowId: string; document: unknown; mode?: CheckpointMode };
    const flow = flows.parse(document, flowId);
    const workspace = await objects.load();
    const { runId, signal, finish } = runs.start();
    const stream = new PassThrough();
    const send = (event: RunEvent) =>
      new Promise<void>((done) => {
        if (stream.destroyed || stream.writableEnded) return done();
        if (stream.write(JSON.stringify(event) + '\n')) return done();
        const settle = () => {
          stream.off('drain', settle);
          stream.off('close', settle);
          done();
        };
        stream.once('drain', settle);
        stream.once('close', settle);
      });
    // The page closing the stream (a reload, a closed tab) cancels the run, as Cancel does.
    reply.raw.once('close', () => {
      if (!stream.writableEnded) runs.cancel(runId);
    });
    void runWithEvents({ pack, flow, workspace, env, redactor, outDir: options.outDir, send, mode }, signal, runId).finally(() => {
      finish();
      stream.end();
    });
    return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(stream);
  });

  app.post('/api/runs/:id/cancel', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!runs.cancel(id)) return reply.code(404).send({ error: { message: 'No run with that id is in progress (it may have finished)' } });
    return { cancelling: id };
  });

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/#token=${token}`;
  return {
    app,
    url,
    port,
    token,
    close: async () => {
      runs.cancelAll();
      await app.close();
    },
  };
}
