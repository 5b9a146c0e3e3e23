// Where a flow, a workspace or a command takes the NAME of an environment variable, people
// sometimes paste the value instead: a token in {"$env": "eyJ0b2tlbklk…"}, or in
// --consumer-token-env. Such a "name" must never be saved into a file, or printed as a
// variable that is not set. This one function decides, for every place a name is read: the
// CLI's flags, the host's flow and workspace loaders, and the designer's saves (its page can
// call it too, to warn at the field).

/** What a variable name may look like in a flow ({"$env": NAME}). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Tokens are long runs of mixed-case letters and digits (base64, hex, UUIDs); variable names are
 * words joined by _ and usually upper case. A name-shaped token is still a token, and base64 of
 * JSON ("eyJ…", what Tripletex tokens are, "test-eyJ…" in the test environment) is one whatever
 * its length. Surrounding white space (a paste) does not change the verdict.
 */
export function looksLikeToken(text: string): boolean {
  const value = text.trim();
  if (/^(test-)?eyJ[A-Za-z0-9+/=_-]{13,}$/.test(value)) return true;
  if (value.length < 20 || /\s/.test(value)) return false;
  // Not name-shaped (dashes of a UUID, base64 padding) and long: a value, not a name.
  if (!ENV_NAME_PATTERN.test(value)) return true;
  return !value.includes('_') && /[a-z]/.test(value) && /\d/.test(value);
}

/** Whether value can be an environment variable's name: letters, digits and _, not a token. */
export function isEnvName(value: string): boolean {
  return ENV_NAME_PATTERN.test(value) && !looksLikeToken(value);
}

/** The problem with a would-be variable name, in words that never repeat it; undefined when it is a name. */
export function envNameProblem(value: string): string | undefined {
  if (isEnvName(value)) return undefined;
  if (!looksLikeToken(value) && value.length <= 64 && !/[^\x21-\x7e]/.test(value) && !/[+/=]/.test(value)) {
    return 'must be an environment variable name (letters, digits and _, not starting with a digit)';
  }
  return 'holds what looks like a token or another value, not the name of an environment variable (it is not shown or saved): put the value in a variable and give the variable\'s name here';
}
