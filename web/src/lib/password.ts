// Password strength shown while typing. The server decides (accounts/passwords.py: at least 10
// characters, not a common password, at least 4 different characters, not the e-mail); this
// mirrors those rules so the form can say why before submitting, and adds a 0–4 strength score.

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem = "too_short" | "too_long" | "too_common" | "too_few_distinct" | "is_email";

export interface PasswordCheck {
  /** 0 (unusable) … 4 (strong). */
  score: 0 | 1 | 2 | 3 | 4;
  problems: PasswordProblem[];
}

// A few of the server's list, enough to catch the usual suspects as they are typed.
const COMMON = new Set([
  "1234567890", "0123456789", "0987654321", "1111111111", "0000000000", "qwertyuiop",
  "1q2w3e4r5t", "1qaz2wsx3edc", "password12", "password123", "password1234", "qwerty1234",
  "qwerty12345", "qwerty123456", "iloveyou123", "administrator", "abcdefghij", "bitcoin123",
  "bitcoin1234", "crypto1234", "binance123", "tothemoon123", "wickwatch", "wickwatch1",
  "wickwatch123", "passwordpassword", "aaaaaaaaaa", "9876543210", "letmein123", "welcome123",
]);

export function checkPassword(password: string, email?: string): PasswordCheck {
  const problems: PasswordProblem[] = [];
  const folded = password.toLowerCase();
  if (password.length < MIN_PASSWORD_LENGTH) problems.push("too_short");
  if (password.length > MAX_PASSWORD_LENGTH) problems.push("too_long");
  if (COMMON.has(folded)) problems.push("too_common");
  if (password.length > 0 && new Set(folded).size < 4) problems.push("too_few_distinct");
  if (email) {
    const e = email.toLowerCase();
    const local = e.split("@")[0] ?? "";
    if (folded === e || (local.length >= 4 && folded === local)) problems.push("is_email");
  }
  if (problems.length > 0) return { score: 0, problems };
  let classes = 0;
  if (/[a-zа-яё]/.test(password)) classes++;
  if (/[A-ZА-ЯЁ]/.test(password)) classes++;
  if (/\d/.test(password)) classes++;
  if (/[^\p{L}\d]/u.test(password)) classes++;
  const distinct = new Set(folded).size;
  let score = 1;
  if (password.length >= 12 && classes >= 2 && distinct >= 6) score = 2;
  if (password.length >= 14 && classes >= 3 && distinct >= 8) score = 3;
  if ((password.length >= 18 && distinct >= 10) || (password.length >= 16 && classes >= 4)) score = 4;
  return { score: score as PasswordCheck["score"], problems };
}
