// Camera controls over HTTP: GET /controls lists them, POST /controls sets one or more, and
// mjpg-streamer's `/?action=command&id=ID&group=1&value=V` reaches the same code. A request is
// validated whole against the control list before anything is set, so a refusal changes nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sourceControls, type CameraControls, type ControlInfo, type FrameSource } from '../sources/source.js';

type Requested = Record<string, unknown>;

export class ControlRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SETTABLE = new Set(['integer', 'boolean', 'menu', 'integer_menu', 'button', 'integer64']);
const MAX_BODY = 16 * 1024;

/** The JSON shape of one control (snake_case, as /state). */
export function describeControl(c: ControlInfo): object {
  return {
    name: c.name,
    id: c.id,
    type: c.type,
    value: c.value,
    min: c.min,
    max: c.max,
    step: c.step,
    default: c.default,
    menu: c.menu === undefined ? null : Object.entries(c.menu).map(([value, name]) => ({ value: Number(value), name })),
    read_only: c.flags.readOnly,
    inactive: c.flags.inactive,
  };
}

function toValue(control: ControlInfo, raw: unknown): number {
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === 'true' || text === 'false') return text === 'true' ? 1 : 0;
    if (/^-?\d+$/.test(text)) return Number(text);
    // A menu item may be named by its label.
    const byLabel = Object.entries(control.menu ?? {}).find(([, label]) => label.toLowerCase() === text.toLowerCase());
    if (byLabel !== undefined) return Number(byLabel[0]);
  }
  throw new ControlRefusal(
    400,
    `${control.name}: ${JSON.stringify(raw)} is not an integer, a boolean${control.menu ? ' or a menu item' : ''}`,
  );
}

/** Checks every requested control against the list; returns the values to set, in order. */
export function validate(list: ControlInfo[], requested: Requested): Array<[ControlInfo, number]> {
  const names = Object.keys(requested);
  if (names.length === 0) throw new ControlRefusal(400, 'no controls given');
  const byName = new Map(list.map((c) => [c.name, c]));
  return names.map((name) => {
    const control = byName.get(name.toLowerCase());
    if (control === undefined) throw new ControlRefusal(400, `no control named '${name}' (known: ${list.map((c) => c.name).join(', ')})`);
    if (control.flags.readOnly) throw new ControlRefusal(400, `${control.name} is read-only`);
    if (control.flags.disabled) throw new ControlRefusal(400, `${control.name} is disabled`);
    if (!SETTABLE.has(control.type)) throw new ControlRefusal(400, `${control.name} is a ${control.type} control, not settable over HTTP`);
    const value = toValue(control, requested[name]);
    if (!Number.isSafeInteger(value)) throw new ControlRefusal(400, `${control.name}: ${value} is not an integer`);
    if (control.type === 'button') return [control, value];
    if (value < control.min || value > control.max)
      throw new ControlRefusal(400, `${control.name}: ${value} is outside ${control.min}..${control.max}`);
    if (control.step > 1 && (value - control.min) % control.step !== 0) {
      throw new ControlRefusal(400, `${control.name}: ${value} is not ${control.min} plus a multiple of the step ${control.step}`);
    }
    if (control.menu !== undefined && (control.type === 'menu' || control.type === 'integer_menu') && control.menu[value] === undefined) {
      throw new ControlRefusal(400, `${control.name}: ${value} is not one of its menu items (${Object.keys(control.menu).join(', ')})`);
    }
    return [control, value];
  });
}

/**
 * Sets the requested controls after validating them all; answers their new values as the device
 * reports them. Should the device refuse one midway, the ones already set are put back.
 */
