import { Collection, type Row } from './collection.js';
import { Ref } from './fields.js';
import { amount, bankAccountNumber, CITIES, companyName, kid, organizationNumber, personName, phoneNumber, PRODUCT_WORDS, slug, streetAddress } from './norwegian.js';
import { dateOfDayNumber, dayNumber } from './oslo-clock.js';
import { hash32, mix32, Rng } from './prng.js';
import type { EnvironmentName } from './types.js';

// Seeded companies. Each company's rows derive from (seed, environment, company id, collection,
// row index) alone, so the demo company and every client company hold different data, both
// environments differ, and the same seed gives the same data on every run.
//
// How lists scale from `size` (the demo company's customer count, n) and v, its vouchers per
// year (postingsPerYear / 2, rounded up; n unless postingsPerYear is set):
//   customers n · suppliers max(5, ⌈n/4⌉) · products max(5, ⌈n/2⌉) · employees max(5, ⌈n/20⌉)
//   invoices 2v · orders 2v · vouchers 2v · postings 4v (two per voucher)
//   non-posted vouchers clamp(⌈n/50⌉, 3, 40)
//   currencies: 12 fixed · ledger accounts: a fixed 40-account chart (NS 4102 numbers) · VAT types: 9
// The accountant's own office has max(10, ⌊n/10⌋) customers; its clients ⌊n/5⌋, ⌊n/10⌋, ⌊n/20⌋
// (each at least 10); for them v is their customer count. Invoices, orders, vouchers and
// postings are dated from Jan 1 of dataYear-1 to Dec 31 of dataYear (two years, v per year),
// and every first day of a month carries rows, so an exclusive `To` is observable.

export type CompanyRole = 'demo' | 'accountant' | 'client' | 'other';

export interface DataContext {
  seed: number;
  environment: EnvironmentName;
  /** "127.0.0.1:PORT/v2": Tripletex's object urls carry host and path without the scheme. */
  urlBase: string;
  fromDay: number;
  /** Exclusive. */
  toDay: number;
  /** Vouchers (and invoices, and orders) per year of the period; default: the company's customer count. */
  vouchersPerYear?: number;
}

export interface CompanyProfile {
  id: number;
  role: CompanyRole;
  customers: number;
  name: string;
  form: string;
  organizationNumber: string;
  email: string;
  phoneNumber: string;
  phoneNumberMobile: string;
  addressLine1: string;
  postalCode: string;
  city: string;
  startDate: string;
  /** For client companies: the office whose accountants log in as a proxy employee. */
  accountantOffice?: { name: string; email: string };
}

const CURRENCIES: readonly [string, string, number][] = [
  ['NOK', 'Norske kroner', 1],
  ['SEK', 'Svenske kroner', 1],
  ['DKK', 'Danske kroner', 1],
  ['EUR', 'Euro', 1],
  ['USD', 'Amerikanske dollar', 1],
  ['GBP', 'Britiske pund', 1],
  ['CHF', 'Sveitsiske franc', 1],
  ['JPY', 'Japanske yen', 100],
  ['ISK', 'Islandske kroner', 100],
  ['PLN', 'Polske zloty', 1],
  ['CAD', 'Kanadiske dollar', 1],
  ['AUD', 'Australske dollar', 1],
];

type AccountType = 'ASSETS' | 'EQUITY' | 'LIABILITIES' | 'OPERATING_REVENUES' | 'OPERATING_EXPENSES' | 'INVESTMENT_INCOME' | 'COST_OF_CAPITAL' | 'TAX_ON_ORDINARY_ACTIVITIES' | 'ANNUAL_RESULT';

const CHART: readonly [number, string, AccountType, ('CUSTOMER' | 'VENDOR' | 'EMPLOYEE')?][] = [
  [1200, 'Maskiner og anlegg', 'ASSETS'],
  [1250, 'Inventar', 'ASSETS'],
  [1280, 'Kontormaskiner', 'ASSETS'],
  [1460, 'Innkjøpte varer for videresalg', 'ASSETS'],
  [1500, 'Kundefordringer', 'ASSETS', 'CUSTOMER'],
  [1570, 'Andre kortsiktige fordringer', 'ASSETS'],
  [1700, 'Forskuddsbetalt kostnad', 'ASSETS'],
  [1920, 'Bankinnskudd', 'ASSETS'],
  [1950, 'Bankinnskudd for skattetrekk', 'ASSETS'],
  [2000, 'Aksjekapital', 'EQUITY'],
  [2050, 'Annen egenkapital', 'EQUITY'],
  [2400, 'Leverandørgjeld', 'LIABILITIES', 'VENDOR'],
  [2600, 'Forskuddstrekk', 'LIABILITIES'],
  [2700, 'Utgående merverdiavgift, høy sats', 'LIABILITIES'],
  [2710, 'Inngående merverdiavgift, høy sats', 'LIABILITIES'],
  [2740, 'Oppgjørskonto merverdiavgift', 'LIABILITIES'],
  [2770, 'Skyldig arbeidsgiveravgift', 'LIABILITIES'],
  [2930, 'Skyldig lønn', 'LIABILITIES', 'EMPLOYEE'],
  [2940, 'Skyldige feriepenger', 'LIABILITIES'],
  [3000, 'Salgsinntekt, avgiftspliktig', 'OPERATING_REVENUES'],
  [3100, 'Salgsinntekt, avgiftsfri', 'OPERATING_REVENUES'],
  [3400, 'Offentlig tilskudd', 'OPERATING_REVENUES'],
  [4000, 'Innkjøp av råvarer og halvfabrikata', 'OPERATING_EXPENSES'],
  [4300, 'Innkjøp av varer for videresalg', 'OPERATING_EXPENSES'],
  [5000, 'Lønn til ansatte', 'OPERATING_EXPENSES'],
  [5180, 'Påløpte feriepenger', 'OPERATING_EXPENSES'],
  [5400, 'Arbeidsgiveravgift', 'OPERATING_EXPENSES'],
  [6000, 'Avskrivning på bygninger og annen fast eiendom', 'OPERATING_EXPENSES'],
  [6300, 'Leie lokale', 'OPERATING_EXPENSES'],
  [6340, 'Lys, varme', 'OPERATING_EXPENSES'],
  [6540, 'Inventar', 'OPERATING_EXPENSES'],
  [6800, 'Kontorrekvisita', 'OPERATING_EXPENSES'],
  [6900, 'Elektronisk kommunikasjon', 'OPERATING_EXPENSES'],
  [7140, 'Reisekostnad, ikke oppgavepliktig', 'OPERATING_EXPENSES'],
  [7350, 'Representasjon, fradragsberettiget', 'OPERATING_EXPENSES'],
  [7770, 'Bank- og kortgebyrer', 'OPERATING_EXPENSES'],
  [8050, 'Annen renteinntekt', 'INVESTMENT_INCOME'],
  [8150, 'Annen rentekostnad', 'COST_OF_CAPITAL'],
  [8300, 'Betalbar skatt', 'TAX_ON_ORDINARY_ACTIVITIES'],
  [8800, 'Årsresultat', 'ANNUAL_RESULT'],
];

