import type { Collection, Row } from '../collection.js';
import type { CompanyData } from '../data.js';
import { CODES, errorResponse, notFound, single, validationError, type SimResponse } from '../envelope.js';
import { ALL_FIELDS, project, Ref } from '../fields.js';
import { checkResultSetLimit, dateRangeParams, effectiveBehaviour, fieldsParam, listResponse, sortingParam } from '../listing.js';
import { modelProperties, type PropertyInfo } from '../model.js';
import type { ListBehaviour } from '../types.js';
import { Refusal, requireAuth, type HandlerContext, type Route } from './context.js';
import { jsonObjectBody } from './session.js';

// The seeded resources: lists with Tripletex's search parameters, single GETs, POST /customer.
// Searches other than the ones in each `filters` table are ignored, as unknown parameters are.

type FilterKind = 'ids' | 'equals' | 'contains' | 'boolean' | 'refIds';

interface FilterDef {
  param: string;
  field: string;
  kind: FilterKind;
}

interface ResourceDef {
  path: string;
  model: string;
  collection: (company: CompanyData) => Collection;
  entitlement?: 'ledger' | 'invoice';
  /** A required range also makes the list refuse queries matching more than resultSetLimit rows. */
  dateRange?: { from: string; to: string; required: boolean };
  /** The endpoint's own paging quirks (a test's ListBehaviour is merged over them). */
  list?: ListBehaviour;
  /** false where Tripletex has no change detection: versionDigest says so and 304 never comes. */
  changeDetection?: false;
  filters: FilterDef[];
  /** GET {path}/{id}; the finder defaults to the list's own collection. */
  single?: boolean | ((company: CompanyData, id: number) => Row | undefined);
}

const id: FilterDef = { param: 'id', field: 'id', kind: 'ids' };

