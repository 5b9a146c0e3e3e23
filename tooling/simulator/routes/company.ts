import { Collection } from '../collection.js';
import { notFound, single, type SimResponse } from '../envelope.js';
import { fieldsParam, listResponse, sortingParam } from '../listing.js';
import { project } from '../fields.js';
import { requireAuth, type HandlerContext, type Route } from './context.js';
import { parseId } from './resources.js';

// /company/>withLoginAccess lists an accountant's client companies (empty for everyone else);
// /company/salesmodules the company's subscriptions; /company/{id} shows a company the caller
// acts in or may switch to.

function withLoginAccess(ctx: HandlerContext): SimResponse {
  const auth = requireAuth(ctx);
  const fields = fieldsParam(ctx, 'Client');
  const sort = sortingParam(ctx, 'Client');
  const clients = auth.employee.kind === 'accountant' ? ctx.instance.clientCompanies(auth.employee) : [];
  const rows = clients.map((c) => c.clientRow()).sort((a, b) => (a.id as number) - (b.id as number));
  const collection = Collection.fromRows('client', rows);
  return listResponse(ctx, { collection, selection: collection.select({ sort }), companyId: auth.company.id, fields, changeDetection: false });
}

/** The company's sales modules; recorded with fullResultSize 0 while rows are returned. */
function salesModules(ctx: HandlerContext): SimResponse {
  const auth = requireAuth(ctx);
  const fields = fieldsParam(ctx, 'SalesModule');
  const sort = sortingParam(ctx, 'SalesModule');
  const collection = Collection.fromRows('salesModule', auth.company.salesModules());
  return listResponse(ctx, { collection, selection: collection.select({ sort }), companyId: auth.company.id, fields, changeDetection: false });
}

function getCompany(ctx: HandlerContext): SimResponse {
  const auth = requireAuth(ctx);
  const id = parseId(ctx);
  const fields = fieldsParam(ctx, 'Company');
  const reachable = id === auth.company.id || (auth.employee.kind === 'accountant' && auth.employee.clientCompanyIds.includes(id));
  const company = reachable ? ctx.instance.company(id) : undefined;
  if (!company) return notFound(`No company ${id} for this login.`);
  return single(project(company.companyRow(), fields));
}

export const companyRoutes: Route[] = [
  { method: 'GET', pattern: '/company/>withLoginAccess', auth: true, accountantRoot: true, list: {}, handler: withLoginAccess },
  { method: 'GET', pattern: '/company/salesmodules', auth: true, list: { fullResultSize: 'zero' }, handler: salesModules },
  { method: 'GET', pattern: '/company/{id}', auth: true, handler: getCompany },
];