const VAT_TYPES: readonly [number, string, string, number][] = [
  [0, 'Ingen avgiftsbehandling', '0', 0],
  [1, 'Fradrag inngående avgift, høy sats', '1', 25],
  [3, 'Utgående avgift, høy sats', '3', 25],
  [5, 'Ingen utgående avgift (innenfor mva-loven)', '5', 0],
  [6, 'Ingen utgående avgift (utenfor mva-loven)', '6', 0],
  [11, 'Fradrag inngående avgift, middels sats', '11', 15],
  [13, 'Fradrag inngående avgift, lav sats', '13', 12],
  [31, 'Utgående avgift, middels sats', '31', 15],
  [33, 'Utgående avgift, lav sats', '33', 12],
];

/** Sales modules a company subscribes to (GET /company/salesmodules). */
const SALES_MODULES: Record<CompanyRole, readonly string[]> = {
  demo: ['KOMPLETT', 'API_V2', 'ELECTRONIC_VOUCHERS', 'OCR', 'SMART_PROJECT', 'UNLIMITED_VOUCHERS'],
  accountant: ['ACCOUNTING_OFFICE', 'API_V2', 'ELECTRONIC_VOUCHERS', 'OCR'],
  client: ['SMART', 'API_V2', 'UP_TO_1000_VOUCHERS'],
  other: ['BASIS', 'API_V2'],
};

const VOUCHER_TYPES: readonly [number, string][] = [
  [9911, 'Utgående faktura'],
  [9912, 'Leverandørfaktura'],
  [9913, 'Innbetaling'],
  [9914, 'Utbetaling'],
  [9915, 'Lønnsbilag'],
  [9916, 'Memorialbilag'],
];

const PRODUCT_UNITS: readonly [number, string, string, string, string][] = [
  [1, 'Stykk', 'stk', 'Piece', 'pcs'],
  [2, 'Time', 't', 'Hour', 'h'],
  [3, 'Kilogram', 'kg', 'Kilogram', 'kg'],
  [4, 'Meter', 'm', 'Metre', 'm'],
];

const CURRENCY_INDEX = new Map(CURRENCIES.map(([code], i) => [code, i]));
const ACCOUNT_INDEX = new Map(CHART.map(([number], i) => [number, i]));

const ID_STEP = 8;

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/** Row dates, non-decreasing: spread evenly over the period, plus one row on each month's first day. */
function buildDays(count: number, fromDay: number, toDay: number): Int32Array {
  const monthStarts: number[] = [];
  for (let d = fromDay; d < toDay; d++) if (dateOfDayNumber(d).endsWith('-01')) monthStarts.push(d);
  const reserved = count >= monthStarts.length * 2 ? monthStarts : [];
  const rest = count - reserved.length;
  const span = toDay - fromDay;
  const days = new Int32Array(count);
  let k = 0;
  for (let j = 0; j < rest; j++) days[k++] = fromDay + Math.floor((j * span) / rest);
  for (const d of reserved) days[k++] = d;
  return days.sort();
}

export class CompanyData {
  readonly profile: CompanyProfile;
  private readonly ctx: DataContext;
  private readonly domain: string;
  readonly customer: Collection;
  readonly supplier: Collection;
  readonly product: Collection;
  readonly employee: Collection;
  readonly currency: Collection;
  readonly account: Collection;
  readonly invoice: Collection;
  readonly voucher: Collection;
  readonly posting: Collection;
  readonly order: Collection;
  readonly vatType: Collection;
  readonly nonPosted: Collection;
  private readonly departments: Row[];
  private readonly norway: Row;