const RESOURCES: ResourceDef[] = [
  {
    path: '/customer',
    model: 'Customer',
    collection: (c) => c.customer,
    single: true,
    filters: [
      id,
      { param: 'customerAccountNumber', field: 'customerNumber', kind: 'equals' },
      { param: 'organizationNumber', field: 'organizationNumber', kind: 'equals' },
      { param: 'email', field: 'email', kind: 'equals' },
      { param: 'invoiceEmail', field: 'invoiceEmail', kind: 'equals' },
      { param: 'customerName', field: 'name', kind: 'contains' },
      { param: 'phoneNumberMobile', field: 'phoneNumberMobile', kind: 'equals' },
      { param: 'isInactive', field: 'isInactive', kind: 'boolean' },
      { param: 'accountManagerId', field: 'accountManager', kind: 'refIds' },
    ],
  },
  {
    path: '/supplier',
    model: 'Supplier',
    collection: (c) => c.supplier,
    single: true,
    filters: [
      id,
      { param: 'supplierNumber', field: 'supplierNumber', kind: 'equals' },
      { param: 'organizationNumber', field: 'organizationNumber', kind: 'equals' },
      { param: 'email', field: 'email', kind: 'equals' },
      { param: 'invoiceEmail', field: 'invoiceEmail', kind: 'equals' },
      { param: 'isInactive', field: 'isInactive', kind: 'boolean' },
      { param: 'isWholesaler', field: 'isWholesaler', kind: 'boolean' },
    ],
  },
  {
    path: '/product',
    model: 'Product',
    collection: (c) => c.product,
    single: true,
    filters: [
      { param: 'ids', field: 'id', kind: 'ids' },
      { param: 'number', field: 'number', kind: 'equals' },
      { param: 'productNumber', field: 'number', kind: 'equals' },
      { param: 'name', field: 'name', kind: 'contains' },
      { param: 'ean', field: 'ean', kind: 'equals' },
      { param: 'isInactive', field: 'isInactive', kind: 'boolean' },
      { param: 'isStockItem', field: 'isStockItem', kind: 'boolean' },
    ],
  },
  {
    path: '/employee',
    model: 'Employee',
    collection: (c) => c.employee,
    single: true,
    filters: [
      id,
      { param: 'firstName', field: 'firstName', kind: 'contains' },
      { param: 'lastName', field: 'lastName', kind: 'contains' },
      { param: 'employeeNumber', field: 'employeeNumber', kind: 'equals' },
      { param: 'email', field: 'email', kind: 'equals' },
    ],
  },
  {
    path: '/currency',
    model: 'Currency',
    collection: (c) => c.currency,
    single: true,
    filters: [id, { param: 'code', field: 'code', kind: 'equals' }],
  },
  {
    path: '/ledger/account',
    model: 'Account',
    collection: (c) => c.account,
    entitlement: 'ledger',
    single: true,
    filters: [
      id,
      { param: 'number', field: 'number', kind: 'equals' },
      { param: 'isBankAccount', field: 'isBankAccount', kind: 'boolean' },
      { param: 'isInactive', field: 'isInactive', kind: 'boolean' },
      { param: 'ledgerType', field: 'ledgerType', kind: 'equals' },
    ],
  },
  {
    path: '/invoice',
    model: 'Invoice',
    collection: (c) => c.invoice,
    entitlement: 'invoice',
    dateRange: { from: 'invoiceDateFrom', to: 'invoiceDateTo', required: true },
    single: true,
    filters: [
      id,
      { param: 'invoiceNumber', field: 'invoiceNumber', kind: 'equals' },
      { param: 'kid', field: 'kid', kind: 'equals' },
      { param: 'customerId', field: 'customer', kind: 'refIds' },
    ],
  },
  {
    path: '/ledger/voucher',
    model: 'Voucher',
    collection: (c) => c.voucher,
    entitlement: 'ledger',
    dateRange: { from: 'dateFrom', to: 'dateTo', required: true },
    single: (c, voucherId) => c.voucher.getById(voucherId) ?? c.nonPosted.getById(voucherId),
    filters: [id, { param: 'number', field: 'number', kind: 'equals' }, { param: 'typeId', field: 'voucherType', kind: 'refIds' }],
  },
  {
    path: '/ledger/voucher/>nonPosted',
    model: 'Voucher',
    collection: (c) => c.nonPosted,
    entitlement: 'ledger',
    // Optional here; `includeNonApproved` is marked required in the spec but, being a plain
    // boolean, a missing value reads as false on the server, so it is not enforced.
    dateRange: { from: 'dateFrom', to: 'dateTo', required: false },
    list: { wholeSet: true },
    filters: [],
  },
  {
    path: '/ledger/posting',
    model: 'Posting',
    collection: (c) => c.posting,
    entitlement: 'ledger',
    dateRange: { from: 'dateFrom', to: 'dateTo', required: true },
    changeDetection: false,
    single: true,
    filters: [{ param: 'accountId', field: 'account', kind: 'refIds' }],
  },
  {
    path: '/order',
    model: 'Order',
    collection: (c) => c.order,
    entitlement: 'invoice',
    dateRange: { from: 'orderDateFrom', to: 'orderDateTo', required: true },
    single: true,
    filters: [
      id,
      { param: 'number', field: 'number', kind: 'equals' },
      { param: 'customerId', field: 'customer', kind: 'refIds' },
      { param: 'isClosed', field: 'isClosed', kind: 'boolean' },
      { param: 'isSubscription', field: 'isSubscription', kind: 'boolean' },
      { param: 'deliveryComment', field: 'deliveryComment', kind: 'contains' },
    ],
  },
  {
    path: '/ledger/vatType',
    model: 'VatType',
    collection: (c) => c.vatType,
    entitlement: 'ledger',
    // Recorded: fullResultSize 0 while rows are returned.
    list: { fullResultSize: 'zero' },
    changeDetection: false,
    single: true,
    filters: [id, { param: 'number', field: 'number', kind: 'equals' }],
  },
];

export function parseId(ctx: HandlerContext): number {
  const text = ctx.params.id ?? '';
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new Refusal(errorResponse(400, { code: CODES.pathParam, message: 'Ugyldig id.', developerMessage: `Path parameter id must be an integer, got "${text.slice(0, 40)}".` }));
  }
  return Number(text);
}