export async function applyControls(controls: CameraControls, requested: Requested): Promise<Record<string, number | null>> {
  const list = await controls.list();
  const plan = validate(list, requested);
  const done: Array<[ControlInfo, number | null]> = [];
  try {
    for (const [control, value] of plan) {
      done.push([control, control.value]);
      await controls.set(control.name, value);
    }
  } catch (error) {
    const refused = done[done.length - 1]?.[0].name ?? 'a control';
    for (const [control, previous] of done.reverse()) {
      if (previous !== null && control.type !== 'button') await controls.set(control.name, previous).catch(() => undefined);
    }
    throw new ControlRefusal(400, `the device refused ${refused}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const after: Record<string, number | null> = {};
  for (const [control] of plan) after[control.name] = control.type === 'button' ? null : await controls.get(control.name);
  return after;
}

/** The body of a POST as control name -> value: JSON object or an urlencoded form. */
export function parseBody(contentType: string | undefined, body: string): Requested {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ControlRefusal(400, 'the body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ControlRefusal(400, 'the body must be a JSON object of name: value');
    return parsed as Requested;
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  throw new ControlRefusal(415, 'send application/json or application/x-www-form-urlencoded');
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      reject(new ControlRefusal(413, `the body is over ${MAX_BODY} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ControlRefusal(413, `the body is over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Whether a write comes from this server's own page or a listed origin. A form or an <img> on
 * another site can make a browser send a request with the user's credentials; `*` in
 * --allow-origin lets anyone read, not write.
 */
export function crossSiteRefusal(req: IncomingMessage, allowOrigins: string[]): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return 'malformed Origin';
    }
    if (host === req.headers.host || allowOrigins.includes(origin)) return undefined;
    return `writes from ${origin} are not allowed (list it in --allow-origin)`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request may not change controls`;
  return undefined;
}

/** mjpg-streamer's command query as a control request: id (V4L2 control id) and value. */
export function commandRequest(list: ControlInfo[], query: URLSearchParams): Requested {
  const group = query.get('group');
  if (group !== '1') throw new ControlRefusal(400, `command group ${group ?? '(none)'} is not supported (1: V4L2 controls)`);
  for (const name of ['dest', 'plugin']) {
    const value = query.get(name);
    if (value !== null && value !== '0') throw new ControlRefusal(400, `${name}=${value}: there is one input plugin, 0`);
  }
  const id = query.get('id');
  const value = query.get('value');
  if (id === null || value === null) throw new ControlRefusal(400, 'command wants id and value');
  const control = list.find((c) => String(c.id) === id || c.name === id.toLowerCase());
  if (control === undefined) throw new ControlRefusal(400, `no control with id ${id}`);
  return { [control.name]: value };
}

export interface ControlsResponder {
  json(req: IncomingMessage, res: ServerResponse, status: number, body: object): void;
  refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void;
}

export interface ControlsRoute {
  list(req: IncomingMessage, res: ServerResponse): Promise<void>;
  set(req: IncomingMessage, res: ServerResponse): Promise<void>;
  command(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void>;
}

export function createControlsRoute(
  source: FrameSource,
  options: { writable: boolean; allowOrigins: string[] },
  respond: ControlsResponder,
): ControlsRoute {
  const controls = sourceControls(source);
  const guarded = async (req: IncomingMessage, res: ServerResponse, work: (c: CameraControls) => Promise<void>): Promise<void> => {
    try {
      if (controls === undefined) throw new ControlRefusal(404, `${source.info.name} has no controls`);
      await work(controls);
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof ControlRefusal) respond.refuse(req, res, error.status, error.message);
      else respond.refuse(req, res, 500, `controls failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const writeRefusal = (req: IncomingMessage): ControlRefusal | undefined => {
    if (!options.writable) return new ControlRefusal(403, 'control writes are off (start with --allow-controls)');
    const why = crossSiteRefusal(req, options.allowOrigins);
    return why === undefined ? undefined : new ControlRefusal(403, why);
  };
  return {
    list: (req, res) =>
      guarded(req, res, async (c) => {
        const list = await c.list();
        respond.json(req, res, 200, { ok: true, result: { writable: options.writable, controls: list.map(describeControl) } });
      }),
    set: (req, res) =>
      guarded(req, res, async (c) => {
        const refusal = writeRefusal(req);
        if (refusal !== undefined) throw refusal;
        const requested = parseBody(req.headers['content-type'], await readBody(req));
        respond.json(req, res, 200, { ok: true, result: await applyControls(c, requested) });
      }),
    command: (req, res, query) =>
      guarded(req, res, async (c) => {
        const refusal = writeRefusal(req);
        if (refusal !== undefined) throw refusal;
        respond.json(req, res, 200, { ok: true, result: await applyControls(c, commandRequest(await c.list(), query)) });
      }),
  };
}