  constructor(profile: CompanyProfile, ctx: DataContext) {
    this.profile = profile;
    this.ctx = ctx;
    this.domain = `${slug(profile.name.replace(/\s+(AS|ENK|DA|ANS|SA)$/, '')) || 'firma'}.no`;
    const n = profile.customers;
    this.norway = {
      id: 161,
      version: 0,
      url: this.url('country', 161),
      name: 'Norge',
      displayName: 'Norge',
      isoAlpha2Code: 'NO',
      isoAlpha3Code: 'NOR',
      isoNumericCode: '578',
    };
    const deptBase = this.idBase('department');
    this.departments = ['Hovedavdeling', 'Salg', 'Service', 'Administrasjon'].map((name, i) => ({
      id: deptBase + i,
      version: 0,
      url: this.url('department', deptBase + i),
      name,
      departmentNumber: String(i + 1),
      displayName: `${i + 1} ${name}`,
      isInactive: false,
      businessActivityTypeId: 0,
    }));
    this.customer = this.sequence('customer', n, (i, id) => this.customerRow(i, id));
    this.supplier = this.sequence('supplier', Math.max(5, ceilDiv(n, 4)), (i, id) => this.supplierRow(i, id));
    this.product = this.sequence('product', Math.max(5, ceilDiv(n, 2)), (i, id) => this.productRow(i, id));
    this.employee = this.sequence('employee', Math.max(5, ceilDiv(n, 20)), (i, id) => this.employeeRow(i, id));
    this.currency = new Collection({
      name: 'currency',
      baseCount: CURRENCIES.length,
      idOf: (i) => i + 1,
      indexOfId: (id) => (Number.isInteger(id) && id >= 1 && id <= CURRENCIES.length ? id - 1 : undefined),
      generate: (i) => this.currencyRow(i),
    });
    const accountBase = this.idBase('account');
    this.account = new Collection({
      name: 'account',
      baseCount: CHART.length,
      idOf: (i) => accountBase + i,
      indexOfId: (id) => (Number.isInteger(id) && id >= accountBase && id < accountBase + CHART.length ? id - accountBase : undefined),
      generate: (i) => this.accountRow(i, accountBase + i),
    });
    // The period is two calendar years, so 2v rows give v per year.
    const dated = 2 * (ctx.vouchersPerYear ?? n);
    const invoiceDays = buildDays(dated, ctx.fromDay, ctx.toDay);
    this.invoice = this.sequence('invoice', dated, (i, id) => this.invoiceRow(i, id, invoiceDays[i]!), invoiceDays, 'invoiceDate');
    const orderDays = buildDays(dated, ctx.fromDay, ctx.toDay);
    this.order = this.sequence('order', dated, (i, id) => this.orderRow(i, id, orderDays[i]!), orderDays, 'orderDate');
    const voucherDays = buildDays(dated, ctx.fromDay, ctx.toDay);
    this.voucher = this.sequence('voucher', dated, (i, id) => this.voucherRow(i, id, voucherDays[i]!), voucherDays, 'date');
    this.posting = this.postingCollection(voucherDays);
    this.vatType = Collection.fromRows('vatType', VAT_TYPES.map(([vid]) => this.vatTypeRow(vid)));
    const nonPostedCount = Math.min(40, Math.max(3, ceilDiv(n, 50)));
    const nonPostedDays = buildDays(nonPostedCount, ctx.toDay - 90, ctx.toDay);
    this.nonPosted = this.sequence('nonPosted', nonPostedCount, (i, id) => this.nonPostedRow(i, id, nonPostedDays[i]!), nonPostedDays);
  }

  get id(): number {
    return this.profile.id;
  }

  private readonly rngBases = new Map<string, number>();

  private rng(kind: string, index: number): Rng {
    let base = this.rngBases.get(kind);
    if (base === undefined) {
      base = hash32(this.ctx.seed, this.ctx.environment, this.profile.id, kind);
      this.rngBases.set(kind, base);
    }
    return new Rng(mix32(base, index));
  }

  /** Per-company id ranges, so ids look like a shared database's: large and company-specific. */
  private idBase(kind: string): number {
    return 10_000_000 + (hash32(this.ctx.seed, this.ctx.environment, this.profile.id, kind) % 150_000_000);
  }

  url(resource: string, id: number): string {
    return `${this.ctx.urlBase}/${resource}/${id}`;
  }

  /** Ids that grow with the index, with small random gaps, and invert back to the index. */
  private sequence(name: string, count: number, generate: (index: number, id: number) => Row, days?: Int32Array, dayField?: string): Collection {
    const base = this.idBase(name);
    const gapSeed = hash32(this.ctx.seed, this.profile.id, name, 'gaps');
    const idOf = (i: number) => base + i * ID_STEP + (mix32(gapSeed, i) % (ID_STEP - 1));
    return new Collection({
      name,
      baseCount: count,
      idOf,
      indexOfId: (id) => {
        const i = Math.floor((id - base) / ID_STEP);
        return i >= 0 && i < count && idOf(i) === id ? i : undefined;
      },
      generate: (i) => generate(i, idOf(i)),
      ...(days ? { days } : {}),
      ...(dayField ? { dayField } : {}),
    });
  }

  /**
   * The ledger's postings as their own list: posting 2i and 2i+1 are voucher i's two rows, so
   * they come in date order and are generated from their voucher. Their ids are the ones the
   * voucher rows carry (the voucher's posting id base + 4i + row).
   */
  private postingCollection(voucherDays: Int32Array): Collection {
    const vouchers = voucherDays.length;
    const base = this.idBase('posting');
    const days = new Int32Array(vouchers * 2);
    for (let p = 0; p < days.length; p++) days[p] = voucherDays[Math.floor(p / 2)]!;
    let lastIndex = -1;
    let lastPostings: Row[] = [];
    return new Collection({
      name: 'posting',
      baseCount: vouchers * 2,
      idOf: (p) => base + Math.floor(p / 2) * 4 + (p % 2),
      indexOfId: (id) => {
        const offset = id - base;
        if (!Number.isInteger(offset) || offset < 0) return undefined;
        const voucher = Math.floor(offset / 4);
        const row = offset % 4;
        return row <= 1 && voucher < vouchers ? voucher * 2 + row : undefined;
      },
      generate: (p) => {
        // Postings are read in pairs, so the voucher both rows come from is made once.
        const index = Math.floor(p / 2);
        if (lastIndex !== index) {
          lastPostings = this.voucher.rowAt(index).postings as Row[];
          lastIndex = index;
        }
        return lastPostings[p % 2]!;
      },
      days,
      dayField: 'date',
    });
  }

  private refTo(collection: Collection, resource: string, index: number): Ref {
    const id = collection.idAt(index);
    return new Ref(id, this.url(resource, id), () => collection.rowAt(index));
  }