function refId(value: unknown): number | undefined {
  if (value instanceof Ref) return value.id;
  if (value && typeof value === 'object' && typeof (value as Row).id === 'number') return (value as Row).id as number;
  return undefined;
}

interface ActiveFilter {
  def: FilterDef;
  values: string[];
}

function activeFilters(ctx: HandlerContext, def: ResourceDef): ActiveFilter[] {
  const out: ActiveFilter[] = [];
  for (const filter of def.filters) {
    const raw = ctx.query.get(filter.param);
    if (raw === null || raw.trim() === '') continue;
    const values = raw.split(',').map((v) => v.trim()).filter(Boolean);
    if ((filter.kind === 'ids' || filter.kind === 'refIds') && values.some((v) => !/^\d+$/.test(v))) {
      throw new Refusal(validationError(CODES.valueValidation, [{ field: filter.param, message: 'Må være en liste med heltall.' }], `${filter.param} must be a comma-separated list of ids.`));
    }
    if (filter.kind === 'boolean' && !['true', 'false'].includes(raw.trim())) {
      throw new Refusal(validationError(CODES.valueValidation, [{ field: filter.param, message: 'Må være true eller false.' }], `${filter.param} must be true or false.`));
    }
    out.push({ def: filter, values });
  }
  return out;
}

function matches(row: Row, filter: ActiveFilter): boolean {
  const value = row[filter.def.field];
  switch (filter.def.kind) {
    case 'ids':
      return filter.values.includes(String(value));
    case 'refIds': {
      const ref = refId(value);
      return ref !== undefined && filter.values.includes(String(ref));
    }
    case 'equals':
      return filter.values.some((v) => v.toLowerCase() === String(value ?? '').toLowerCase());
    case 'contains':
      return String(value ?? '').toLowerCase().includes(filter.values.join(',').toLowerCase());
    case 'boolean':
      return String(value) === filter.values[0];
  }
}

/**
 * Indices (in id order) of the rows every filter accepts, or undefined when none is active.
 * Only rows inside `range` (a date search) are looked at, so searching one month of a big
 * ledger costs that month.
 */
function filteredIndices(collection: Collection, filters: ActiveFilter[], range?: [number, number]): number[] | undefined {
  if (filters.length === 0) return undefined;
  const idFilter = filters.find((f) => f.def.kind === 'ids');
  if (idFilter && filters.length === 1) {
    return idFilter.values.map((v) => collection.indexOfId(Number(v))).filter((i): i is number => i !== undefined);
  }
  const [lo, hi] = range ?? [0, collection.size];
  const key = JSON.stringify([filters.map((f) => [f.def.param, f.values]), lo, hi]);
  return collection.memo(`filter:${key}`, () => {
    const out: number[] = [];
    for (let i = lo; i < hi; i++) {
      const row = collection.rowAt(i);
      if (filters.every((f) => matches(row, f))) out.push(i);
    }
    return out;
  });
}

/** New customers, as other users would create them, for a list set to grow while it is paged. */
function growCustomers(ctx: HandlerContext, company: CompanyData, rows: number): void {
  const collection = company.customer;
  for (let i = 0; i < rows; i++) {
    const id = collection.lastId + ctx.instance.rng.int(1, 7);
    collection.add(company.newCustomerRow(id, 10001 + collection.size, { name: `Ny kunde ${collection.size + 1}` }));
  }
}

