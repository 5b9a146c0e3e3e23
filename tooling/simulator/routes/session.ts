import { CODES, errorResponse, notFound, single, validationError, type SimResponse } from '../envelope.js';
import { fieldsParam } from '../listing.js';
import { osloDate, parseIsoDate } from '../oslo-clock.js';
import { Ref, project } from '../fields.js';
import { Refusal, requireAuth, type HandlerContext, type Route } from './context.js';

// /token/session: create (the JSON POST and the legacy query PUT), >whoAmI, and DELETE.

interface CreateArgs {
  consumerToken?: unknown;
  employeeToken?: unknown;
  expirationDate?: unknown;
}

function parseJsonBody(ctx: HandlerContext): unknown {
  const text = ctx.body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal(
      errorResponse(422, {
        code: CODES.invalidJson,
        message: 'Ugyldig JSON.',
        developerMessage: text.trim() === '' ? 'The request body is empty; expected a JSON object.' : 'The request body is not valid JSON.',
      }),
    );
  }
}

export function jsonObjectBody(ctx: HandlerContext): Record<string, unknown> {
  const body = parseJsonBody(ctx);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refusal(errorResponse(422, { code: CODES.mapping, message: 'Ugyldig forespørsel.', developerMessage: 'Expected a JSON object as the request body.' }));
  }
  return body as Record<string, unknown>;
}

function createSession(ctx: HandlerContext, args: CreateArgs, status: number): SimResponse {
  const { instance } = ctx;
  const date = typeof args.expirationDate === 'string' ? args.expirationDate.trim() : undefined;
  if (!date) return validationError(CODES.valueValidation, [{ field: 'arg:expirationDate', message: 'Kan ikke være null.' }], 'expirationDate is required (YYYY-MM-DD).');
  if (!parseIsoDate(date)) return validationError(CODES.valueValidation, [{ field: 'arg:expirationDate', message: 'Ugyldig dato, bruk formatet ÅÅÅÅ-MM-DD.' }], 'expirationDate must be a date (YYYY-MM-DD).');
  // Today (in Oslo) is accepted, though such a session is already dead: the observed behaviour.
  if (date < osloDate(instance.now())) {
    return validationError(CODES.valueValidation, [{ field: 'arg:expirationDate', message: 'Utløpsdatoen kan ikke være tilbake i tid.' }], 'expirationDate is before today (Europe/Oslo).');
  }
  const consumerToken = typeof args.consumerToken === 'string' ? args.consumerToken : '';
  const consumer = instance.registry.consumers.get(consumerToken);
  if (!consumer) {
    return validationError(
      CODES.validation,
      [{ field: 'arg:consumerToken', message: consumerToken ? 'The consumer token is invalid or does not exist.' : 'Kan ikke være null.' }],
      'consumerToken is not a consumer token of this environment.',
    );
  }
  const employeeToken = typeof args.employeeToken === 'string' ? args.employeeToken : '';
  const employee = instance.registry.employees.get(employeeToken);
  if (!employee || employee.consumerToken !== consumer.token) {
    return validationError(
      CODES.validation,
      [{ field: 'arg:employeeToken', message: employeeToken ? 'The employee token is invalid, does not exist, or was made for another consumer.' : 'Kan ikke være null.' }],
      'employeeToken is not an employee token of this consumer in this environment.',
    );
  }
  const session = instance.sessions.create(consumer, employee, date);
  instance.counters.sessionsCreated++;
  return single(
    {
      id: session.id,
      version: 1,
      url: `${instance.urlBase}/token/session/${session.id}`,
      consumerToken: { id: consumer.id, url: `${instance.urlBase}/token/consumer/${consumer.id}` },
      employeeToken: { id: employee.id, url: `${instance.urlBase}/token/employee/${employee.id}` },
      expirationDate: session.expirationDate,
      token: session.token,
    },
    status,
  );
}

function createByPost(ctx: HandlerContext): SimResponse {
  const mode = ctx.instance.sessionCreatePost();
  // An older server without the POST form: the client must fall back to the legacy PUT.
  if (mode === 'not-found') return notFound('No such endpoint: POST /token/session/:create.');
  if (mode === 'method-not-allowed') return errorResponse(405, { code: null, headers: { allow: 'PUT' } });
  return createSession(ctx, jsonObjectBody(ctx) as CreateArgs, 201);
}

function createByPut(ctx: HandlerContext): SimResponse {
  const q = ctx.query;
  return createSession(ctx, { consumerToken: q.get('consumerToken') ?? undefined, employeeToken: q.get('employeeToken') ?? undefined, expirationDate: q.get('expirationDate') ?? undefined }, 200);
}

function whoAmI(ctx: HandlerContext): SimResponse {
  const auth = requireAuth(ctx);
  const fields = fieldsParam(ctx, 'LoggedInUserInfo');
  const company = auth.company;
  const employeeIndex = company.employee.indexOfId(auth.employeeId);
  const info = {
    employeeId: auth.employeeId,
    actualEmployeeId: auth.actualEmployeeId,
    employee: new Ref(auth.employeeId, company.url('employee', auth.employeeId), () => (employeeIndex === undefined ? undefined : company.employee.rowAt(employeeIndex))),
    companyId: company.id,
    company: new Ref(company.id, company.url('company', company.id), () => company.companyRow()),
    // Lower case, as recorded (the Customer and Supplier models spell it "NO").
    language: 'no',
    loggedInWithConnect: false,
    employeeIsProxy: auth.isProxy,
  };
  return single(project(info, fields));
}

function deleteSession(ctx: HandlerContext): SimResponse {
  const token = ctx.params.token ?? '';
  if (!ctx.instance.sessions.delete(token)) return notFound('No such session token.');
  ctx.instance.counters.sessionsDeleted++;
  return { status: 204 };
}

export const sessionRoutes: Route[] = [
  { method: 'POST', pattern: '/token/session/:create', auth: false, handler: createByPost },
  { method: 'PUT', pattern: '/token/session/:create', auth: false, handler: createByPut },
  { method: 'GET', pattern: '/token/session/>whoAmI', auth: true, accountantRoot: true, handler: whoAmI },
  { method: 'DELETE', pattern: '/token/session/{token}', auth: true, ownSession: true, handler: deleteSession },
];