  currencyRef(code = 'NOK'): Ref {
    return this.refTo(this.currency, 'currency', CURRENCY_INDEX.get(code) ?? 0);
  }

  accountRef(number: number): Ref {
    return this.refTo(this.account, 'ledger/account', ACCOUNT_INDEX.get(number) ?? 0);
  }

  private vatTypeRow(id: number): Row {
    const [vid, name, number, percentage] = VAT_TYPES.find(([v]) => v === id) ?? VAT_TYPES[0]!;
    return { id: vid, version: 0, url: this.url('ledger/vatType', vid), name, number, displayName: `${number} ${name}`, percentage, deductionPercentage: 100 };
  }

  private address(rng: Rng, id: number): Row {
    const line = streetAddress(rng);
    const place = rng.pick(CITIES);
    return {
      id,
      version: 0,
      url: this.url('address', id),
      addressLine1: line,
      addressLine2: '',
      postalCode: place.postalCode,
      city: place.city,
      country: this.norway,
      displayName: `${line}, ${place.postalCode} ${place.city}`,
      addressAsString: `${line}, ${place.postalCode} ${place.city}`,
    };
  }

  /** The same place under another id (physical and delivery addresses repeat the postal one). */
  private sameAddress(address: Row, id: number, resource: string, name?: string): Row {
    const copy: Row = {
      id,
      version: 0,
      url: this.url(resource, id),
      addressLine1: address.addressLine1,
      addressLine2: address.addressLine2,
      postalCode: address.postalCode,
      city: address.city,
      country: address.country,
      displayName: address.displayName,
      addressAsString: address.addressAsString,
    };
    if (name !== undefined) copy.name = name;
    return copy;
  }

  companyAddress(): Row {
    const id = this.idBase('company-address');
    const p = this.profile;
    return {
      id,
      version: 0,
      url: this.url('address', id),
      addressLine1: p.addressLine1,
      addressLine2: '',
      postalCode: p.postalCode,
      city: p.city,
      country: this.norway,
      displayName: `${p.addressLine1}, ${p.postalCode} ${p.city}`,
      addressAsString: `${p.addressLine1}, ${p.postalCode} ${p.city}`,
    };
  }

  /** The Company model (whoAmI's company, GET /company/{id}). */
  companyRow(): Row {
    const p = this.profile;
    return {
      id: p.id,
      version: 1,
      url: this.url('company', p.id),
      name: p.name,
      displayName: p.name,
      startDate: p.startDate,
      endDate: '',
      organizationNumber: p.organizationNumber,
      email: p.email,
      phoneNumber: p.phoneNumber,
      phoneNumberMobile: p.phoneNumberMobile,
      faxNumber: '',
      address: this.companyAddress(),
      type: p.form,
      currency: this.currencyRef('NOK'),
      accountantOrSimilar: p.role === 'accountant',
      companyMigration: 'NONE',
      invoiceShowDeliveryDate: false,
    };
  }

  /** The SalesModule rows of GET /company/salesmodules (they have no id). */
  salesModules(): Row[] {
    return SALES_MODULES[this.profile.role].map((name) => ({ name, costStartDate: this.profile.startDate }));
  }

  /** The Client model /company/>withLoginAccess lists; `id` is the company id to log in with. */
  clientRow(): Row {
    return { ...this.companyRow(), customerCompanyId: this.profile.id };
  }

  private customerRow(i: number, id: number): Row {
    const rng = this.rng('customer', i);
    const isPrivate = rng.chance(0.1);
    let name: string;
    let email: string;
    let website = '';
    let org = '';
    if (isPrivate) {
      const person = personName(rng);
      name = `${person.firstName} ${person.lastName}`;
      email = `${slug(person.firstName)}.${slug(person.lastName)}@${rng.pick(['online.no', 'gmail.com', 'hotmail.no', 'outlook.com'])}`;
    } else {
      name = companyName(rng).name;
      const domain = `${slug(name.replace(/\s+(AS|ENK|DA|ANS|SA)$/, ''))}.no`;
      email = `${rng.pick(['post', 'faktura', 'firmapost', 'kontakt'])}@${domain}`;
      website = `www.${domain}`;
      org = organizationNumber(rng);
    }
    const customerNumber = 10001 + i;
    const addressBase = this.idBase('customer-address') + i * 4;
    const postal = this.address(rng, addressBase);
    const hasManager = rng.chance(0.5);
    const managerIndex = rng.int(0, this.employee.baseCount - 1);
    return {
      id,
      version: rng.int(0, 4),
      url: this.url('customer', id),
      name,
      organizationNumber: org,
      globalLocationNumber: 0,
      supplierNumber: 0,
      customerNumber,
      isSupplier: false,
      isCustomer: true,
      isInactive: rng.chance(0.04),
      // undefined keeps the key order stable; projection and JSON leave it out.
      accountManager: hasManager ? this.refTo(this.employee, 'employee', managerIndex) : undefined,
      email,
      invoiceEmail: email,
      overdueNoticeEmail: '',
      bankAccounts: [],
      phoneNumber: isPrivate ? '' : phoneNumber(rng, false),
      phoneNumberMobile: phoneNumber(rng, true),
      description: '',
      language: rng.chance(0.05) ? 'EN' : 'NO',
      displayName: `${name} (${customerNumber})`,
      isPrivateIndividual: isPrivate,
      singleCustomerInvoice: false,
      invoiceSendMethod: isPrivate ? 'EMAIL' : rng.pick(['EMAIL', 'EHF', 'EHF', 'PAPER']),
      emailAttachmentType: 'LINK',
      postalAddress: postal,
      physicalAddress: this.sameAddress(postal, addressBase + 1, 'address'),
      deliveryAddress: this.sameAddress(postal, addressBase + 2, 'deliveryAddress', name),
      invoicesDueIn: rng.pick([10, 14, 14, 14, 20, 30]),
      invoicesDueInType: 'DAYS',
      currency: this.currencyRef(rng.chance(0.05) ? rng.pick(['EUR', 'SEK', 'USD']) : 'NOK'),
      bankAccountPresentation: [],
      ledgerAccount: this.accountRef(1500),
      isFactoring: false,
      invoiceSendSMSNotification: false,
      invoiceSMSNotificationNumber: '',
      isAutomaticSoftReminderEnabled: false,
      isAutomaticReminderEnabled: rng.chance(0.3),
      isAutomaticNoticeOfDebtCollectionEnabled: false,
      discountPercentage: rng.chance(0.1) ? rng.pick([5, 10, 15]) : 0,
      website,
    };
  }