function listHandler(def: ResourceDef) {
  return (ctx: HandlerContext): SimResponse => {
    const auth = requireAuth(ctx);
    const grow = effectiveBehaviour(ctx).grow ?? 0;
    if (grow > 0) growCustomers(ctx, auth.company, grow);
    const collection = def.collection(auth.company);
    const fields = fieldsParam(ctx, def.model);
    const sort = sortingParam(ctx, def.model);
    let range: [number, number] | undefined;
    if (def.dateRange) {
      const { fromDay, toDay } = dateRangeParams(ctx, def.dateRange.from, def.dateRange.to, def.dateRange.required);
      if (fromDay !== undefined || toDay !== undefined) range = collection.dayRange(fromDay ?? -1e9, toDay ?? 1e9);
    }
    const only = filteredIndices(collection, activeFilters(ctx, def), range);
    const narrowing = { ...(range ? { range } : {}), ...(only ? { only } : {}) };
    // Counted before sorting, so a refused query costs no sort.
    if (def.dateRange?.required) checkResultSetLimit(ctx, collection.select(narrowing).total);
    const selection = collection.select({ ...narrowing, sort });
    return listResponse(ctx, { collection, selection, companyId: auth.company.id, fields, ...(def.changeDetection === false ? { changeDetection: false } : {}) });
  };
}

function singleHandler(def: ResourceDef) {
  return (ctx: HandlerContext): SimResponse => {
    const auth = requireAuth(ctx);
    const rowId = parseId(ctx);
    const fields = fieldsParam(ctx, def.model);
    const row = typeof def.single === 'function' ? def.single(auth.company, rowId) : def.collection(auth.company).getById(rowId);
    if (!row) return notFound(`${def.model} ${rowId} does not exist.`);
    return single(project(row, fields));
  };
}

/** Whether a JSON value can be read as the model property (type and enum; nested objects loosely). */
function fitsProperty(info: PropertyInfo, value: unknown): boolean {
  if (info.array) return Array.isArray(value);
  if (info.ref) return typeof value === 'object' && !Array.isArray(value);
  if (info.enum && !info.enum.includes(value)) return false;
  switch (info.type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function createCustomer(ctx: HandlerContext): SimResponse {
  const auth = requireAuth(ctx);
  const body = jsonObjectBody(ctx);
  const props = modelProperties('Customer');
  const unknown = props ? Object.keys(body).filter((key) => !props.has(key)) : [];
  if (unknown.length > 0) {
    return errorResponse(422, {
      code: CODES.mapping,
      message: 'Validering feilet.',
      developerMessage: `Unknown field${unknown.length > 1 ? 's' : ''} in Customer: ${unknown.join(', ')}.`,
      validationMessages: unknown.map((field) => ({ field, message: 'Feltet eksisterer ikke i objektet.' })),
    });
  }
  // Lenient like a Jackson-based server: a number where a string is expected is read as its text.
  if (typeof body.name === 'number') body.name = String(body.name);
  const mistyped = props ? Object.entries(body).filter(([key, value]) => value !== null && !fitsProperty(props.get(key)!, value)).map(([key]) => key) : [];
  if (mistyped.length > 0) {
    return errorResponse(422, {
      code: CODES.mapping,
      message: 'Validering feilet.',
      developerMessage: `Wrong type or value for Customer field${mistyped.length > 1 ? 's' : ''}: ${mistyped.join(', ')}.`,
      validationMessages: mistyped.map((field) => ({ field, message: 'Ugyldig verdi.' })),
    });
  }
  if (typeof body.name !== 'string' || body.name.trim() === '') {
    return validationError(CODES.validation, [{ field: 'name', message: 'Feltet må fylles ut.' }], 'Customer.name is required.');
  }
  const company = auth.company;
  const collection = company.customer;
  const newId = collection.lastId + ctx.instance.rng.int(1, 7);
  const row = company.newCustomerRow(newId, 10001 + collection.size, body);
  collection.add(row);
  ctx.instance.counters.customersCreated++;
  return single(project(row, ALL_FIELDS), 201);
}

export const resourceRoutes: Route[] = RESOURCES.flatMap((def) => {
  const routes: Route[] = [{ method: 'GET', pattern: def.path, auth: true, list: def.list ?? {}, ...(def.entitlement ? { entitlement: def.entitlement } : {}), handler: listHandler(def) }];
  if (def.single) routes.push({ method: 'GET', pattern: `${def.path}/{id}`, auth: true, ...(def.entitlement ? { entitlement: def.entitlement } : {}), handler: singleHandler(def) });
  return routes;
});

resourceRoutes.push({ method: 'POST', pattern: '/customer', auth: true, handler: createCustomer });
