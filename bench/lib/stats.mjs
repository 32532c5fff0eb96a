// Medians with min-max, and the cells of the Markdown tables.

export function median(values) {
  const sorted = values.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** { median, min, max, n } of the numeric values (null when none). */
export function summary(values) {
  const numbers = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  if (numbers.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: median(numbers), min: Math.min(...numbers), max: Math.max(...numbers), n: numbers.length };
}

function round(value, digits) {
  if (value === null) return '–';
  const fixed = value.toFixed(digits);
  // Thousands separators for the integer part.
  const [whole, fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "median (min–max)", or the one value when they are all equal. */
export function cell(values, digits = 0, unit = '') {
  const { median: mid, min, max, n } = summary(values);
  if (n === 0) return 'none';
  const missing = values.length - n;
  const main = `${round(mid, digits)}${unit}`;
  const spread = round(min, digits) === round(max, digits) ? '' : ` (${round(min, digits)}–${round(max, digits)})`;
  return `${main}${spread}${missing > 0 ? ` [${missing}× none]` : ''}`;
}

/** The values seen, most frequent first: "0", or "1 ×2, 0 ×1". */
export function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0];
  return [...counts].sort((a, b) => b[1] - a[1]).map(([value, count]) => `${value} ×${count}`).join(', ');
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `fn(a[i], b[i])` for each repetition where both runs measured something. */
export function paired(a, b, fn) {
  return a.flatMap((value, i) => (typeof value === 'number' && typeof b[i] === 'number' ? [fn(value, b[i])] : []));
}

/**
 * A target's verdict from one measure's runs: "met" when every run meets it, "missed" when none
 * does, "inconclusive" when the runs fall on both sides (the spread covers the target) or
 * there are none.
 */
export function verdict(values, meets) {
  const numbers = values.filter((value) => typeof value === 'number' && !Number.isNaN(value));
  if (numbers.length === 0) return 'inconclusive';
  const meeting = numbers.filter(meets).length;
  return meeting === numbers.length ? 'met' : meeting === 0 ? 'missed' : 'inconclusive';
}

/** One verdict from several measures of the same target: theirs if they agree, else "inconclusive". */
export function agree(verdicts) {
  return verdicts.every((v) => v === verdicts[0]) ? verdicts[0] : 'inconclusive';
}

/**
 * The verdict of a target that one failing run disproves (a request failed, work lost, the log
 * cut, a wrong exit code): these counts are not noise. "inconclusive" only with no runs.
 */
export function everyRun(values, meets) {
  const numbers = values.filter((value) => typeof value === 'number' && !Number.isNaN(value));
  if (numbers.length === 0) return 'inconclusive';
  return numbers.every(meets) ? 'met' : 'missed';
}
