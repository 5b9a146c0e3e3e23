// Tripletex answers partly in Norwegian ("Validering feilet.", "Kan ikke være null."). Its words
// stay in every message as they came, since they are what Tripletex support and search engines
// know; an English explanation goes beside them for the messages known here. A message not
// known here is shown as it came.

const GLOSSARY: [RegExp, string | ((match: RegExpExecArray) => string)][] = [
  [/^validering feilet$/iu, 'validation failed'],
  [/^kan ikke være null$/iu, 'is required: it cannot be empty'],
  [/^ugyldig forespørsel$/iu, 'invalid request'],
  [/^metoden er ikke tillatt$/iu, 'this method is not allowed here'],
  [/^objektet er endret av en annen bruker$/iu, 'the object was changed by someone else; read it again and send its new version'],
  [/^objektet ble ikke funnet$/iu, 'the object was not found'],
  [/^for mange forespørsler$/iu, 'too many requests'],
  [/^tjenesten er midlertidig utilgjengelig$/iu, 'the service is unavailable for the moment'],
  [/^tjenesten svarte ikke i tide$/iu, 'the service did not answer in time'],
  [/^feil$/iu, 'error'],
  [/^feilsituasjon( - tripletex)?$/iu, 'error'],
  [/^det oppstod en uventet feil hos tripletex/iu, 'an unexpected error happened at Tripletex'],
  [/^brukeren har ikke tilgang til api(-et)?$/iu, 'the user has no access to the API'],
  [/^du har ikke tilgang til denne funksjonen$/iu, 'you have no access to this feature'],
  [/^verdien må være et heltall$/iu, 'the value must be a whole number'],
  [/^verdien kan ikke være negativ$/iu, 'the value cannot be negative'],
  [/^ugyldig dato, bruk formatet åååå-mm-dd$/iu, 'not a date: use the form YYYY-MM-DD'],
  [/^til-dato \(ikke inkludert\) må være etter fra-dato$/iu, 'the To date, which is not included, must be after the From date'],
  [/^ugyldig id$/iu, 'not a valid id'],
  [/^må være en liste med heltall$/iu, 'must be a list of whole numbers'],
  [/^må være true eller false$/iu, 'must be true or false'],
  [/^feltet eksisterer ikke i objektet$/iu, 'the object has no such field'],
  [/^ugyldig verdi$/iu, 'invalid value'],
  [/^feltet må fylles ut$/iu, 'the field must be filled in'],
  [/^ugyldig json$/iu, 'the body is not valid JSON'],
  [/^utløpsdatoen kan ikke være tilbake i tid$/iu, 'the expiration date cannot be in the past'],
  [/^ugyldig sortering: (.+)$/iu, (match) => `invalid sorting: ${match[1]}`],
];

/** What a Norwegian message of Tripletex's says, in English; undefined for text not known here. */
export function inEnglish(text: string): string | undefined {
  const key = text.trim().replace(/[.\s]+$/, '');
  for (const [pattern, english] of GLOSSARY) {
    const match = pattern.exec(key);
    if (match) return typeof english === 'string' ? english : english(match);
  }
  return undefined;
}

/** The text as Tripletex wrote it, followed by what it means when it is a known Norwegian message. */
export function withEnglish(text: string): string {
  const english = inEnglish(text);
  return english === undefined ? text : `${text} (in English: ${english})`;
}
