/**
 * Regular expressions (for the description's `pattern`) that match the decimal forms of the
 * whole numbers from `lo` to `hi`, so that a form field's string form can be described as
 * exactly as its JSON integer form. Leading zeros are the caller's business.
 */
export function wholeNumberPattern(
  lo: number,
  hi: number,
  options: { even?: boolean } = {},
): string {
  const even = options.even === true;
  const parts: string[] = [];
  for (let from = lo; from <= hi;) {
    const top = Math.min(hi, 10 ** String(from).length - 1);
    parts.push(...sameLength(String(from), String(top), even));
    from = top + 1;
  }
  return `(?:${parts.join('|')})`;
}

/** Alternatives for the numbers from `lo` to `hi`, written with the same number of digits. */
function sameLength(lo: string, hi: string, even: boolean): string[] {
  const length = lo.length;
  const first = Number(lo[0]);
  const last = Number(hi[0]);
  if (length === 1) {
    const digit = digitClass(first, last, even);
    return digit === undefined ? [] : [digit];
  }
  const rest = (from: string, to: string) => sameLength(from, to, even);
  if (first === last) return rest(lo.slice(1), hi.slice(1)).map((tail) => `${first}${tail}`);
  const parts = rest(lo.slice(1), '9'.repeat(length - 1)).map((tail) => `${first}${tail}`);
  if (first + 1 <= last - 1) {
    const middle = first + 1 === last - 1 ? `${first + 1}` : `[${first + 1}-${last - 1}]`;
    parts.push(`${middle}${anyDigits(length - 1, even)}`);
  }
  parts.push(...rest('0'.repeat(length - 1), hi.slice(1)).map((tail) => `${last}${tail}`));
  return parts;
}

function digitClass(from: number, to: number, even: boolean): string | undefined {
  const digits: number[] = [];
  for (let digit = from; digit <= to; digit++) if (!even || digit % 2 === 0) digits.push(digit);
  if (digits.length === 0) return undefined;
  if (digits.length === 1) return String(digits[0]);
  return even ? `[${digits.join('')}]` : `[${from}-${to}]`;
}

function anyDigits(count: number, even: boolean): string {
  const lastDigit = even ? '[02468]' : '\\d';
  if (count === 1) return lastDigit;
  return `\\d{${count - 1}}${lastDigit}`;
}