  /** A customer made by POST /customer: Tripletex's defaults for every field the body left out. */
  newCustomerRow(id: number, customerNumber: number, body: Record<string, unknown>): Row {
    const name = String(body.name);
    const str = (key: string) => (typeof body[key] === 'string' || typeof body[key] === 'number' ? String(body[key]) : '');
    const bool = (key: string) => body[key] === true;
    const addressBase = id * 4;
    const emptyAddress = (aid: number, resource = 'address'): Row => ({
      id: aid,
      version: 0,
      url: this.url(resource, aid),
      addressLine1: '',
      addressLine2: '',
      postalCode: '',
      city: '',
      country: this.norway,
      displayName: '',
      addressAsString: '',
    });
    const addressFrom = (value: unknown, aid: number): Row => {
      const base = emptyAddress(aid);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as Record<string, unknown>;
        for (const key of ['addressLine1', 'addressLine2', 'postalCode', 'city'] as const) if (typeof v[key] === 'string') base[key] = v[key];
        const text = [base.addressLine1, [base.postalCode, base.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
        base.displayName = text;
        base.addressAsString = text;
      }
      return base;
    };
    const requestedNumber = typeof body.customerNumber === 'number' && body.customerNumber > 0 ? body.customerNumber : customerNumber;
    return {
      id,
      version: 0,
      url: this.url('customer', id),
      name,
      organizationNumber: str('organizationNumber'),
      globalLocationNumber: typeof body.globalLocationNumber === 'number' ? body.globalLocationNumber : 0,
      supplierNumber: 0,
      customerNumber: requestedNumber,
      isSupplier: bool('isSupplier'),
      isCustomer: true,
      isInactive: bool('isInactive'),
      email: str('email'),
      invoiceEmail: str('invoiceEmail'),
      overdueNoticeEmail: str('overdueNoticeEmail'),
      bankAccounts: Array.isArray(body.bankAccounts) ? body.bankAccounts.filter((b): b is string => typeof b === 'string') : [],
      phoneNumber: str('phoneNumber'),
      phoneNumberMobile: str('phoneNumberMobile'),
      description: str('description'),
      language: body.language === 'EN' ? 'EN' : 'NO',
      displayName: `${name} (${requestedNumber})`,
      isPrivateIndividual: bool('isPrivateIndividual'),
      singleCustomerInvoice: bool('singleCustomerInvoice'),
      invoiceSendMethod: typeof body.invoiceSendMethod === 'string' ? body.invoiceSendMethod : 'EMAIL',
      emailAttachmentType: body.emailAttachmentType === 'ATTACHMENT' ? 'ATTACHMENT' : 'LINK',
      postalAddress: addressFrom(body.postalAddress, addressBase),
      physicalAddress: addressFrom(body.physicalAddress, addressBase + 1),
      deliveryAddress: { ...emptyAddress(addressBase + 2, 'deliveryAddress'), name },
      invoicesDueIn: typeof body.invoicesDueIn === 'number' ? body.invoicesDueIn : 14,
      invoicesDueInType: typeof body.invoicesDueInType === 'string' ? body.invoicesDueInType : 'DAYS',
      currency: this.currencyRef('NOK'),
      bankAccountPresentation: [],
      ledgerAccount: this.accountRef(1500),
      isFactoring: false,
      invoiceSendSMSNotification: false,
      invoiceSMSNotificationNumber: '',
      isAutomaticSoftReminderEnabled: false,
      isAutomaticReminderEnabled: false,
      isAutomaticNoticeOfDebtCollectionEnabled: false,
      discountPercentage: typeof body.discountPercentage === 'number' ? body.discountPercentage : 0,
      website: str('website'),
    };
  }

  private supplierRow(i: number, id: number): Row {
    const rng = this.rng('supplier', i);
    const { name } = companyName(rng);
    const domain = `${slug(name.replace(/\s+(AS|ENK|DA|ANS|SA)$/, ''))}.no`;
    const email = `${rng.pick(['post', 'faktura', 'ordre'])}@${domain}`;
    const supplierNumber = 20001 + i;
    const addressBase = this.idBase('supplier-address') + i * 4;
    const postal = this.address(rng, addressBase);
    return {
      id,
      version: rng.int(0, 3),
      url: this.url('supplier', id),
      name,
      organizationNumber: organizationNumber(rng),
      supplierNumber,
      customerNumber: 0,
      isSupplier: true,
      isCustomer: false,
      isInactive: rng.chance(0.05),
      email,
      bankAccounts: [bankAccountNumber(rng)],
      invoiceEmail: email,
      overdueNoticeEmail: '',
      phoneNumber: phoneNumber(rng, false),
      phoneNumberMobile: '',
      description: '',
      isPrivateIndividual: false,
      showProducts: false,
      postalAddress: postal,
      physicalAddress: this.sameAddress(postal, addressBase + 1, 'address'),
      deliveryAddress: this.sameAddress(postal, addressBase + 2, 'deliveryAddress', name),
      bankAccountPresentation: [],
      currency: this.currencyRef('NOK'),
      ledgerAccount: this.accountRef(2400),
      language: 'NO',
      isWholesaler: rng.chance(0.1),
      displayName: `${name} (${supplierNumber})`,
      locale: 'nb_NO',
      website: `www.${domain}`,
    };
  }

  private productRow(i: number, id: number): Row {
    const rng = this.rng('product', i);
    const word = rng.pick(PRODUCT_WORDS);
    const name = `${word} ${rng.pick(['standard', 'premium', 'basis', 'pluss', 'XL', 'mini'])}`;
    const number = String(1000 + i);
    const cost = amount(rng, 20, 4000);
    const price = Math.round(cost * (1.2 + rng.next()) * 100) / 100;
    const vatId = rng.chance(0.9) ? 3 : 5;
    const vat = vatId === 3 ? 0.25 : 0;
    const isStock = rng.chance(0.4);
    const stock = isStock ? rng.int(0, 500) : 0;
    const [unitId, unitName, unitShort, unitEn, unitShortEn] = word === 'Konsulenttime' || word === 'Rådgivning' ? PRODUCT_UNITS[1]! : rng.pick(PRODUCT_UNITS);
    return {
      id,
      version: rng.int(0, 3),
      url: this.url('product', id),
      name,
      number,
      displayNumber: number,
      description: '',
      orderLineDescription: name,
      ean: rng.chance(0.5) ? `70${rng.digits(11)}` : '',
      elNumber: '',
      nrfNumber: '',
      costExcludingVatCurrency: cost,
      expenses: 0,
      expensesInPercent: 0,
      costPrice: cost,
      profit: Math.round((price - cost) * 100) / 100,
      profitInPercent: Math.round(((price - cost) / price) * 10000) / 100,
      priceExcludingVatCurrency: price,
      priceIncludingVatCurrency: Math.round(price * (1 + vat) * 100) / 100,
      isInactive: rng.chance(0.05),
      productUnit: {
        id: unitId,
        version: 0,
        url: this.url('product/unit', unitId),
        displayName: unitName,
        displayNameShort: unitShort,
        name: unitName,
        nameEN: unitEn,
        nameShort: unitShort,
        nameShortEN: unitShortEn,
        commonCode: '',
        isDeletable: false,
      },
      isStockItem: isStock,
      stockOfGoods: stock,
      availableStock: stock,
      incomingStock: 0,
      outgoingStock: 0,
      vatType: this.vatTypeRow(vatId),
      currency: this.currencyRef('NOK'),
      account: this.accountRef(vatId === 3 ? 3000 : 3100),
      discountPrice: price,
      isDeletable: false,
      hasSupplierProductConnected: false,
      weight: 0,
      weightUnit: 'kg',
      volume: 0,
      volumeUnit: 'cm3',
      hsnCode: '',
      markupListPercentage: 0,
      markupNetPercentage: 0,
      displayName: `${number} ${name}`,
      isRoundPriceIncVat: false,
      priceInTargetCurrency: price,
      purchasePriceCurrency: cost,
    };
  }

  private employeeRow(i: number, id: number): Row {
    const rng = this.rng('employee', i);
    const office = this.profile.accountantOffice;
    // A client company's first employee is the accounting office's proxy: the employee an
    // accountant acts as there (whoAmI reports employeeIsProxy).
    const isProxy = i === 0 && office !== undefined;
    const person = isProxy ? { firstName: 'Regnskapsfører', lastName: office.name } : personName(rng);
    const email = isProxy ? office.email : `${slug(person.firstName)}.${slug(person.lastName)}${i}@${this.domain}`;
    const year = 1960 + rng.int(0, 42);
    const birth = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    return {
      id,
      version: rng.int(0, 3),
      url: this.url('employee', id),
      firstName: person.firstName,
      lastName: person.lastName,
      displayName: `${person.firstName} ${person.lastName}`,
      employeeNumber: isProxy ? '' : String(i + 1),
      dateOfBirth: isProxy ? '' : birth,
      email,
      phoneNumberMobileCountry: this.norway,
      phoneNumberMobile: phoneNumber(rng, true),
      phoneNumberHome: '',
      phoneNumberWork: '',
      nationalIdentityNumber: '',
      dnumber: '',
      bankAccountNumber: isProxy ? '' : bankAccountNumber(rng),
      iban: '',
      bic: '',
      creditorBankCountryId: 161,
      usesAbroadPayment: false,
      userType: i < 3 ? 'EXTENDED' : rng.pick(['STANDARD', 'STANDARD', 'EXTENDED', 'NO_ACCESS']),
      allowInformationRegistration: !isProxy,
      isContact: false,
      isProxy,
      comments: '',
      address: this.address(rng, this.idBase('employee-address') + i),
      department: this.departments[i % this.departments.length]!,
      employments: [],
      isAuthProjectOverviewURL: false,
      pictureId: 0,
      companyId: this.profile.id,
    };
  }

  /** The employee a token user is (row 0, 1, 2, ... of the company's employees). */
  employeeIdAt(index: number): number {
    return this.employee.idAt(Math.min(index, this.employee.baseCount - 1));
  }

  private currencyRow(i: number): Row {
    const [code, description, factor] = CURRENCIES[i]!;
    return { id: i + 1, version: 0, url: this.url('currency', i + 1), code, description, factor, displayName: code, isDisabled: false };
  }

  private accountRow(i: number, id: number): Row {
    const [number, name, type, ledgerType] = CHART[i]!;
    const isBank = number === 1920 || number === 1950;
    const vatId = number === 3000 ? 3 : number >= 4000 && number < 8000 && number !== 5000 && number !== 5400 ? 1 : 0;
    return {
      id,
      version: 0,
      url: this.url('ledger/account', id),
      number,
      numberPretty: String(number),
      name,
      description: '',
      type,
      legalVatTypes: [this.vatTypeRow(vatId)],
      ledgerType: ledgerType ?? 'GENERAL',
      balanceGroup: number < 3000 ? 'Balanse' : 'Resultat',
      vatType: this.vatTypeRow(vatId),
      vatLocked: false,
      currency: this.currencyRef('NOK'),
      isCloseable: ledgerType !== undefined,
      isApplicableForSupplierInvoice: number >= 4000 && number < 8000,
      requireReconciliation: isBank,
      isInactive: false,
      isBankAccount: isBank,
      isInvoiceAccount: isBank,
      bankAccountNumber: isBank ? bankAccountNumber(this.rng('bank-account', number)) : '',
      bankName: isBank ? 'DNB Bank ASA' : '',
      bankAccountIBAN: '',
      bankAccountSWIFT: isBank ? 'DNBANOKKXXX' : '',
      saftCode: String(number).slice(0, 2),
      groupingCode: '',
      displayName: `${number} ${name}`,
      requiresDepartment: false,
      requiresProject: false,
      isPostingsExist: number === 1500 || number === 1920 || number === 2400 || number === 2700 || number === 3000,
    };
  }

  private invoiceRow(i: number, id: number, day: number): Row {
    const rng = this.rng('invoice', i);
    const date = dateOfDayNumber(day);
    const customerIndex = rng.int(0, this.customer.baseCount - 1);
    const customerNumber = 10001 + customerIndex;
    const isCredit = rng.chance(0.03);
    const sign = isCredit ? -1 : 1;
    const excl = sign * amount(rng, 450, 125_000);
    const total = Math.round(excl * 125) / 100;
    const age = this.ctx.toDay - day;
    const outstanding = isCredit || age > 120 || rng.chance(0.6) ? 0 : total;
    const invoiceNumber = i + 1;
    return {
      id,
      version: rng.int(0, 2),
      url: this.url('invoice', id),
      invoiceNumber,
      invoiceDate: date,
      customer: this.refTo(this.customer, 'customer', customerIndex),
      creditedInvoice: 0,
      isCredited: false,
      invoiceDueDate: dateOfDayNumber(day + 14),
      kid: isCredit ? '' : kid(String(customerNumber).padStart(6, '0') + String(invoiceNumber).padStart(6, '0')),
      invoiceComment: '',
      comment: '',
      orders: [],
      orderLines: [],
      travelReports: [],
      projectInvoiceDetails: [],
      deliveryDate: date,
      amount: total,
      amountCurrency: total,
      amountExcludingVat: excl,
      amountExcludingVatCurrency: excl,
      amountRoundoff: 0,
      amountRoundoffCurrency: 0,
      amountOutstanding: outstanding,
      amountCurrencyOutstanding: outstanding,
      amountOutstandingTotal: outstanding,
      amountCurrencyOutstandingTotal: outstanding,
      sumRemits: 0,
      currency: this.currencyRef('NOK'),
      isCreditNote: isCredit,
      isCharged: true,
      isApproved: true,
      postings: [],
      reminders: [],
      invoiceRemarks: '',
      isPeriodizationPossible: false,
      ehfSendStatus: rng.pick(['DO_NOT_SEND', 'SENT', 'SENT']),
    };
  }

  private orderRow(i: number, id: number, day: number): Row {
    const rng = this.rng('order', i);
    const date = dateOfDayNumber(day);
    const customerIndex = rng.int(0, this.customer.baseCount - 1);
    const customer = this.customer.rowAt(customerIndex);
    const customerName = String(customer.name);
    const number = String(i + 1);
    const age = this.ctx.toDay - day;
    // Old orders have been invoiced and closed; recent ones are still being worked on.
    const isClosed = age > 60 || rng.chance(0.3);
    const isSubscription = rng.chance(0.05);
    return {
      id,
      version: rng.int(0, 3),
      url: this.url('order', id),
      customer: this.refTo(this.customer, 'customer', customerIndex),
      displayName: `${number} ${customerName}`,
      receiverEmail: String(customer.invoiceEmail ?? ''),
      overdueNoticeEmail: '',
      number,
      reference: rng.chance(0.3) ? `PO-${rng.digits(6)}` : '',
      ourContactEmployee: this.refTo(this.employee, 'employee', rng.int(0, this.employee.baseCount - 1)),
      department: this.departments[rng.int(0, this.departments.length - 1)]!,
      orderDate: date,
      invoiceComment: '',
      currency: this.currencyRef('NOK'),
      invoicesDueIn: 14,
      status: isClosed ? 'INVOICED' : rng.pick(['NEW', 'CONFIRMATION_SENT', 'READY_FOR_INVOICING']),
      invoicesDueInType: 'DAYS',
      isShowOpenPostsOnInvoices: false,
      isClosed,
      deliveryDate: dateOfDayNumber(day + rng.int(0, 14)),
      deliveryComment: rng.chance(0.2) ? rng.pick(['Leveres på baksiden', 'Ring før levering', 'Hentes selv']) : '',
      isPrioritizeAmountsIncludingVat: false,
      orderLineSorting: 'ID',
      orderGroups: [],
      orderLines: [],
      isSubscription,
      subscriptionDuration: isSubscription ? 12 : 0,
      subscriptionDurationType: 'MONTHS',
      subscriptionPeriodsOnInvoice: isSubscription ? 1 : 0,
      subscriptionInvoicingTimeInAdvanceOrArrears: 'ADVANCE',
      subscriptionInvoicingTime: 0,
      subscriptionInvoicingTimeType: 'DAYS',
      isSubscriptionAutoInvoicing: isSubscription,
      attachment: [],
      sendMethodDescription: '',
      canCreateBackorder: false,
      invoiceOnAccountVatHigh: true,
      totalInvoicedOnAccountAmountAbsoluteCurrency: 0,
      invoiceSendSMSNotification: false,
      invoiceSMSNotificationNumber: '',
      markUpOrderLines: 0,
      discountPercentage: 0,
      customerName,
      projectManagerNameAndNumber: '',
      travelReports: [],
    };
  }

  private voucherType(index: number): Row {
    const [vid, name] = VOUCHER_TYPES[index % VOUCHER_TYPES.length]!;
    return { id: vid, version: 0, url: this.url('ledger/voucherType', vid), name, displayName: name };
  }

  private postings(rng: Rng, voucherId: number, postingBase: number, date: string, description: string, count: number): Row[] {
    const total = amount(rng, 200, 80_000);
    const pairs = rng.pick<readonly [number, number]>([
      [1500, 3000],
      [6300, 2400],
      [1920, 1500],
      [2400, 1920],
      [5000, 2930],
      [6800, 1920],
    ]);
    const out: Row[] = [];
    for (let r = 0; r < count; r++) {
      const debit = r % 2 === 0;
      const value = debit ? total : -total;
      const postingId = postingBase + r;
      out.push({
        id: postingId,
        version: 0,
        url: this.url('ledger/posting', postingId),
        voucher: new Ref(voucherId, this.url('ledger/voucher', voucherId), () => this.voucher.getById(voucherId) ?? this.nonPosted.getById(voucherId)),
        date,
        description,
        account: this.accountRef(pairs[r % 2]!),
        amount: value,
        amountCurrency: value,
        amountGross: value,
        amountGrossCurrency: value,
        currency: this.currencyRef('NOK'),
        invoiceNumber: '',
        termOfPayment: date,
        row: r + 1,
        externalRef: '',
        systemGenerated: false,
        taxTransactionType: '',
        taxTransactionTypeId: 0,
        matched: false,
        quantityAmount1: 0,
        quantityAmount2: 0,
        isVatReadonly: false,
        isAmountVatClosed: false,
        postingRuleId: 0,
      });
    }
    return out;
  }

  private voucherRow(i: number, id: number, day: number): Row {
    const rng = this.rng('voucher', i);
    const date = dateOfDayNumber(day);
    const year = Number(date.slice(0, 4));
    const [firstOfYear] = this.voucher.dayRange(dayNumber(`${year}-01-01`), dayNumber(`${year}-01-01`) + 1);
    const number = i - firstOfYear + 1;
    const typeIndex = rng.int(0, VOUCHER_TYPES.length - 1);
    const description = `${this.voucherType(typeIndex).name} ${number}`;
    return {
      id,
      version: rng.int(0, 2),
      url: this.url('ledger/voucher', id),
      date,
      number,
      tempNumber: 0,
      year,
      description,
      voucherType: this.voucherType(typeIndex),
      postings: this.postings(rng, id, this.idBase('posting') + i * 4, date, description, 2),
      externalVoucherNumber: '',
      wasAutoMatched: false,
      vendorInvoiceNumber: '',
      displayName: `${number}-${year}`,
      numberAsString: `${number}-${year}`,
    };
  }

  private nonPostedRow(i: number, id: number, day: number): Row {
    const rng = this.rng('nonPosted', i);
    const date = dateOfDayNumber(day);
    const typeIndex = rng.pick([1, 5]);
    const description = rng.pick(['Kladd', 'Leverandørfaktura til godkjenning', 'Bilag fra innboks', 'Korrigering']);
    return {
      id,
      version: 0,
      url: this.url('ledger/voucher', id),
      date,
      number: 0,
      tempNumber: i + 1,
      year: Number(date.slice(0, 4)),
      description,
      voucherType: this.voucherType(typeIndex),
      postings: this.postings(rng, id, this.idBase('nonposted-posting') + i * 4, date, description, rng.chance(0.3) ? 0 : 2),
      externalVoucherNumber: '',
      wasAutoMatched: false,
      vendorInvoiceNumber: '',
      displayName: `Foreløpig ${i + 1}`,
      numberAsString: '',
    };
  }
}

export interface CompanyPlan {
  demo: CompanyProfile;
  accountant: CompanyProfile;
  clients: CompanyProfile[];
}

/** A company profile from (seed, environment, id): name, organisation number, address. */
export function makeProfile(seed: number, environment: EnvironmentName, id: number, role: CompanyRole, customers: number, office?: CompanyProfile): CompanyProfile {
  const rng = Rng.of(seed, environment, 'company', id);
  const { name, form } = role === 'accountant' ? { name: `${rng.pick(['Fjord', 'Nordlys', 'Kyst', 'Vidde'])} Regnskap AS`, form: 'AS' } : companyName(rng);
  const domain = `${slug(name.replace(/\s+(AS|ENK|DA|ANS|SA)$/, '')) || 'firma'}.no`;
  const place = rng.pick(CITIES);
  return {
    id,
    role,
    customers,
    name,
    form,
    organizationNumber: organizationNumber(rng),
    email: `post@${domain}`,
    phoneNumber: phoneNumber(rng, false),
    phoneNumberMobile: phoneNumber(rng, true),
    addressLine1: streetAddress(rng),
    postalCode: place.postalCode,
    city: place.city,
    startDate: `${rng.int(1995, 2020)}-01-01`,
    ...(office ? { accountantOffice: { name: office.name, email: office.email } } : {}),
  };
}

/** Distinct company ids for the demo company, the accounting office and its three clients. */
export function planCompanies(seed: number, environment: EnvironmentName, size: number): CompanyPlan {
  const base = environment === 'production' ? 1_000_000 : 5_000_000;
  const used = new Set<number>();
  const pick = (tag: string) => {
    let id = base + (hash32(seed, environment, tag) % 3_000_000);
    while (used.has(id)) id++;
    used.add(id);
    return id;
  };
  const small = (divisor: number) => Math.max(10, Math.floor(size / divisor));
  const demo = makeProfile(seed, environment, pick('demo'), 'demo', size);
  const accountant = makeProfile(seed, environment, pick('accountant'), 'accountant', small(10));
  const clients = [5, 10, 20].map((divisor, k) => makeProfile(seed, environment, pick(`client-${k}`), 'client', small(divisor), accountant));
  return { demo, accountant, clients };
}
