import type { Rng } from './prng.js';

// Vocabulary and check digits that make seeded data look Norwegian: organisation numbers and
// bank account numbers pass MOD11, KIDs pass MOD10, so a client validating them is not fooled.

export const FIRST_NAMES = [
  'Ola', 'Kari', 'Per', 'Ingrid', 'Lars', 'Anne', 'Jon', 'Marit', 'Knut', 'Sigrid', 'Erik', 'Silje',
  'Hans', 'Ragnhild', 'Bjørn', 'Tone', 'Trond', 'Liv', 'Geir', 'Solveig', 'Øystein', 'Hilde', 'Arne',
  'Astrid', 'Magnus', 'Nora', 'Håkon', 'Ingeborg', 'Eirik', 'Frida', 'Sindre', 'Maja', 'Åse', 'Terje',
] as const;

export const LAST_NAMES = [
  'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen',
  'Karlsen', 'Johnsen', 'Pettersen', 'Eriksen', 'Berg', 'Haugen', 'Hagen', 'Johannessen', 'Andreassen',
  'Jacobsen', 'Dahl', 'Jørgensen', 'Halvorsen', 'Lund', 'Sørensen', 'Bakken', 'Moen', 'Strand', 'Solberg',
  'Aasen', 'Næss', 'Ødegård', 'Kvamme', 'Sæther', 'Brekke',
] as const;

const NAME_STEMS = [
  'Nordlys', 'Fjord', 'Vestland', 'Bakkehaug', 'Granlund', 'Fossheim', 'Solstad', 'Bjørke', 'Lyngdal',
  'Havbris', 'Tindefjell', 'Elvebakken', 'Skogly', 'Sjøsiden', 'Høyfjell', 'Aurora', 'Nidaros', 'Trollheim',
  'Birkeland', 'Kystlinje', 'Østmark', 'Vinterly', 'Sørlandet', 'Midtnorsk', 'Polar', 'Stavkirke',
] as const;

const TRADES = [
  'Bygg', 'Elektro', 'Rør', 'Regnskap', 'Transport', 'Eiendom', 'Maskin', 'Handel', 'Data', 'Consult',
  'Marine', 'Catering', 'Design', 'Trelast', 'Auto', 'Fisk', 'Energi', 'Tannlege', 'Frisør', 'Maling',
] as const;

const COMPANY_FORMS = ['AS', 'AS', 'AS', 'AS', 'ENK', 'DA', 'ANS', 'SA'] as const;

export const CITIES: readonly { postalCode: string; city: string }[] = [
  { postalCode: '0150', city: 'Oslo' },
  { postalCode: '0484', city: 'Oslo' },
  { postalCode: '5003', city: 'Bergen' },
  { postalCode: '7010', city: 'Trondheim' },
  { postalCode: '4006', city: 'Stavanger' },
  { postalCode: '9008', city: 'Tromsø' },
  { postalCode: '4610', city: 'Kristiansand' },
  { postalCode: '3015', city: 'Drammen' },
  { postalCode: '1606', city: 'Fredrikstad' },
  { postalCode: '8006', city: 'Bodø' },
  { postalCode: '6002', city: 'Ålesund' },
  { postalCode: '2317', city: 'Hamar' },
  { postalCode: '3510', city: 'Hønefoss' },
  { postalCode: '2815', city: 'Gjøvik' },
  { postalCode: '1531', city: 'Moss' },
  { postalCode: '9509', city: 'Alta' },
];

const STREETS = [
  'Storgata', 'Kirkegata', 'Dronningens gate', 'Kongens gate', 'Strandveien', 'Parkveien', 'Skolegata',
  'Industriveien', 'Fjordgata', 'Bryggen', 'Torggata', 'Sjøgata', 'Løkkeveien', 'Nedre Slottsgate',
] as const;

export const PRODUCT_WORDS = [
  'Konsulenttime', 'Serviceavtale', 'Lisens', 'Installasjon', 'Reservedel', 'Kabel', 'Rørkobling', 'Maling',
  'Trevirke', 'Skruer', 'Vedlikehold', 'Opplæring', 'Frakt', 'Leie av lift', 'Kaffe', 'Rådgivning',
] as const;

export function slug(text: string): string {
  let out = text.toLowerCase().replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a');
  // normalize() is slow; only names with other accents need it.
  if (/[^\x00-\x7f]/.test(out)) out = out.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return out.replace(/[^a-z0-9]+/g, '').slice(0, 24);
}

function mod11(digits: string, weights: readonly number[]): number | undefined {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * weights[i]!;
  const rest = 11 - (sum % 11);
  if (rest === 11) return 0;
  if (rest === 10) return undefined;
  return rest;
}

/** A nine-digit organisation number starting with 8 or 9, with a valid MOD11 check digit. */
export function organizationNumber(rng: Rng): string {
  for (;;) {
    const base = String(rng.int(8, 9)) + rng.digits(7);
    const check = mod11(base, [3, 2, 7, 6, 5, 4, 3, 2]);
    if (check !== undefined) return base + String(check);
  }
}

/** An eleven-digit Norwegian bank account number with a valid MOD11 check digit. */
export function bankAccountNumber(rng: Rng): string {
  for (;;) {
    const base = rng.pick(['1503', '1506', '1607', '3000', '9710', '1254', '1813']) + rng.digits(6);
    const check = mod11(base, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (check !== undefined) return base + String(check);
  }
}

/** A KID number: the digits followed by their MOD10 (Luhn) check digit. */
export function kid(base: string): string {
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    let d = Number(base[base.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return base + String((10 - (sum % 10)) % 10);
}

export function phoneNumber(rng: Rng, mobile: boolean): string {
  return mobile ? String(rng.pick([4, 9])) + rng.digits(7) : String(rng.pick([2, 3, 5, 7])) + rng.digits(7);
}

export function streetAddress(rng: Rng): string {
  return `${rng.pick(STREETS)} ${rng.int(1, 120)}${rng.chance(0.15) ? rng.pick(['A', 'B', 'C']) : ''}`;
}

export function personName(rng: Rng): { firstName: string; lastName: string } {
  return { firstName: rng.pick(FIRST_NAMES), lastName: rng.pick(LAST_NAMES) };
}

export function companyName(rng: Rng): { name: string; form: string } {
  const form = rng.pick(COMPANY_FORMS);
  const style = rng.int(0, 2);
  let stem: string;
  if (style === 0) stem = `${rng.pick(NAME_STEMS)} ${rng.pick(TRADES)}`;
  else if (style === 1) stem = `${rng.pick(LAST_NAMES)} ${rng.pick(TRADES)}`;
  else stem = `${rng.pick(LAST_NAMES)} & ${rng.pick(LAST_NAMES)}`;
  return { name: `${stem} ${form}`, form };
}

/** Whole kroner with øre, as a number with two decimals. */
export function amount(rng: Rng, min: number, max: number): number {
  return Math.round((min + rng.next() * (max - min)) * 100) / 100;
}
