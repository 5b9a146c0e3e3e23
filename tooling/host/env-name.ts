// A secret input of a flow step holds the *name* of an environment variable, never the secret.
// People paste the token itself there all the same; this tells the two apart, so the token can
// be refused (never shown back, never saved) with advice instead of being taken for a name.
// Pure and dependency-free: the designer's page uses it as well as the host.

/** What a variable name may look like in a flow ({"$env": NAME}). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * True for text that is a secret rather than a variable's name: Tripletex tokens are base64 of
 * JSON ("eyJ0b2tlbklk…"), often with "=", "+", "/" or "-" in them; a long run of mixed-case
 * letters and digits without an underscore is one too. Conventional names (MY_TRIPLETEX_TOKEN,
 * tripletex_token, TOKEN2) are not.
 */
export function looksLikeToken(text: string): boolean {
  const value = text.trim();
  if (value.length < 16) return false;
  if (/^(test-)?eyJ[A-Za-z0-9+/=_-]{10,}/.test(value)) return true;
  if (!ENV_NAME_PATTERN.test(value)) return !/\s/.test(value) && value.length >= 20;
  return value.length >= 20 && !value.includes('_') && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value);
}
